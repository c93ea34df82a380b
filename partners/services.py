"""Every write on partner organisations, contacts, memberships and invitations."""

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from auditlog.context import set_actor
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.links import absolute_url
from accounts.models import Role, User
from antennes.models import Office
from antennes.services import office_for_location
from regions.models import Mrc, Municipality, Region

from . import permissions, tasks
from .models import Contact, Invitation, Kind, Organisation, PartnerMembership

INVITATION_VALIDITY = timedelta(days=14)

ORGANISATION_FIELDS = (
    "name", "kind", "non_profit_kind", "region", "mrc", "municipality", "office", "email",
    "phone", "website", "address",
)


def _check_location(organisation: Organisation):
    errors = {}
    if organisation.mrc_id and organisation.mrc.region_id != organisation.region_id:
        errors["mrc"] = _("This MRC is not in the chosen region.")
    if organisation.municipality_id:
        municipality = organisation.municipality
        if municipality.region_id != organisation.region_id:
            errors["municipality"] = _("This municipality is not in the chosen region.")
        elif organisation.mrc_id and municipality.mrc_id != organisation.mrc_id:
            errors["municipality"] = _("This municipality is not in the chosen MRC.")
    if organisation.kind == Kind.LOCAL_MUNICIPALITY and not organisation.municipality_id:
        errors["municipality"] = _("A local municipality must be chosen from the register.")
    if organisation.kind == Kind.MRC and not organisation.mrc_id:
        errors["mrc"] = _("An MRC must be chosen from the register.")
    if organisation.kind != Kind.NON_PROFIT:
        organisation.non_profit_kind = ""
    elif not organisation.non_profit_kind:
        errors["non_profit_kind"] = _("Choose the kind of non-profit.")
    if errors:
        raise ValidationError(errors)


def _default_office(organisation: Organisation):
    if organisation.office_id:
        return
    office = office_for_location(
        region=organisation.region, mrc=organisation.mrc, municipality=organisation.municipality
    )
    if office is None:
        raise ValidationError(
            {"office": _("No office serves this territory yet; choose the serving office.")}
        )
    organisation.office = office


def organisation_locate(organisation: Organisation) -> None:
    """Check an organisation's place against the register and default its serving office
    (the most precise territory piece wins). Every way of creating an organisation uses it,
    enterprise self-registration included."""
    _check_location(organisation)
    _default_office(organisation)


def _save(organisation: Organisation, actor):
    organisation.full_clean()
    try:
        with transaction.atomic(), set_actor(actor):
            organisation.save()
    except IntegrityError as exc:  # a concurrent create beat full_clean's uniqueness check
        raise ValidationError(_("This organisation already exists.")) from exc
    return organisation


def organisation_create(
    *,
    actor: User,
    name: str,
    kind: str,
    region: Region,
    non_profit_kind: str = "",
    mrc: Mrc | None = None,
    municipality: Municipality | None = None,
    office: Office | None = None,
    email: str = "",
    phone: str = "",
    website: str = "",
    address: str = "",
    is_demo: bool = False,
) -> Organisation:
    """Create a partner organisation. Without ``office``, the office whose territory covers
    it serves it. A municipality given without its MRC brings its MRC."""
    if not permissions.can_create_organisation(actor):
        raise PermissionDenied
    organisation = Organisation(
        name=name, kind=kind, region=region, non_profit_kind=non_profit_kind, mrc=mrc,
        municipality=municipality, office=office, email=email, phone=phone, website=website,
        address=address, is_demo=is_demo,
    )
    if municipality and not mrc and kind != Kind.MRC and municipality.region_id == region.pk:
        organisation.mrc = municipality.mrc
    _check_location(organisation)
    _default_office(organisation)
    return _save(organisation, actor)


def organisation_create_from_register(
    *, actor: User, municipality=None, mrc=None, is_demo: bool = False
) -> Organisation:
    """Create a local municipality or an MRC straight from the municipal register."""
    if (municipality is None) == (mrc is None):
        raise ValueError("Give exactly one of municipality or mrc.")
    if municipality is not None:
        return organisation_create(
            actor=actor,
            is_demo=is_demo,
            name=municipality.name,
            kind=Kind.LOCAL_MUNICIPALITY,
            region=municipality.region,
            mrc=municipality.mrc,
            municipality=municipality,
            website=municipality.website,
        )
    return organisation_create(
        actor=actor, is_demo=is_demo, name=mrc.name, kind=Kind.MRC, region=mrc.region, mrc=mrc
    )


