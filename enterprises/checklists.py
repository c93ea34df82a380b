"""Checklists: the known steps of a kind of help on a topic, and each case's copy of them.

Central administrators define one checklist per (help kind, topic) pair (``checklist_template_*``;
the first ones come from ``fixtures/checklists.json`` through ``load_reference_data``). A case
gets the steps of every active checklist matching one of its (kind, topic) pairs when it is
opened (``services.case_create``) and when staff classify it (``case_classify``: a request
received by email arrives as « information » with no topic); each step is copied once
(``checklist_attach``). Advisers and SIT managers tick steps (``checklist_item_set``). Closing
a case as « resolved » with required steps unticked asks for a reason (the ``CHECKLIST`` need of
``enterprises.workflow``). Enterprises never see any of it (``CaseChecklistItem.for_user``).

Decisions where the issue was silent:

- classifying is for advisers and SIT managers of the case's territory (central
  administrators read cases, they do not work them), on open cases only;
- classifying as « recruit » does not ask for positions: the enterprise lists them when it asks
  for help itself (``case_create``), whereas an adviser classifying an email often does not know
  them yet (they are a step of the checklist: « positions described »);
- a classification that drops a (kind, topic) pair removes that pair's unticked steps; ticked
  ones stay, as a record of the work done.
"""

import json
from collections.abc import Iterable, Sequence
from itertools import product
from pathlib import Path

from auditlog.context import disable_auditlog, set_actor
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from portal.workflow import require

from . import permissions
from .models import (
    Case,
    CaseChecklistItem,
    ChecklistStep,
    ChecklistTemplate,
    HelpKind,
    Topic,
)

DEFAULT_CHECKLISTS_FILE = (Path(__file__).resolve().parent.parent / "fixtures"
                           / "checklists.json")
#: Steps a checklist may have at most.
MAX_STEPS = 30


def _known(values: Iterable[str], choices, field: str) -> list[str]:
    values = list(dict.fromkeys(values))
    if not values:
        raise ValidationError({field: _("Choose at least one.")})
    if set(values) - set(choices.values):
        raise ValidationError({field: _("Unknown choice.")})
    return values


def _pairs_condition(case, prefix: str) -> Q | None:
    """Rows whose checklist matches one of the case's (help kind, topic) pairs."""
    pairs = list(product(case.help_kinds or [], case.topics or []))
    if not pairs:
        return None
    condition = Q()
    for kind, topic in pairs:
        condition |= Q(**{f"{prefix}help_kind": kind, f"{prefix}topic": topic})
    return condition


# --------------------------------------------------------------------------------------------
# A case's checklist
# --------------------------------------------------------------------------------------------


def checklist_attach(case: Case) -> int:
    """Copy to ``case`` the steps of every active checklist matching one of its (help kind,
    topic) pairs that it does not have yet; return how many were added. Called inside the
    service that set the case's kinds and topics (its transaction and actor). Steps already
    there, ticked or not, are left as they are (the unique (case, step) constraint backs it)."""
    condition = _pairs_condition(case, "template__")
    if condition is None:
        return 0
    have = list(CaseChecklistItem.objects.filter(case_id=case.pk)
                .values_list("step_id", "position"))
    existing = {step_id for step_id, _position in have}
    kinds, topics = list(HelpKind.values), list(Topic.values)
    steps = sorted(
        (step for step in ChecklistStep.objects.filter(condition, template__is_active=True)
         .select_related("template") if step.pk not in existing),
        key=lambda s: (topics.index(s.template.topic), kinds.index(s.template.help_kind),
                       s.position, s.pk))
    start = max((position for _step, position in have), default=0) + 1
    rows = [CaseChecklistItem(case=case, step=step, label_fr=step.label_fr,
                              label_en=step.label_en, required=step.required,
                              position=start + i) for i, step in enumerate(steps)]
    CaseChecklistItem.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def case_classify(*, actor: User, case: Case, help_kinds: Sequence[str],
                  topics: Sequence[str]) -> Case:
    """Advisers and SIT managers of the case's territory set the kinds of help and the topics
    of an open case (a request received by email comes with none); the case gets the steps of
    the checklists its new pairs match, and loses the unticked steps of pairs it no longer
    has."""
    require(permissions.can_work_checklist(actor))
    help_kinds = _known(help_kinds, HelpKind, "help_kinds")
    topics = _known(topics, Topic, "topics")
    with transaction.atomic(), set_actor(actor):
        locked = (Case.objects.for_user(actor).select_for_update(of=("self",))
                  .filter(pk=case.pk).first())
        if locked is None:
            raise Case.DoesNotExist
        if not locked.is_open:
            raise ValidationError(_("A closed case keeps its classification: reopen it to "
                                    "change it."))
        locked.help_kinds, locked.topics = help_kinds, topics
        locked.full_clean()
        locked.save(update_fields=["help_kinds", "topics", "updated_at"])
        condition = _pairs_condition(locked, "step__template__")
        CaseChecklistItem.objects.filter(case_id=locked.pk, done_at__isnull=True,
                                         step__isnull=False).exclude(condition).delete()
        checklist_attach(locked)
    return locked


