"""Review grids: how the ministry's staff judge an action plan before recommending it.

A program's grid is a list of ``ReviewCriterion`` rows, edited by central administrators in
the Django admin: eligibility checks (met or not) and criteria scored from 1 to ``scale_max``
with a ``weight``. A program without criteria gets the seed's five characteristics of a
welcoming community as scored criteria (1 to 5, weight 1): ``review_criteria_default``, called
by the programs loader and by the admin when a program is saved without criteria.

The plan's adviser fills their grid (``review_start``, ``review_save``, ``review_submit``);
the plan's adviser or a SIT manager may ask a second reviewer (another adviser serving the
plan, or a SIT manager) for one (``review_request``, which notifies them). A grid is complete
once submitted with every active criterion answered. Grids are written until the decision and
read only by staff (``PlanReview.objects`` is a ``StaffOnlyQuerySet``): no partner page, export,
email or letter holds them.

What the plan's page shows (``plan_grids``):

- each grid's **weighted score**: over its scored answers,
  ``(Σ weight × score ÷ scale_max) ÷ Σ weight × 100``, from 0 to 100, rounded to one decimal;
  the plan's score is the average of its completed grids' scores;
- its **eligibility**: any check answered « not met » flags the grid (it does not block
  recommending: the adviser explains it in the recommendation);
- where **reviewers disagree**, among completed grids: on a scored criterion, scores two
  points or more apart; on an eligibility check, one « met » and one « not met ».

Recommending (``IN_REVIEW → RECOMMENDED``) needs the plan's adviser's grid completed
(``adviser_grid_missing``, a guard of ``PLAN_WORKFLOW``); not recommending does not (its
comment says why).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import STAFF_ROLES, Role, User

from .models import (
    ActionPlan,
    Characteristic,
    CriterionKind,
    PlanReview,
    Program,
    ReviewAnswer,
    ReviewCriterion,
    Status,
)

#: Who fills grids: advisers and SIT managers (central administrators read them).
REVIEWERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})
#: Statuses in which grids are written: from submission until the decision.
GRID_STATUSES = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED,
                           Status.RECOMMENDED, Status.NOT_RECOMMENDED})
#: Scores this many points apart (or more) on one criterion are a disagreement.
DISAGREEMENT_POINTS = 2

HUNDRED = Decimal("100")
TENTH = Decimal("0.1")

DEFAULT_GUIDANCE_FR = ("Dans quelle mesure le plan contribue-t-il à cette caractéristique "
                       "d’une collectivité accueillante et inclusive ? 1 : peu ou pas ; "
                       "5 : de façon marquée et mesurable.")
DEFAULT_GUIDANCE_EN = ("To what extent does the plan contribute to this characteristic of a "
                       "welcoming and inclusive community? 1: little or not at all; "
                       "5: markedly and measurably.")


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def _name(user) -> str:
    return user.get_full_name() or user.email


# --------------------------------------------------------------------------------------------
# Default criteria
# --------------------------------------------------------------------------------------------


def review_criteria_default(*, program: Program) -> int:
    """Give ``program`` the seed's five characteristics of a welcoming community as scored
    criteria (1 to 5, weight 1) when it has no criterion at all (active or not); return how
    many were created. A program an administrator gave criteria keeps them."""
    if program.review_criteria.exists():
        return 0
    rows = []
    for position, characteristic in enumerate(Characteristic, start=1):
        with translation.override(settings.LANGUAGE_CODE):
            label_fr = str(characteristic.label)
        with translation.override("en"):
            label_en = str(characteristic.label)
        rows.append(ReviewCriterion(
            program=program, kind=CriterionKind.SCORED, label_fr=label_fr, label_en=label_en,
            guidance_fr=DEFAULT_GUIDANCE_FR, guidance_en=DEFAULT_GUIDANCE_EN, scale_max=5,
            weight=Decimal("1.00"), position=position * 10))
    ReviewCriterion.objects.bulk_create(rows)
    return len(rows)


def review_criteria_defaults_load() -> int:
    """Default criteria for every program that has none; return how many were created."""
    created = 0
    for program in Program.objects.filter(review_criteria__isnull=True).distinct():
        created += review_criteria_default(program=program)
    return created


# --------------------------------------------------------------------------------------------
# Who may do what (the plan is already in the user's scope)
# --------------------------------------------------------------------------------------------


def can_view_grids(user) -> bool:
    """Grids are the ministry's: staff read them, partners never."""
    return _role(user) in STAFF_ROLES


