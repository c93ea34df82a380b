"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def cohort_import(request, *args, **kwargs):
    raise Http404


def cohort_template(request, *args, **kwargs):
    raise Http404


def cohort_import_history(request, *args, **kwargs):
    raise Http404


def cohort_import_detail(request, *args, **kwargs):
    raise Http404


def cohort_import_confirm(request, *args, **kwargs):
    raise Http404


def cohort_import_cancel(request, *args, **kwargs):
    raise Http404


def cohort_import_progress(request, *args, **kwargs):
    raise Http404

