// Analytics settings: copy the snippet tag, the webhook address or a new secret.
// <button data-copy-target="<input id>" data-copied-label="Copied">.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.dataset.copyTarget);
    if (!field) return;
    field.select();
    var done = function () {
      button.setAttribute("aria-label", button.dataset.copiedLabel || "Copied");
      button.classList.replace("btn-outline-secondary", "btn-success");
      window.setTimeout(function () {
        button.classList.replace("btn-success", "btn-outline-secondary");
        button.removeAttribute("aria-label");
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
})();
