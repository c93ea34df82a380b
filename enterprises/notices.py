"""The texts of support cases', join requests' and follow-up notifications
(``notifications.messages``)."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from notifications.messages import group, register

from .models import CaseStatus

group("cases", _("Support cases"), position=20)

CASE = {"from": CaseStatus, "to": CaseStatus}


def case_reply_key(notification) -> str | None:
    """An enterprise user may answer a case's email by email (``enterprises.mail``): the
    reply is about ``case:<case>:<recipient>``. Staff answer in the portal."""
    case = notification.params.get("case")
    if notification.recipient.role != Role.PARTNER or not case:
        return None
    return f"case:{int(case)}:{notification.recipient_id}"


register("case_status", _("Support case %(case)s (%(organisation)s): %(from)s → %(to)s."),
         group="cases", labels=CASE, reply_to=case_reply_key)
register("case_note", _("New shared note on support case %(case)s (%(organisation)s)."),
         group="cases", labels=CASE, reply_to=case_reply_key)
register("case_merged", _("Support case %(merged)s (%(organisation)s) was merged into case "
                          "%(case)s: follow it there."), group="cases")
# Join requests and their answers are always emailed (no group).
register("join_request", _("%(person)s asks to join the enterprise “%(organisation)s”."))
register("join_accepted", _("You now belong to the enterprise “%(organisation)s” in the "
                            "portal."))
register("join_declined", _("Your request to join the enterprise “%(organisation)s” was "
                            "declined."))
register("reminder_follow_ups", _("Your follow-ups: %(due_today)s due today, %(overdue)s "
                                  "overdue."), group="reminders")
register("reminder_escalation", _("Support case %(case)s (%(organisation)s) is overdue: its "
                                  "follow-up was due on %(due)s."), group="escalations")
register("reminder_waiting", _("Support case %(case)s (%(organisation)s) has been waiting for "
                               "your reply since %(since)s."), group="reminders")
