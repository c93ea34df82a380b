import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from antennes.models import Office, OfficeTerritory
from regions.models import Municipality
from tests.factories.accounts import StaffFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_every_signed_in_user_sees_the_whole_network(client):
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))
    body = client.get(reverse("antennes:network")).content.decode()
    for city in ("Gatineau", "Chibougamau", "Pointe-Claire", "Granby", "Sept-Îles"):
        assert city in body
    assert "MRC La Haute-Yamaska" in body  # Granby's territory


def test_the_network_page_runs_the_same_queries_when_offices_are_added(client):
    client.force_login(StaffFactory(role="admin"))
    before = count_queries(client, reverse("antennes:network"))
    sherbrooke = Office.objects.get(slug="sherbrooke")
    for code in ("45072", "45030", "44037"):
        municipality = Municipality.objects.get(code=code)
        office = Office.objects.create(slug=f"o-{code}", city=municipality.name, kind="antenne",
                                       sit=sherbrooke.sit, region=municipality.region)
        OfficeTerritory.objects.create(office=office, region=municipality.region,
                                       municipality=municipality)
    assert count_queries(client, reverse("antennes:network")) == before


def test_the_home_page_runs_the_same_queries_for_5_and_60_organisations(client):
    client.force_login(StaffFactory(role="admin"))
    for _ in range(5):
        OrganisationFactory()
    few = count_queries(client, reverse("home"))
    for _ in range(55):
        OrganisationFactory()
    assert count_queries(client, reverse("home")) == few