def can_start_review(user, plan) -> bool:
    """The plan's adviser opens their own grid."""
    return (_role(user) in REVIEWERS and plan.adviser_id == user.pk
            and plan.status in GRID_STATUSES)


def can_request_review(user, plan) -> bool:
    """The plan's adviser or a SIT manager asks a second reviewer for a grid."""
    return (_role(user) in REVIEWERS and plan.status in GRID_STATUSES
            and (plan.adviser_id == user.pk or _role(user) == Role.SIT_MANAGER))


def can_fill_review(user, review) -> bool:
    return review.reviewer_id == user.pk and review.plan.status in GRID_STATUSES


# --------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------


def _locked_plan(actor, plan_id) -> ActionPlan:
    """The plan through the actor's scope, row-locked (a grid write and a move on the plan
    wait for each other); out of scope is « does not exist », and so is every plan for a
    partner, who never sees a grid."""
    if not can_view_grids(actor):
        raise ActionPlan.DoesNotExist
    plan = (ActionPlan.objects.for_user(actor).select_for_update(of=("self",))
            .select_related("call").filter(pk=plan_id).first())
    if plan is None:
        raise ActionPlan.DoesNotExist
    return plan


def _require_open(plan):
    if plan.status not in GRID_STATUSES:
        raise ValidationError(_("The review grids of a plan that is “%(status)s” can no "
                                "longer be changed.") % {"status": plan.get_status_display()})


def review_start(*, actor: User, plan_id: int, now=None) -> PlanReview:
    """The plan's adviser opens their grid (the one they already have, if any)."""
    with transaction.atomic(), set_actor(actor):
        plan = _locked_plan(actor, plan_id)
        existing = PlanReview.objects.filter(plan=plan, reviewer=actor).first()
        if existing is not None:
            return existing
        if _role(actor) not in REVIEWERS or plan.adviser_id != actor.pk:
            raise PermissionDenied
        _require_open(plan)
        return PlanReview.objects.create(plan=plan, reviewer=actor,
                                         created_at=now or timezone.now())


def review_candidates(plan: ActionPlan):
    """Who may be asked for a second grid: the advisers of the plan's serving office and the
    managers of its SIT, active, but the plan's adviser and those who have a grid already."""
    office = plan.organisation.office
    return (User.objects.filter(is_active=True)
            .filter(Q(role=Role.ADVISER, assignments__office_id=office.pk)
                    | Q(role=Role.SIT_MANAGER, assignments__office__sit_id=office.sit_id))
            .exclude(pk=plan.adviser_id or 0)
            .exclude(pk__in=PlanReview.objects.filter(plan=plan).values("reviewer_id"))
            .distinct().order_by("last_name", "first_name", "email"))


