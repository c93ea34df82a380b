"""The texts of action plans' and reports' notifications (``notifications.messages``)."""

from django.utils.translation import gettext_lazy as _

from notifications.messages import group, register

from .letters import notification_attachments
from .models import ReportKind, ReportStatus, Status

group("plans", _("Action plans and their reports"), position=10)

PLAN = {"from": Status, "to": Status, "report": ReportKind}
REPORT = {"from": ReportStatus, "to": ReportStatus, "report": ReportKind}

# A decision's email carries its letter (programs/letters.py), to those who may read it.
register("plan_status", _("Action plan “%(plan)s” (%(organisation)s): %(from)s → %(to)s."),
         group="plans", labels=PLAN, attachments=notification_attachments)
register("plan_help_requested", _("%(organisation)s asks for your help with its draft action "
                                  "plan “%(plan)s”."), group="plans", labels=PLAN)
register("plan_comment", _("New message on the action plan “%(plan)s” (%(organisation)s)."),
         group="plans", labels=PLAN)
register("plan_internal_comment", _("New internal comment (ministry only) on the action plan "
                                    "“%(plan)s” (%(organisation)s)."),
         group="plans", labels=PLAN)
register("plan_review_requested", _("%(by)s asks you for a review grid on the action plan "
                                    "“%(plan)s” (%(organisation)s)."),
         group="plans", labels=PLAN)
register("plan_assigned", _("The action plan “%(plan)s” (%(organisation)s) was assigned to "
                            "you."), group="plans", labels=PLAN)
register("instalment_due", _("An instalment of %(amount)s of the plan “%(plan)s” "
                             "(%(organisation)s) is due: it waits for your authorisation."),
         group="plans")
register("instalment_paid", _("The instalment of %(amount)s of the plan “%(plan)s” was paid "
                              "(payment reference %(reference)s)."), group="plans")
register("report_status", _("%(report)s of the plan “%(plan)s” (%(organisation)s): "
                            "%(from)s → %(to)s."), group="plans", labels=REPORT)
register("reminder_report_due", _("%(report)s of the plan “%(plan)s” (%(organisation)s) is "
                                  "due on %(due)s."), group="reminders", labels=REPORT)
register("reminder_report_late", _("%(report)s of the plan “%(plan)s” (%(organisation)s) is "
                                   "late: it was due on %(due)s."),
         group="reminders", labels=REPORT)
