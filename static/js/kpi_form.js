// KPI form: the conversion type only matters for a KPI measured by conversions, so it
// is shown only then (the server ignores it for a KPI measured by values).
(function () {
  "use strict";
  function sync() {
    var measure = document.getElementById("id_measure");
    var kind = document.getElementById("id_conversion_kind");
    if (!measure || !kind) return;
    var wrapper = kind.closest(".mb-3");
    var byConversions = measure.value !== "values";
    if (wrapper) wrapper.hidden = !byConversions;
    kind.disabled = !byConversions;
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_measure") sync();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sync);
  } else {
    sync();
  }
})();
