// Keep status badges fresh without a reload while jobs are pending or running.
(function () {
  "use strict";
  const COLOURS = { PENDING: "secondary", RUNNING: "primary", COMPLETED: "success", FAILED: "danger" };
  const holder = document.getElementById("jobs-table") || document.getElementById("job");
  if (!holder) return;
  const detail = holder.id === "job";
  const rows = detail ? [holder] : Array.from(holder.querySelectorAll("tr[data-job-id]"));
  const active = (el) => ["PENDING", "RUNNING"].includes(el.dataset.jobStatus);

  function paint(el, job) {
    const badge = el.querySelector("[data-status-badge]");
    if (badge && job.not_annotated) {
      badge.className = "badge rounded-pill text-bg-warning";
      badge.textContent = "Not annotated";
    } else if (badge) {
      badge.className = "badge rounded-pill text-bg-" + (COLOURS[job.job_status] || "secondary");
      badge.textContent = job.job_status.charAt(0) + job.job_status.slice(1).toLowerCase();
    }
    const progress = el.querySelector("[data-progress]");
    if (progress) {
      progress.textContent =
        job.job_status === "RUNNING" && job.progress_variants ? job.progress_variants + " variants" : "";
    }
    const finished = el.querySelector("[data-finished]");
    if (finished && job.complete_time) {
      finished.textContent = new Date(job.complete_time * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
    }
    el.dataset.jobStatus = job.job_status;
  }

  async function poll() {
    const waiting = rows.filter(active);
    if (!waiting.length) return;
    const ids = waiting.map((el) => el.dataset.jobId).join(",");
    try {
      const response = await fetch(holder.dataset.statusUrl + "?ids=" + encodeURIComponent(ids), {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const { jobs } = await response.json();
        waiting.forEach((el) => {
          const job = jobs[el.dataset.jobId];
          if (!job) return;
          const finishedNow = !["PENDING", "RUNNING"].includes(job.job_status);
          paint(el, job);
          // The details page shows results, log and charts: reload it once the job is done.
          if (detail && finishedNow) window.location.reload();
        });
      }
    } catch (err) {
      // Offline for a moment: try again on the next tick.
    }
    if (rows.some(active)) window.setTimeout(poll, 2000);
  }

  if (rows.some(active)) window.setTimeout(poll, 1500);
})();
