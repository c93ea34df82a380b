"""A plan's decision letters (programs/letters.py): the PDF, downloaded by the partner's users
and by the staff whose scope holds the plan."""

from auditlog.signals import accessed
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from portal.files import PDF

from ..letters import letter_filename
from ..models import DecisionLetter


@login_required
@require_GET
def letter_download(request, pk, letter_pk):
    """The letter's PDF as a download, read through the user's scope (out of scope: 404),
    never sniffed nor cached, the access recorded like a document's."""
    letter = get_object_or_404(DecisionLetter.objects.for_user(request.user),
                               pk=letter_pk, plan_id=pk)
    try:
        handle = letter.file.storage.open(letter.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    accessed.send(sender=DecisionLetter, instance=letter)
    response = FileResponse(handle, as_attachment=True, filename=letter_filename(letter),
                            content_type=PDF)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response
