import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from partners import services
from partners.models import Contact, Invitation, Kind, NonProfitKind, Organisation
from regions.models import Mrc, Municipality, Region
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import ContactFactory, OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def adviser(db):
    return StaffFactory(role="adviser", offices=[office("granby")])


def test_a_municipality_is_created_from_the_register_with_its_serving_office(adviser):
    granby = Municipality.objects.get(code="47017")
    organisation = services.organisation_create_from_register(actor=adviser,
                                                              municipality=granby)
    assert organisation.name == "Granby"
    assert organisation.kind == Kind.LOCAL_MUNICIPALITY
    assert organisation.region.code == "05"
    assert organisation.mrc.code == "470"
    assert organisation.office.slug == "granby"
    assert organisation.code == "47017"


def test_an_mrc_is_created_from_the_register(adviser):
    organisation = services.organisation_create_from_register(
        actor=adviser, mrc=Mrc.objects.get(code="460"))
    assert organisation.kind == Kind.MRC
    assert organisation.name == "MRC Brome-Missisquoi"
    assert organisation.office.slug == "granby"


def test_the_same_municipality_cannot_be_added_twice(adviser):
    granby = Municipality.objects.get(code="47017")
    services.organisation_create_from_register(actor=adviser, municipality=granby)
    with pytest.raises(ValidationError, match="a déjà un organisme"):
        services.organisation_create_from_register(actor=adviser, municipality=granby)
    assert Organisation.objects.filter(municipality=granby).count() == 1


def test_staff_may_choose_another_serving_office(adviser):
    organisation = services.organisation_create(
        actor=adviser, name="Accueil Cowansville", kind=Kind.NON_PROFIT,
        non_profit_kind=NonProfitKind.SETTLEMENT, region=Region.objects.get(code="05"),
        office=office("sherbrooke"))
    assert organisation.office.slug == "sherbrooke"


def test_clearing_the_office_restores_the_territory_default(adviser):
    organisation = OrganisationFactory(office=office("sherbrooke"),
                                       region=Region.objects.get(code="05"))
    services.organisation_update(actor=adviser, organisation=organisation, office=None,
                                 mrc=Mrc.objects.get(code="470"))
    organisation.refresh_from_db()
    assert organisation.office.slug == "granby"


def test_a_municipality_outside_the_region_is_refused_and_nothing_is_written(adviser):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as error:
        services.organisation_create(
            actor=adviser, name="Erreur", kind=Kind.LOCAL_MUNICIPALITY,
            region=Region.objects.get(code="04"),
            municipality=Municipality.objects.get(code="47017"))
    assert "municipality" in error.value.error_dict
    assert Organisation.objects.count() == before


def test_a_non_profit_needs_its_kind(adviser):
    with pytest.raises(ValidationError) as error:
        services.organisation_create(actor=adviser, name="OBNL", kind=Kind.NON_PROFIT,
                                     region=Region.objects.get(code="05"))
    assert "non_profit_kind" in error.value.error_dict


def test_partners_cannot_create_organisations():
    partner = PartnerUserFactory(organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=partner, name="X", kind=Kind.ENTERPRISE,
                                     region=Region.objects.get(code="05"))


def test_one_main_contact_per_organisation(adviser):
    organisation = OrganisationFactory()
    first = ContactFactory(organisation=organisation, is_primary=True)
    second = services.contact_save(actor=adviser, organisation=organisation, first_name="Léa",
                                   last_name="Roy", is_primary=True)
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary


def test_a_partner_manages_the_contacts_of_their_own_organisation_only():
    own, other = OrganisationFactory(), OrganisationFactory()
    partner = PartnerUserFactory(organisation=own)
    services.contact_save(actor=partner, organisation=own, first_name="A", last_name="B")
    with pytest.raises(PermissionDenied):
        services.contact_save(actor=partner, organisation=other, first_name="A", last_name="B")
    assert Contact.objects.filter(organisation=other).count() == 0


ACCEPT_URL = "https://portail.example/organisations/invitations/{token}/"


