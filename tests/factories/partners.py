import factory

from accounts.models import Role
from partners.models import Contact, Kind, NonProfitKind, Organisation, PartnerMembership
from tests.factories.accounts import UserFactory
from tests.factories.antennes import office


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A non-profit of the Mauricie served by Trois-Rivières unless told otherwise."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisme {n}")
    kind = Kind.NON_PROFIT
    non_profit_kind = NonProfitKind.SETTLEMENT
    office = factory.LazyFunction(lambda: office("trois-rivieres"))
    region = factory.LazyAttribute(lambda o: o.office.region)
    email = factory.Sequence(lambda n: f"info{n}@organisme.example")

    class Params:
        enterprise = factory.Trait(kind=Kind.ENTERPRISE, non_profit_kind="")
        municipal = factory.Trait(kind=Kind.AGGLOMERATION, non_profit_kind="")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    first_name = factory.Faker("first_name", locale="fr_CA")
    last_name = factory.Faker("last_name", locale="fr_CA")
    email = factory.Sequence(lambda n: f"contact{n}@organisme.example")
    phone = "819 555-0100"


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER

    @factory.post_generation
    def organisation(self, create, extracted, **kwargs):
        if create and extracted is not None:
            PartnerMembership.objects.create(user=self, organisation=extracted)
