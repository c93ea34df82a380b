"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def coherence_map(request, *args, **kwargs):
    raise Http404


def measure_list(request, *args, **kwargs):
    raise Http404

