"""The portal's URLs plus the minimal view of ``bench/throughput.py``: never part of the
product's URLconf (``bench/_throughput_site.py`` names this module)."""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def minimal(request):
    """The floor of a request: every middleware of production (session, user, language, CSP,
    MFA check...) and no query, template or form of its own."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal), *portal_urlpatterns]
