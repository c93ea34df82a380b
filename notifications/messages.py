"""The text of each kind of notification, rendered in the reader's language when shown."""

import contextlib
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

#: kind -> message with %(name)s placeholders filled from the notification's params.
MESSAGES = {
    "plan_status": _("Action plan « %(plan)s » (%(organisation)s): %(from)s → %(to)s."),
    "plan_comment": _("New message on the action plan « %(plan)s » (%(organisation)s)."),
    "plan_assigned": _("The action plan « %(plan)s » (%(organisation)s) was assigned to you."),
    "case_status": _("Support case %(case)s (%(organisation)s): %(from)s → %(to)s."),
    "case_note": _("New shared note on support case %(case)s (%(organisation)s)."),
    "join_request": _("%(person)s asks to join the enterprise « %(organisation)s »."),
    "join_accepted": _("You now belong to the enterprise « %(organisation)s » in the portal."),
    "join_declined": _("Your request to join the enterprise « %(organisation)s » was declined."),
    "report_status": _("%(report)s of the plan « %(plan)s » (%(organisation)s): %(from)s → "
                       "%(to)s."),
    "reminder_follow_ups": _("Your follow-ups: %(due_today)s due today, %(overdue)s "
                             "overdue."),
    "reminder_escalation": _("Support case %(case)s (%(organisation)s) is overdue: its "
                             "follow-up was due on %(due)s."),
    "reminder_waiting": _("Support case %(case)s (%(organisation)s) has been waiting for "
                          "your reply since %(since)s."),
    "reminder_report_due": _("%(report)s of the plan « %(plan)s » (%(organisation)s) is due "
                             "on %(due)s."),
    "reminder_report_late": _("%(report)s of the plan « %(plan)s » (%(organisation)s) is late: "
                              "it was due on %(due)s."),
    "opportunity_status": _("Regional opportunity « %(opportunity)s » (%(organisation)s): "
                            "%(from)s → %(to)s."),
    "opportunity_referral": _("%(organisation)s records hires for your opportunity "
                              "« %(opportunity)s »: %(hires)s in all."),
    "reminder_opportunity_expiring": _("Your regional opportunity « %(opportunity)s » leaves "
                                       "the board after %(due)s: extend it, or mark it "
                                       "filled."),
    "reminder_activity_outcomes": _("Record how many participants of « %(activity)s » "
                                    "settled in the regions after %(months)s months (due "
                                    "since %(due)s)."),
}


def render(kind: str, params: dict) -> str:
    from enterprises.models import CaseStatus
    from programs.models import ReportKind, ReportStatus, Status
    from regionalisation.models import OpportunityStatus

    template = MESSAGES.get(kind)
    if template is None:
        return kind
    values = dict(params)
    # Status and kind values are translated at display time.
    statuses = {"report": ReportStatus, "case": CaseStatus,
                "opportunity": OpportunityStatus}.get(kind.split("_")[0], Status)
    for name, choices in (("from", statuses), ("to", statuses), ("report", ReportKind)):
        if values.get(name) in choices.values:
            values[name] = choices(values[name]).label
    for name in ("due", "since"):  # dates travel as ISO strings, shown in the reader's locale
        if isinstance(values.get(name), str):
            with contextlib.suppress(ValueError):
                values[name] = date_format(date.fromisoformat(values[name]), "j F Y")
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)
