from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

#: Paths a ministry staff member may reach before enrolling in MFA.
#: A browser's Content-Security-Policy reports too: one sent from the enrolment page must arrive.
#: Open to staff who have not yet activated their authenticator app: their account pages, and
#: the public pages the footer links to (accessibility, privacy, contact: ``hub/urls.py``;
#: the public figures: ``opendata/urls.py``).
#: The API (``/api/v1/``) reads no session: it authenticates by token only (``api/auth.py``),
#: and staff create tokens on ``/api/jetons/``, which stays behind this check.
MFA_EXEMPT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/favicon", "/csp-report/",
                       "/accessibilite/", "/confidentialite/", "/nous-joindre/", "/api/v1/",
                       "/donnees-ouvertes/")


class StaffMustEnrolMfaMiddleware:
    """Ministry staff (administrators, SIT managers, advisers) must activate an authenticator
    app before they can open anything but their account pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.is_ministry_staff
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            messages.warning(
                request,
                _("Ministry staff must activate an authenticator app before opening any file."),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
