"""Referring an enterprise to a partner from the case's page: the adviser searches the partners
of their territory by name and chooses one among a few results (radio buttons of the referral
form), rather than in one list of the whole directory that grows with it. With JavaScript the
results come from a small fragment (htmx); without, the search reloads the case's page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from enterprises.case_forms import REFERRAL_PARTNER_LIMIT
from enterprises.models import Referral
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def case(world):
    """An open case of an enterprise of the Mauricie (served by Trois-Rivières)."""
    served_by = office("trois-rivieres")
    return CaseFactory(organisation=EnterpriseFactory(
        organisation__office=served_by, organisation__region=served_by.region,
        organisation__name="Usinage Laviolette inc.").organisation)


@pytest.fixture
def adviser(client, world):
    client.force_login(world["users"]["adviser"])
    return world["users"]["adviser"]


def search(client, case, text, *, htmx=True):
    if htmx:
        return client.get(reverse("enterprises:referral_partner_search", args=[case.pk]),
                          {"partenaire": text}, headers={"HX-Request": "true"})
    return client.get(reverse("enterprises:case_detail", args=[case.pk]), {"partenaire": text})


def offered(response):
    """The partners offered as the referral form's choices, as the page shows them: (id,
    name) of each radio button and its label."""
    return [(int(pk), name) for pk, name in re.findall(
        r'<input type="radio" name="organisation" value="(\d+)" id="referral-partner-\1"> '
        r'<label for="referral-partner-\1">([^<]+)</label>', response.content.decode())]


def test_the_case_page_lists_no_partner_before_a_search(client, adviser, case):
    for n in range(30):
        OrganisationFactory(name=f"Carrefour d’accueil {n}")
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()

    assert "Carrefour d’accueil" not in page
    assert '<label for="id_partenaire">Find a partner by name</label>' in page
    assert 'name="organisation"' not in page


def test_a_search_offers_the_partners_of_the_territory_whose_name_holds_every_word(
        client, adviser, case, world):
    wanted = OrganisationFactory(name="Centre d’intégration Mékinac")
    municipal = OrganisationFactory(name="Ville de Mékinac-Nord", municipal=True)
    OrganisationFactory(name="Centre d’intégration Mékinac", office=office("gatineau"))
    OrganisationFactory(name="Usine Mékinac", enterprise=True)  # not a partner one refers to

    response = search(client, case, "mekinac")

    assert response.status_code == 200
    assert offered(response) == [(wanted.pk, wanted.name), (municipal.pk, municipal.name)]
    assert "Partners for “mekinac”: 2. Choose one." in response.content.decode()
    assert offered(search(client, case, "integration mekinac")) == [(wanted.pk, wanted.name)]


def test_a_search_shows_a_few_partners_and_says_when_more_match(client, adviser, case):
    for n in range(REFERRAL_PARTNER_LIMIT + 5):
        OrganisationFactory(name=f"Maison des familles {n:02}")

    response = search(client, case, "familles")

    assert len(offered(response)) == REFERRAL_PARTNER_LIMIT
    assert "add a word to narrow the search" in response.content.decode()
    assert "No partner of your territory matches “tatata”." in (
        search(client, case, "tatata").content.decode())


def test_without_javascript_the_search_reloads_the_case_page_with_the_results(
        client, adviser, case):
    wanted = OrganisationFactory(name="Centre d’intégration Mékinac")

    response = search(client, case, "Mékinac", htmx=False)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Record the referral" in page
    assert offered(response) == [(wanted.pk, wanted.name)]
    assert 'value="Mékinac" form="referral-partner-search"' in page


def test_the_partner_found_is_referred_to_and_one_outside_the_territory_is_refused(
        client, adviser, case):
    found = OrganisationFactory(name="Centre d’intégration Mékinac")
    elsewhere = OrganisationFactory(name="Carrefour de l’Outaouais", office=office("gatineau"))
    url = reverse("enterprises:referral_add", args=[case.pk])

    client.post(url, {"target": "partner", "organisation": elsewhere.pk})
    assert not Referral.objects.filter(case=case).exists()

    client.post(url, {"target": "partner", "organisation": found.pk})
    assert list(Referral.objects.filter(case=case).values_list("organisation", flat=True)) == [
        found.pk]


def test_the_search_of_a_case_outside_the_territory_is_404_and_for_the_enterprise_403(
        client, world, case):
    client.force_login(world["users"]["adviser_gatineau"])
    assert search(client, case, "centre").status_code == 404

    client.force_login(PartnerUserFactory(organisation=case.organisation))
    assert search(client, case, "centre").status_code == 403
