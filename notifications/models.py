from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A person sees only their own notifications."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a person should know, shown in the portal and sent by email.

    ``key`` is the natural key of what is notified (``plan-event:42``, later
    ``reminder:case:7:2026-11-26``): with the recipient it is unique, so a notification is
    inserted once and its email sent only by the call that inserted it, however many times a
    task runs. The text is rendered when shown, in the reader's language, from ``kind`` and
    ``params`` (see ``notifications.messages``).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=150)
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(default=dict)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"],
                                    name="notification_once_per_recipient_and_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self):
        return f"{self.recipient} — {self.key}"

    @property
    def message(self) -> str:
        from .messages import render

        return render(self.kind, self.params)
