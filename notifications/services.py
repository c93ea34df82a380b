"""Creating notifications and sending their emails, exactly once each."""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import User

from . import tasks
from .models import Notification


def notify(*, recipients: Iterable[User], key: str, kind: str, params: dict,
           url: str = "") -> list[Notification]:
    """Insert one notification per recipient for ``key``; return those inserted now. A
    recipient already notified for ``key`` is skipped, so calling twice notifies once. Each
    inserted notification's email is sent by a task after commit."""
    created = []
    for recipient in {r.pk: r for r in recipients if r.is_active}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient, key=key, kind=kind, params=params, url=url)
        except IntegrityError:
            continue  # already notified: the unique (recipient, key) says so
        created.append(notification)
        tasks.send_notification_email.delay_on_commit(notification.pk)
    return created


def notification_email_send(*, notification_id: int, base_url: str = "") -> bool:
    """Email one notification unless it was already emailed. The row is locked while sending
    and marked in the same transaction, so two deliveries of the task send one email."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None or notification.emailed_at is not None:
            return False
        base_url = base_url or settings.PORTAL_BASE_URL
        texts = {}
        for key, language in (("fr", "fr-ca"), ("en", "en")):
            with translation.override(language):
                texts[key] = notification.message
        with translation.override("fr-ca"):
            body = render_to_string("notifications/email.txt", {
                "texts": texts, "url": f"{base_url.rstrip('/')}{notification.url}"
                if notification.url else "",
            })
        send_mail(
            subject=f"Portail régionalisation — {texts['fr']}"[:150],
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
