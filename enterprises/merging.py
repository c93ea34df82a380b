"""Merging two cases of one enterprise: the same request came twice (a call and a form, two
users of the enterprise), and an adviser keeps one case.

``case_merge(actor=..., kept_id=..., merged_id=...)`` moves everything that belongs to the
merged case to the kept one (notes, history, referrals, documents, positions, interventions,
checklist steps, cases merged into it before, regional opportunities published from it), then
closes the merged case with the outcome « merged » and a link to the kept one
(``Case.merged_into``; the database keeps the two together). Nothing is deleted but the
checklist steps both cases have: one is kept, ticked if either was.

Decisions where the issue was silent:

- the kept case must be open (a closed case would receive work nobody follows): reopen it
  first, or keep the other one. The merged case may be open or closed (a duplicate already
  closed as « withdrawn » may still bring its documents); a closed one keeps its closing date;
- the kept case gets the help kinds and topics of both (its checklist and the similar-request
  warning then match what it holds); its own subject, description and priority stay;
- advisers and SIT managers merge (an administrator does no case work), never across
  enterprises, never out of their territory (both cases are read through their scope).

Every kind of row pointing at a case must be named in ``RELATIONS``: a new model that points at
``Case`` makes every merge refuse (``ImproperlyConfigured``) until this module says what to do
with it, and ``tests/enterprises/test_merge.py`` fails meanwhile.
"""

from auditlog.context import set_actor
from auditlog.registry import auditlog
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from portal.workflow import require

from . import permissions, services
from .models import Case, CaseChecklistItem, CaseEvent, CaseStatus, EventKind, Outcome

MOVE = "move"
CHECKLIST = "checklist"

#: How a merge handles each relation pointing at a case (``app_label.model.field``):
#: ``MOVE`` points the rows at the kept case; ``CHECKLIST`` moves the steps, one per step.
RELATIONS = {
    "enterprises.position.case": MOVE,
    "enterprises.caseevent.case": MOVE,
    "enterprises.casenote.case": MOVE,
    "enterprises.referral.case": MOVE,
    "enterprises.caseattachment.case": MOVE,
    "enterprises.intervention.case": MOVE,
    "enterprises.casechecklistitem.case": CHECKLIST,
    # Cases merged into the merged one before: their link now leads to the kept case.
    "enterprises.case.merged_into": MOVE,
    # A regional opportunity published from the merged case now names the kept one.
    "regionalisation.opportunity.case": MOVE,
}


def relation_key(relation) -> str:
    return f"{relation.related_model._meta.label_lower}.{relation.field.name}"


def case_relations() -> list:
    """Every relation pointing at ``Case`` (its reverse relations)."""
    return [r for r in Case._meta.related_objects if r.one_to_many or r.one_to_one]


def unhandled_relations() -> list[str]:
    """The relations pointing at a case that ``RELATIONS`` does not name (none, or a merge
    would leave rows behind); a many-to-many one is never handled (a merge moves rows)."""
    return sorted({relation_key(r) for r in Case._meta.related_objects
                   if r.many_to_many or relation_key(r) not in RELATIONS})


def _locked(actor, pk) -> Case:
    case = (Case.objects.for_user(actor).select_for_update(of=("self",))
            .select_related("organisation").filter(pk=pk).first())
    if case is None:
        raise Case.DoesNotExist
    return case


def _move(model, field: str, kept: Case, merged: Case) -> int:
    """Point ``model``'s rows from ``merged`` to ``kept``: one by one where the audit trail
    records the model (it then shows each row's move, with the actor), else in one update."""
    rows = model._base_manager.filter(**{field: merged})
    if not auditlog.contains(model):
        return rows.update(**{field: kept})
    moved = 0
    for row in rows.select_for_update(of=("self",)).order_by("pk"):
        setattr(row, field, kept)
        row.save(update_fields=[field])
        moved += 1
    return moved


def _merge_checklist(kept: Case, merged: Case) -> int:
    """The merged case's checklist steps go to the kept case; a step both have (same template
    step: one per case, ``case_checklist_step_once``) is kept once, ticked if either was."""
    twins = {item.step_id: item for item in CaseChecklistItem.objects
             .filter(case=kept, step__isnull=False).select_for_update(of=("self",))}
    moved = 0
    for item in (CaseChecklistItem.objects.filter(case=merged).select_for_update(of=("self",))
                 .order_by("pk")):
        twin = twins.get(item.step_id) if item.step_id is not None else None
        if twin is None:
            item.case = kept
            item.save(update_fields=["case"])
            moved += 1
            continue
        if twin.done_at is None and item.done_at is not None:
            twin.done_at, twin.done_by = item.done_at, item.done_by
            twin.save(update_fields=["done_at", "done_by"])
        item.delete()
    return moved


