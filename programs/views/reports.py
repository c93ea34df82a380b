"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def report_list(request, *args, **kwargs):
    raise Http404


def report_schedule(request, *args, **kwargs):
    raise Http404


def report_detail(request, *args, **kwargs):
    raise Http404


def report_transition(request, *args, **kwargs):
    raise Http404

