"""The text of each kind of notification, rendered in the reader's language when shown."""

from django.utils.translation import gettext_lazy as _

#: kind -> message with %(name)s placeholders filled from the notification's params.
MESSAGES = {
    "plan_status": _("Action plan « %(plan)s » (%(organisation)s): %(from)s → %(to)s."),
    "plan_comment": _("New message on the action plan « %(plan)s » (%(organisation)s)."),
    "plan_assigned": _("The action plan « %(plan)s » (%(organisation)s) was assigned to you."),
    "case_status": _("Support case %(case)s (%(organisation)s): %(from)s → %(to)s."),
    "case_note": _("New shared note on support case %(case)s (%(organisation)s)."),
    "report_status": _("%(report)s of the plan « %(plan)s » (%(organisation)s): %(from)s → "
                       "%(to)s."),
}


def render(kind: str, params: dict) -> str:
    from enterprises.models import CaseStatus
    from programs.models import ReportKind, ReportStatus, Status

    template = MESSAGES.get(kind)
    if template is None:
        return kind
    values = dict(params)
    # Status and kind values are translated at display time.
    statuses = {"report": ReportStatus, "case": CaseStatus}.get(kind.split("_")[0], Status)
    for name, choices in (("from", statuses), ("to", statuses), ("report", ReportKind)):
        if values.get(name) in choices.values:
            values[name] = choices(values[name]).label
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)
