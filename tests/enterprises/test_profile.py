"""Enterprise self-registration, profiles and requests to join an enterprise already in the
portal: what is written (all or nothing), who is told, and who may see and decide what."""

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from enterprises import services
from enterprises.models import Enterprise, JoinRequest
from notifications.models import Notification
from partners.models import Kind, Organisation, PartnerMembership
from regions.models import Municipality
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory, valid_neq
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("enterprises:register")


def failing_check(neq: str) -> str:
    return neq[:-1] + str((int(neq[-1]) + 1) % 10)


def form_data(**overrides):
    data = {
        "first_name": "Chantal", "last_name": "Lemire", "email": "chantal@boulangerie.example",
        "password1": TEST_PASSWORD, "password2": TEST_PASSWORD,
        "neq": valid_neq(7_654_321), "name": "Boulangerie du Cap inc.",
        "other_names": "Pains du Cap", "legal_form": "corporation", "nature": "for_profit",
        "sector": "31-33", "naics_code": "311811", "size_band": "20-49",
        "municipality": "Shawinigan (36033)", "address": "12, rue du Moulin",
        "phone": "819 555-0101",
    }
    data.update(overrides)
    return data


def service_arguments(**overrides):
    data = form_data()
    data.pop("password2")
    data["password"] = data.pop("password1")
    data["municipality"] = Municipality.objects.get(code="36033")
    data["neq_confirmed"] = False
    data.update(overrides)
    return data


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def counts():
    return (User.objects.count(), Organisation.objects.count(), Enterprise.objects.count(),
            PartnerMembership.objects.count(), JoinRequest.objects.count(),
            EmailAddress.objects.count())


# --- Registration -----------------------------------------------------------------------------

def test_registration_creates_an_unverified_account_and_the_enterprise_served_by_its_office(en):
    response = en.post(REGISTER, form_data(neq="1176 543-21" + valid_neq(7_654_321)[-1]))
    assert response.status_code == 302

    user = User.objects.get(email="chantal@boulangerie.example")
    assert user.role == "partner" and user.get_full_name() == "Chantal Lemire"
    address = EmailAddress.objects.get(user=user)
    assert address.verified is False and address.primary is True
    enterprise = Enterprise.objects.select_related("organisation__office").get(
        neq=valid_neq(7_654_321))
    organisation = enterprise.organisation
    assert organisation.kind == Kind.ENTERPRISE
    assert organisation.name == "Boulangerie du Cap inc."
    assert organisation.municipality.code == "36033"
    assert organisation.region.code == "04"  # Mauricie, from the municipal register
    assert organisation.office == office("shawinigan")  # the office serving Shawinigan
    assert (enterprise.sector, enterprise.size_band, enterprise.naics_code) == (
        "31-33", "20-49", "311811")
    assert enterprise.neq_checksum_confirmed is False
    assert user.membership.organisation == organisation

    # The confirmation email went to the address; its link confirms it.
    assert [m.to for m in mail.outbox] == [["chantal@boulangerie.example"]]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.outbox[0].body)
    en.post(link.group(1))
    assert EmailAddress.objects.get(user=user).verified is True

    done = en.get(response["Location"])
    assert "Check your email" in done.text
    assert "chantal@boulangerie.example" in done.text
    assert "An adviser of its region" not in done.text


def test_the_registered_person_cannot_sign_in_before_confirming_the_email(en):
    en.post(REGISTER, form_data())
    user = User.objects.get(email="chantal@boulangerie.example")
    credentials = {"login": "chantal@boulangerie.example", "password": TEST_PASSWORD}

    en.post(reverse("account_login"), credentials)
    assert "_auth_user_id" not in en.session

    key = EmailConfirmationHMAC(EmailAddress.objects.get(user=user)).key
    en.post(reverse("account_confirm_email", args=[key]))
    assert EmailAddress.objects.get(user=user).verified is True
    en.post(reverse("account_login"), credentials)
    assert en.session["_auth_user_id"] == str(user.pk)


def test_a_neq_already_registered_makes_a_request_to_join_not_a_second_enterprise(en, world):
    existing = EnterpriseFactory(neq=valid_neq(7_654_321),
                                 organisation__name="Boulangerie du Cap inc.")
    before = (Organisation.objects.count(), Enterprise.objects.count())

    response = en.post(REGISTER, form_data())

    assert (Organisation.objects.count(), Enterprise.objects.count()) == before
    user = User.objects.get(email="chantal@boulangerie.example")
    assert not PartnerMembership.objects.filter(user=user).exists()
    join_request = JoinRequest.objects.get(user=user)
    assert join_request.organisation == existing.organisation
    assert join_request.decided_at is None
    # The advisers of the enterprise's office are told; the other territory's are not.
    told = Notification.objects.filter(kind="join_request")
    assert [n.recipient for n in told] == [world["users"]["adviser"]]
    with translation.override("en"):
        assert told[0].message == ("Chantal Lemire asks to join the enterprise “Boulangerie "
                                   "du Cap inc.”.")
    assert len(mail.outbox) == 1  # the email confirmation

    # The page names no enterprise (tests/accounts/test_registration_neq.py).
    done = en.get(response["Location"])
    assert "Check your email" in done.text
    assert "Boulangerie du Cap inc." not in done.text