def organisation_update(*, actor: User, organisation: Organisation, **fields) -> Organisation:
    """Change an organisation's details; clearing the office picks the territory default."""
    if not permissions.can_change_organisation(actor, organisation):
        raise PermissionDenied
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown organisation fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(organisation, name, value)
    _check_location(organisation)
    _default_office(organisation)
    return _save(organisation, actor)


def organisation_delete(*, actor: User, organisation: Organisation) -> None:
    if not permissions.can_change_organisation(actor, organisation):
        raise PermissionDenied
    with transaction.atomic(), set_actor(actor):
        organisation.delete()


CONTACT_FIELDS = ("first_name", "last_name", "title", "email", "phone", "is_primary")


@transaction.atomic
def contact_save(*, actor: User, organisation: Organisation, contact: Contact | None = None,
                 **fields) -> Contact:
    """Create (``contact=None``) or update a contact. Marking one main contact unmarks the
    previous one."""
    if not permissions.can_manage_contacts(actor, organisation):
        raise PermissionDenied
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {sorted(unknown)}")
    contact = contact or Contact(organisation=organisation)
    if contact.organisation_id != organisation.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean(validate_constraints=False)
    with set_actor(actor):
        if contact.is_primary:
            for previous in organisation.contacts.filter(is_primary=True).exclude(pk=contact.pk):
                previous.is_primary = False
                previous.save(update_fields=["is_primary"])
        contact.save()
    return contact


