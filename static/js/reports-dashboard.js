// Executive dashboard and KPI drill-down: the trend charts (figures from json_script,
// "reports-dashboard-data" or "reports-kpi-data"; the same figures are in the tables
// for screen readers and printouts), the KPI progress bars, and the period/segment
// picker that reloads on change and shows it is loading. Unknown figures are null and
// leave a gap in a line: they are never drawn as zero.
(function () {
  "use strict";
  var palette = { blue: "#0d6efd", green: "#198754", grey: "#adb5bd", orange: "#fd7e14", purple: "#6f42c1" };

  function read(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function label(iso, grain) {
    var date = new Date(iso + "T00:00:00");
    var text = date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
    return grain === "week" ? "w/c " + text : text;
  }

  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas || typeof window.Chart === "undefined") return;
    config.options = Object.assign(
      {
        responsive: true,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { position: "bottom" } }
      },
      config.options || {}
    );
    canvas.parentElement.classList.add("report-chart-ready");
    new window.Chart(canvas, config);
  }

  function line(name, values, colour, extra) {
    return Object.assign(
      { label: name, data: values, borderColor: colour, backgroundColor: colour, spanGaps: false, tension: 0.2, pointRadius: 0 },
      extra || {}
    );
  }

  function dashboard(data) {
    var labels = data.labels.map(function (iso) { return label(iso, data.grain); });
    var counts = { y: { beginAtZero: true, ticks: { precision: 0 } } };
    chart("conversions-chart", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Attributed", data: data.conversions_attributed, backgroundColor: palette.blue, stack: "c" },
          { label: "Not attributed", data: data.conversions_unattributed, backgroundColor: palette.grey, stack: "c" }
        ]
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });
    chart("reach-chart", {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          line("Impressions", data.impressions, palette.purple, { yAxisID: "y" }),
          line("Engagements", data.engagement, palette.orange, { yAxisID: "y1" })
        ]
      },
      options: {
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: "Impressions" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Engagements" } }
        }
      }
    });
    chart("clicks-chart", {
      type: "line",
      data: {
        labels: labels,
        datasets: [
          line("Clicks", data.clicks, palette.blue),
          line("Unique clicks", data.unique_clicks, palette.grey),
          line("Shares posted", data.shares_posted, palette.green)
        ]
      },
      options: { scales: counts }
    });
    chart("participation-chart", {
      type: "bar",
      data: {
        labels: data.participation.labels,
        datasets: [
          { label: "Posted a share", data: data.participation.sharers, backgroundColor: palette.green, stack: "p" },
          { label: "Did not", data: data.participation.others, backgroundColor: palette.grey, stack: "p" }
        ]
      },
      options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } }
    });
  }

  function kpi(data) {
    var labels = data.labels.map(function (iso) { return label(iso, data.grain); });
    var datasets = [
      { type: "bar", label: data.name + (data.grain === "week" ? " per week" : " per day"), data: data.values, backgroundColor: palette.blue, yAxisID: "y" }
    ];
    var scales = { y: { beginAtZero: true, title: { display: true, text: data.unit } } };
    if (data.summed) {
      datasets.push(line("Running total", data.running, palette.green, { type: "line", yAxisID: "y1" }));
      datasets.push(line("Target", data.labels.map(function () { return data.target; }), palette.orange, { type: "line", yAxisID: "y1", borderDash: [6, 4] }));
      scales.y1 = { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Total" } };
    }
    chart("kpi-chart", { type: "bar", data: { labels: labels, datasets: datasets }, options: { scales: scales } });
  }

  function progressBars() {
    document.querySelectorAll("[data-report-width]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-report-width") + "%";
    });
  }

  function picker() {
    var form = document.getElementById("report-filter");
    if (!form) return;
    var period = form.querySelector("select[name=period]");
    function toggleDates() {
      var custom = period && period.value === "custom";
      form.querySelectorAll(".report-custom-dates").forEach(function (box) { box.classList.toggle("d-none", !custom); });
    }
    toggleDates();
    form.addEventListener("submit", function () {
      var spinner = form.querySelector("[data-report-loading]");
      if (spinner) spinner.classList.remove("d-none");
      document.body.setAttribute("aria-busy", "true");
    });
    form.querySelectorAll("[data-report-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        toggleDates();
        // Custom dates wait for both dates and the button.
        if (select === period && period.value === "custom") return;
        if (typeof form.requestSubmit === "function") form.requestSubmit(); else form.submit();
      });
    });
  }

  function start() {
    progressBars();
    picker();
    var data = read("reports-dashboard-data");
    if (data) dashboard(data);
    var kpiData = read("reports-kpi-data");
    if (kpiData) kpi(kpiData);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