def test_a_failed_check_digit_asks_for_a_confirmation_then_registers(en):
    neq = failing_check(valid_neq(7_654_321))
    before = counts()

    response = en.post(REGISTER, form_data(neq=neq))

    assert response.status_code == 200
    assert counts() == before
    assert "fails the check" in response.text
    assert 'name="neq_confirmed"' in response.text
    assert "I confirm this NEQ is correct" in response.text
    assert len(mail.outbox) == 0

    response = en.post(REGISTER, form_data(neq=neq, neq_confirmed="on"))

    assert response.status_code == 302
    enterprise = Enterprise.objects.get(neq=neq)
    assert enterprise.neq_checksum_confirmed is True


def test_the_confirmation_checkbox_is_not_offered_for_a_number_that_passes(en):
    response = en.get(REGISTER)
    assert response.status_code == 200
    assert 'name="neq_confirmed"' not in response.text
    assert 'list="municipality-list"' in response.text
    assert '<option value="Trois-Rivières (37067)">' in response.text


@pytest.mark.parametrize(("neq", "says"), [
    ("4412345678", "An NEQ starts with 11, 22, 33 or 88"),
    ("11234", "An NEQ has 10 digits"),
    ("11A4567890", "An NEQ has only digits"),
])
def test_a_wrong_neq_is_refused_and_writes_nothing(en, neq, says):
    before = counts()
    response = en.post(REGISTER, form_data(neq=neq))
    assert response.status_code == 200
    assert says in response.text
    assert 'aria-invalid="true"' in response.text
    assert counts() == before
    assert len(mail.outbox) == 0


def test_a_wrong_neq_is_refused_by_the_service_too():
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.enterprise_register(**service_arguments(neq="4412345678"))
    assert "starts with 11, 22, 33 or 88" in caught.value.message_dict["neq"][0]
    assert counts() == before


def test_a_weak_password_and_a_missing_name_are_refused_together_and_write_nothing():
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.enterprise_register(**service_arguments(password="123", name=""))
    assert {"password", "name"} <= set(caught.value.message_dict)
    assert counts() == before