def review_request(*, actor: User, plan_id: int, reviewer: User, now=None) -> PlanReview:
    """Ask ``reviewer`` (an adviser or SIT manager whose scope holds the plan, not its adviser,
    without a grid on it yet) for a grid; they are notified in the same transaction."""
    from notifications.services import notify

    now = now or timezone.now()
    with transaction.atomic(), set_actor(actor):
        plan = _locked_plan(actor, plan_id)
        if not can_request_review(actor, plan):
            raise PermissionDenied
        _require_open(plan)
        who = {"reviewer": _name(reviewer)}
        if reviewer.pk == actor.pk:
            raise ValidationError(_("Ask someone else: your own grid is on the plan’s page."))
        if reviewer.pk == plan.adviser_id:
            raise ValidationError(_("%(reviewer)s is the plan’s adviser: their grid is not a "
                                    "second opinion.") % who)
        if (_role(reviewer) not in REVIEWERS or not reviewer.is_active
                or not ActionPlan.objects.for_user(reviewer).filter(pk=plan.pk).exists()):
            raise ValidationError(_("%(reviewer)s cannot review this plan: ask an adviser who "
                                    "serves it or a manager of its SIT.") % who)
        if PlanReview.objects.filter(plan=plan, reviewer=reviewer).exists():
            raise ValidationError(_("%(reviewer)s already has a grid for this plan.") % who)
        review = PlanReview.objects.create(plan=plan, reviewer=reviewer, requested_by=actor,
                                           created_at=now)
        notify(recipients=[reviewer], key=f"plan-review:{review.pk}",
               kind="plan_review_requested",
               params={"plan": plan.title, "organisation": plan.organisation.name,
                       "by": _name(actor)},
               url=reverse("programs:plan_grid", args=[plan.pk]))
    return review


@dataclass(frozen=True)
class Answer:
    """What a reviewer gives for one criterion (``meets`` for a check, ``score`` for a scored
    criterion; both None: not answered yet)."""

    meets: bool | None = None
    score: int | None = None
    note: str = ""


def _check_answer(criterion, answer: Answer) -> str | None:
    if criterion.kind == CriterionKind.ELIGIBILITY:
        if answer.score is not None:
            return _("Answer “met” or “not met”.")
        return None
    if answer.meets is not None:
        return _("Give a score.")
    if answer.score is not None and not 1 <= answer.score <= criterion.scale_max:
        return (_("The score goes from 1 to %(max)s.") % {"max": criterion.scale_max})
    return None


def _is_answered(criterion, answer) -> bool:
    if answer is None:
        return False
    if criterion.kind == CriterionKind.ELIGIBILITY:
        return answer.meets is not None
    return answer.score is not None


def _write(actor, review_id, answers, comment, *, submit, now) -> PlanReview:
    now = now or timezone.now()
    with transaction.atomic(), set_actor(actor):
        review = (PlanReview.objects.for_user(actor).select_related("plan")
                  .filter(pk=review_id).first())
        if review is None:
            raise PlanReview.DoesNotExist
        plan = _locked_plan(actor, review.plan_id)
        review = PlanReview.objects.select_for_update().get(pk=review.pk)
        review.plan = plan
        if review.reviewer_id != actor.pk:
            raise PermissionDenied
        _require_open(plan)
        if review.submitted_at is not None and not submit:
            raise ValidationError(_("This grid is completed: save your changes by completing "
                                    "it again."))
        criteria = {c.pk: c for c in ReviewCriterion.objects.filter(
            program_id=plan.call.program_id, is_active=True)}
        unknown = set(answers) - set(criteria)
        if unknown:
            raise ValidationError(_("This criterion is not in the program’s grid."))
        errors = {}
        for pk, answer in answers.items():
            problem = _check_answer(criteria[pk], answer)
            if problem:
                errors[f"criterion_{pk}"] = problem
        if errors:
            raise ValidationError(errors)
        stored = {a.criterion_id: a for a in review.answers.all()}
        merged = {**{pk: Answer(a.meets, a.score, a.note) for pk, a in stored.items()
                     if pk in criteria}, **answers}
        if submit:
            if not criteria:
                raise ValidationError(_("The program has no active review criterion: a central "
                                        "administrator defines them."))
            missing = [c for pk, c in criteria.items() if not _is_answered(c, merged.get(pk))]
            if missing:
                raise ValidationError([
                    ValidationError(_("“%(criterion)s” is not answered.")
                                    % {"criterion": c.label}, code="unanswered")
                    for c in missing])
        ReviewAnswer.objects.filter(review=review, criterion_id__in=list(answers)).delete()
        ReviewAnswer.objects.bulk_create([
            ReviewAnswer(review=review, criterion_id=pk, meets=a.meets, score=a.score,
                         note=(a.note or "").strip())
            for pk, a in answers.items()
            if a.meets is not None or a.score is not None or (a.note or "").strip()])
        review.comment = (comment or "").strip()
        fields = ["comment"]
        if submit:
            review.submitted_at = now
            fields.append("submitted_at")
        review.full_clean(exclude=["plan", "reviewer", "requested_by"], validate_unique=False,
                          validate_constraints=False)
        review.save(update_fields=fields)
    return review


