"""Regional opportunities and regionalisation activities for tests.

``OpportunityFactory()`` makes a draft opportunity of a Mauricie enterprise for 3 jobs in
Trois-Rivières (served by the Trois-Rivières office), expiring in 30 days; the traits
``submitted``, ``published``, ``filled``, ``expired`` and ``withdrawn`` set the state (the
factory writes the row directly, as a fixture; services are tested on their own).
``ActivityFactory(organisation=...)`` makes an information session promoting the Mauricie.
"""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from enterprises.models import FrenchLevel, Sector
from partners.models import Kind, NonProfitKind
from regionalisation.models import (
    Activity,
    ActivityKind,
    ActivityRegion,
    Opportunity,
    OpportunityReferral,
    OpportunityStatus,
)
from regions.models import Municipality, Region
from tests.factories.accounts import UserFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory

S = OpportunityStatus
_numbers = itertools.count(1)


def municipality(code: str) -> Municipality:
    """A municipality of the register by its 5-digit geographic code (37067 Trois-Rivières,
    81017 Gatineau, 66023 Montréal, 43027 Sherbrooke, 36033 Shawinigan)."""
    return Municipality.objects.select_related("region", "mrc").get(code=code)


def regionalisation_organisation(**kwargs):
    """A Montréal regionalisation organisation (served by the Montréal office)."""
    kwargs.setdefault("name", f"Régionalisation Montréal {next(_numbers)}")
    montreal = office("montreal")
    return OrganisationFactory(kind=Kind.NON_PROFIT,
                               non_profit_kind=NonProfitKind.REGIONALISATION,
                               office=montreal, region=montreal.region, **kwargs)


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity

    enterprise = factory.LazyFunction(lambda: EnterpriseFactory().organisation)
    title = factory.Sequence(lambda n: f"Soudeur ou soudeuse {n}")
    description = "Poste permanent, 40 heures par semaine."
    positions = 3
    noc_code = "72106"
    sector = Sector.MANUFACTURING
    french_level = FrenchLevel.INTERMEDIATE
    municipality = factory.LazyFunction(lambda: municipality("37067"))
    region = factory.LazyAttribute(lambda o: o.municipality.region)
    office = factory.LazyFunction(lambda: office("trois-rivieres"))
    start_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=45))
    offers_housing = True
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    status = S.DRAFT
    created_by = factory.SubFactory(UserFactory)

    class Params:
        submitted = factory.Trait(status=S.SUBMITTED, submitted_at=factory.LazyFunction(
            timezone.now))
        published = factory.Trait(status=S.PUBLISHED, submitted_at=factory.LazyFunction(
            timezone.now), published_at=factory.LazyFunction(timezone.now))
        filled = factory.Trait(status=S.FILLED, published_at=factory.LazyFunction(
            timezone.now), closed_at=factory.LazyFunction(timezone.now))
        expired = factory.Trait(
            status=S.EXPIRED, published_at=factory.LazyFunction(timezone.now),
            closed_at=factory.LazyFunction(timezone.now),
            expires_on=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1)))
        withdrawn = factory.Trait(status=S.WITHDRAWN,
                                  closed_at=factory.LazyFunction(timezone.now))


class OpportunityReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpportunityReferral

    opportunity = factory.SubFactory(OpportunityFactory, published=True)
    organisation = factory.LazyFunction(regionalisation_organisation)
    candidates = 4
    interviews = 2
    hires = 1
    updated_by = factory.SubFactory(UserFactory)


class ActivityFactory(factory.django.DjangoModelFactory):
    """An information session held 8 months ago promoting ``regions`` (default: Mauricie)."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    organisation = factory.LazyFunction(regionalisation_organisation)
    kind = ActivityKind.INFORMATION_SESSION
    title = factory.Sequence(lambda n: f"Séance d'information {n} : vivre en région")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=240))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on)
    participants = 40
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if not create:
            return
        for region in extracted or [Region.objects.get(code="04")]:
            ActivityRegion.objects.create(activity=self, region=region)