def test_a_failure_while_writing_leaves_nothing(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.partner_services, "membership_create", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        services.enterprise_register(**service_arguments())
    assert counts() == before


def test_an_email_already_used_reveals_nothing_and_creates_nothing(en):
    PartnerUserFactory(email="chantal@boulangerie.example")
    before = counts()
    response = en.post(REGISTER, form_data())
    assert response.status_code == 302  # the same answer as a registration
    assert counts() == before
    assert [m.to for m in mail.outbox] == [["chantal@boulangerie.example"]]
    assert "Check your email" in en.get(response["Location"]).text


@pytest.mark.parametrize("known", [True, False], ids=["known address", "unknown address"])
def test_a_weak_password_gets_the_same_answer_for_a_known_and_an_unknown_address(en, known):
    if known:
        PartnerUserFactory(email="chantal@boulangerie.example")
    before = counts()
    response = en.post(REGISTER, form_data(password1="123", password2="123"))
    assert response.status_code == 200  # the form again, never "check your email"
    assert "This password is too short" in response.text
    assert "An account already uses this email address" not in response.text
    assert mail.outbox == []
    assert counts() == before


def test_a_signed_in_person_is_sent_home(client, world):
    client.force_login(world["users"]["partner"])
    assert client.get(REGISTER)["Location"] == reverse("home")


def test_the_login_page_links_to_the_registration(en):
    assert f'href="{REGISTER}"' in en.get(reverse("account_login")).text


# --- Joining an existing enterprise -----------------------------------------------------------

@pytest.fixture
def join_request(world):
    enterprise = EnterpriseFactory(organisation__name="Usine Mauricie")
    with translation.override("en"):
        person, join_request = services.enterprise_register(
            **service_arguments(neq=enterprise.neq))
    return join_request


def test_the_adviser_of_the_territory_accepts_and_the_person_joins(en, world, join_request):
    adviser = world["users"]["adviser"]
    en.force_login(adviser)
    page = en.get(reverse("enterprises:join_requests"))
    assert "Usine Mauricie" in page.text and "chantal@boulangerie.example" in page.text

    response = en.post(reverse("enterprises:join_request_decide", args=[join_request.pk]),
                       {"accept": "1"})

    assert response.status_code == 302
    join_request.refresh_from_db()
    assert join_request.accepted is True and join_request.decided_by == adviser
    person = join_request.user
    assert person.membership.organisation == join_request.organisation
    notice = Notification.objects.get(recipient=person)
    assert notice.kind == "join_accepted"
    assert notice.url == reverse("enterprises:enterprise_detail",
                                 args=[join_request.organisation.enterprise.pk])
    # Deciding again changes nothing.
    en.post(reverse("enterprises:join_request_decide", args=[join_request.pk]),
            {"accept": "0"})
    join_request.refresh_from_db()
    assert join_request.accepted is True
    assert PartnerMembership.objects.filter(user=person).exists()
    assert Notification.objects.filter(recipient=person).count() == 1
    assert "No request is waiting." in en.get(reverse("enterprises:join_requests")).text


def test_declining_tells_the_person_and_gives_no_membership(world, join_request):
    services.join_request_decide(actor=world["users"]["sit_manager"],
                                 join_request=join_request, accept=False)
    join_request.refresh_from_db()
    assert join_request.accepted is False and join_request.decided_at is not None
    assert not PartnerMembership.objects.filter(user=join_request.user).exists()
    assert Notification.objects.get(recipient=join_request.user).kind == "join_declined"


def test_an_adviser_of_another_territory_gets_404(client, world, join_request):
    client.force_login(world["users"]["adviser_gatineau"])
    assert "Usine" not in client.get(reverse("enterprises:join_requests")).text
    response = client.post(reverse("enterprises:join_request_decide", args=[join_request.pk]),
                           {"accept": "1"})
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.decided_at is None
    with pytest.raises(PermissionDenied):
        services.join_request_decide(actor=world["users"]["adviser_gatineau"],
                                     join_request=join_request, accept=True)


def test_an_enterprise_user_cannot_decide_on_requests_to_join_it(client, world, join_request):
    member = PartnerUserFactory(organisation=join_request.organisation)
    client.force_login(member)
    assert client.get(reverse("enterprises:join_requests")).status_code == 403
    response = client.post(reverse("enterprises:join_request_decide", args=[join_request.pk]),
                           {"accept": "1"})
    assert response.status_code == 403
    join_request.refresh_from_db()
    assert join_request.decided_at is None


# --- Profile ----------------------------------------------------------------------------------

@pytest.fixture
def enterprise(world):
    return EnterpriseFactory(organisation__name="Meubles Laviolette",
                             neq_checksum_confirmed=True)


@pytest.mark.parametrize(("who", "status"), [
    ("own", 200), ("adviser", 200), ("sit_manager", 200), ("admin", 200),
    ("other_enterprise", 404), ("partner", 404), ("adviser_gatineau", 404),
])
def test_who_sees_the_profile(client, world, enterprise, who, status):
    users = dict(world["users"])
    users["own"] = PartnerUserFactory(organisation=enterprise.organisation)
    users["other_enterprise"] = PartnerUserFactory(
        organisation=EnterpriseFactory().organisation)
    client.force_login(users[who])
    url = reverse("enterprises:enterprise_detail", args=[enterprise.pk])
    assert client.get(url).status_code == status
    assert client.get(reverse("enterprises:enterprise_update",
                              args=[enterprise.pk])).status_code == status


def test_the_profile_shows_the_legal_form_from_the_neq_and_the_confirmed_warning(
        en, world, enterprise):
    en.force_login(world["users"]["adviser"])
    page = en.get(reverse("enterprises:enterprise_detail", args=[enterprise.pk])).text
    assert "Legal person (corporation)" in page
    assert "fails the check" in page
    assert reverse("partners:detail", args=[enterprise.organisation.pk]) in page
    assert reverse("enterprises:case_list") in page
    assert reverse("enterprises:enterprise_update", args=[enterprise.pk]) in page


def test_the_enterprise_edits_its_profile_and_a_duplicate_neq_is_refused(en, world, enterprise):
    member = PartnerUserFactory(organisation=enterprise.organisation)
    other = EnterpriseFactory()
    en.force_login(member)
    url = reverse("enterprises:enterprise_update", args=[enterprise.pk])
    data = form_data(neq=other.neq, name="Meubles Laviolette ltée",
                     municipality="Trois-Rivières (37067)")

    response = en.post(url, data)
    assert response.status_code == 200
    assert f"Another enterprise is already registered with the NEQ {other.neq}" in response.text
    enterprise.refresh_from_db()
    assert enterprise.organisation.name == "Meubles Laviolette"

    response = en.post(url, {**data, "neq": enterprise.neq})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.organisation.name == "Meubles Laviolette ltée"
    assert enterprise.organisation.office == office("trois-rivieres")
    assert enterprise.naics_code == "311811"


def test_registrations_from_one_address_are_rate_limited(en, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for n in range(2):
        response = en.post(REGISTER, form_data(email=f"personne{n}@boulangerie.example",
                                               neq=valid_neq(7_654_321 + n)))
        assert response.status_code == 302
    response = en.post(REGISTER, form_data(email="trois@boulangerie.example",
                                           neq=valid_neq(7_654_330)))
    assert response.status_code == 429
    assert not User.objects.filter(email="trois@boulangerie.example").exists()
