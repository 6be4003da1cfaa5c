// Keep the job list and a job's page current without a reload: statuses, progress,
// restores finishing, and (on the list's first page) jobs submitted elsewhere.
(function () {
  "use strict";
  const live = document.getElementById("jobs-live") || document.getElementById("job");
  if (!live) return;
  const detail = live.id === "job";
  const watchNew = !detail && live.dataset.watchNew === "1";
  const FAST = 2000; // while a job is pending or running
  const SLOW = 5000; // while only a restore or new jobs are awaited

  const running = (el) => ["PENDING", "RUNNING"].includes(el.dataset.jobStatus);
  // A job page also watches archived results: an upgrade elsewhere starts their restore.
  const watched = (el) => running(el) || el.dataset.results === "restoring" ||
    (detail && el.dataset.results === "archived");
  const rows = () => (detail ? [live] : Array.from(live.querySelectorAll("tr[data-job-id]")));

  function changed(el, job) {
    return !job || job.job_status !== el.dataset.jobStatus || job.results !== el.dataset.results ||
      (job.restore_tier || "") !== (el.dataset.restoreTier || "");
  }

  function paintProgress(el, job) {
    const progress = el.querySelector("[data-progress]");
    if (progress) {
      progress.textContent =
        job.job_status === "RUNNING" && job.progress_variants ? job.progress_variants + " variants" : "";
    }
  }

  // Redraw the list from the server: the page's own template, so there is one way to draw a row.
  async function refreshList() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const list = fresh.getElementById("jobs-list");
    const freshLive = fresh.getElementById("jobs-live");
    if (!list || !freshLive) return;
    document.getElementById("jobs-list").replaceWith(list);
    live.dataset.newest = freshLive.dataset.newest;
  }

  async function poll() {
    if (document.hidden) {
      // A tab in the background asks nothing; it catches up as soon as it is shown.
      document.addEventListener("visibilitychange", poll, { once: true });
      return;
    }
    const waiting = rows().filter(watched);
    if (!waiting.length && !watchNew) return;
    const params = new URLSearchParams({ ids: waiting.map((el) => el.dataset.jobId).join(",") });
    if (watchNew) params.set("newest", live.dataset.newest || "");
    try {
      const response = await fetch(live.dataset.statusUrl + "?" + params, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.ok) {
        const answer = await response.json();
        const moved = waiting.some((el) => changed(el, answer.jobs[el.dataset.jobId]));
        waiting.forEach((el) => answer.jobs[el.dataset.jobId] && paintProgress(el, answer.jobs[el.dataset.jobId]));
        if (moved && detail) {
          // Results, log and charts appear with the new state: draw the page again.
          window.location.reload();
          return;
        }
        if (moved || answer.new_jobs) await refreshList();
      }
    } catch (err) {
      // Offline for a moment: try again on the next tick.
    }
    schedule();
  }

  function schedule() {
    const all = rows();
    if (!all.some(watched) && !watchNew) return;
    window.setTimeout(poll, all.some(running) ? FAST : SLOW);
  }

  schedule();
})();
