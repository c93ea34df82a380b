from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .links import absolute_url, on_portal_address
from .network import client_address


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by invitation only (``partners.services.invitation_accept``)
    or by an administrator; the public sign-up form stays closed."""

    def is_open_for_signup(self, request):
        return False

    def _get_login_attempts_cache_key(self, request, **credentials):
        """The failed-login limit (``ACCOUNT_RATE_LIMITS["login_failed"]``, per key) counts
        per account. allauth's key starts with the current site's domain, which without
        ``django.contrib.sites`` is the request's Host header: every name in
        ``ALLOWED_HOSTS`` would give an attacker another round of guesses."""
        return credentials.get("email", credentials.get("username", "")).strip().lower()

    def get_client_ip(self, request):
        """The address the sign-in and sign-up limits count: the one the audit trail records
        (``accounts.network``: from our trusted proxies only, validated)."""
        return client_address(request) or "0.0.0.0"  # noqa: S104 (an unknown peer, not a bind)

    def send_mail(self, template_prefix, email, context):
        """allauth's emails (templates/account/email/: French, then English) carry links on
        the portal's public address: allauth builds them on the request's host (there is no
        ``Site``), so every ``*_url`` it passes is moved onto ``PORTAL_BASE_URL``. The closed
        sign-up page is never offered; the enterprise registration page is."""
        context = {
            **{key: on_portal_address(value) if key.endswith("_url") and value else value
               for key, value in context.items() if key != "signup_url"},
            "portal_url": absolute_url(reverse("home")),
            "register_url": absolute_url(reverse("enterprises:register")),
        }
        return super().send_mail(template_prefix, email, context)
