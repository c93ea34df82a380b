"""CSV and XLSX downloads of exactly the rows a page shows, safe to open in a spreadsheet."""

from django.http import HttpResponse
from django.utils import timezone
from import_export.formats.base_formats import CSV, XLSX

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FORMATS = {"csv": CSV, "xlsx": XLSX}


def neutralise(value):
    """Prefix text a spreadsheet would run as a formula with an apostrophe (OWASP's advice),
    so "=HYPERLINK(...)" is shown as text, not executed. Numbers are left as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def export_response(resource, queryset, fmt: str, basename: str) -> HttpResponse:
    """Export ``queryset`` through an import-export ``resource`` as ``fmt`` (csv or xlsx)."""
    format_class = FORMATS[fmt]()
    dataset = resource.export(queryset=queryset)
    safe = dataset.__class__(headers=dataset.headers)
    for row in dataset:
        safe.append([neutralise(cell) for cell in row])
    content = format_class.export_data(safe)
    if fmt == "csv":
        content = "\ufeff" + content  # a BOM, so spreadsheet programs read accents as UTF-8
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(content, content_type=format_class.get_content_type())
    response["Content-Disposition"] = f'attachment; filename="{basename}-{stamp}.{fmt}"'
    return response