def review_save(*, actor: User, review_id: int, answers: Mapping[int, Answer],
                comment: str = "", now=None) -> PlanReview:
    """Save the reviewer's answers as a draft (``answers[criterion_id]``; a criterion not
    given keeps its answer). A completed grid changes only by being completed again."""
    return _write(actor, review_id, dict(answers), comment, submit=False, now=now)


def review_submit(*, actor: User, review_id: int, answers: Mapping[int, Answer] | None = None,
                  comment: str = "", now=None) -> PlanReview:
    """Complete the grid: every active criterion of the program answered (a check « met » or
    « not met », a score from 1 to its highest score), else nothing is saved and the message
    names each criterion missing."""
    return _write(actor, review_id, dict(answers or {}), comment, submit=True, now=now)


# --------------------------------------------------------------------------------------------
# The workflow's guard
# --------------------------------------------------------------------------------------------


def adviser_grid_missing(plan, now=None) -> list[str]:
    """What keeps the plan from being recommended: its adviser's grid, completed."""
    if plan.adviser_id is None:
        return [gettext_lazy("Assign the plan to an adviser: their review grid must be "
                             "completed before recommending.")]
    review = (PlanReview.objects.filter(plan_id=plan.pk, reviewer_id=plan.adviser_id)
              .select_related("reviewer").first())
    if review is None:
        return [_("The review grid of %(adviser)s is not filled in: complete it before "
                  "recommending.") % {"adviser": _name(plan.adviser)}]
    if review.submitted_at is not None:
        return []
    answers = {a.criterion_id: a for a in review.answers.all()}
    unanswered = [c.label for c in ReviewCriterion.objects.filter(
        program_id=plan.call.program_id, is_active=True) if not _is_answered(c, answers.get(c.pk))]
    problems = [_("The review grid of %(adviser)s is not completed.")
                % {"adviser": _name(review.reviewer)}]
    problems += [_("Review grid: “%(criterion)s” is not answered.") % {"criterion": label}
                 for label in unanswered]
    return problems


def fill_the_grid(user, plan):
    """``Move.next_step`` of recommending: the adviser's grid, for the adviser."""
    if plan.adviser_id != getattr(user, "pk", None):
        return None
    return (gettext_lazy("Fill in the review grid"),
            reverse("programs:plan_grid", args=[plan.pk]))


# --------------------------------------------------------------------------------------------
# Reads: scores, eligibility, disagreements
# --------------------------------------------------------------------------------------------


def weighted_score(pairs) -> Decimal | None:
    """``(Σ weight × score ÷ scale_max) ÷ Σ weight × 100`` over ``(criterion, score)`` pairs,
    rounded to one decimal; None without any pair."""
    pairs = list(pairs)
    total_weight = sum((c.weight for c, _s in pairs), Decimal(0))
    if not pairs or total_weight <= 0:
        return None
    points = sum((c.weight * Decimal(s) / Decimal(c.scale_max) for c, s in pairs), Decimal(0))
    return (points / total_weight * HUNDRED).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass
