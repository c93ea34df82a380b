"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def case_list(request, *args, **kwargs):
    raise Http404


def case_export(request, *args, **kwargs):
    raise Http404


def case_assign(request, *args, **kwargs):
    raise Http404


def case_late(request, *args, **kwargs):
    raise Http404

