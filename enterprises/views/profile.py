"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def register(request, *args, **kwargs):
    raise Http404


def enterprise_detail(request, *args, **kwargs):
    raise Http404


def enterprise_update(request, *args, **kwargs):
    raise Http404


def join_requests(request, *args, **kwargs):
    raise Http404


def join_request_decide(request, *args, **kwargs):
    raise Http404

