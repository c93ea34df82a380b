"""The ministry's and partners' systems read the public figures through the API: the same
published tables as the public pages (``/donnees-ouvertes/``), with the same small-count rule
and licence; a table an administrator did not publish is 404 there too."""

import pytest
from django.urls import reverse

from opendata import services
from opendata.models import TableKey
from tests.api.conftest import ApiClient, make_token
from tests.opendata.helpers import generated_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    _token, secret = make_token(world["users"]["adviser"])
    return ApiClient(secret)


def test_a_published_table_reads_the_same_through_the_api_as_its_public_download(client, api):
    generated_world(7)
    services.table_publish(key=TableKey.PLANS_BY_REGION, published=True)
    services.figures_compute()

    listed = api.call("get", "/api/v1/figures")
    assert listed.status_code == 200
    assert [table["key"] for table in listed.json()] == [TableKey.PLANS_BY_REGION]
    [entry] = listed.json()
    assert entry["url"].endswith(f"/api/v1/figures/{TableKey.PLANS_BY_REGION}")

    through_api = api.call("get", f"/api/v1/figures/{TableKey.PLANS_BY_REGION}").json()
    public = client.get(reverse("opendata:table_json", args=[TableKey.PLANS_BY_REGION])).json()
    assert through_api == public
    assert through_api["rows"]  # the generated plans are there


def test_a_table_not_published_is_404_through_the_api_as_on_the_public_pages(client, api):
    generated_world(8)
    services.figures_compute()  # computed, but no administrator published anything

    assert api.call("get", "/api/v1/figures").json() == []
    for key in TableKey.values:
        refused = api.call("get", f"/api/v1/figures/{key}")
        assert refused.status_code == 404
        assert refused["Content-Type"] == "application/problem+json"
        assert client.get(reverse("opendata:table_json", args=[key])).status_code == 404
    assert api.call("get", "/api/v1/figures/no-such-table").status_code == 404


def test_the_figures_need_a_token_like_every_operation(client):
    assert client.get("/api/v1/figures").status_code == 401
