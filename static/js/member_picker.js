// Group members: filter a long checkbox list, tick or untick what is shown, count the ticks.
// Loaded with `defer` by accounts/admin/group_detail.html; no inline scripts (CSP).
(function () {
  "use strict";
  var picker = document.querySelector("[data-member-picker]");
  if (!picker) return;
  var tools = picker.querySelector("[data-picker-tools]");
  var filter = picker.querySelector("[data-member-filter]");
  var onlySelected = picker.querySelector("[data-only-selected]");
  var status = picker.querySelector("[data-shown-status]");
  var selectedCount = picker.querySelector("[data-selected-count]");
  var options = Array.prototype.slice.call(picker.querySelectorAll("[data-member-option]"));

  function checkbox(option) {
    return option.querySelector("input[type=checkbox]");
  }

  function shownOptions() {
    return options.filter(function (option) { return !option.hidden; });
  }

  function countSelected() {
    selectedCount.textContent = options.filter(function (option) { return checkbox(option).checked; }).length;
  }

  function applyFilter() {
    var terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    options.forEach(function (option) {
      var text = option.dataset.search || "";
      var matches = terms.every(function (term) { return text.indexOf(term) !== -1; });
      if (onlySelected.checked && !checkbox(option).checked) matches = false;
      option.hidden = !matches;
    });
    var shown = shownOptions().length;
    status.textContent = shown === options.length ? "" : "Showing " + shown + " of " + options.length + " people.";
  }

  function tickShown(checked) {
    shownOptions().forEach(function (option) { checkbox(option).checked = checked; });
    countSelected();
    applyFilter();
  }

  tools.hidden = false;  // The tools need this script; without it the plain list still works.
  filter.addEventListener("input", applyFilter);
  // Enter in the search box filters; it must not submit the form.
  filter.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });
  onlySelected.addEventListener("change", applyFilter);
  picker.querySelector("[data-select-shown]").addEventListener("click", function () { tickShown(true); });
  picker.querySelector("[data-clear-shown]").addEventListener("click", function () { tickShown(false); });
  picker.addEventListener("change", function (event) {
    if (event.target.matches("[data-member-option] input[type=checkbox]")) countSelected();
  });
  countSelected();
})();
