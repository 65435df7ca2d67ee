/* ParkMatch: the only script. Pages work without it; it re-ranks as soon as a weight slider is let go. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=range]").forEach(function (slider) {
    slider.addEventListener("input", function () {
      var output = slider.nextElementSibling;
      if (output && output.tagName === "OUTPUT") { output.value = slider.value; }
    });
  });
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && (target.type === "range" || target.tagName === "SELECT")) {
        form.classList.add("busy");
        form.submit();
      }
    });
  });
})();
