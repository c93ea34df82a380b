"""The administrators' upload form for cohort files. It only checks that a file was sent with a
name the import reads (.csv or .xlsx); what is inside is the import's business
(``services.cohort_import_start``), which says row by row what is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

#: What the upload accepts, by name; the content is checked by the import.
EXTENSIONS = (".csv", ".xlsx")


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
            "Windows-1252 (Excel). Separators: comma or semicolon. Numbers: « 1 234 » or "
            "« 1234 ». Region: its code (« 06 » or « 6 ») or its name, with or without "
            "accents. All or nothing: if one row is wrong, nothing is imported."
        ) % {"columns": _columns()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(EXTENSIONS):
            raise forms.ValidationError(
                _("The file « %(name)s » is neither a CSV nor an XLSX file.")
                % {"name": upload.name}, code="extension")
        return upload
