"""The text of each kind of notification, rendered in the reader's language when shown."""

from django.utils.translation import gettext_lazy as _

#: kind -> message with %(name)s placeholders filled from the notification's params.
MESSAGES = {
    "plan_status": _("Action plan « %(plan)s » (%(organisation)s): %(from)s → %(to)s."),
    "plan_comment": _("New message on the action plan « %(plan)s » (%(organisation)s)."),
    "plan_assigned": _("The action plan « %(plan)s » (%(organisation)s) was assigned to you."),
    "report_status": _("%(report)s of the plan « %(plan)s » (%(organisation)s): %(from)s → "
                       "%(to)s."),
}


def render(kind: str, params: dict) -> str:
    from programs.models import ReportKind, ReportStatus, Status

    template = MESSAGES.get(kind)
    if template is None:
        return kind
    values = dict(params)
    # Status and kind values are translated at display time.
    statuses = ReportStatus if kind.startswith("report") else Status
    for name in ("from", "to"):
        if name in values:
            try:
                values[name] = statuses(values[name]).label
            except ValueError:
                pass
    if "report" in values:
        try:
            values["report"] = ReportKind(values["report"]).label
        except ValueError:
            pass
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)