def _union(first, second) -> list:
    return list(dict.fromkeys([*(first or []), *(second or [])]))


def case_merge(*, actor: User, kept_id: int, merged_id: int, comment: str = "",
               now=None) -> Case:
    """Merge the case ``merged_id`` into ``kept_id`` (see the module's docstring), all or
    nothing: both read through the actor's scope and locked (in id order, so two merges of
    the same pair never deadlock); history rows on both cases with the actor and the comment;
    the enterprise's users (and the advisers of both cases) notified on the kept case.
    Returns the kept case. A case outside the scope raises ``Case.DoesNotExist``."""
    require(permissions.can_merge_cases(actor))
    try:
        kept_id, merged_id = int(kept_id), int(merged_id)
    except (TypeError, ValueError):
        raise Case.DoesNotExist from None
    if kept_id == merged_id:
        raise ValidationError(_("A case cannot be merged into itself: choose another case."),
                              code="same_case")
    missing = unhandled_relations()
    if missing:
        raise ImproperlyConfigured(f"enterprises.merging.RELATIONS does not say how to merge "
                                   f"{', '.join(missing)}.")
    now = now or timezone.now()
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Write 2000 characters at most.")})
    with transaction.atomic(), set_actor(actor):
        locked = {pk: _locked(actor, pk) for pk in sorted((kept_id, merged_id))}
        kept, merged = locked[kept_id], locked[merged_id]
        if kept.organisation_id != merged.organisation_id:
            raise ValidationError(_("Merge refused: the cases belong to two different "
                                    "enterprises."), code="other_enterprise")
        for case in (kept, merged):
            if case.merged_into_id is not None:
                raise ValidationError(
                    _("Case %(number)s was already merged into case %(into)s.")
                    % {"number": case.pk, "into": case.merged_into_id}, code="already_merged")
        if not kept.is_open:
            raise ValidationError(
                _("The case kept must be open: case %(number)s is closed. Reopen it first, or "
                  "keep the other case.") % {"number": kept.pk}, code="kept_closed")

        for relation in case_relations():
            how = RELATIONS[relation_key(relation)]
            if how == CHECKLIST:
                _merge_checklist(kept, merged)
            else:
                _move(relation.related_model, relation.field.name, kept, merged)

        kept.help_kinds = _union(kept.help_kinds, merged.help_kinds)
        kept.topics = _union(kept.topics, merged.topics)
        kept.save(update_fields=["help_kinds", "topics", "updated_at"])

        from_status = merged.status
        merged.status = CaseStatus.CLOSED
        merged.outcome = Outcome.MERGED
        merged.merged_into = kept
        merged.closed_at = merged.closed_at or now
        merged.next_follow_up = None
        merged.waiting_since = None
        merged.save(update_fields=["status", "outcome", "merged_into", "closed_at",
                                   "next_follow_up", "waiting_since", "updated_at"])

        CaseEvent.objects.create(case=merged, from_status=from_status,
                                 to_status=CaseStatus.CLOSED, actor=actor, created_at=now,
                                 kind=EventKind.MERGED_INTO, params={"case": kept.pk},
                                 comment=comment)
        CaseEvent.objects.create(case=kept, from_status=kept.status, to_status=kept.status,
                                 actor=actor, created_at=now, kind=EventKind.MERGED_IN,
                                 params={"case": merged.pk}, comment=comment)
        _notify(actor, kept, merged)
    return kept


def _notify(actor, kept: Case, merged: Case) -> None:
    from notifications.services import notify

    recipients = services._other_side(kept, actor)
    if merged.adviser_id and merged.adviser_id not in (actor.pk, kept.adviser_id):
        recipients.append(merged.adviser)
    notify(recipients=recipients, key=f"case-merged:{merged.pk}", kind="case_merged",
           params={"case": kept.pk, "merged": merged.pk,
                   "organisation": kept.organisation.name},
           url=reverse("enterprises:case_detail", args=[kept.pk]))