class Grid:
    """One reviewer's grid as the plan's page shows it."""

    review: PlanReview
    #: criterion id -> answer
    answers: dict
    #: The active criteria, then the inactive ones this grid answered.
    criteria: list
    can_fill: bool = False

    @property
    def complete(self) -> bool:
        return self.review.submitted_at is not None

    @property
    def answered(self) -> int:
        return sum(1 for c in self.criteria if c.is_active
                   and _is_answered(c, self.answers.get(c.pk)))

    @property
    def expected(self) -> int:
        return sum(1 for c in self.criteria if c.is_active)

    @property
    def score(self) -> Decimal | None:
        if not self.complete:
            return None
        return weighted_score((c, self.answers[c.pk].score) for c in self.criteria
                              if c.kind == CriterionKind.SCORED and c.pk in self.answers
                              and self.answers[c.pk].score is not None)

    @property
    def not_met(self) -> list:
        return [c for c in self.criteria if c.kind == CriterionKind.ELIGIBILITY
                and c.pk in self.answers and self.answers[c.pk].meets is False]

    @property
    def lines(self) -> list:
        return [(c, self.answers.get(c.pk)) for c in self.criteria]


@dataclass
class Disagreement:
    criterion: ReviewCriterion
    #: (reviewer, answer) of each completed grid that answered the criterion
    answers: list


@dataclass
class PlanGrids:
    grids: list
    criteria: list
    disagreements: list = field(default_factory=list)
    mine: Grid | None = None
    can_start: bool = False
    can_request: bool = False
    candidates: list = field(default_factory=list)

    @property
    def completed(self) -> list:
        return [g for g in self.grids if g.complete]

    @property
    def average(self) -> Decimal | None:
        scores = [g.score for g in self.completed if g.score is not None]
        if not scores:
            return None
        return (sum(scores, Decimal(0)) / len(scores)).quantize(TENTH, rounding=ROUND_HALF_UP)

    @property
    def flagged(self) -> bool:
        return any(g.not_met for g in self.completed)


def disagreements(grids) -> list[Disagreement]:
    """The criteria on which completed grids disagree: scores ``DISAGREEMENT_POINTS`` or more
    apart, or « met » against « not met »."""
    completed = [g for g in grids if g.complete]
    found = []
    criteria = {}
    for grid in completed:
        for c in grid.criteria:
            criteria.setdefault(c.pk, c)
    for pk, criterion in criteria.items():
        given = [(g.review.reviewer, g.answers[pk]) for g in completed if pk in g.answers]
        if criterion.kind == CriterionKind.SCORED:
            scores = [a.score for _r, a in given if a.score is not None]
            split = len(scores) > 1 and max(scores) - min(scores) >= DISAGREEMENT_POINTS
        else:
            split = len({a.meets for _r, a in given if a.meets is not None}) > 1
        if split:
            found.append(Disagreement(criterion, given))
    return found


def plan_grids(user, plan) -> PlanGrids | None:
    """The plan's grids the user may read (None for a partner), in a fixed number of queries
    whatever the number of grids and answers."""
    if not can_view_grids(user):
        return None
    criteria = list(ReviewCriterion.objects.filter(program_id=plan.call.program_id)
                    .order_by("position", "pk"))
    by_pk = {c.pk: c for c in criteria}
    reviews = list(PlanReview.objects.for_user(user).filter(plan_id=plan.pk)
                   .select_related("reviewer", "requested_by")
                   .prefetch_related(Prefetch("answers", queryset=ReviewAnswer.objects.all()))
                   .order_by("created_at", "pk"))
    grids = []
    for review in reviews:
        review.plan = plan
        answers = {a.criterion_id: a for a in review.answers.all()}
        shown = [c for c in criteria if c.is_active or c.pk in answers]
        for answer in answers.values():
            answer.criterion = by_pk.get(answer.criterion_id)
        grids.append(Grid(review=review, answers=answers, criteria=shown,
                          can_fill=can_fill_review(user, review)))
    mine = next((g for g in grids if g.review.reviewer_id == user.pk), None)
    summary = PlanGrids(grids=grids, criteria=[c for c in criteria if c.is_active],
                        disagreements=disagreements(grids), mine=mine,
                        can_start=mine is None and can_start_review(user, plan),
                        can_request=can_request_review(user, plan))
    if summary.can_request:
        summary.candidates = [u for u in review_candidates(plan) if u.pk != user.pk]
    return summary
