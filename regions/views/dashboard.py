"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def cohort_dashboard(request, *args, **kwargs):
    raise Http404


def cohort_export(request, *args, **kwargs):
    raise Http404

