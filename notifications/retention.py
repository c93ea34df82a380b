"""How long the portal keeps the emails it read (``InboundMessage``, with the original message
in private storage; see ``retention.engine``).

A message that was processed (it became a request or a note), discarded (an automatic reply)
or refused is deleted with its file ``KEPT`` (6 months) after it was processed. Why 6 months:
what it said is no longer only in it (a processed message's text and files were copied into
the case, which the case's own periods govern), and what is left is an original kept so that
an adviser can check what exactly arrived, or an administrator look into a refusal (a forged
reply, another enterprise's address) — questions asked within weeks, not years. Nothing of
it is kept longer than the administrators' period for case documents, if they set a shorter
one. Messages still to sort or that failed are kept until someone handles them: they are
work not yet done, and only their handling ends it.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from retention import engine as retention
from retention.models import Kind

from .models import InboundMessage, InboundState

KEPT = timedelta(days=183)
#: The states after which nobody has anything left to do with the message.
DONE_STATES = (InboundState.PROCESSED, InboundState.DISCARDED, InboundState.REFUSED)


def handled_messages(cutoff):
    limit = max(cutoff, timezone.now() - KEPT)
    return InboundMessage.objects.filter(state__in=DONE_STATES, processed_at__lt=limit)


@retention.rule(Kind.CASE_DOCUMENTS, "inbound_messages", candidates=handled_messages,
                order=45)
def delete_handled_messages(rows) -> int:
    """Delete the rows (a case or note made from one keeps its content and loses only the
    link to it) and, once that is committed, their files."""
    messages = list(rows.only("pk", "raw"))
    if not messages:
        return 0
    pks = [message.pk for message in messages]
    names = [message.raw.name for message in messages if message.raw]
    InboundMessage.objects.filter(pk__in=pks).delete()
    retention.forget_in_audit(InboundMessage, pks)
    storage = InboundMessage._meta.get_field("raw").storage

    def remove_files():
        for name in names:
            storage.delete(name)
    transaction.on_commit(remove_files)
    return len(pks)
