"""The API's lists: pages found by their keys, in the same number of queries for 5 rows
and for 40."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import Status
from tests.api.conftest import ApiClient, make_token
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.programs import ActionPlanFactory, ReportFactory
from tests.factories.regionalisation import OpportunityFactory, municipality

pytestmark = pytest.mark.django_db


def _add(world, kind, count):
    office = world["offices"]["tr"]
    for _ in range(count):
        if kind in ("plans", "reports"):
            plan = ActionPlanFactory(organisation=world["orgs"]["tr"],
                                     status=Status.IN_PROGRESS)
            ReportFactory(plan=plan)
        else:
            enterprise = EnterpriseFactory(organisation__office=office,
                                           organisation__region=office.region).organisation
            if kind == "cases":
                CaseFactory(organisation=enterprise)
            else:
                OpportunityFactory(enterprise=enterprise, office=office,
                                   municipality=municipality("37067"), published=True)


def _queries(api, path):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path, {"limit": 200})
    assert response.status_code == 200
    return len(queries), len(response.json()["items"])


@pytest.mark.parametrize("kind", ["plans", "reports", "cases", "opportunities"])
def test_a_list_takes_the_same_queries_for_5_and_40_rows(world, kind):
    _token, secret = make_token(world["users"]["adviser"])
    api = ApiClient(secret)
    api.get("/api/v1/me")  # its last use noted: the next minute's requests do not write
    _add(world, kind, 5)
    small = _queries(api, f"/api/v1/{kind}")
    _add(world, kind, 35)
    large = _queries(api, f"/api/v1/{kind}")
    assert small[1] == 5 and large[1] == 40
    assert small[0] == large[0]


def test_pages_follow_each_other_by_their_keys(world):
    _add(world, "plans", 7)
    _token, secret = make_token(world["users"]["partner"])
    api = ApiClient(secret)
    seen, after = [], None
    while True:
        page = api.get("/api/v1/plans", {"limit": 3, **({"after": after} if after else {})})
        body = page.json()
        seen += [row["id"] for row in body["items"]]
        after = body["next_after"]
        if after is None:
            break
        assert body["next"].endswith(f"after={after}") or f"after={after}" in body["next"]
    assert len(seen) == 7 and seen == sorted(seen)


def test_a_page_size_beyond_the_maximum_is_refused(world):
    _token, secret = make_token(world["users"]["partner"])
    response = ApiClient(secret).get("/api/v1/plans", {"limit": 100000})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"
