"""Programs, calls, plans, measures and reports for tests.

The reference programs are loaded with the network (``fixtures/programs.json``):
``program("pac-1")`` (municipal bodies) and ``program("pac-2")`` (non-profits) are real rows.
A plan's call is drawn for its organisation's kind, and ``measures=N`` makes a plan complete
enough to submit.
"""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from partners.models import MUNICIPAL_KINDS
from programs.models import (
    ActionPlan,
    BudgetLine,
    Call,
    Characteristic,
    Indicator,
    Measure,
    PlanReview,
    Program,
    Report,
    ReportKind,
    RequiredDocument,
    ReviewAnswer,
    fiscal_year_of,
)
from programs.services import _recompute_totals
from tests.factories.accounts import UserFactory
from tests.factories.partners import OrganisationFactory


def program(code: str) -> Program:
    return Program.objects.get(code=code)


def program_for(organisation) -> Program:
    return program("pac-1" if organisation.kind in MUNICIPAL_KINDS else "pac-2")


class CallFactory(factory.django.DjangoModelFactory):
    """A call open now (it opened a month ago and closes in a month)."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    program = factory.LazyFunction(lambda: program("pac-2"))
    title = factory.Sequence(lambda n: f"Appel de projets {n}")
    fiscal_year = factory.LazyFunction(lambda: fiscal_year_of(timezone.localdate()))
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    budget = Decimal("2000000.00")

    class Params:
        closed = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=60)),
            closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)))
        upcoming = factory.Trait(
            opens_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=1)),
            closes_at=factory.LazyFunction(lambda: timezone.now() + timedelta(days=60)))

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        for name in extracted or []:
            RequiredDocument.objects.create(call=self, name=name)


class ActionPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan of a Mauricie non-profit; ``measures=N`` adds N complete measures (one
    indicator and one budget line each, 10,000 $ asked)."""

    class Meta:
        model = ActionPlan
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    call = factory.LazyAttribute(lambda o: CallFactory(program=program_for(o.organisation)))
    title = factory.Sequence(lambda n: f"Plan d’action en immigration {n}")
    starts_on = factory.LazyFunction(lambda: date(fiscal_year_of(timezone.localdate()), 4, 1))
    ends_on = factory.LazyAttribute(lambda o: date(o.starts_on.year + 1, 3, 31))
    needs_analysis = "Portrait des besoins réalisé avec la table de concertation locale."
    objectives = "Mieux accueillir les personnes immigrantes et favoriser leur rétention."
    characteristics = factory.LazyFunction(lambda: [Characteristic.FAIR_ACCESS,
                                                    Characteristic.FRENCH])
    created_by = factory.LazyFunction(UserFactory)

    @factory.post_generation
    def measures(self, create, extracted, **kwargs):
        for _ in range(extracted or 0):
            MeasureFactory(plan=self)
        if extracted:
            _recompute_totals(self)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure
        skip_postgeneration_save = True

    plan = factory.SubFactory(ActionPlanFactory)
    axis = factory.LazyAttribute(lambda o: o.plan.call.program.axes[0])
    title = factory.Sequence(lambda n: f"Mesure {n}")
    description = "Activités de jumelage interculturel avec les organismes du milieu."
    target_groups = "Personnes immigrantes récemment établies"
    starts_on = factory.LazyAttribute(lambda o: o.plan.starts_on)
    ends_on = factory.LazyAttribute(lambda o: o.plan.ends_on)
    partners_involved = "Bibliothèque municipale"

    @factory.post_generation
    def lines(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Indicator.objects.create(measure=self, name="Participants", unit="personnes",
                                     target_value=Decimal("40"))
            BudgetLine.objects.create(measure=self, label="Animation",
                                      requested_amount=Decimal("10000.00"),
                                      partner_amount=Decimal("2500.00"),
                                      other_amount=Decimal("0.00"))


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    plan = factory.SubFactory(ActionPlanFactory)
    kind = ReportKind.FINAL
    due_on = factory.LazyAttribute(lambda o: o.plan.ends_on or timezone.localdate())


def completed_review(plan, reviewer=None, *, score=3, meets=True, **kwargs) -> PlanReview:
    """A review grid of ``reviewer`` (default: the plan's adviser) on ``plan``, completed:
    every active criterion of the program answered (``score`` for scored criteria, ``meets``
    for eligibility checks). Recommending needs the plan's adviser's one."""
    review = PlanReview.objects.create(plan=plan, reviewer=reviewer or plan.adviser,
                                       submitted_at=timezone.now(), **kwargs)
    ReviewAnswer.objects.bulk_create([
        ReviewAnswer(review=review, criterion=criterion,
                     meets=meets if criterion.kind == "eligibility" else None,
                     score=None if criterion.kind == "eligibility" else score)
        for criterion in plan.call.program.review_criteria.filter(is_active=True)])
    return review
