/* The portal's own script. The Content-Security-Policy forbids inline style attributes, so
   the width of each chart bar is written as data-bar-width="42.5" (percent of the largest
   bar) and set here through the DOM, which the policy allows; htmx's "htmx:load" event
   covers the fragments it swaps in (the follow-up funnel). */
(function () {
  "use strict";

  function sizeBars(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var bars = root.querySelectorAll("[data-bar-width]");
    if (root.matches && root.matches("[data-bar-width]")) {
      bars = [root].concat(Array.prototype.slice.call(bars));
    }
    Array.prototype.forEach.call(bars, function (bar) {
      var width = parseFloat(bar.getAttribute("data-bar-width"));
      if (isFinite(width)) {
        bar.style.width = Math.min(Math.max(width, 0), 100) + "%";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sizeBars(document);
  });
  document.addEventListener("htmx:load", function (event) {
    sizeBars(event.target);
  });
})();
