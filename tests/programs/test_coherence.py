"""The coherence map (region x intervention axis matrix of the plans' measures) and the list of
the measures behind each cell."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.models import Axis, BudgetLine, Status, fiscal_year_of
from programs.services import _recompute_totals
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory
from tests.factories.programs import ActionPlanFactory, CallFactory, MeasureFactory, program

pytestmark = pytest.mark.django_db

MAP = reverse("programs:coherence")
LIST = reverse("programs:measure_list")
THIS_YEAR = fiscal_year_of(timezone.localdate())


def as_user(client, user, english=False):
    client.force_login(user)
    if english:
        client.cookies["django_language"] = "en"
    return client


def measure(plan, axis, *amounts, title=None):
    """A measure asking ``amounts`` of the ministry (one budget line each)."""
    made = MeasureFactory(plan=plan, axis=axis, lines=False, **({"title": title} if title else {}))
    for amount in amounts:
        BudgetLine.objects.create(measure=made, label="Dépense", requested_amount=Decimal(amount))
    _recompute_totals(plan)
    return made


@pytest.fixture
def plans(world):
    """Plans in three regions, each differing on a filter.

    - P1, Mauricie (04), approved for 6,000 $ of the 15,000 $ asked, last fiscal year:
      attraction 10,000 $ and retention 5,000 $ (prorated approvals: 4,000 $ and 2,000 $);
    - P2, Mauricie (04), submitted: three attraction measures, 3,000 $, 1,000 $ + 500 $ (two
      budget lines) and 500 $;
    - P3, Outaouais (07), in review, PAC part 1: promotion 2,000 $;
    - P4, Estrie (05), withdrawn after its submission: awareness 7,000 $ (left out by default);
    - a draft of Mauricie: attraction 9,999 $ (never counted).
    """
    orgs = world["orgs"]
    sherbrooke = OrganisationFactory(name="Accueil Sherbrooke", office=office("sherbrooke"))
    p1 = ActionPlanFactory(title="P1", organisation=orgs["tr"], status=Status.APPROVED,
                           approved_amount=Decimal("6000"),
                           call=CallFactory(program=program("pac-2"), fiscal_year=THIS_YEAR - 1))
    p2 = ActionPlanFactory(title="P2", organisation=orgs["tr"], status=Status.SUBMITTED)
    p3 = ActionPlanFactory(title="P3", organisation=orgs["gat"], status=Status.IN_REVIEW,
                           call=CallFactory(program=program("pac-1")))
    p4 = ActionPlanFactory(title="P4", organisation=sherbrooke, status=Status.WITHDRAWN,
                           submitted_at=timezone.now())
    draft = ActionPlanFactory(title="Brouillon", organisation=orgs["tr"])
    return {
        "m1": measure(p1, Axis.ATTRACTION, "10000", title="M1 attraction"),
        "m2": measure(p1, Axis.RETENTION, "5000", title="M2 retention"),
        "m3": measure(p2, Axis.ATTRACTION, "3000", title="M3 attraction"),
        "m4": measure(p2, Axis.ATTRACTION, "1000", "500", title="M4 attraction"),
        "m5": measure(p2, Axis.ATTRACTION, "500", title="M5 attraction"),
        "m6": measure(p3, Axis.PROMOTION, "2000", title="M6 promotion"),
        "m7": measure(p4, Axis.AWARENESS, "7000", title="M7 awareness"),
        "m8": measure(draft, Axis.ATTRACTION, "9999", title="M8 draft"),
    }


def matrix_of(client, params=None):
    response = client.get(MAP, params or {})
    assert response.status_code == 200
    return response.context["matrix"]


def covered(matrix):
    """The non-empty cells: {(region, axis): (count, asked, approved)}."""
    return {(cell.region, cell.axis): (cell.n, cell.asked, cell.approved)
            for row in matrix.rows for cell in row.cells if cell.n}


def test_cells_and_totals_match_the_sums_by_hand(client, world, plans):
    as_user(client, world["users"]["admin"])
    matrix = matrix_of(client)
    assert [row.region.code for row in matrix.rows] == [f"{n:02d}" for n in range(1, 18)]
    assert [axis for axis, _label in matrix.axes] == Axis.values
    assert covered(matrix) == {
        ("04", "attraction"): (4, Decimal("15000.00"), Decimal("4000.00")),
        ("04", "retention"): (1, Decimal("5000.00"), Decimal("2000.00")),
        ("07", "promotion"): (1, Decimal("2000.00"), Decimal("0.00")),
    }
    mauricie = next(row for row in matrix.rows if row.region.code == "04")
    assert (mauricie.n, mauricie.asked, mauricie.approved) == (5, Decimal("20000.00"),
                                                               Decimal("6000.00"))
    attraction = matrix.columns[Axis.values.index("attraction")]
    assert (attraction.n, attraction.asked, attraction.approved) == (4, Decimal("15000.00"),
                                                                     Decimal("4000.00"))
    # The approved column adds up to the plans' approved amounts (P1's 6,000 $).
    assert (matrix.total.n, matrix.total.asked, matrix.total.approved) == (
        6, Decimal("22000.00"), Decimal("6000.00"))


def test_gaps_and_crowded_cells_are_marked_in_text_not_colour_alone(client, world, plans):
    as_user(client, world["users"]["admin"], english=True)
    response = client.get(MAP)
    matrix = response.context["matrix"]
    # Covered cells hold 4, 1 and 1 measures: mean 2, so 4 (twice the mean) is crowded.
    assert [(c.region, c.axis) for row in matrix.rows for c in row.cells if c.crowded] == [
        ("04", "attraction")]
    assert matrix.gaps == 17 * 7 - 3 and matrix.crowded == 1
    body = response.content.decode()
    assert body.count('coherence-cell coherence-cell--gap"><span class="coherence-marker">— gap'
                      ) == 17 * 7 - 3
    crowded_cells = body.split('"num coherence-cell coherence-cell--crowded">')[1:]
    assert len(crowded_cells) == 1
    assert crowded_cells[0].lstrip().startswith(
        '<span class="coherence-marker" aria-hidden="true">▲</span>'
        '<span class="visually-hidden">crowded: </span>')
    # The legend says what the markers mean; the table has a caption and scoped headers.
    assert "Gap: no measure on this axis in this region." in body
    assert "<caption" in body and body.count('<th scope="row">') == 17 + 1
    assert body.count('<th scope="col"') == 1 + 7 + 1


def test_a_matrix_of_even_cells_has_no_crowded_cell(client, world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    for axis in (Axis.ATTRACTION, Axis.RETENTION, Axis.PROMOTION):
        measure(plan, axis, "100")
        measure(plan, axis, "100")
    as_user(client, world["users"]["admin"])
    matrix = matrix_of(client)
    assert matrix.crowded == 0 and len(covered(matrix)) == 3


@pytest.mark.parametrize(("params", "expected"), [
    ({"program": "pac-1"}, {("07", "promotion"): (1, Decimal("2000.00"), Decimal("0.00"))}),
    ({"fiscal_year": THIS_YEAR - 1}, {
        ("04", "attraction"): (1, Decimal("10000.00"), Decimal("4000.00")),
        ("04", "retention"): (1, Decimal("5000.00"), Decimal("2000.00"))}),
    ({"status": "withdrawn"}, {("05", "awareness"): (1, Decimal("7000.00"), Decimal("0.00"))}),
    ({"status": ["submitted", "in_review"]}, {
        ("04", "attraction"): (3, Decimal("5000.00"), Decimal("0.00")),
        ("07", "promotion"): (1, Decimal("2000.00"), Decimal("0.00"))}),
    ({"program": "pac-2", "fiscal_year": THIS_YEAR}, {
        ("04", "attraction"): (3, Decimal("5000.00"), Decimal("0.00"))}),
])
def test_each_filter_narrows_the_map(client, world, plans, params, expected):
    as_user(client, world["users"]["admin"])
    assert covered(matrix_of(client, params)) == expected


def test_an_invalid_filter_never_widens_the_map(client, world, plans):
    as_user(client, world["users"]["admin"])
    response = client.get(MAP, {"program": "no-such-program"})
    assert response.status_code == 200
    assert response.context["matrix"].total.n == 0
    assert response.context["filter"].errors


def test_an_adviser_sees_only_the_regions_and_measures_of_the_territory(client, world, plans):
    as_user(client, world["users"]["adviser"])  # Trois-Rivières
    matrix = matrix_of(client)
    codes = [row.region.code for row in matrix.rows]
    assert "04" in codes and "07" not in codes and "05" not in codes
    assert covered(matrix) == {
        ("04", "attraction"): (4, Decimal("15000.00"), Decimal("4000.00")),
        ("04", "retention"): (1, Decimal("5000.00"), Decimal("2000.00")),
    }
    response = client.get(LIST)
    assert {m.title for m in response.context["page"]} == {
        "M1 attraction", "M2 retention", "M3 attraction", "M4 attraction", "M5 attraction"}
    # A region outside the territory is not offered and lists nothing.
    assert client.get(LIST, {"region": "07"}).context["page"].paginator.count == 0

    as_user(client, world["users"]["adviser_gatineau"])
    matrix = matrix_of(client)
    assert "04" not in [row.region.code for row in matrix.rows]
    assert covered(matrix) == {("07", "promotion"): (1, Decimal("2000.00"), Decimal("0.00"))}


@pytest.mark.parametrize("url", [MAP, LIST])
def test_a_partner_may_not_open_the_map_or_the_list(client, world, plans, url):
    as_user(client, world["users"]["partner"])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("params", [{}, {"status": ["submitted", "approved", "withdrawn"]},
                                    {"program": "pac-2"}])
def test_each_cell_links_to_exactly_its_measures(client, world, plans, params):
    as_user(client, world["users"]["admin"])
    matrix = matrix_of(client, params)
    allowed = params.get("status") or [s for s in Status.values
                                       if s not in ("draft", "withdrawn")]
    checked = 0
    for row in matrix.rows:
        for cell in row.cells:
            if cell.gap:
                assert not cell.url
                continue
            link = urlsplit(cell.url)
            assert link.path == LIST
            query = parse_qs(link.query)
            assert query["region"] == [cell.region] and query["axis"] == [cell.axis]
            assert sorted(query["status"]) == sorted(allowed)
            response = client.get(cell.url)
            expected = {m.title for m in plans.values()
                        if m.plan.organisation.region.code == cell.region
                        and m.axis == cell.axis and m.plan.status in allowed
                        and (not params.get("program")
                             or m.plan.call.program.code == params["program"])}
            assert {m.title for m in response.context["page"]} == expected
            assert response.context["page"].paginator.count == cell.n
            assert response.context["asked"] == cell.asked
            checked += 1
    assert checked == len(covered(matrix)) > 0


def test_the_list_shows_each_measures_plan_and_amount_and_sorts(client, world, plans):
    as_user(client, world["users"]["admin"])
    response = client.get(LIST, {"region": "04", "axis": "attraction", "ordering": "-start"})
    rows = list(response.context["page"])
    assert {m.title: m.asked for m in rows} == {
        "M1 attraction": Decimal("10000.00"), "M3 attraction": Decimal("3000.00"),
        "M4 attraction": Decimal("1500.00"), "M5 attraction": Decimal("500.00")}
    body = response.content.decode()
    assert reverse("programs:plan_detail", args=[plans["m1"].plan.pk]) in body
    by_plan = client.get(LIST, {"region": "04", "axis": "attraction", "ordering": "-plan"})
    assert [m.plan.title for m in by_plan.context["page"]] == ["P2", "P2", "P2", "P1"]
    by_axis = client.get(LIST, {"ordering": "axis"})
    axes = [m.axis for m in by_axis.context["page"]]
    assert axes == sorted(axes)


def test_the_queue_links_to_the_map(client, world):
    as_user(client, world["users"]["adviser"])
    assert MAP in client.get(reverse("programs:queue")).content.decode()


def _seed(world, count):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.APPROVED,
                             approved_amount=Decimal("1000"))
    other = ActionPlanFactory(organisation=world["orgs"]["gat"], status=Status.SUBMITTED)
    for index in range(count):
        axis = Axis.values[index % len(Axis.values)]
        measure(plan if index % 2 else other, axis, "100", "50")


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("url", [MAP, LIST])
def test_the_pages_run_the_same_queries_for_5_and_50_measures(client, world, settings, url):
    settings.PLAN_QUEUE_PAGE_SIZE = 100  # every row on one page: no hiding behind pagination
    as_user(client, world["users"]["admin"])
    _seed(world, 5)
    few, _response = _queries(client, url, {"program": "pac-2"})
    _seed(world, 45)
    many, response = _queries(client, url, {"program": "pac-2"})
    assert many == few
    if url == MAP:
        assert response.context["matrix"].total.n == 50
    else:
        assert response.context["page"].paginator.count == 50
