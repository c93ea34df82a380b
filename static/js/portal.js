/* The portal's own script. The Content-Security-Policy forbids inline style attributes, so
   the width of each chart bar is written as data-bar-width="42.5" (percent of the largest
   bar) and set here through the DOM, which the policy allows; htmx's "htmx:load" event
   covers the fragments it swaps in (the follow-up funnel). It also makes a comment box
   required for one outcome only (below). */
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

  /* A comment required for one outcome only (closing a case « resolved » with required
     steps of its checklist unticked): the page marks the box required, which is what a
     browser without this script enforces; here it is required only while that outcome, or
     none yet, is chosen. The server checks it either way. */
  function requireForOutcome(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var boxes = root.querySelectorAll("textarea[data-required-for-outcome]");
    Array.prototype.forEach.call(boxes, function (box) {
      var select = box.form && box.form.querySelector("select[name=outcome]");
      if (!select) {
        return;
      }
      var update = function () {
        box.required = !select.value ||
          select.value === box.getAttribute("data-required-for-outcome");
      };
      select.addEventListener("change", update);
      update();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sizeBars(document);
    requireForOutcome(document);
  });
  document.addEventListener("htmx:load", function (event) {
    sizeBars(event.target);
    requireForOutcome(event.target);
  });
})();