def contact_delete(*, actor: User, contact: Contact) -> None:
    if not permissions.can_manage_contacts(actor, contact.organisation):
        raise PermissionDenied
    with transaction.atomic(), set_actor(actor):
        contact.delete()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, actor: User, organisation: Organisation, email: str,
                      accept_url_template: str) -> Invitation:
    """Invite ``email`` to join ``organisation``. ``accept_url_template`` is an absolute URL
    with ``{token}`` where the secret goes. A Celery task sends the email once the row is
    committed (a rolled-back invitation sends nothing); if that task is lost, the periodic
    ``owed_invitations_send`` sends it."""
    if not permissions.can_invite_to_organisation(actor, organisation):
        raise PermissionDenied
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account already uses this email address.")})
    invitation = Invitation(
        organisation=organisation,
        email=email,
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    invitation.full_clean()
    try:
        with transaction.atomic(), set_actor(actor):
            invitation.save()
    except IntegrityError as exc:
        raise ValidationError(
            {"email": _("An invitation is already waiting for this address at this "
                        "organisation.")}
        ) from exc
    _enqueue_invitation(invitation.pk, accept_url_template)
    return invitation


def invitation_resend(*, actor: User, invitation: Invitation,
                      accept_url_template: str) -> Invitation:
    """Send a pending invitation again with a new link (the old one stops working) and a new
    validity period."""
    if not permissions.can_invite_to_organisation(actor, invitation.organisation):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation was already accepted or revoked."))
    invitation.token_hash = None
    invitation.sent_at = None
    invitation.expires_at = timezone.now() + INVITATION_VALIDITY
    with transaction.atomic(), set_actor(actor):
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
    _enqueue_invitation(invitation.pk, accept_url_template)
    return invitation


def _enqueue_invitation(invitation_id: int, accept_url_template: str) -> None:
    """The invitation's task, after commit; a broker refusing it is logged, not raised: the
    invitation is committed unsent, and ``owed_invitations_send`` sends it."""
    transaction.on_commit(
        lambda: tasks.send_invitation.delay(invitation_id, accept_url_template), robust=True)


def invitation_accept_url_template() -> str:
    """The invitation link, on the portal's public address, ``{token}`` where the secret goes
    (what a task has without a request)."""
    return absolute_url(
        reverse("partners:invitation_accept", kwargs={"token": "TOKEN"})
    ).replace("TOKEN", "{token}")


#: The recovery job leaves alone an invitation (re)sent less than this ago: its task is on
#: its way.
OWED_INVITATION_DELAY = timedelta(minutes=2)


def owed_invitations_send(*, older_than: timedelta = OWED_INVITATION_DELAY) -> int:
    """Email every pending invitation whose (re)send was asked more than ``older_than`` ago
    and never went out (its task lost with a worker or the broker, or failed for good); each
    under ``invitation_send``'s row lock, so an invitation whose task runs now is sent once.
    Returns how many emails left."""
    now = timezone.now()
    asked_before = now - older_than + INVITATION_VALIDITY  # expires_at = asked + validity
    ids = list(Invitation.objects.filter(
        sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=now, expires_at__lte=asked_before).order_by("pk")
        .values_list("pk", flat=True))
    template = invitation_accept_url_template()
    return sum(invitation_send(invitation_id=pk, accept_url_template=template) for pk in ids)


def invitation_send(*, invitation_id: int, accept_url_template: str) -> bool:
    """Draw the secret, store its hash and email the link, once per (re)send.

    Idempotent: the row is locked and marked sent in the same transaction as the email goes,
    so a task delivered twice, or run by two workers at once, sends one email; an SMTP
    failure rolls everything back and the task can retry. Returns whether an email left."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or invitation.sent_at or invitation.accepted_at \
                or invitation.revoked_at or invitation.expires_at <= timezone.now():
            return False
        token = secrets.token_urlsafe(32)
        invitation.token_hash = _hash(token)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["token_hash", "sent_at"])
        _mail_invitation(invitation, accept_url_template.format(token=token))
    return True


def _mail_invitation(invitation: Invitation, url: str) -> None:
    context = {"invitation": invitation, "url": url}
    # Partners get the message in both of the portal's languages, French first.
    with override("fr-ca"):
        subject_fr = _("Invitation to the regional immigration services portal")
        body_fr = render_to_string("partners/email/invitation.txt", context)
    with override("en"):
        subject_en = _("Invitation to the regional immigration services portal")
        body_en = render_to_string("partners/email/invitation.txt", context)
    send_mail(f"{subject_fr} / {subject_en}", f"{body_fr}\n\n----\n\n{body_en}",
              settings.DEFAULT_FROM_EMAIL, [invitation.email])


def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation carrying ``token``, or None when unknown, used or expired."""
    return (
        Invitation.objects.pending()
        .select_related("organisation")
        .filter(token_hash=_hash(token or ""), sent_at__isnull=False)
        .first()
    )


def invitation_accept(*, token: str, password: str, first_name: str = "",
                      last_name: str = "") -> User:
    """Create the partner account that the invitation names, linked to its organisation.
    The email address counts as verified: the secret link reached that mailbox."""
    with transaction.atomic():
        invitation = invitation_for_token(token)
        if invitation is None:
            raise ValidationError(_("This invitation is unknown, expired or already used."))
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at:
            raise ValidationError(_("This invitation is unknown, expired or already used."))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An account already uses this email address."))
        user = User(email=invitation.email, first_name=first_name, last_name=last_name,
                    role=Role.PARTNER)
        validate_password(password, user)
        user.set_password(password)
        with set_actor(invitation.invited_by):
            user.save()
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            PartnerMembership.objects.create(user=user, organisation=invitation.organisation)
            invitation.accepted_at = timezone.now()
            invitation.user = user
            invitation.save(update_fields=["accepted_at", "user"])
    return user


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    if not permissions.can_invite_to_organisation(actor, invitation.organisation):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    with transaction.atomic(), set_actor(actor):
        invitation.save(update_fields=["revoked_at"])
    return invitation


def membership_create(*, actor: User, user: User, organisation: Organisation
                      ) -> PartnerMembership:
    """Link an existing partner account to an organisation (used by seed_demo and admins)."""
    if user.role != Role.PARTNER:
        raise ValidationError(_("Only partner users belong to an organisation."))
    with transaction.atomic(), set_actor(actor):
        membership, _created = PartnerMembership.objects.update_or_create(
            user=user, defaults={"organisation": organisation}
        )
    return membership
