"""The ministry's lists of plans: the territory's queue (filters, sorting, export, assignment),
the decisions queue and the totals."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.models import Kind
from programs.models import ActionPlan, Axis, Measure, PlanEvent, Status, fiscal_year_of
from tests.factories.partners import OrganisationFactory
from tests.factories.programs import ActionPlanFactory, CallFactory, MeasureFactory, program

pytestmark = pytest.mark.django_db

QUEUE = reverse("programs:queue")
THIS_YEAR = fiscal_year_of(timezone.localdate())


def as_user(client, user):
    client.force_login(user)
    return client


def titles(response):
    assert response.status_code == 200
    return [plan.title for plan in response.context["page"]]


def submitted(title, organisation, days_ago=1, **kwargs):
    kwargs.setdefault("status", Status.SUBMITTED)
    return ActionPlanFactory(title=title, organisation=organisation,
                             submitted_at=timezone.now() - timedelta(days=days_ago), **kwargs)


@pytest.fixture
def plans(world):
    """Three submitted plans that differ on every filter, and a draft nobody at the ministry
    sees.

    - Alpha: a Trois-Rivières non-profit, PAC part 2 this year, submitted, nobody assigned,
      one "attraction" measure;
    - Bêta: Bécancour (an agglomeration served by Trois-Rivières), PAC part 1 last year, in
      review with the Trois-Rivières adviser, one "retention" measure;
    - Gamma: a Gatineau non-profit, its own PAC part 2 call, recommended, two "attraction"
      measures and one "retention" measure.
    """
    users, orgs = world["users"], world["orgs"]
    becancour = OrganisationFactory(name="Ville de Bécancour", kind=Kind.AGGLOMERATION,
                                    non_profit_kind="", office=world["offices"]["tr"])
    alpha = submitted("Plan Alpha", orgs["tr"], days_ago=3)
    beta = submitted("Plan Bêta", becancour, days_ago=2, status=Status.IN_REVIEW,
                     adviser=users["adviser"],
                     call=CallFactory(program=program("pac-1"), fiscal_year=THIS_YEAR - 1))
    gamma = submitted("Plan Gamma", orgs["gat"], days_ago=1, status=Status.RECOMMENDED,
                      adviser=users["adviser_gatineau"], recommended_amount=Decimal("5000"))
    draft = ActionPlanFactory(title="Brouillon secret", organisation=orgs["tr"])
    MeasureFactory(plan=alpha, axis=Axis.ATTRACTION, lines=False)
    MeasureFactory(plan=beta, axis=Axis.RETENTION, lines=False)
    MeasureFactory(plan=gamma, axis=Axis.ATTRACTION, lines=False)
    MeasureFactory(plan=gamma, axis=Axis.ATTRACTION, lines=False)
    MeasureFactory(plan=gamma, axis=Axis.RETENTION, lines=False)
    MeasureFactory(plan=draft, axis=Axis.RETENTION, lines=False)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "draft": draft}


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["Plan Gamma", "Plan Bêta", "Plan Alpha"]),  # latest submission first, no draft
    ({"status": "submitted"}, ["Plan Alpha"]),
    ({"status": ["submitted", "recommended"]}, ["Plan Gamma", "Plan Alpha"]),
    ({"program": "pac-1"}, ["Plan Bêta"]),
    ({"fiscal_year": THIS_YEAR - 1}, ["Plan Bêta"]),
    ({"region": "07"}, ["Plan Gamma"]),
    ({"office": "gatineau"}, ["Plan Gamma"]),
    ({"office": "trois-rivieres"}, ["Plan Bêta", "Plan Alpha"]),
    ({"axis": "retention"}, ["Plan Gamma", "Plan Bêta"]),
    ({"axis": "attraction"}, ["Plan Gamma", "Plan Alpha"]),  # two measures, one row
    ({"kind": "agglomeration"}, ["Plan Bêta"]),
    ({"assigned": "nobody"}, ["Plan Alpha"]),
    ({"q": "becancour"}, ["Plan Bêta"]),  # the organisation's name, without its accent
    ({"q": "BÉCANCOUR"}, ["Plan Bêta"]),
    ({"q": "trois-rivieres"}, ["Plan Alpha"]),
    ({"q": "gamma"}, ["Plan Gamma"]),  # the plan's title
    ({"ordering": "title"}, ["Plan Alpha", "Plan Bêta", "Plan Gamma"]),
    ({"ordering": "-region"}, ["Plan Gamma", "Plan Bêta", "Plan Alpha"]),
])
def test_each_filter_narrows_the_queue(client, world, plans, params, expected):
    as_user(client, world["users"]["admin"])
    assert titles(client.get(QUEUE, params)) == expected


def test_the_call_filter_keeps_the_plans_of_that_call(client, world, plans):
    as_user(client, world["users"]["admin"])
    assert titles(client.get(QUEUE, {"call": plans["gamma"].call_id})) == ["Plan Gamma"]


def test_assigned_to_me_lists_the_advisers_own_plans(client, world, plans):
    as_user(client, world["users"]["adviser"])
    assert titles(client.get(QUEUE, {"assigned": "me"})) == ["Plan Bêta"]


def test_an_adviser_sees_only_the_territorys_submitted_plans(client, world, plans):
    shawinigan = submitted("Plan Shawinigan", world["orgs"]["sh"], days_ago=5)
    as_user(client, world["users"]["adviser"])
    response = client.get(QUEUE)
    assert titles(response) == ["Plan Bêta", "Plan Alpha"]
    body = response.content.decode()
    assert "Brouillon secret" not in body and "Plan Gamma" not in body
    # The filters only offer the adviser's own offices.
    assert [o.slug for o in response.context["filter"].form.fields["office"].queryset] == [
        "trois-rivieres"]
    # Their SIT manager sees the whole SIT (Trois-Rivières and Shawinigan), still no draft.
    as_user(client, world["users"]["sit_manager"])
    assert titles(client.get(QUEUE)) == ["Plan Bêta", "Plan Alpha", shawinigan.title]


def test_the_queue_shows_the_plans_columns_sortable_and_counts_by_status(client, world, plans):
    as_user(client, world["users"]["adviser"])
    response = client.get(QUEUE, {"ordering": "-requested_total"})
    body = response.content.decode()
    assert 'aria-sort="descending"' in body
    assert reverse("programs:plan_detail", args=[plans["alpha"].pk]) in body
    assert "Ville de Bécancour" in body and world["users"]["adviser"].get_full_name() in body
    counts = {value: n for value, _label, n in response.context["status_counts"]}
    assert counts == {Status.SUBMITTED: 1, Status.IN_REVIEW: 1}


def test_the_htmx_request_gets_only_the_results(client, world, plans):
    as_user(client, world["users"]["adviser"])
    response = client.get(QUEUE, {"q": "alpha"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    # The new count comes out of band: the page's live region keeps its node, so screen
    # readers announce its new text.
    assert '<p hx-swap-oob="innerHTML:#results-count">1 plan</p>' in body
    assert 'id="results-count"' not in body
    assert "Plan Alpha" in body and "<html" not in body and "Plan Bêta" not in body
    # The counts by status are above the results: live filtering does not count them again.
    assert "status_counts" not in response.context


@pytest.mark.parametrize("url", [
    QUEUE, reverse("programs:queue_export", args=["csv"]), reverse("programs:totals"),
    reverse("programs:decisions"),
])
def test_a_partner_may_not_open_the_ministrys_lists(client, world, url):
    as_user(client, world["users"]["partner"])
    assert client.get(url).status_code == 403


def test_only_sit_managers_and_administrators_see_the_decisions(client, world):
    as_user(client, world["users"]["adviser"])
    assert client.get(reverse("programs:decisions")).status_code == 403
    for role in ("sit_manager", "admin"):
        as_user(client, world["users"][role])
        assert client.get(reverse("programs:decisions")).status_code == 200


def export_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_holds_exactly_the_filtered_scoped_rows_with_formulas_neutralised(
        client, world, plans, settings):
    settings.PLAN_QUEUE_PAGE_SIZE = 100
    evil = submitted('=HYPERLINK("http://evil.example")', world["orgs"]["tr"])
    submitted("Plan Shawinigan", world["orgs"]["sh"])  # outside the adviser's office
    as_user(client, world["users"]["adviser"])
    params = {"status": ["submitted", "recommended"]}
    response = client.get(reverse("programs:queue_export", args=["csv"]), params)
    assert response["Content-Disposition"].startswith('attachment; filename="plans-')
    rows = export_rows(response)
    page_ids = [plan.pk for plan in client.get(QUEUE, params).context["page"]]
    assert [int(row[0]) for row in rows[1:]] == page_ids == [evil.pk, plans["alpha"].pk]
    assert rows[1][1] == "'=HYPERLINK(\"http://evil.example\")"
    assert len(rows[0]) == 19
    alpha = rows[2]
    assert alpha[2] == "Accueil Trois-Rivières" and alpha[6].startswith("Programme")


def test_the_xlsx_export_holds_the_same_rows(client, world, plans):
    import openpyxl

    as_user(client, world["users"]["admin"])
    response = client.get(reverse("programs:queue_export", args=["xlsx"]), {"axis": "retention"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "Plan Gamma", "Plan Bêta"]


def test_an_invalid_filter_never_widens_the_export(client, world, plans):
    as_user(client, world["users"]["admin"])
    response = client.get(reverse("programs:queue_export", args=["csv"]), {"region": "99"})
    assert response.status_code == 400


def test_bulk_assign_assigns_only_the_plans_in_scope(client, world, plans):
    adviser = world["users"]["adviser"]
    as_user(client, adviser)
    back = QUEUE + "?status=submitted&axis=attraction"
    response = client.post(reverse("programs:queue_assign"), {
        "plan": [plans["alpha"].pk, plans["gamma"].pk, plans["draft"].pk],
        "adviser": adviser.pk, "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert any("1 " in str(m) for m in response.context["messages"])
    for plan in plans.values():
        plan.refresh_from_db()
    assert plans["alpha"].adviser == adviser
    assert plans["gamma"].adviser == world["users"]["adviser_gatineau"]  # another territory
    assert plans["draft"].adviser is None


def test_assign_to_me_from_a_row(client, world, plans):
    manager = world["users"]["sit_manager"]
    as_user(client, manager)
    client.post(reverse("programs:queue_assign"), {"plan": plans["alpha"].pk, "adviser": "me"})
    plans["alpha"].refresh_from_db()
    assert plans["alpha"].adviser == manager


def test_assigning_to_an_adviser_of_another_territory_is_refused(client, world, plans):
    as_user(client, world["users"]["adviser"])
    response = client.post(reverse("programs:queue_assign"), {
        "plan": [plans["alpha"].pk], "adviser": world["users"]["adviser_gatineau"].pk})
    # The queue again, the reason at the adviser's list, the plan still ticked.
    body = response.content.decode()
    assert 'id="bulk-adviser_error"' in body and 'aria-invalid="true"' in body
    alpha = plans["alpha"].pk
    assert f'value="{alpha}" id="select-{alpha}" form="bulk-assign" checked' in body
    assert list(response.context["messages"]) == []
    plans["alpha"].refresh_from_db()
    assert plans["alpha"].adviser is None


def test_the_assign_form_offers_the_advisers_of_the_territory(client, world, plans):
    as_user(client, world["users"]["sit_manager"])
    advisers = list(client.get(QUEUE).context["advisers"])
    assert world["users"]["adviser"] in advisers
    assert world["users"]["adviser_gatineau"] not in advisers
    as_user(client, world["users"]["admin"])  # an administrator reads but does not assign
    assert client.get(QUEUE).context["can_assign"] is False
    response = client.post(reverse("programs:queue_assign"), {"plan": [plans["alpha"].pk],
                                                              "adviser": "me"})
    assert response.status_code == 403


def test_the_decisions_queue_lists_recommendations_oldest_first(client, world, plans):
    users, orgs = world["users"], world["orgs"]
    older = submitted("Plan recommandé plus tôt", orgs["sh"], status=Status.NOT_RECOMMENDED,
                      adviser=users["sit_manager"], recommended_amount=Decimal("0.00"))
    newer = submitted("Plan recommandé", orgs["tr"], status=Status.RECOMMENDED,
                      adviser=users["adviser"], recommended_amount=Decimal("7500.00"))
    now = timezone.now()
    for plan, days, comment in ((older, 9, "Hors des axes du programme."),
                                (newer, 2, "Plan solide et bien chiffré.")):
        PlanEvent.objects.create(plan=plan, from_status=Status.IN_REVIEW, to_status=plan.status,
                                 actor=users["adviser"], comment=comment,
                                 amount=plan.recommended_amount,
                                 created_at=now - timedelta(days=days))
    as_user(client, users["sit_manager"])
    response = client.get(reverse("programs:decisions"))
    assert titles(response) == ["Plan recommandé plus tôt", "Plan recommandé"]  # no Gatineau
    body = response.content.decode()
    assert "Plan solide et bien chiffré." in body
    assert response.context["summary"]["recommended"] == Decimal("7500.00")
    as_user(client, users["admin"])
    assert "Plan Gamma" in titles(client.get(reverse("programs:decisions")))


def test_the_totals_match_the_sums_by_hand(client, world):
    orgs = world["orgs"]
    pac1 = CallFactory(program=program("pac-1"))
    money = Decimal
    submitted("A", orgs["tr"], requested_total=money("100.00"))
    submitted("B", orgs["tr"], status=Status.RECOMMENDED, requested_total=money("200.00"),
              recommended_amount=money("150.00"))
    submitted("C", orgs["gat"], status=Status.APPROVED, requested_total=money("300.00"),
              recommended_amount=money("250.00"), approved_amount=money("240.00"), call=pac1)
    submitted("D", orgs["gat"], status=Status.APPROVED, requested_total=money("50.00"),
              recommended_amount=money("50.00"), approved_amount=money("40.00"))
    ActionPlanFactory(organisation=orgs["tr"], requested_total=money("999.00"))  # a draft
    as_user(client, world["users"]["admin"])
    response = client.get(reverse("programs:totals"))
    by_status = {row["status"]: (row["plans"], row["asked"], row["recommended"],
                                 row["approved"]) for row in response.context["tables"][0][3]}
    assert by_status == {
        Status.SUBMITTED: (1, money("100"), 0, 0),
        Status.RECOMMENDED: (1, money("200"), money("150"), 0),
        Status.APPROVED: (2, money("350"), money("300"), money("280")),
    }
    by_program = {row["call__program__code"]: row["asked"]
                  for row in response.context["tables"][1][3]}
    assert by_program == {"pac-1": money("300"), "pac-2": money("350")}
    by_region = {row["organisation__region__code"]: (row["plans"], row["approved"])
                 for row in response.context["tables"][2][3]}
    assert by_region == {"04": (2, 0), "07": (2, money("280"))}
    assert response.context["total"] == {"plans": 4, "asked": money("650"),
                                         "recommended": money("450"),
                                         "approved": money("280")}
    body = response.content.decode()
    assert body.count("<caption>") == 3 and '<th scope="row">' in body
    # Filtered by program, and an adviser only counts the territory's plans.
    filtered = client.get(reverse("programs:totals"), {"program": "pac-1"})
    assert filtered.context["total"]["asked"] == money("300")
    as_user(client, world["users"]["adviser"])
    assert client.get(reverse("programs:totals")).context["total"]["asked"] == money("300")


# --- Query budgets ------------------------------------------------------------------------


def _seed(world, count):
    """``count`` submitted plans of the Trois-Rivières territory, half of them assigned, each
    with an "attraction" measure, written in bulk."""
    ActionPlan.objects.all().delete()
    orgs = [world["orgs"]["tr"], OrganisationFactory(name="Ville de Bécancour",
                                                     kind=Kind.AGGLOMERATION, non_profit_kind="")]
    calls = [CallFactory(program=program("pac-2")), CallFactory(program=program("pac-1"))]
    adviser, creator = world["users"]["adviser"], world["users"]["partner"]
    now = timezone.now()
    plans = ActionPlan.objects.bulk_create([
        ActionPlan(organisation=orgs[i % 2], call=calls[i % 2], title=f"Plan {i:03}",
                   status=Status.SUBMITTED if i % 3 else Status.IN_REVIEW, created_by=creator,
                   adviser=adviser if i % 2 else None, submitted_at=now - timedelta(hours=i),
                   requested_total=Decimal(1000 + i))
        for i in range(count)])
    Measure.objects.bulk_create([
        Measure(plan=plan, axis=Axis.ATTRACTION, title="Mesure", description="Jumelage",
                starts_on=now.date(), ends_on=now.date()) for plan in plans])


def _queries(client, url, params, expected_rows=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    if expected_rows is not None:
        assert len(response.context["page"]) == expected_rows
    return len(captured)


@pytest.mark.parametrize("params", [
    {}, {"status": ["submitted", "in_review"], "axis": "attraction", "region": "04",
         "ordering": "organisation"},
])
def test_the_queue_runs_the_same_queries_for_10_and_500_plans(client, world, settings, params):
    settings.PLAN_QUEUE_PAGE_SIZE = 500  # every row on one page: no hiding behind pagination
    as_user(client, world["users"]["adviser"])
    _seed(world, 10)
    few = _queries(client, QUEUE, params, expected_rows=10)
    _seed(world, 500)
    assert _queries(client, QUEUE, params, expected_rows=500) == few


def test_the_export_runs_the_same_queries_for_10_and_500_plans(client, world):
    as_user(client, world["users"]["adviser"])
    url = reverse("programs:queue_export", args=["csv"])
    _seed(world, 10)
    few = _queries(client, url, {"axis": "attraction"})
    _seed(world, 500)
    assert _queries(client, url, {"axis": "attraction"}) == few
    assert len(export_rows(client.get(url, {"axis": "attraction"}))) == 501
