"""A self-registered enterprise is “unverified” until an adviser or SIT manager of its
territory confirms it: staff see a badge on its profile, in the lists and on its cases; it may
ask for help (its requests are flagged) but is neither an employer of the regionalisation
board nor a partner of activities until confirmed."""

import re

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from enterprises import services
from enterprises.models import Enterprise
from regions.models import Municipality
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.enterprises import CaseFactory, EnterpriseFactory, valid_neq
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

BADGE = "badge--unverified"


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def unverified(world):
    """A self-registered enterprise of the Mauricie (served by Trois-Rivières)."""
    return EnterpriseFactory(unverified=True, organisation__name="Usine Nouvelle inc.")


def detail(enterprise):
    return reverse("enterprises:enterprise_detail", args=[enterprise.pk])


def verify(enterprise):
    return reverse("enterprises:enterprise_verify", args=[enterprise.pk])


def test_a_self_registered_enterprise_is_unverified(en):
    data = {
        "first_name": "Chantal", "last_name": "Lemire", "email": "chantal@usine.example",
        "password1": TEST_PASSWORD, "password2": TEST_PASSWORD, "neq": valid_neq(7_111_111),
        "name": "Usine du Cap inc.", "legal_form": "corporation", "nature": "for_profit",
        "sector": "31-33", "size_band": "20-49", "municipality": "Shawinigan (36033)",
        "address": "12, rue du Moulin", "phone": "819 555-0101"}

    assert en.post(reverse("enterprises:register"), data).status_code == 302

    enterprise = Enterprise.objects.get(neq=valid_neq(7_111_111))
    assert enterprise.verified_at is None and enterprise.verified_by is None
    assert not enterprise.is_verified
    assert list(Enterprise.objects.unverified()) == [enterprise]


def test_the_service_registers_unverified_and_staff_made_ones_are_verified(world):
    person, enterprise = services.enterprise_register(
        email="a@usine.example", password=TEST_PASSWORD, first_name="A", last_name="B",
        neq=valid_neq(7_222_222), name="Usine B", legal_form="corporation",
        nature="for_profit", sector="31-33", size_band="20-49",
        municipality=Municipality.objects.get(code="37067"))
    assert not enterprise.is_verified
    assert EnterpriseFactory().is_verified  # the factory stands for staff-made enterprises


