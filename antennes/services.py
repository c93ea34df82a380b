from auditlog.context import set_actor
from django.db import transaction
from django.db.models import Q

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
