"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def plan_queue(request, *args, **kwargs):
    raise Http404


def queue_export(request, *args, **kwargs):
    raise Http404


def queue_assign(request, *args, **kwargs):
    raise Http404


def decisions(request, *args, **kwargs):
    raise Http404


def totals(request, *args, **kwargs):
    raise Http404

