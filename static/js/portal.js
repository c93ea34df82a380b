/* The portal's own script. The Content-Security-Policy forbids inline style attributes, so
   the width of each chart bar is written as data-bar-width="42.5" (percent of the largest
   bar) and set here through the DOM, which the policy allows; htmx's "htmx:load" event
   covers the fragments it swaps in (the follow-up funnel). It also makes a comment box
   required for one outcome only (below), and brings a page's error summary into view and
   focus when the page loads, so its errors are read first. */
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

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
    }
  }

  /* After an htmx swap, keyboard and screen reader users keep their place. Each live region
     that announces a result (role="status") lives outside the swapped element and an
     out-of-band swap updates its text, so it outlives the swap. Focus: a filter that
     refreshes a list keeps it on the control, which is outside the list; when the swap took
     the focused element away (the button that sent a form, a pagination link), focus goes,
     in the region swapped in, to
       1. after a form was posted, its first field in error (aria-invalid), even when htmx
          kept the focus on the button;
       2. the element whose id the region's or one of its elements' data-focus-after-swap
          attribute names (the element itself when the attribute is empty), e.g. the note box
          again, ready for the next note, while the status says the note was added;
       3. the control that had the focus, when the swap brought back one with its id (the
          sort link of a column, after the list was sorted by it);
       4. its first heading or caption, else the region itself (made focusable with
          tabindex="-1"), e.g. the results' heading after a pagination link.
     htmx fires htmx:afterSettle on each element it swapped in, with the request's details:
     the first one does the work. */
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  var settledRequest = null;

  function focusSwapped(element) {
    if (!element.matches(FOCUSABLE)) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  }

  function swapFocusTarget(region) {
    var marked = region.matches("[data-focus-after-swap]") ?
      region : region.querySelector("[data-focus-after-swap]");
    if (marked) {
      var name = marked.getAttribute("data-focus-after-swap");
      var named = name ? document.getElementById(name) : marked;
      if (named) {
        return named;
      }
    }
    var again = focusedBeforeSwap && document.getElementById(focusedBeforeSwap);
    if (again && region.contains(again)) {
      return again;  // the same control, which the swap brought back (a column's sort link)
    }
    return region.querySelector("h1, h2, h3, h4, h5, h6, caption") || region;
  }

  /* The id of the element that had the focus when htmx swapped: when the swap takes that
     element away and brings back one with the same id (a list sorted by a column's link:
     the new list has the same link, now saying the other direction), focus returns to it. */
  var focusedBeforeSwap = null;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusedBeforeSwap = active && active !== document.body && active.id ? active.id : null;
  });

  /* What a swap brings for the person to work on next takes the focus even when the button
     that asked for it is still there: an element marked data-take-focus (the note box a ready
     answer was inserted into, the new row « Add a position » appended), or its first field.
     The mark is removed once used, so that a later swap of the same region does not go back
     to it. */
  function takeFocus(region) {
    var marked = region.matches("[data-take-focus]") ?
      region : region.querySelector("[data-take-focus]");
    if (!marked) {
      return null;
    }
    marked.removeAttribute("data-take-focus");
    if (marked.matches(FOCUSABLE)) {
      return marked;
    }
    return marked.querySelector("input:not([type=hidden]), select, textarea") || marked;
  }

  function focusAfterSwap(event) {
    var detail = event.detail || {};
    if (detail === settledRequest) {
      return;
    }
    settledRequest = detail;
    var id = detail.target && detail.target.id;
    var region = id ? document.getElementById(id) : null;
    if (!region || region === document.body) {
      return;
    }
    var posted = detail.requestConfig && detail.requestConfig.verb === "post";
    var invalid = posted && region.querySelector("[aria-invalid=true]");
    if (invalid) {
      invalid.focus();
      return;
    }
    var taken = takeFocus(region);
    if (taken) {
      taken.focus();
      return;
    }
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) {
      return;
    }
    focusSwapped(swapFocusTarget(region));
  }

  document.addEventListener("htmx:afterSettle", focusAfterSwap);

  /* The main menu on a narrow screen (phone, or a laptop zoomed to 200 % and more): folded
     behind a « Menu » button that says whether it is open (aria-expanded) and which list it
     opens (aria-controls); Escape closes it and gives the focus back to the button. The
     stylesheet hides the button, and shows the list, on wider screens; without this script
     the menu simply stays open. The button's word comes from the page's language
     (data-menu-label on the <nav>). */
  function menuButton() {
    var nav = document.querySelector(".main-nav[data-menu-label]");
    var list = nav && nav.querySelector("ul");
    if (!list || nav.querySelector(".main-nav__toggle")) {
      return;
    }
    list.id = list.id || "main-menu-list";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "main-nav__toggle";
    button.textContent = nav.getAttribute("data-menu-label");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", list.id);
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" &&
          window.getComputedStyle(button).display !== "none") {
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
    nav.insertBefore(button, list);
    nav.classList.add("main-nav--collapsible");
  }

  document.addEventListener("DOMContentLoaded", function () {
    menuButton();
    sizeBars(document);
    requireForOutcome(document);
    focusErrorSummary();
  });
  document.addEventListener("htmx:load", function (event) {
    sizeBars(event.target);
    requireForOutcome(event.target);
  });
})();
