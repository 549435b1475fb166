/* The pages' charts, drawn with Chart.js v4.6.1 (static/vendor/chart.umd.min.js, MIT licence,
   from the npm package chart.js@4.6.1). Each <canvas data-chart="name" data-source="id"> reads
   its figure from <script type="application/json" id="id">: labels, series (data, colour or one
   colour per point, line: true for a line over bars), horizontal, percent. No inline script. */
(function () {
  "use strict";

  function dataset(series, type) {
    const colour = series.colors || series.color;
    const set = {
      label: series.label,
      data: series.data,
      backgroundColor: colour,
      borderColor: series.line ? colour : undefined,
      borderWidth: series.line ? 2 : 0,
    };
    if (series.line) {
      set.type = "line";
      set.pointRadius = 0;
      set.fill = false;
      set.order = 0;
    } else if (type === "bar") {
      set.order = 1;
    }
    return set;
  }

  function options(spec) {
    const round = spec.type === "doughnut";
    const opts = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: round || spec.series.length > 1 } },
    };
    if (!round) {
      const value = { beginAtZero: true, ticks: { precision: 0 } };
      if (spec.percent) {
        value.max = 1;
        value.ticks = { callback: (v) => Math.round(v * 100) + "%" };
      }
      opts.indexAxis = spec.horizontal ? "y" : "x";
      opts.scales = spec.horizontal ? { x: value } : { y: value };
    }
    return opts;
  }

  function draw(canvas) {
    const source = document.getElementById(canvas.dataset.source);
    if (!source || typeof window.Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.series.map((s) => dataset(s, spec.type)) },
      options: options(spec),
    });
    canvas.dataset.drawn = "true";
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
