"""The administrators' upload form for cohort files. It checks that a file was sent with a name
the import reads (.csv or .xlsx) and that the file can be read as a whole
(``cohorts.check_file``: size, zip limits, one visible sheet, no formulas, text encoding), so a
hostile file is refused here, before anything is stored; the rows are the import's business
(``services.cohort_import_start``), which says row by row what is wrong."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

#: What the upload accepts, by name; the content is checked by the import.
EXTENSIONS = (".csv", ".xlsx")


def limits() -> dict:
    """The import's limits, as the page states them."""
    from .cohorts import MAX_BYTES, MAX_COLUMNS, MAX_ROWS

    return {"size": filesizeformat(MAX_BYTES), "rows": f"{MAX_ROWS:,}".replace(",", "\u00a0"),
            "width": MAX_COLUMNS}


def _columns() -> str:
    from .cohorts import COLUMNS

    return ", ".join(COLUMNS)


class CohortUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Cohort file (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
        error_messages={
            "required": _("Choose a CSV or XLSX file to import."),
            "empty": _("The file is empty."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Columns, in this order: %(columns)s. Encodings: UTF-8 (with or without BOM) or "
            "Windows-1252 (Excel). Separators: comma or semicolon. Numbers: “1 234” or "
            "“1234”, digits 0 to 9 only. XLSX: one visible sheet, no formulas. Limits: "
            "%(size)s, %(rows)s lines, %(width)s columns. Region: its code (“06” or “6”) "
            "or its name, with or without accents. All or nothing: if one row is wrong, "
            "nothing is imported."
        ) % {"columns": _columns(), **limits()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("The file “%(name)s” is neither a CSV nor an XLSX file.")
                % {"name": upload.name}, code="extension")
        from .cohorts import MAX_BYTES, FileRefused, check_file

        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file “%(name)s” is %(size)s; the limit is %(max)s. Split it in several "
                  "files and import them one after the other.")
                % {"name": upload.name, "size": filesizeformat(upload.size),
                   "max": limits()["size"]}, code="too_large")
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            check_file(data, upload.name)
        except FileRefused as refused:
            raise forms.ValidationError(
                _("“%(name)s”: %(problem)s") % {"name": upload.name,
                                                 "problem": refused.error.message},
                code="file") from refused
        return upload
