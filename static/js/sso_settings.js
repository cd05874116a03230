// Single sign-on connection form: show the fields of the chosen protocol only.
(function () {
  "use strict";
  var form = document.querySelector("[data-sso-form]");
  if (!form) return;
  var fixed = form.querySelector("[data-sso-protocol-fixed]");
  function chosen() {
    if (fixed) return fixed.value;
    var radio = form.querySelector("input[name=protocol]:checked");
    return radio ? radio.value : "oidc";
  }
  function update() {
    var protocol = chosen();
    form.querySelectorAll("[data-sso-protocol]").forEach(function (fieldset) {
      fieldset.hidden = fieldset.dataset.ssoProtocol !== protocol;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "protocol") update();
  });
  update();
})();
