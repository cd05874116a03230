// Listening results: the four-quarter trend as two charts. The figures come from
// json_script ("listening-trend-data"); the same figures are in the table under the
// charts, which is what screen readers and printouts use. A quarter below the
// anonymity threshold is null here and leaves a gap.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("listening-trend-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var palette = ["#0d6efd", "#198754", "#d63384", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"];
    var pulseCanvas = document.getElementById("listening-pulse-chart");
    if (pulseCanvas && data.promises.length) {
      new window.Chart(pulseCanvas, {
        type: "line",
        data: {
          labels: data.quarters,
          datasets: data.promises.map(function (text, index) {
            return {
              label: text,
              data: data.pulse.map(function (point) { return point[index]; }),
              borderColor: palette[index % palette.length],
              backgroundColor: palette[index % palette.length],
              spanGaps: false,
              tension: 0.2
            };
          })
        },
        options: {
          responsive: true,
          scales: { y: { min: 1, max: 5, title: { display: true, text: "Average rating" } } },
          plugins: { legend: { position: "bottom" } }
        }
      });
    }
    var respondentsCanvas = document.getElementById("listening-respondents-chart");
    if (respondentsCanvas) {
      new window.Chart(respondentsCanvas, {
        type: "bar",
        data: {
          labels: data.quarters,
          datasets: [{ label: "Survey respondents", data: data.respondents, backgroundColor: palette[0] }]
        },
        options: {
          responsive: true,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { display: false } }
        }
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
