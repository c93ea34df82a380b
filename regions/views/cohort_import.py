"""The administrators' import of cohort files: upload, preview (counts and every error with its
row, column and message), confirm or cancel, progress of a big file imported by a Celery job,
the template file and the history of imports.

Only central administrators reach these pages (``permissions.can_import_cohorts``); imports
are not scoped to a territory, so each view checks the role before anything else. Every write
goes through ``regions.services``."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import cohorts, permissions, services
from ..forms import CohortUploadForm, limits
from ..models import CohortImport

Status = CohortImport.Status

#: Imports the page follows with a progress bar (a Celery job applies them).
IN_PROGRESS = (Status.QUEUED, Status.RUNNING)
HISTORY_PAGE_SIZE = getattr(settings, "COHORT_IMPORT_HISTORY_PAGE_SIZE", 25)

#: The template's example rows, by column name (the import's own names, ``cohorts.COLUMNS``).
#: The first gives the region by code and a number with a thousands space, the second by name.
EXAMPLES = [
    {"region": "06", "cohort_start": 2006, "cohort_end": 2015, "reference_year": 2021,
     "category": "all", "admitted": 1234, "present": 987},
    {"region": "Saguenay–Lac-Saint-Jean", "cohort_start": 2006, "cohort_end": 2015,
     "reference_year": 2021, "category": "economic", "admitted": 456, "present": 312},
]
#: What each column holds, shown beside the upload form.
COLUMN_HELP = {
    "region": gettext_lazy("Administrative region: its code (“06” or “6”) or its name, "
                           "with or without accents"),
    "cohort_start": gettext_lazy("First admission year of the cohort, for example 2006"),
    "cohort_end": gettext_lazy("Last admission year of the cohort, for example 2015"),
    "reference_year": gettext_lazy("Year of presence, for example 2021"),
    "category": gettext_lazy("Immigration category: all, economic, family, refugee or other"),
    "admitted": gettext_lazy("Immigrants of the cohort admitted, “1 234” or “1234”"),
    "present": gettext_lazy("Of those, how many lived in the region in the reference year "
                            "(no more than admitted)"),
}
#: The same rows in column order, for columns named otherwise.
EXAMPLES_IN_ORDER = [list(row.values()) for row in EXAMPLES]


def _require_importer(user):
    if not permissions.can_import_cohorts(user):
        raise PermissionDenied


def _get_import(request, pk):
    _require_importer(request.user)
    _refresh_statuses()
    return get_object_or_404(CohortImport.objects.select_related("uploaded_by"), pk=pk)


def _refresh_statuses():
    """Before showing imports: expired previews and imports whose job died say so now, not
    when the periodic jobs next run."""
    services.cohort_imports_expire()
    services.cohort_imports_recover()


def _example_rows():
    rows = []
    for example, in_order in zip(EXAMPLES, EXAMPLES_IN_ORDER, strict=True):
        rows.append([example.get(column, in_order[index] if index < len(in_order) else "")
                     for index, column in enumerate(cohorts.COLUMNS)])
    return rows


def _start(request, form):
    """Start an import from a valid form; the preview page, or None with the form's errors."""
    try:
        cohort_import = services.cohort_import_start(actor=request.user,
                                                     upload=form.cleaned_data["file"])
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("file", message)
        return None
    return redirect("regions:cohort_import_detail", pk=cohort_import.pk)


@login_required
def cohort_import(request):
    _require_importer(request.user)
    form = CohortUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        response = _start(request, form)
        if response is not None:
            return response
    return render(request, "regions/cohort_import.html", {
        "form": form,
        "columns": [(column, COLUMN_HELP.get(column, "")) for column in cohorts.COLUMNS],
        "limits": limits(),
    })


@login_required
def cohort_template(request, fmt):
    """An empty cohort file with the expected header and two example rows."""
    _require_importer(request.user)
    header, rows = list(cohorts.COLUMNS), _example_rows()
    if fmt == "csv":
        buffer = io.StringIO()
        # A BOM, so Excel reads accents as UTF-8; commas, which every spreadsheet reads.
        buffer.write("\ufeff")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue().encode("utf-8"),
                                content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "cohorts"
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="cohort-template.{fmt}"'
    return response


@login_required
def cohort_import_history(request):
    _require_importer(request.user)
    _refresh_statuses()
    imports = CohortImport.objects.select_related("uploaded_by").order_by("-created_at", "-pk")
    page = Paginator(imports, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "regions/cohort_import_history.html", {"page": page, "query": ""})


def _detail_context(cohort_import):
    return {
        "cohort_import": cohort_import,
        "can_confirm": (cohort_import.status == Status.PREVIEWED
                        and not cohort_import.rows_error and not cohort_import.errors),
        "in_progress": cohort_import.status in IN_PROGRESS,
        "can_retry": cohort_import.can_retry,
        "done": _rows_done(cohort_import),
        # The fixed file's upload, offered beside a preview in error.
        "form": CohortUploadForm(),
    }


def _rows_done(cohort_import):
    if cohort_import.status in IN_PROGRESS:
        return services.cohort_import_progress(cohort_import)
    return cohort_import.rows_done


@login_required
def cohort_import_detail(request, pk):
    cohort_import = _get_import(request, pk)
    return render(request, "regions/cohort_import_detail.html", _detail_context(cohort_import))


@login_required
def cohort_import_progress(request, pk):
    """The progress fragment (htmx polls it every second while the job runs; a plain GET gets
    the fragment too). Once the import is over, the fragment comes back without the polling
    trigger, so the polling stops and the result shows."""
    cohort_import = _get_import(request, pk)
    return render(request, "regions/cohort_import_detail.html#progress",
                  _detail_context(cohort_import))


def _act(request, pk, action, success):
    cohort_import = _get_import(request, pk)
    try:
        result = action(actor=request.user, cohort_import=cohort_import)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if result is not None and getattr(result, "status", None) in IN_PROGRESS:
            messages.info(request, _("The file is being imported; this page shows the "
                                     "progress."))
        else:
            messages.success(request, success)
    return redirect("regions:cohort_import_detail", pk=cohort_import.pk)


@login_required
@require_POST
def cohort_import_confirm(request, pk):
    return _act(request, pk, services.cohort_import_confirm, _("The file was imported."))


@login_required
@require_POST
def cohort_import_cancel(request, pk):
    return _act(request, pk, services.cohort_import_cancel,
                _("The import was cancelled; nothing was written."))


@login_required
@require_POST
def cohort_import_retry(request, pk):
    return _act(request, pk, services.cohort_import_retry, _("The file was imported."))
