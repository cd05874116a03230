// My impact: people reached and visits per day, as a small two-axis chart. The figures
// come from json_script ("my-impact-data"); the totals are in the cards above it.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("my-impact-data");
    var canvas = document.getElementById("my-impact-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var narrow = window.innerWidth < 576;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.days,
        datasets: [
          { type: "line", label: "People reached", data: data.reach, borderColor: "#0d6efd", backgroundColor: "#0d6efd", yAxisID: "reach", tension: 0, pointRadius: 0, borderWidth: 2 },
          { type: "bar", label: "Visits", data: data.clicks, backgroundColor: "#20c997", yAxisID: "clicks" }
        ]
      },
      options: {
        responsive: true,
        aspectRatio: narrow ? 1.3 : 3.2,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: narrow ? 4 : 8, maxRotation: 0 } },
          reach: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
          clicks: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false } }
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
