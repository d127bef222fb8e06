/* The widget form (admin/dashboards/forms.py): each dimension's "dates by" bucket is shown only while
   that dimension is a date (the form's data-rb-dates: the type's date fields). A hidden bucket is
   cleared, so what is posted is what is seen; one the server refused stays in sight, with its reason,
   until its dimension changes. The server checks every bucket again. */
(function () {
  "use strict";
  var form = document.querySelector(".rb-widget-form");
  if (!form) { return; }
  var dates = JSON.parse(form.getAttribute("data-rb-dates") || "[]");
  form.querySelectorAll("select[data-rb-bucket-of]").forEach(function (bucket) {
    var dimension = form.querySelector("[name='" + bucket.getAttribute("data-rb-bucket-of") + "']");
    var group = bucket.closest(".form-group");
    if (!dimension || !group) { return; }
    var refused = !!group.querySelector(".invalid-feedback");  // (the server's reason stays in sight)
    function show() {
      var shown = dates.indexOf(dimension.value) >= 0 || refused;
      group.classList.toggle("d-none", !shown);
      if (!shown) { bucket.value = ""; }
      refused = false;
    }
    dimension.addEventListener("change", show);
    show();
  });
}());
