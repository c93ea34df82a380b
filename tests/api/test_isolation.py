"""Every API operation, as every role's token, on objects of each office: out of scope is
404, exactly like a missing object, as on the pages (tests/test_isolation.py); lists hold
only the rows in scope. New operations join the tables below."""

import pytest

from tests.api.conftest import ApiClient, make_token
from tests.test_isolation import (
    CASE_VISIBLE,
    ORGS,
    REGIONALISATION_ROLES,
    ROLES,
    VISIBLE,
    _case_world,
    _in_days,
    _plan,
    _regionalisation_world,
    opportunity_visible,
)

pytestmark = pytest.mark.django_db

#: Partners of a non-profit or a municipal body have no support cases.
CASE_SEEN = {**CASE_VISIBLE, "partner": set(), "partner_gatineau": set()}
IN_SCOPE_ANSWERS = {200, 201, 403, 422}


def _client(user):
    _token, secret = make_token(user)
    return ApiClient(secret)


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


#: name -> (method, url builder(plan, report), body)
PLAN_OPERATIONS = {
    "plan_detail": ("get", lambda p, r: f"/api/v1/plans/{p.pk}", None),
    "report_detail": ("get", lambda p, r: f"/api/v1/reports/{r.pk}", None),
    "report_values": ("put", lambda p, r: f"/api/v1/reports/{r.pk}/values",
                      {"values": [], "submit": False}),
}


@pytest.mark.parametrize("role", ROLES)
def test_plan_and_report_operations_answer_404_outside_the_scope(world, role):
    plans = {key: _plan(world["orgs"][key], world) for key in ORGS}
    api = _client(world["users"][role])

    for key, (plan, report, _attachment) in plans.items():
        for name, (method, build, body) in PLAN_OPERATIONS.items():
            response = api.call(method, build(plan, report), body)
            if key in VISIBLE[role]:
                assert response.status_code in IN_SCOPE_ANSWERS, (name, key, response.content)
            else:
                assert response.status_code == 404, (name, key)
                assert response["Content-Type"] == "application/problem+json"

    expected_plans = {plans[key][0].pk for key in VISIBLE[role]}
    expected_reports = {plans[key][1].pk for key in VISIBLE[role]}
    assert _ids(api.get("/api/v1/plans")) == expected_plans
    assert _ids(api.get("/api/v1/reports", {"owed": "false"})) == expected_reports


#: name -> (method, url builder(enterprise organisation, case), body builder(organisation))
CASE_OPERATIONS = {
    "case_detail": ("get", lambda o, c: f"/api/v1/cases/{c.pk}", None),
    "case_create": ("post", lambda o, c: "/api/v1/cases", lambda o: {
        "enterprise_id": o.pk, "subject": "Demande par l'API", "help_kinds": ["information"],
        "topics": ["attraction"], "description": "Texte", "other_request": True}),
    "opportunity_create": ("post", lambda o, c: "/api/v1/opportunities", lambda o: {
        "enterprise_id": o.pk, "title": "Soudeur", "noc_code": "72106",
        "french_level": "basic", "municipality": "37067", "start_date": "2030-01-01",
        "expires_on": _in_days(60)}),
}


@pytest.mark.parametrize("role", sorted(CASE_SEEN))
def test_case_operations_answer_404_outside_the_scope(world, role):
    cases, users = _case_world(world)
    api = _client(users[role])

    for key, (enterprise, case, _referral, _attachment) in cases.items():
        organisation = enterprise.organisation
        for name, (method, build, body) in CASE_OPERATIONS.items():
            response = api.call(method, build(organisation, case),
                                body(organisation) if body else None)
            if key in CASE_SEEN[role]:
                assert response.status_code in IN_SCOPE_ANSWERS, (name, key, response.content)
            else:
                assert response.status_code == 404, (name, key, response.content)

    expected = {cases[key][1].pk for key in CASE_SEEN[role]}
    listed = _ids(api.get("/api/v1/cases", {"limit": 200}))
    assert listed >= expected
    assert not listed & {cases[key][1].pk for key in ORGS if key not in CASE_SEEN[role]}


#: name -> (method, url builder(opportunity), body, scope): all read through ``visible_to``,
#: as the opportunity's page and the referral form.
OPPORTUNITY_OPERATIONS = {
    "opportunity_detail": ("get", lambda o: f"/api/v1/opportunities/{o.pk}", None),
    "referral": ("put", lambda o: f"/api/v1/opportunities/{o.pk}/referral",
                 {"candidates": 2, "interviews": 1, "hires": 0}),
}


@pytest.mark.parametrize("role", REGIONALISATION_ROLES)
def test_opportunity_operations_answer_404_outside_the_scope(world, role):
    opportunities, _activities, users = _regionalisation_world(world)
    api = _client(users[role])

    for (key, state), opportunity in opportunities.items():
        for name, (method, build, body) in OPPORTUNITY_OPERATIONS.items():
            response = api.call(method, build(opportunity), body)
            if opportunity_visible(role, key, state):
                assert response.status_code in IN_SCOPE_ANSWERS, (name, key, state,
                                                                   response.content)
            else:
                assert response.status_code == 404, (name, key, state)

    listed = _ids(api.get("/api/v1/opportunities", {"limit": 200}))
    visible = {o.pk for (key, state), o in opportunities.items()
               if opportunity_visible(role, key, state)}
    assert listed == visible


def test_a_missing_object_answers_like_an_out_of_scope_one(world):
    plans = {key: _plan(world["orgs"][key], world) for key in ORGS}
    api = _client(world["users"]["adviser"])
    hidden = api.get(f"/api/v1/plans/{plans['gat'][0].pk}")
    missing = api.get("/api/v1/plans/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
