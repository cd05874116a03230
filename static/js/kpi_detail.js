// KPI detail: the KPI per day or week over the period, and — for a summed KPI — its
// running total against the prorated target. Figures from json_script ("kpi-chart-data");
// the values table under the chart holds the same figures for screen readers.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("kpi-chart-data");
    var canvas = document.getElementById("kpi-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var datasets = [{
      type: "bar",
      label: data.unit + " per " + data.grain,
      data: data.values,
      backgroundColor: "#0d6efd",
      yAxisID: "y"
    }];
    if (data.cumulative) {
      var running = 0;
      datasets.push({
        type: "line",
        label: "Running total",
        data: data.values.map(function (value) { running += value; return running; }),
        borderColor: "#198754",
        backgroundColor: "#198754",
        tension: 0.2,
        yAxisID: "y1"
      });
      datasets.push({
        type: "line",
        label: "Target for the period",
        data: data.values.map(function () { return data.target; }),
        borderColor: "#6c757d",
        borderDash: [6, 4],
        pointRadius: 0,
        yAxisID: "y1"
      });
    }
    new window.Chart(canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          y: { beginAtZero: true, position: "left" },
          y1: { beginAtZero: true, position: "right", display: data.cumulative, grid: { drawOnChartArea: false } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
