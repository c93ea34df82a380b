"""The public pages every Quebec government site links from its footer: the accessibility
commitment, the privacy notice and how to reach the ministry. Open to everyone, signed in or
not (no ``login_required``): a person who cannot sign in must still find how to report a
barrier or ask about their personal information."""

from django.shortcuts import render

from antennes.models import Office
from retention.models import RetentionSettings


def accessibility(request):
    """The accessibility commitment (SGQRI 008 3.0) and how to report a barrier."""
    return render(request, "hub/accessibility.html")


def privacy(request):
    """What the portal keeps about whom, why, for how long (the periods administrators set),
    and the person's rights under Law 25 and the Access Act."""
    # Read without creating the settings row: a visitor's page view writes nothing.
    retention = RetentionSettings.objects.filter(pk=1).first() or RetentionSettings()
    return render(request, "hub/privacy.html", {"retention": retention})


def contact(request):
    """The ministry's general contact and the regional network's offices."""
    offices = (Office.objects.filter(is_active=True).select_related("sit", "region")
               .order_by("sit__name", "-kind", "city"))
    return render(request, "hub/contact.html", {"offices": offices})
