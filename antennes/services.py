from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Role
from portal.workflow import require

from .models import Office, OfficeTerritory, StaffAssignment


def office_for_location(*, region, mrc=None, municipality=None) -> Office | None:
    """The office whose territory covers a place: the most precise territory piece wins
    (municipality, then MRC, then the whole region). One query."""
    if municipality is not None and mrc is None:
        mrc = municipality.mrc
    condition = Q(region=region, mrc=None, municipality=None)
    if mrc is not None:
        condition |= Q(mrc=mrc)
    if municipality is not None:
        condition |= Q(municipality=municipality)
    pieces = list(OfficeTerritory.objects.filter(condition).select_related("office"))

    def precision(piece):
        return 2 if piece.municipality_id else 1 if piece.mrc_id else 0

    pieces.sort(key=precision, reverse=True)
    return pieces[0].office if pieces else None


@transaction.atomic
def staff_assign(*, user, office: Office, actor) -> StaffAssignment:
    """Assign a ministry staff member to an office (idempotent)."""
    with set_actor(actor):
        assignment, _ = StaffAssignment.objects.get_or_create(user=user, office=office)
    return assignment


def office_mailbox_set(*, actor, office: Office, mailbox: str) -> Office:
    """An administrator sets the address enterprises write to for ``office`` (empty: the
    office receives no mail through the portal). A valid address, used by no other office
    (capitals ignored); refused input changes nothing."""
    require(getattr(actor, "role", None) == Role.ADMIN)
    mailbox = (mailbox or "").strip().lower()
    if mailbox:
        try:
            validate_email(mailbox)
        except ValidationError:
            raise ValidationError({"mailbox": _("“%(address)s” is not a valid email "
                                                "address.") % {"address": mailbox}}) from None
    taken = Office.objects.filter(mailbox__iexact=mailbox).exclude(pk=office.pk)
    if mailbox and taken.exists():
        raise ValidationError({"mailbox": _("The office of %(city)s already uses this "
                                            "mailbox address.") % {"city": taken.first().city}})
    try:
        with transaction.atomic(), set_actor(actor):
            current = Office.objects.select_for_update().get(pk=office.pk)
            current.mailbox = mailbox
            current.full_clean()
            current.save(update_fields=["mailbox"])
    except IntegrityError:  # another administrator gave it to another office meanwhile
        raise ValidationError({"mailbox": _("Another office already uses this mailbox "
                                            "address.")}) from None
    return current