def checklist_item_set(*, actor: User, item_id: int, done: bool, now=None) -> CaseChecklistItem:
    """Tick (``done``) or untick one step of an open case's checklist, read through the
    actor's scope (outside it: ``DoesNotExist``). The case's row is locked first, so a step
    unticked while the case is closed is seen by the close's check."""
    require(permissions.can_work_checklist(actor))
    now = now or timezone.now()
    with transaction.atomic(), set_actor(actor):
        case_id = (CaseChecklistItem.objects.for_user(actor).filter(pk=item_id)
                   .values_list("case_id", flat=True).first())
        if case_id is None:
            raise CaseChecklistItem.DoesNotExist
        case = (Case.objects.for_user(actor).select_for_update(of=("self",))
                .filter(pk=case_id).first())
        if case is None:
            raise CaseChecklistItem.DoesNotExist
        if not case.is_open:
            raise ValidationError(_("This case is closed: reopen it to change its checklist."))
        item = CaseChecklistItem.objects.select_for_update().get(pk=item_id)
        if (item.done_at is not None) == bool(done):
            return item
        item.done_at, item.done_by = (now, actor) if done else (None, None)
        item.save(update_fields=["done_at", "done_by"])
    return item


def case_checklist(user, case) -> list[CaseChecklistItem]:
    """The case's steps in order, for staff (an enterprise's user gets none)."""
    return list(CaseChecklistItem.objects.for_user(user).filter(case_id=case.pk)
                .select_related("done_by"))


# --------------------------------------------------------------------------------------------
# Administrators' checklists
# --------------------------------------------------------------------------------------------


def _clean_steps(steps: Sequence[dict], template: ChecklistTemplate | None) -> list[dict]:
    """The steps in their order (by ``position``, then as given), numbered 1, 2, 3..."""
    rows = []
    errors = []
    known_ids = (set(template.steps.values_list("pk", flat=True)) if template and template.pk
                 else set())
    for index, step in enumerate(steps):
        label_fr = " ".join((step.get("label_fr") or "").split())
        label_en = " ".join((step.get("label_en") or "").split())
        step_id = step.get("id")
        if step_id is not None and step_id not in known_ids:
            raise ValidationError(_("A step does not belong to this checklist."))
        if not label_fr or not label_en:
            errors.append(_("Step %(number)s: give its label in French and in English.")
                          % {"number": index + 1})
            continue
        rows.append({"id": step_id, "label_fr": label_fr, "label_en": label_en,
                     "required": bool(step.get("required")),
                     # a step without an order number goes after those with one
                     "order": (10_000 if step.get("position") is None else step["position"],
                               index)})
    if errors:
        raise ValidationError({"steps": errors})
    if not rows:
        raise ValidationError({"steps": _("A checklist has at least one step.")})
    if len(rows) > MAX_STEPS:
        raise ValidationError({"steps": _("A checklist has %(max)s steps at most.")
                               % {"max": MAX_STEPS}})
    rows.sort(key=lambda row: row["order"])
    for position, row in enumerate(rows, start=1):
        row["position"] = position
        del row["order"]
    return rows


def checklist_template_save(*, actor: User, help_kind: str, topic: str, steps: Sequence[dict],
                            template: ChecklistTemplate | None = None) -> ChecklistTemplate:
    """Create (``template`` None) or change a checklist: its help kind and topic (one checklist
    per pair) and its steps, given in order as dicts (``id`` of an existing step or None,
    ``label_fr``, ``label_en``, ``required``, ``position``). Existing steps left out are
    deleted; cases keep their copies of them. Central administrators only."""
    require(permissions.can_manage_checklists(actor))
    if template is not None and template.pk:
        template = ChecklistTemplate.objects.get(pk=template.pk)
    else:
        template = ChecklistTemplate()
    template.help_kind, template.topic = help_kind, topic
    template.full_clean()
    rows = _clean_steps(steps, template)
    for row in rows:
        ChecklistStep(template=template, **{k: row[k] for k in
                                            ("label_fr", "label_en", "required", "position")}
                      ).full_clean(exclude=["template"])
    try:
        with transaction.atomic(), set_actor(actor):
            template.save()
            keep = {row["id"] for row in rows if row["id"] is not None}
            template.steps.exclude(pk__in=keep).delete()
            current = {step.pk: step for step in template.steps.all()}
            for row in rows:
                step = current.get(row["id"]) or ChecklistStep(template=template)
                fields = ("label_fr", "label_en", "required", "position")
                if step.pk and all(getattr(step, f) == row[f] for f in fields):
                    continue
                for f in fields:
                    setattr(step, f, row[f])
                step.save()
    except IntegrityError as exc:  # the same pair saved at the same moment
        raise ValidationError(_("This help kind and topic already have a checklist.")) from exc
    return template


def checklist_template_set_active(*, actor: User, template: ChecklistTemplate,
                                  active: bool) -> ChecklistTemplate:
    """Put a checklist out of use (new cases no longer get it; cases keep their steps) or
    back in use."""
    require(permissions.can_manage_checklists(actor))
    with transaction.atomic(), set_actor(actor):
        template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        if template.is_active != bool(active):
            template.is_active = bool(active)
            template.save(update_fields=["is_active", "updated_at"])
    return template


def checklist_templates_load(*, path: Path = DEFAULT_CHECKLISTS_FILE) -> int:
    """Create the checklists of ``path`` whose (help kind, topic) pair has none yet, with their
    steps; return how many. Those administrators edited are left as they are. Loading reference
    data is nobody's action on personal information: it writes nothing to the audit trail (an
    administrator's later edits do)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    existing = set(ChecklistTemplate.objects.values_list("help_kind", "topic"))
    created = 0
    with transaction.atomic(), disable_auditlog():
        for entry in data["checklists"]:
            if (entry["help_kind"], entry["topic"]) in existing:
                continue
            template = ChecklistTemplate(help_kind=entry["help_kind"], topic=entry["topic"])
            template.full_clean()
            template.save()
            for position, step in enumerate(entry["steps"], start=1):
                row = ChecklistStep(template=template, position=position, **step)
                row.full_clean()
                row.save()
            created += 1
    return created
