"""Writes on accounts: staff creation and MFA enrolment used by administrators' tools."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from auditlog.context import set_actor
from django.db import transaction

from .models import STAFF_ROLES, Role, User


@transaction.atomic
def user_create(*, email: str, role: str, password: str | None, first_name: str = "",
                last_name: str = "", actor: User | None = None) -> User:
    """Create an account with a verified email address. Only central administrators get the
    Django admin (``is_staff``)."""
    with set_actor(actor):
        user = User.objects.create_user(
            email=email, password=password, role=role, first_name=first_name,
            last_name=last_name, is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@transaction.atomic
def mfa_enrol_totp(*, user: User, secret: str) -> Authenticator:
    """Activate TOTP (and recovery codes) for ``user`` with a known secret. Used to give demo
    staff accounts a printed secret; real staff enrol themselves through allauth's pages."""
    if user.role not in STAFF_ROLES:
        raise ValueError("Only ministry staff enrol here; partners use their account page.")
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if existing:
        return existing
    authenticator = TOTP.activate(user, secret).instance
    RecoveryCodes.activate(user)
    return authenticator
