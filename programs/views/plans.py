"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def plan_list(request, *args, **kwargs):
    raise Http404


def program_list(request, *args, **kwargs):
    raise Http404


def plan_create(request, *args, **kwargs):
    raise Http404


def plan_step(request, *args, **kwargs):
    raise Http404


def measure_create(request, *args, **kwargs):
    raise Http404


def measure_update(request, *args, **kwargs):
    raise Http404


def measure_delete(request, *args, **kwargs):
    raise Http404


def plan_delete(request, *args, **kwargs):
    raise Http404

