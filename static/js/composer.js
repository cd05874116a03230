// The share composer: "Use" puts a suggested caption in the text box for the employee to
// make their own; "Start blank" empties it. The live checks are htmx requests on input.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var use = event.target.closest("[data-use-caption]");
    var blank = event.target.closest("[data-start-blank]");
    if (!use && !blank) return;
    var form = document.getElementById("composer");
    var text = form.querySelector("textarea[name=text]");
    var caption = form.querySelector("input[name=caption]");
    text.value = use ? use.dataset.captionText : "";
    if (caption) caption.value = use ? use.dataset.useCaption : "";
    text.focus();
    text.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
