"""How long an action plan's notes are kept (see ``retention.engine``).

A plan has ended when it is closed, refused or withdrawn; it ended before a moment when nothing
happened to it since (no timeline entry, no change). After the notes period its comment
thread (with the ministry's internal comments) is deleted and the comments of its timeline are
emptied (the moves stay). The plan itself and its documents are the organisation's funding
record, not a person's information: they are kept.
"""

from django.db.models import Exists, OuterRef

from retention import engine as retention
from retention.models import Kind

from .models import ActionPlan, Comment, PlanEvent, Status

ENDED = (Status.CLOSED, Status.REFUSED, Status.WITHDRAWN)


def _ended_before(cutoff):
    since = PlanEvent.objects.filter(plan=OuterRef("pk"), created_at__gte=cutoff)
    return (ActionPlan.objects.filter(status__in=ENDED, updated_at__lt=cutoff)
            .filter(~Exists(since)).values("pk"))


def ended_plan_comments(cutoff):
    return Comment.objects.filter(plan__in=_ended_before(cutoff))


@retention.rule(Kind.NOTES, "plan_comments", candidates=ended_plan_comments, order=30)
def delete_plan_comments(rows) -> int:
    return retention.delete_rows(rows)


def ended_plan_history_comments(cutoff):
    return PlanEvent.objects.filter(plan__in=_ended_before(cutoff)).exclude(comment="")


@retention.rule(Kind.NOTES, "plan_history_comments", candidates=ended_plan_history_comments,
                order=30)
def blank_plan_history_comments(rows) -> int:
    return retention.blank_fields(rows, ["comment"])
