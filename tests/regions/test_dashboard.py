"""The regional dashboard: two cohorts side by side, region by region, checked against figures
computed by hand; who may see it; the fictitious-data notice; the export; the demo file."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from regions.dashboard import Cohort, build_dashboard, cohort_dashboard
from regions.demo import generate_demo_rows, read_demo_file, seed_demo_cohorts
from regions.models import CohortStatistic, Region

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("cohort_dashboard")
A = Cohort(2001, 2005, 2006)
B = Cohort(2011, 2015, 2016)
D = Decimal


def stat(code, cohort, admitted, present, category="all", is_demo=False):
    return CohortStatistic.objects.create(
        region=Region.objects.get(code=code), cohort_start=cohort.start, cohort_end=cohort.end,
        reference_year=cohort.reference_year, category=category, admitted=admitted,
        present=present, is_demo=is_demo)


@pytest.fixture
def small_file():
    """Three regions, two cohorts, two categories.

    all:       A admitted/present   B admitted/present
      06 Montréal      1000 / 800        1200 / 900
      03 Capitale       200 / 150         300 / 240
      08 Abitibi         50 /  20          80 /  30
    economic:
      06                600 / 500         700 / 560
      03                100 /  80         200 / 180
    """
    for code, a, b in [("06", (1000, 800), (1200, 900)), ("03", (200, 150), (300, 240)),
                       ("08", (50, 20), (80, 30))]:
        stat(code, A, *a)
        stat(code, B, *b)
    for code, a, b in [("06", (600, 500), (700, 560)), ("03", (100, 80), (200, 180))]:
        stat(code, A, *a, category="economic")
        stat(code, B, *b, category="economic")


def by_code(dashboard):
    return {row.code: row for row in dashboard.rows}


# --- The figures, against hand-computed values -----------------------------------------------


def test_the_figures_match_the_hand_computed_values(small_file):
    dashboard = cohort_dashboard(A, B, "all")
    rows = by_code(dashboard)
    assert [row.code for row in dashboard.rows] == [f"{n:02}" for n in range(1, 18)]
    mtl, cap, abi = rows["06"], rows["03"], rows["08"]
    # Presence rates: present / admitted.
    assert (mtl.a.rate, mtl.b.rate) == (D("80.0"), D("75.0"))
    assert (cap.a.rate, cap.b.rate) == (D("75.0"), D("80.0"))
    assert (abi.a.rate, abi.b.rate) == (D("40.0"), D("37.5"))
    # Variation of present, B - A, and in % of A.
    assert (mtl.variation, mtl.variation_percent) == (100, D("12.5"))
    assert (cap.variation, cap.variation_percent) == (90, D("60.0"))
    assert (abi.variation, abi.variation_percent) == (10, D("50.0"))
    # Share of Quebec's present: 800/970, 150/970, 20/970 then 900/1170, 240/1170, 30/1170.
    assert (mtl.a.share, cap.a.share, abi.a.share) == (D("82.5"), D("15.5"), D("2.1"))
    assert (mtl.b.share, cap.b.share, abi.b.share) == (D("76.9"), D("20.5"), D("2.6"))
    # Quebec: 1250 admitted / 970 present, then 1580 / 1170.
    total = dashboard.total
    assert (total.a.admitted, total.a.present, total.b.admitted, total.b.present) == (
        1250, 970, 1580, 1170)
    assert (total.a.rate, total.b.rate) == (D("77.6"), D("74.1"))
    assert (total.variation, total.variation_percent) == (200, D("20.6"))
    # Outside Montréal: 170/970 = 17.53 %, 270/1170 = 23.08 %: +5.55 points.
    assert dashboard.outside_montreal_a == D("17.5")
    assert dashboard.outside_montreal_b == D("23.1")
    assert dashboard.outside_montreal_change == D("5.6")
    # Regions without figures have none (not zeros).
    assert rows["01"].a.present is None and rows["01"].a.rate is None
    assert rows["01"].variation is None and rows["01"].a.share is None
    assert dashboard.regions_with_data == ["03", "06", "08"]
    assert not dashboard.has_demo


def test_the_category_filter_keeps_only_its_rows(small_file):
    dashboard = cohort_dashboard(A, B, "economic")
    rows = by_code(dashboard)
    assert (dashboard.total.a.present, dashboard.total.b.present) == (580, 740)
    assert rows["08"].a.present is None
    assert (rows["06"].variation, rows["06"].variation_percent) == (60, D("12.0"))
    # 80/580 = 13.79 %, 180/740 = 24.32 %.
    assert (dashboard.outside_montreal_a, dashboard.outside_montreal_b) == (D("13.8"),
                                                                              D("24.3"))
    assert cohort_dashboard(A, B, "refugee").has_data is False


def test_a_zero_denominator_gives_no_percentage():
    regions = [{"code": "06", "name": "Montréal"}, {"code": "09", "name": "Côte-Nord"}]
    rows = [
        {"region__code": "09", "cohort_start": 2001, "cohort_end": 2005, "reference_year": 2006,
         "admitted": 0, "present": 0, "is_demo": False},
        {"region__code": "09", "cohort_start": 2011, "cohort_end": 2015, "reference_year": 2016,
         "admitted": 10, "present": 5, "is_demo": False},
    ]
    dashboard = build_dashboard(regions, rows, A, B)
    north = by_code(dashboard)["09"]
    assert north.a.rate is None and north.b.rate == D("50.0")
    assert (north.variation, north.variation_percent) == (5, None)
    assert north.a.share is None and north.b.share == D("100.0")
    # No Montréal figures: no share outside Montréal rather than a wrong 100 %.
    assert dashboard.outside_montreal_a is None and dashboard.outside_montreal_change is None


def test_percentages_round_half_up_to_one_decimal():
    regions = [{"code": "06", "name": "Montréal"}]
    rows = [{"region__code": "06", "cohort_start": 2001, "cohort_end": 2005,
             "reference_year": 2006, "admitted": 8, "present": 1, "is_demo": False}]
    assert by_code(build_dashboard(regions, rows, A, A))["06"].a.rate == D("12.5")
    rows[0].update(admitted=16)  # 6.25 %
    assert by_code(build_dashboard(regions, rows, A, A))["06"].a.rate == D("6.3")


# --- The page --------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("sit_manager", 200), ("adviser", 200), ("adviser_gatineau", 200),
    ("partner", 403), ("partner_gatineau", 403),
])
def test_staff_see_the_dashboard_and_partners_do_not(client, world, small_file, role, status):
    client.force_login(world["users"][role])
    assert client.get(DASHBOARD).status_code == status
    assert client.get(reverse("regions:cohort_export", args=["csv"])).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, small_file):
    assert client.get(DASHBOARD).status_code == 302


def test_the_page_defaults_to_the_two_most_recent_cohorts(client, world, small_file):
    older = Cohort(1991, 1995, 1996)
    stat("06", older, 10, 5)
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    response = client.get(DASHBOARD)
    dashboard = response.context["dashboard"]
    assert (dashboard.cohort_a, dashboard.cohort_b, dashboard.category) == (A, B, "all")
    html = response.content.decode()
    assert "2001-2005 (present in 2006)" in html
    assert 'id="region-06"' in html and "<caption>" in html and 'scope="col"' in html
    chosen = client.get(DASHBOARD, {"cohort_a": older.key, "cohort_b": B.key,
                                    "category": "economic"}).context["dashboard"]
    assert (chosen.cohort_a, chosen.category) == (older, "economic")


def test_an_unknown_cohort_is_an_error_not_a_guess(client, world, small_file):
    client.force_login(world["users"]["adviser"])
    response = client.get(DASHBOARD, {"cohort_a": "1900-1901-1902"})
    assert response.status_code == 200
    assert response.context["dashboard"] is None
    assert response.context["form"].errors["cohort_a"]
    export = client.get(reverse("regions:cohort_export", args=["csv"]),
                        {"cohort_a": "1900-1901-1902"})
    assert export.status_code == 400


def test_the_table_chart_and_map_show_the_same_numbers(client, world, small_file):
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    html = client.get(DASHBOARD).content.decode()
    table = html.split('id="cohort-table"')[1].split("</table>")[0]
    chart = html.split('class="cohort-chart"')[1].split("</figure>")[0]
    tiles = html.split('class="tile-map"')[1].split("</ul>")[0]
    montreal_row = table.split('id="region-06"')[1].split("</tr>")[0]
    for figure in ("1,000", "800", "80.0", "1,200", "900", "75.0", "+100", "+12.5",
                   "82.5", "76.9"):
        assert f">{figure}<" in montreal_row
    assert ">900<" in chart.split("06 Montréal")[1] and ">800<" in chart.split("06 Montréal")[1]
    montreal_tile = tiles.split("06 Montréal")[1].split("</li>")[0]
    assert "900" in montreal_tile and "+100" in montreal_tile and "+12.5" in montreal_tile
    assert 'aria-hidden="true"' in chart
    assert "17.5 %" in html and "23.1 %" in html and "+5.6" in html


def test_the_fictitious_notice_shows_for_demo_data_only(client, world, small_file):
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    assert 'id="demo-notice"' not in client.get(DASHBOARD).content.decode()
    stat("10", B, 40, 10, is_demo=True)
    response = client.get(DASHBOARD)
    assert 'id="demo-notice"' in response.content.decode()
    assert "Fictitious demo data" in response.content.decode()
    # Another category without demo rows: no notice.
    response = client.get(DASHBOARD, {"category": "economic"})
    assert 'id="demo-notice"' not in response.content.decode()


def test_only_administrators_get_the_import_link(client, world, small_file):
    link = reverse("regions:cohort_import")
    client.force_login(world["users"]["admin"])
    assert link in client.get(DASHBOARD).content.decode()
    client.force_login(world["users"]["adviser"])
    assert link not in client.get(DASHBOARD).content.decode()


def test_without_data_the_page_says_so(client, world):
    client.force_login(world["users"]["adviser"])
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and response.context["dashboard"] is None


# --- The export ------------------------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_holds_the_table(client, world, small_file):
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    rows = csv_rows(client.get(reverse("regions:cohort_export", args=["csv"])))
    assert len(rows) == 1 + 17 + 1  # header, the 17 regions, Quebec
    assert "Fictitious demo data" not in rows[0]
    montreal = next(row for row in rows if row[0] == "06")
    assert montreal[2:] == ["All categories", "1000", "800", "80.0", "1200", "900", "75.0",
                            "100", "12.5", "82.5", "76.9"]
    assert rows[-1][3:] == ["1250", "970", "77.6", "1580", "1170", "74.1", "200", "20.6",
                            "100.0", "100.0"]
    assert next(row for row in rows if row[0] == "01")[3:] == [""] * 10
    page = client.get(DASHBOARD).context["dashboard"]
    assert [row[0] for row in rows[1:-1]] == [row.code for row in page.rows]


def test_the_xlsx_export_and_its_fictitious_column(client, world, small_file):
    stat("10", A, 40, 10, is_demo=True)
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    response = client.get(reverse("regions:cohort_export", args=["xlsx"]),
                          {"category": "all"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "Fictitious demo data"
    by_region = {row[0]: row for row in rows[1:]}
    assert by_region["10"][-1] == "yes" and by_region["06"][-1] == "no"
    assert float(by_region["06"][5]) == 80.0 and int(by_region["06"][7]) == 900


# --- Query budget ----------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [DASHBOARD, reverse("regions:cohort_export", args=["csv"])])
def test_the_same_queries_for_3_and_17_regions_with_data(client, world, small_file, url):
    client.force_login(world["users"]["adviser"])
    few = _queries(client, url)
    for region in Region.objects.exclude(code__in=["03", "06", "08"]):
        stat(region.code, A, 100, 50)
        stat(region.code, B, 100, 60)
    assert len(cohort_dashboard(A, B).regions_with_data) == 17
    assert _queries(client, url) == few


# --- The demo file ---------------------------------------------------------------------------


def test_the_demo_file_is_the_generators_output():
    on_disk = read_demo_file()
    generated = [{key: str(value) for key, value in row.items()} for row in generate_demo_rows()]
    assert on_disk == generated
    assert len(on_disk) == 17 * 3 * 5


def test_the_demo_rows_are_plausible():
    rows = generate_demo_rows()
    for row in rows:
        assert 0 <= row["present"] <= row["admitted"]
    cohorts = {(r["cohort_start"], r["cohort_end"], r["reference_year"]) for r in rows}
    for cohort in cohorts:
        everyone = [r for r in rows if r["category"] == "all"
                    and (r["cohort_start"], r["cohort_end"], r["reference_year"]) == cohort]
        present = sum(r["present"] for r in everyone)
        montreal = next(r["present"] for r in everyone if r["region"] == "06")
        assert 0.65 <= montreal / present <= 0.78
        # "all" is the sum of the four categories.
        parts = [r for r in rows if r["category"] != "all" and r["region"] == "06"
                 and (r["cohort_start"], r["cohort_end"], r["reference_year"]) == cohort]
        montreal_all = next(r for r in everyone if r["region"] == "06")
        assert sum(r["admitted"] for r in parts) == montreal_all["admitted"]


def test_seeding_the_demo_cohorts_is_idempotent_and_spares_real_figures():
    real = stat("06", Cohort(2006, 2015, 2016), 5, 4)  # an administrator's import
    assert seed_demo_cohorts() == 17 * 3 * 5 - 1
    assert CohortStatistic.objects.count() == 17 * 3 * 5
    snapshot = list(CohortStatistic.objects.order_by("pk").values())
    assert seed_demo_cohorts() == 0
    assert list(CohortStatistic.objects.order_by("pk").values()) == snapshot
    real.refresh_from_db()
    assert (real.admitted, real.present, real.is_demo) == (5, 4, False)
    assert CohortStatistic.objects.filter(is_demo=True).count() == 17 * 3 * 5 - 1


def test_the_demo_file_is_a_valid_import_file():
    """An administrator can try the import page with the demo file: the importer reads every
    row without error (same header as the import template)."""
    from regions.cohorts import parse
    from regions.demo import DEMO_FILE

    parsed = parse(DEMO_FILE.read_bytes(), DEMO_FILE.name)
    assert parsed.errors == []
    assert parsed.rows_total == len(parsed.rows) == 17 * 3 * 5


# --- Regional opportunities and regionalisation, next to the cohort figures -------------------


def test_the_dashboard_shows_the_regionalisation_follow_up(client, world, small_file):
    """The follow-up of the current fiscal year, region by region in the cohort table's order
    (without Montréal), with its funnel and a link to the full page."""
    from django.utils import timezone

    from tests.factories.regionalisation import OpportunityFactory, OpportunityReferralFactory

    opportunity = OpportunityFactory(published=True, positions=6, published_at=timezone.now())
    OpportunityReferralFactory(opportunity=opportunity, candidates=9, interviews=4, hires=3)
    OpportunityFactory(positions=50)  # a draft: never counted
    client.force_login(world["users"]["adviser"])
    response = client.get(DASHBOARD)
    html = response.content.decode()
    section = html.split('class="dashboard-followup"')[1].split("</section>")[0]
    assert "Offres régionales et régionalisation" in section
    assert reverse("regionalisation:followup") in section
    table = section.split('id="followup-table"')[1].split("</table>")[0]
    cohort_codes = [row.code for row in response.context["dashboard"].rows]
    follow_codes = [row.code for row in response.context["followup"].rows]
    assert follow_codes == [code for code in cohort_codes if code != "06"]
    assert table.index('id="followup-01"') < table.index('id="followup-17"')
    mauricie = table.split('id="followup-04"')[1].split("</tr>")[0]
    for figure in ("1", "6", "9", "4", "3", "50,0"):
        assert f">{figure}<" in mauricie
    steps = section.split('id="followup-funnel-table"')[1].split("</table>")[0]
    assert ">6<" in steps and ">9<" in steps and "<caption>" in steps
    # Headings stay in order: the section's h2, then h3s.
    assert section.count("<h3") == 2 and "<h2" in section
