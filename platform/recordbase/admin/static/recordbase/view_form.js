/* The view form: only the chosen kind's options are shown (the others are not sent). */
(function () {
  "use strict";
  var kind = document.querySelector(".rb-view-form select[name=kind]");
  if (!kind) { return; }
  function show() {
    document.querySelectorAll(".rb-kind-options").forEach(function (set) {
      var on = set.getAttribute("data-kind") === kind.value;
      set.hidden = !on;
      set.disabled = !on;
    });
  }
  kind.addEventListener("change", show);
  show();
}());
