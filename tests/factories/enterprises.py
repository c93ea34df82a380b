"""Enterprises and their support cases for tests.

``EnterpriseFactory()`` makes an enterprise organisation of the Mauricie (served by
Trois-Rivières) with its profile; ``CaseFactory(organisation=...)`` an open case of it.
"""

import factory
from django.utils import timezone

from enterprises.models import (
    Case,
    CaseStatus,
    Channel,
    Enterprise,
    HelpKind,
    LegalForm,
    Nature,
    Sector,
    SizeBand,
    Topic,
)
from enterprises.services import default_follow_up
from partners.models import Kind
from tests.factories.accounts import UserFactory
from tests.factories.partners import OrganisationFactory


def valid_neq(n: int, prefix: str = "11") -> str:
    """A 10-digit NEQ with ``prefix`` whose last 8 digits pass the Luhn check."""
    from enterprises.neq import luhn_ok

    body = f"{n:07d}"
    for check in range(10):
        if luhn_ok(body + str(check)):
            return prefix + body + str(check)
    raise AssertionError("unreachable")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    organisation = factory.SubFactory(OrganisationFactory, kind=Kind.ENTERPRISE,
                                      non_profit_kind="",
                                      name=factory.Sequence(lambda n: f"Entreprise {n} inc."))
    neq = factory.Sequence(lambda n: valid_neq(1000 + n))
    legal_form = LegalForm.CORPORATION
    nature = Nature.FOR_PROFIT
    sector = Sector.MANUFACTURING
    size_band = SizeBand.SMALL_MEDIUM
    #: Confirmed, like an enterprise made by staff; ``unverified=True`` for a self-registered
    #: one an adviser has not confirmed yet.
    verified_at = factory.LazyFunction(timezone.now)

    class Params:
        unverified = factory.Trait(verified_at=None)


class CaseFactory(factory.django.DjangoModelFactory):
    """An open case (status ``new`` unless told), due for follow-up in two business days."""

    class Meta:
        model = Case

    organisation = factory.LazyFunction(lambda: EnterpriseFactory().organisation)
    office = factory.LazyAttribute(lambda o: o.organisation.office)
    subject = factory.Sequence(lambda n: f"Accueillir nos nouveaux travailleurs ({n})")
    help_kinds = factory.LazyFunction(lambda: [HelpKind.INFORMATION])
    topics = factory.LazyFunction(lambda: [Topic.INTEGRATION])
    description = "Nous voulons mieux accueillir nos nouveaux travailleurs."
    channel = Channel.PORTAL
    status = CaseStatus.NEW
    next_follow_up = factory.LazyFunction(default_follow_up)
    created_by = factory.LazyFunction(UserFactory)
    opened_at = factory.LazyFunction(timezone.now)

    class Params:
        closed = factory.Trait(status=CaseStatus.CLOSED, outcome="resolved",
                               next_follow_up=None,
                               closed_at=factory.LazyFunction(timezone.now))
