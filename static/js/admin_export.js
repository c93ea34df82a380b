/* django-import-export's export page (templates/admin/import_export/export.html): its "select
   all" box, without the inline onchange handler the Content-Security-Policy forbids. The
   handler itself is the package's (import_export/export_selectable_fields.js). */
document.addEventListener("change", function (event) {
  "use strict";
  if (event.target.matches(".select-toggle") && typeof onSelectToggleChange === "function") {
    onSelectToggleChange(event);
  }
});