def _invite(actor, organisation, email, capture):
    with capture(execute=True):
        return services.invitation_create(actor=actor, organisation=organisation, email=email,
                                          accept_url_template=ACCEPT_URL)


def _token_from_mail():
    body = mail.outbox[-1].body
    return body.split("/organisations/invitations/")[1].split("/")[0]


def test_an_invited_person_creates_an_account_linked_to_the_organisation(
        adviser, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Accueil Granby")
    _invite(adviser, organisation, "Nouvelle@Accueil.example", django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nouvelle@accueil.example"]
    assert "Accueil Granby" in mail.outbox[0].body
    token = _token_from_mail()
    assert not Invitation.objects.filter(token_hash__contains=token).exists()  # only its hash

    user = services.invitation_accept(token=token, password="Un-mot-de-passe-solide-2026",
                                      first_name="Nora", last_name="Diallo")

    assert user.role == Role.PARTNER
    assert user.membership.organisation == organisation
    assert user.emailaddress_set.get().verified
    assert Organisation.objects.for_user(user).get() == organisation


def test_an_invitation_works_once(adviser, django_capture_on_commit_callbacks):
    _invite(adviser, OrganisationFactory(), "une@fois.example", django_capture_on_commit_callbacks)
    token = _token_from_mail()
    services.invitation_accept(token=token, password="Un-mot-de-passe-solide-2026")
    with pytest.raises(ValidationError, match="expirée ou déjà utilisée"):
        services.invitation_accept(token=token, password="Un-mot-de-passe-solide-2026")


def test_a_weak_password_is_refused_and_no_account_is_created(
        adviser, django_capture_on_commit_callbacks):
    _invite(adviser, OrganisationFactory(), "faible@mdp.example",
            django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.invitation_accept(token=_token_from_mail(), password="123")
    assert not Invitation.objects.get(email="faible@mdp.example").accepted_at
    from accounts.models import User

    assert not User.objects.filter(email="faible@mdp.example").exists()


def test_a_revoked_invitation_cannot_be_used(adviser, django_capture_on_commit_callbacks):
    invitation = _invite(adviser, OrganisationFactory(), "revoque@exemple.example",
                         django_capture_on_commit_callbacks)
    services.invitation_revoke(actor=adviser, invitation=invitation)
    with pytest.raises(ValidationError):
        services.invitation_accept(token=_token_from_mail(),
                                   password="Un-mot-de-passe-solide-2026")


def test_no_second_open_invitation_for_the_same_address(adviser,
                                                        django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    _invite(adviser, organisation, "double@exemple.example", django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        _invite(adviser, organisation, "double@exemple.example",
                django_capture_on_commit_callbacks)
    assert Invitation.objects.filter(email="double@exemple.example").count() == 1


def test_a_rolled_back_invitation_sends_no_email(adviser):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.invitation_create(actor=adviser, organisation=OrganisationFactory(),
                                   email="jamais@exemple.example",
                                   accept_url_template=ACCEPT_URL)
        raise RuntimeError
    assert mail.outbox == []


def test_sending_again_gives_a_new_link_and_the_old_one_stops_working(
        adviser, django_capture_on_commit_callbacks):
    invitation = _invite(adviser, OrganisationFactory(), "encore@exemple.example",
                         django_capture_on_commit_callbacks)
    old_token = _token_from_mail()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(actor=adviser, invitation=invitation,
                                   accept_url_template=ACCEPT_URL)
    new_token = _token_from_mail()
    assert len(mail.outbox) == 2 and new_token != old_token
    assert services.invitation_for_token(old_token) is None
    assert services.invitation_for_token(new_token) == invitation


def test_the_send_task_does_nothing_for_an_invitation_already_sent(
        adviser, django_capture_on_commit_callbacks):
    from partners.tasks import send_invitation

    invitation = _invite(adviser, OrganisationFactory(), "once@exemple.example",
                         django_capture_on_commit_callbacks)
    assert send_invitation(invitation.pk, ACCEPT_URL) is False
    assert len(mail.outbox) == 1
