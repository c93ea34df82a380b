"""TEMPORARY placeholder: implemented by its own work package."""
from django.http import Http404


def case_create(request, *args, **kwargs):
    raise Http404


def case_detail(request, *args, **kwargs):
    raise Http404


def case_transition(request, *args, **kwargs):
    raise Http404


def note_add(request, *args, **kwargs):
    raise Http404


def case_follow_up(request, *args, **kwargs):
    raise Http404


def referral_add(request, *args, **kwargs):
    raise Http404


def referral_outcome(request, *args, **kwargs):
    raise Http404


def case_attachment_upload(request, *args, **kwargs):
    raise Http404


def case_attachment_download(request, *args, **kwargs):
    raise Http404

