"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def plan_detail(request, *args, **kwargs):
    raise Http404


def plan_transition(request, *args, **kwargs):
    raise Http404


def comment_add(request, *args, **kwargs):
    raise Http404


def attachment_upload(request, *args, **kwargs):
    raise Http404


def attachment_download(request, *args, **kwargs):
    raise Http404


def attachment_delete(request, *args, **kwargs):
    raise Http404

