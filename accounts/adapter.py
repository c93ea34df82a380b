from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by invitation only (``partners.services.invitation_accept``)
    or by an administrator; the public sign-up form stays closed."""

    def is_open_for_signup(self, request):
        return False
