/* Names for the controls the Django admin's own scripts build without one (loaded on every
   admin page by templates/admin/base_site.html; checked by tests/browser/test_admin_accessible.py).

   - The search fields' icons of a « filter_horizontal » list (SelectFilter2.js) carry an
     aria-label on a bare <span>, which assistive technologies may ignore (ARIA forbids it):
     given role="img", the label is valid and names its search field.
   - An autocomplete field (select2, « autocomplete_fields ») is a combobox named only by its
     selected value, through a « textbox » that is not one: the combobox is named by the
     field's <label> then its value, and the read-only span loses its false role.

   The admin builds these when the page loads and when a row is added to an inline, so the
   page is watched for new elements. */
(function () {
  "use strict";

  let labels = 0;

  function labelId(label) {
    if (!label.id) {
      labels += 1;
      label.id = "admin-a11y-label-" + labels;
    }
    return label.id;
  }

  function nameControls() {
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(
      function (icon) { icon.setAttribute("role", "img"); });

    document.querySelectorAll("select.select2-hidden-accessible").forEach(function (select) {
      const container = select.nextElementSibling;
      const selection = container && container.querySelector(".select2-selection");
      const label = select.id && document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
      if (!selection || !label || selection.dataset.a11yNamed) {
        return;
      }
      const rendered = selection.querySelector(".select2-selection__rendered");
      const names = [labelId(label)];
      if (rendered && rendered.id) {
        rendered.removeAttribute("role");
        rendered.removeAttribute("aria-readonly");
        names.push(rendered.id);
      }
      selection.setAttribute("aria-labelledby", names.join(" "));
      const search = container.querySelector(".select2-search__field");
      if (search) {  // a multiple autocomplete: its search field is the control
        search.setAttribute("aria-labelledby", names[0]);
      }
      selection.dataset.a11yNamed = "1";
    });
  }

  nameControls();
  new MutationObserver(nameControls).observe(document.body, {childList: true, subtree: true});
  window.addEventListener("load", nameControls);
})();
