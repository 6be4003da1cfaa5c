// Draw a job's summary (variant classes, regions, per chromosome, known-ID rate) with Chart.js.
(function () {
  "use strict";
  const source = document.getElementById("summary-data");
  if (!source || typeof Chart === "undefined") return;
  const summary = JSON.parse(source.textContent);
  const PALETTE = ["#0b5563", "#3fb6a8", "#f2a541", "#e26d5c", "#6c8ead", "#9bc53d",
                   "#c3423f", "#5bc0eb", "#8e7dbe", "#fde74c", "#404e4d", "#d496a7"];
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  function sortedEntries(map, byKey) {
    const entries = Object.entries(map || {});
    if (byKey) return entries.sort((a, b) => chromosomeOrder(a[0]) - chromosomeOrder(b[0]));
    return entries.sort((a, b) => b[1] - a[1]);
  }

  function chromosomeOrder(name) {
    const bare = String(name).replace(/^chr/i, "");
    const n = Number(bare);
    if (!Number.isNaN(n)) return n;
    return { X: 23, Y: 24, M: 25, MT: 25 }[bare.toUpperCase()] || 100;
  }

  function draw(id, type, map, options) {
    const canvas = document.getElementById(id);
    // Zero slices draw a stray line in pies; bars keep every category.
    const entries = sortedEntries(map, options && options.byKey)
      .filter((e) => type === "bar" || e[1] > 0);
    if (!canvas || !entries.length) return;
    const many = type !== "bar";
    new Chart(canvas, {
      type: type,
      data: {
        labels: entries.map((e) => String(e[0]).replace(/_/g, " ")),
        datasets: [{
          label: "variants",
          data: entries.map((e) => e[1]),
          backgroundColor: many ? PALETTE : PALETTE[0],
          borderWidth: many && entries.length === 1 ? 0 : undefined,
        }],
      },
      options: {
        plugins: { legend: { display: many, position: "right" } },
        scales: many ? {} : { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  draw("chart-class", "doughnut", summary.by_class);
  draw("chart-region", "bar", summary.by_region);
  draw("chart-chromosome", "bar", summary.by_chromosome, { byKey: true });
  const known = summary.known_ids || 0;
  draw("chart-known", "pie", { "known rsID": known, novel: Math.max((summary.total || 0) - known, 0) });
})();
