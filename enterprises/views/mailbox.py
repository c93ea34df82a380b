"""The case page's part about mail: which of the emails the case was made from (the one that
opened it, the emailed notes) the user may open (``mail_detail``), read in one query through
the mail's own scope (an email that came to another office, or to none, stays hidden; the
enterprise's users open none)."""

from django.db.models import Q

from notifications.models import InboundMessage

from ..models import CaseNote


def visible_mail_ids(user, case) -> set[int]:
    emailed = (CaseNote.objects.filter(case_id=case.pk, inbound_message__isnull=False)
               .values("inbound_message_id"))
    which = Q(pk__in=emailed)
    if case.inbound_message_id:
        which |= Q(pk=case.inbound_message_id)
    return set(InboundMessage.objects.for_user(user).filter(which)
               .values_list("pk", flat=True))