def test_the_adviser_of_the_territory_confirms_it_and_the_audit_trail_says_who(
        en, world, unverified):
    adviser = world["users"]["adviser"]
    en.force_login(adviser)
    page = en.get(detail(unverified)).text
    assert BADGE in page and "Confirm the enterprise" in page

    response = en.post(verify(unverified))

    assert response.status_code == 302 and response["Location"] == detail(unverified)
    unverified.refresh_from_db()
    assert unverified.verified_by == adviser
    assert abs((timezone.now() - unverified.verified_at).total_seconds()) < 60
    entry = LogEntry.objects.get_for_object(unverified).filter(
        action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == adviser and "verified_at" in entry.changes_dict
    page = en.get(detail(unverified)).text
    assert BADGE not in page and "Confirm the enterprise" not in page
    assert "Usine Nouvelle inc. is confirmed." in page

    # Confirming again changes nothing.
    first = unverified.verified_at
    en.force_login(world["users"]["sit_manager"])
    en.post(verify(unverified))
    unverified.refresh_from_db()
    assert unverified.verified_at == first and unverified.verified_by == adviser


def test_a_sit_manager_of_the_territory_confirms_it(world, unverified):
    services.enterprise_verify(actor=world["users"]["sit_manager"], enterprise=unverified)
    unverified.refresh_from_db()
    assert unverified.verified_by == world["users"]["sit_manager"]


def test_an_adviser_of_another_territory_gets_404(client, world, unverified):
    client.force_login(world["users"]["adviser_gatineau"])

    assert client.post(verify(unverified)).status_code == 404
    assert client.get(detail(unverified)).status_code == 404
    with pytest.raises(PermissionDenied):
        services.enterprise_verify(actor=world["users"]["adviser_gatineau"],
                                   enterprise=unverified)
    unverified.refresh_from_db()
    assert not unverified.is_verified


@pytest.mark.parametrize("who", ["own", "partner"])
def test_a_partner_cannot_confirm(client, world, unverified, who):
    user = (PartnerUserFactory(organisation=unverified.organisation) if who == "own"
            else world["users"]["partner"])
    client.force_login(user)

    status = client.post(verify(unverified)).status_code

    assert status == (403 if who == "own" else 404)
    with pytest.raises(PermissionDenied):
        services.enterprise_verify(actor=user, enterprise=unverified)
    unverified.refresh_from_db()
    assert not unverified.is_verified
    if who == "own":  # its own users see their profile, without the staff's badge or button
        page = client.get(detail(unverified)).text
        assert BADGE not in page and "Confirmer l’entreprise" not in page


def test_confirming_needs_a_post(client, world, unverified):
    client.force_login(world["users"]["adviser"])
    assert client.get(verify(unverified)).status_code == 405


def test_the_badge_shows_to_staff_on_the_profile_lists_and_case_page(en, world, unverified):
    case = CaseFactory(organisation=unverified.organisation, subject="Recruter deux soudeurs")
    verified_case = CaseFactory(subject="Accueillir une famille")
    en.force_login(world["users"]["adviser"])

    assert BADGE in en.get(detail(unverified)).text
    case_page = en.get(reverse("enterprises:case_detail", args=[case.pk])).text
    assert BADGE in case_page and "is not yet confirmed by an adviser" in case_page
    other_page = en.get(reverse("enterprises:case_detail", args=[verified_case.pk])).text
    assert BADGE not in other_page
    rows = re.findall(r"<tr>(.*?)</tr>", en.get(reverse("enterprises:case_list")).text, re.S)
    flagged = [row for row in rows if "Recruter deux soudeurs" in row]
    others = [row for row in rows if "Accueillir une famille" in row]
    assert flagged and all(BADGE in row for row in flagged)
    assert others and not any(BADGE in row for row in others)
    to_confirm = en.get(reverse("enterprises:join_requests")).text
    assert "Enterprises to confirm" in to_confirm and "Usine Nouvelle inc." in to_confirm
    picker = en.get(reverse("enterprises:case_create"), {"q": "usine"}).text
    assert BADGE in picker

    # The enterprise itself asks for help and reads its case without any badge.
    member = PartnerUserFactory(organisation=unverified.organisation)
    en.force_login(member)
    own_case = en.get(reverse("enterprises:case_detail", args=[case.pk]))
    assert own_case.status_code == 200 and BADGE not in own_case.text


def test_an_unverified_enterprise_may_ask_for_help(world, unverified):
    member = PartnerUserFactory(organisation=unverified.organisation)
    case = services.case_create(actor=member, organisation=unverified.organisation,
                                subject="Recruter", help_kinds=["information"],
                                topics=["integration"], description="Bonjour.")
    assert case.pk and case.office == unverified.organisation.office


def test_it_is_no_employer_of_the_board_until_confirmed(client, world, unverified):
    from regionalisation import services as regionalisation_services

    adviser = world["users"]["adviser"]
    client.force_login(adviser)
    form = client.get(reverse("regionalisation:opportunity_create")).text
    assert "Usine Nouvelle inc." not in form
    fields = {"title": "Soudeur", "description": "", "positions": 2, "noc_code": "72106",
              "sector": "31-33", "french_level": "intermediate",
              "municipality": Municipality.objects.get(code="37067"),
              "start_date": timezone.localdate() + timezone.timedelta(days=40),
              "offers_housing": False, "offers_moving_costs": False,
              "offers_spouse_employment": False, "settlement_details": "",
              "expires_on": timezone.localdate() + timezone.timedelta(days=30)}
    with pytest.raises(ValidationError) as refused:
        regionalisation_services.opportunity_create(
            actor=adviser, enterprise=unverified.organisation, **fields)
    assert refused.value.error_dict["enterprise"][0].code == "enterprise_unverified"

    services.enterprise_verify(actor=adviser, enterprise=unverified)
    assert "Usine Nouvelle inc." in client.get(reverse("regionalisation:opportunity_create")).text
    opportunity = regionalisation_services.opportunity_create(
        actor=adviser, enterprise=unverified.organisation, **fields)
    assert opportunity.enterprise == unverified.organisation
