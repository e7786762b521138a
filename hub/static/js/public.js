// 网上信访 portal — small enhancements only; every page works without script (CSP: no inline
// script).
(function () {
  "use strict";

  // Move focus to an error summary so screen-reader users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  });

  // Townships: show only the chosen county's (all are listed, grouped, without script).
  document.addEventListener("DOMContentLoaded", function () {
    var county = document.getElementById("county");
    var township = document.getElementById("township_id");
    if (!county || !township || county.tagName !== "SELECT") { return; }
    function filter() {
      var groups = township.querySelectorAll("optgroup");
      for (var i = 0; i < groups.length; i++) {
        var show = !county.value || groups[i].getAttribute("data-county") === county.value;
        groups[i].hidden = !show;
        groups[i].disabled = !show;
      }
      var chosen = township.options[township.selectedIndex];
      if (chosen && chosen.parentNode.disabled) { township.value = ""; }
    }
    county.addEventListener("change", filter);
    filter();
  });

  // "打印" buttons: hidden until script can print.
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].hidden = false; }
  });
  document.addEventListener("click", function (evt) {
    var target = evt.target.closest ? evt.target.closest("[data-print]") : null;
    if (target) { evt.preventDefault(); window.print(); }
  });
})();
