"""How long partners' personal information is kept (see ``retention.engine``).

Contacts: a contact is kept while it is listed (staff remove those who left); once removed,
what the audit trail kept of it (name, email, phone) is redacted after the contacts period.
An invitation never accepted holds an address too: revoked or expired for longer than the
period, it is deleted.
"""

from django.db.models import Q

from retention import engine as retention
from retention.models import Kind

from .models import Contact, Invitation


def removed_contacts(cutoff):
    return retention.removed(Contact, cutoff)


@retention.rule(Kind.CONTACTS, "removed_contacts", candidates=removed_contacts, order=20)
def forget_removed_contacts(rows) -> int:
    return retention.forget_removed(rows)


def lapsed_invitations(cutoff):
    return Invitation.objects.filter(accepted_at__isnull=True).filter(
        Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff))


@retention.rule(Kind.CONTACTS, "lapsed_invitations", candidates=lapsed_invitations, order=20)
def delete_lapsed_invitations(rows) -> int:
    return retention.delete_rows(rows)
