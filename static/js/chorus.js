// Chorus: behaviour shared by every page. Loaded with `defer`; no inline scripts (CSP).
(function () {
  "use strict";
  // Disable a form's submit buttons while it is being sent, so a double tap does not submit twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.noDisable !== undefined) return;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
  });
  // After a rejected submit, put the keyboard on the first field that needs fixing.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("main form [aria-invalid=true]");
    if (invalid) invalid.focus();
  });
  // Ask before destructive actions: <form data-confirm="Deactivate this member?">.
  document.addEventListener("submit", function (event) {
    var message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
})();
