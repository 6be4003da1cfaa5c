// Draw a job's charts (numbers from the server, see gas_web/charts.py) with Chart.js:
// axis titles, counts and percentages on the chart itself, then the top genes from the API.
(function () {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const PALETTE = ["#0b5563", "#3fb6a8", "#f2a541", "#e26d5c", "#6c8ead", "#9bc53d",
                   "#c3423f", "#5bc0eb", "#8e7dbe", "#fde74c", "#404e4d", "#d496a7"];
  const IMPACT_COLOURS = { HIGH: "#c3423f", MODERATE: "#f2a541", LOW: "#3fb6a8", MODIFIER: "#6c8ead" };
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;
  if (typeof ChartDataLabels !== "undefined") Chart.register(ChartDataLabels);

  const percent = (n, total) => (total ? (100 * n / total).toFixed(1) : "0.0") + "%";
  const axis = (title, extra) => Object.assign({ title: { display: Boolean(title), text: title } }, extra || {});

  function draw(chart) {
    const canvas = document.getElementById(chart.id);
    if (!canvas || !chart.counts.length) return;
    const total = chart.total || chart.counts.reduce((a, b) => a + b, 0);
    const round = chart.kind === "doughnut" || chart.kind === "pie";
    const horizontal = chart.kind === "hbar";
    // Round charts carry "label: count (percent)" in their legend; bars carry it on each bar.
    const labels = round
      ? chart.labels.map((l, i) => l + ": " + chart.counts[i] + " (" + percent(chart.counts[i], total) + ")")
      : chart.labels;
    const colours = chart.id === "chart-impact"
      ? chart.labels.map((l) => IMPACT_COLOURS[l] || PALETTE[4])
      : (round ? PALETTE : PALETTE[0]);
    const countAxis = axis(chart.y_title, { beginAtZero: true, ticks: { precision: 0 }, grace: "15%" });
    new Chart(canvas, {
      type: round ? chart.kind : "bar",
      data: { labels: labels, datasets: [{ label: chart.y_title || "variants", data: chart.counts,
        backgroundColor: colours, borderWidth: round && chart.counts.length === 1 ? 0 : undefined }] },
      options: {
        indexAxis: horizontal ? "y" : "x",
        plugins: {
          legend: { display: round, position: "right" },
          datalabels: round ? { display: false } : {
            anchor: "end", align: horizontal ? "right" : "top", clamp: true, display: "auto",
            color: "#212529", font: { size: 11 },
            formatter: (n) => n + " (" + percent(n, total) + ")",
          },
        },
        scales: round ? {} : horizontal
          ? { x: countAxis, y: axis(chart.x_title) }
          : { x: axis(chart.x_title), y: countAxis },
      },
    });
  }

  JSON.parse(source.textContent).forEach(draw);

  // Top genes come from the job's gene table, through the same API a script would use.
  const genes = document.getElementById("top-genes");
  if (!genes) return;
  const empty = document.getElementById("chart-genes-empty");
  function showEmpty(why) {
    genes.querySelectorAll(".chart-box, table, p:not(#chart-genes-empty)").forEach((el) => { el.hidden = true; });
    empty.textContent = why;
    empty.hidden = false;
  }
  fetch(genes.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => r.json().then((body) => ({ ok: r.ok, body: body })))
    .then(({ ok, body }) => {
      if (!ok) return showEmpty(body.error || "The gene table could not be read.");
      const rows = body.rows.filter((r) => r.gene);
      if (!rows.length) return showEmpty("No variant falls in a gene of the reference.");
      const tbody = genes.querySelector("tbody");
      rows.forEach((r) => {
        const tr = tbody.insertRow();
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = r.gene;
        tr.appendChild(th);
        [r.variants, r.high || 0, r.moderate || 0].forEach((v) => { tr.insertCell().textContent = String(v); });
      });
      genes.dataset.drawn = String(rows.length);
      // Percentages of all the job's variants, not of these ten genes'.
      draw({ id: "chart-genes", kind: "hbar", x_title: "Gene", y_title: "Variants",
             total: Number(genes.dataset.total) || 0,
             labels: rows.map((r) => r.gene), counts: rows.map((r) => r.variants) });
    })
    .catch(() => showEmpty("The gene table could not be read."));
})();
