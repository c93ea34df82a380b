"""A notification kind may give its email files (``messages.register(..., attachments=...)``):
the email carries what the kind's callable returns for that notification, and a kind without
one sends a plain email."""

import pytest
from django.core import mail

from notifications import messages
from notifications.models import EmailState, Notification
from notifications.services import notification_email_send
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.django_db


def _owed(kind, recipient):
    return Notification.objects.create(recipient=recipient, key=f"test:{kind}", kind=kind,
                                       params={}, email_state=EmailState.OWED)


def test_an_email_carries_the_files_its_kind_gives_for_the_notification(monkeypatch):
    seen = []

    def files_of(notification):
        seen.append(notification.pk)
        return [(f"piece-{notification.pk}.pdf", b"%PDF-1.4 test", "application/pdf")]

    monkeypatch.setitem(messages._KINDS, "test_with_file",
                        messages.NoticeKind(text="Avec pièce jointe", attachments=files_of))
    monkeypatch.setitem(messages._KINDS, "test_plain", messages.NoticeKind(text="Sans pièce"))
    recipient = StaffFactory(role="adviser")
    with_file, plain = _owed("test_with_file", recipient), _owed("test_plain", recipient)

    assert notification_email_send(notification_id=with_file.pk)
    assert notification_email_send(notification_id=plain.pk)

    assert seen == [with_file.pk]
    by_subject = {m.subject: m for m in mail.outbox}
    attached = next(m for s, m in by_subject.items() if "Avec pièce jointe" in s)
    assert attached.attachments == [(f"piece-{with_file.pk}.pdf", b"%PDF-1.4 test",
                                     "application/pdf")]
    assert next(m for s, m in by_subject.items() if "Sans pièce" in s).attachments == []
