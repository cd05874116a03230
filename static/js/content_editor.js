// The content item editor: small helpers around the form. Loaded with `defer`; no
// inline scripts or styles (CSP). Everything here is a convenience: the server checks
// the same things (content.forms.ItemForm, content.services).
//
// - The expiry field cannot be set before the publish time: its `min` follows the
//   publish field, so the browser's picker starts at the right day.
// - The live audience count and the preview polling are htmx attributes in the
//   templates; the caption counters are static/js/caption_counter.js.
(function () {
  "use strict";

  function syncExpiryMinimum() {
    var publish = document.getElementById("id_publish_at");
    var expiry = document.getElementById("id_expires_at");
    if (!publish || !expiry) return;
    if (publish.value) expiry.min = publish.value;
    else expiry.removeAttribute("min");
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncExpiryMinimum();
    var publish = document.getElementById("id_publish_at");
    if (publish) publish.addEventListener("input", syncExpiryMinimum);
  });
})();
