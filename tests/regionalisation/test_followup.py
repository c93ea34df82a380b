"""The per-region follow-up: every cell checked against figures counted by hand (statuses,
regions, referrals, activities promoting two regions with their outcomes), the fiscal-year
period and its edges, the SIT filter, the funnel, who may see it, the export, and a fixed
number of queries whatever the number of opportunities, referrals and activities."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from programs.models import fiscal_year_of
from regionalisation.followup import ALL_TIME, Period, current_period, regional_followup
from regionalisation.models import ActivityRegion
from regions.models import Region
from tests.factories.accounts import UserFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    ActivityFactory,
    OpportunityFactory,
    OpportunityReferralFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

FOLLOWUP = reverse("regionalisation:followup")
D = Decimal


def export_url(fmt):
    return reverse("regionalisation:followup_export", args=[fmt])


def local(*args):
    """An aware datetime, Montréal time."""
    return timezone.make_aware(datetime(*args), timezone.get_default_timezone())


@pytest.fixture
def fy():
    """The current fiscal year (the calendar year of its April 1)."""
    return fiscal_year_of(timezone.localdate())


@pytest.fixture
def data(fy):
    """Opportunities, referrals and activities in the Mauricie (04) and the Outaouais (07).

    Opportunities (positions; referrals candidates/interviews/hires):
      04 A published Apr 1 00:10 of this FY, on the board  5  (6/3/2) + (4/2/1)
      04 B filled, published this FY (Shawinigan)           2  (3/2/2)
      04 C expired, published this FY                       4  —
      04 F published Mar 31 23:30 of last FY, on the board  8  (2/1/1)
      04 draft once published 7 (1/0/0), submitted 9, withdrawn after publication 6
         (5/1/0): never counted
      07 G published this FY, on the board (Gatineau)       3  (5/2/0)
      07 H published this FY, past its expiry date, not yet swept   1  —
    Activities (participants; settled in the region after 6/12 months):
      X Apr 1 of this FY, promotes 04 and 07: 30; 04: 5/4, 07: 3/2
      Y Apr 1 of this FY, promotes 04: 10; 04: 2/(not recorded)
      Z Mar 31 of last FY, promotes 07: 20; 07: 4/3
    """
    enterprise = EnterpriseFactory().organisation
    author = UserFactory()
    org_1, org_2 = regionalisation_organisation(), regionalisation_organisation()
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)

    def opportunity(**kwargs):
        return OpportunityFactory(enterprise=enterprise, created_by=author, **kwargs)

    def refer(opp, organisation, candidates, interviews, hires):
        return OpportunityReferralFactory(opportunity=opp, organisation=organisation,
                                          candidates=candidates, interviews=interviews,
                                          hires=hires, updated_by=author)

    this_year = local(fy, 4, 1, 0, 10)
    a = opportunity(published=True, positions=5, published_at=this_year)
    refer(a, org_1, 6, 3, 2)
    refer(a, org_2, 4, 2, 1)
    b = opportunity(filled=True, positions=2, published_at=this_year,
                    municipality=municipality("36033"), office=office("shawinigan"))
    refer(b, org_1, 3, 2, 2)
    opportunity(expired=True, positions=4, published_at=this_year)
    f = opportunity(published=True, positions=8, published_at=local(fy, 3, 31, 23, 30))
    refer(f, org_1, 2, 1, 1)
    draft = opportunity(positions=7, published_at=this_year)
    refer(draft, org_1, 1, 0, 0)
    opportunity(submitted=True, positions=9)
    withdrawn = opportunity(withdrawn=True, positions=6, published_at=this_year)
    refer(withdrawn, org_2, 5, 1, 0)
    gatineau = {"municipality": municipality("81017"), "office": office("gatineau")}
    g = opportunity(published=True, positions=3, published_at=this_year, **gatineau)
    refer(g, org_2, 5, 2, 0)
    opportunity(published=True, positions=1, published_at=this_year, expires_on=yesterday,
                **gatineau)

    mauricie, outaouais = Region.objects.get(code="04"), Region.objects.get(code="07")

    def activity(starts_on, participants, settled):
        made = ActivityFactory(organisation=org_1, starts_on=starts_on, ends_on=starts_on,
                               participants=participants, regions=list(settled))
        for region, (six, twelve) in settled.items():
            ActivityRegion.objects.filter(activity=made, region=region).update(
                settled_6_months=six, settled_12_months=twelve)
        return made

    activity(date(fy, 4, 1), 30, {mauricie: (5, 4), outaouais: (3, 2)})
    activity(date(fy, 4, 1), 10, {mauricie: (2, None)})
    activity(date(fy, 3, 31), 20, {outaouais: (4, 3)})


def figures(row):
    return (row.opportunities, row.open_now, row.filled, row.positions, row.candidates,
            row.interviews, row.hires, row.activities, row.participants, row.settled_6,
            row.settled_12)


def by_code(followup):
    return {row.code: row for row in followup.rows}


# --- The figures ------------------------------------------------------------------------------


def test_the_figures_of_this_fiscal_year_match_the_hand_count(data, fy):
    followup = regional_followup(period=Period(fy))
    rows = by_code(followup)
    # 16 regions outside Montréal, in code order.
    assert [row.code for row in followup.rows] == [
        f"{n:02}" for n in range(1, 18) if n != 6]
    # 04: A, B, C validated this year; A and F on the board; B filled; 5+2+4 positions;
    # referrals of A and B; activities X (30) and Y (10).
    assert figures(rows["04"]) == (3, 2, 1, 11, 13, 7, 5, 2, 40, 7, 4)
    assert rows["04"].hire_rate == D("45.5")  # 5 / 11
    assert rows["04"].settlement_rate == D("13.3")  # 4 / 30: Y's 12 months not recorded
    # 07: G and H validated; only G on the board (H is past its expiry date); activity X.
    assert figures(rows["07"]) == (2, 1, 0, 4, 5, 2, 0, 1, 30, 3, 2)
    assert rows["07"].hire_rate == D("0.0")
    assert rows["07"].settlement_rate == D("6.7")  # 2 / 30
    # Regions without anything: zeros, and no rate.
    assert figures(rows["01"]) == (0,) * 11
    assert rows["01"].hire_rate is None and rows["01"].settlement_rate is None
    # The total: X counts once (2 activities, 40 participants), settled add up.
    total = followup.total
    assert figures(total) == (5, 3, 1, 15, 18, 9, 5, 2, 40, 10, 6)
    assert total.hire_rate == D("33.3")  # 5 / 15
    assert total.settlement_rate == D("20.0")  # 6 / 30
    assert total.code == ""


def test_all_time_adds_the_earlier_fiscal_year(data):
    followup = regional_followup(period=Period.from_key(ALL_TIME))
    rows = by_code(followup)
    assert figures(rows["04"]) == (4, 2, 1, 19, 15, 8, 6, 2, 40, 7, 4)
    assert figures(rows["07"]) == (2, 1, 0, 4, 5, 2, 0, 2, 50, 7, 5)
    assert rows["07"].settlement_rate == D("10.0")  # 5 / 50
    assert figures(followup.total) == (6, 3, 1, 23, 20, 10, 6, 3, 60, 14, 9)
    assert followup.total.settlement_rate == D("18.0")  # 9 / 50


def test_last_fiscal_year_holds_what_came_before_april_1(data, fy):
    """Published on March 31 at 23:30, Montréal time (April 1 in UTC), is last year's."""
    rows = by_code(regional_followup(period=Period(fy - 1)))
    assert figures(rows["04"]) == (1, 2, 0, 8, 2, 1, 1, 0, 0, 0, 0)
    assert figures(rows["07"]) == (0, 1, 0, 0, 0, 0, 0, 1, 20, 4, 3)


def test_drafts_submitted_and_withdrawn_opportunities_never_count(data, fy):
    """Their 7 + 9 + 6 positions and their referrals appear nowhere, even over all time and
    even for a draft that was once published (expired, then prepared again)."""
    assert figures(regional_followup(period=Period(fy)).total)[:7] == (5, 3, 1, 15, 18, 9, 5)
    assert figures(regional_followup(period=Period(None)).total)[:7] == (6, 3, 1, 23, 20, 10,
                                                                        6)


def test_the_sit_filter_keeps_the_sits_regions(data, fy):
    mauricie = Region.objects.get(code="04")
    followup = regional_followup(period=Period(fy), sit=mauricie.sit)
    codes = [row.code for row in followup.rows]
    assert "04" in codes and "07" not in codes and "06" not in codes
    assert codes == sorted(codes)
    assert list(Region.objects.filter(sit=mauricie.sit).exclude(code="06")
                .order_by("code").values_list("code", flat=True)) == codes
    # The total of the SIT: only the Mauricie has figures; X counts once with its 30
    # participants, and only the 4 who settled in the Mauricie.
    assert figures(followup.total) == (3, 2, 1, 11, 13, 7, 5, 2, 40, 7, 4)
    assert mauricie.sit.name in followup.total.name


def test_the_funnel_of_a_region_and_of_all(data, fy):
    followup = regional_followup(period=Period(fy))
    funnel = followup.row("04").funnel
    assert [(step.key, step.value) for step in funnel.steps] == [
        ("positions", 11), ("candidates", 13), ("interviews", 7), ("hires", 5)]
    # Bars in % of the largest step; each step in % of the one before.
    assert [step.width for step in funnel.steps] == ["84.6", "100.0", "53.8", "38.5"]
    assert [step.of_previous for step in funnel.steps] == [None, D("118.2"), D("53.8"),
                                                           D("71.4")]
    assert followup.row("").funnel.steps[0].value == 15
    assert followup.row("01").funnel.is_empty


def test_the_default_period_is_the_current_fiscal_year():
    assert current_period(date(2026, 3, 31)) == Period(2025)
    assert current_period(date(2026, 4, 1)) == Period(2026)
    with translation.override("en"):
        assert Period(2026).label == "Fiscal year 2026-2027"
        assert Period(None).label == "All time"


# --- The page and who sees it ---------------------------------------------------------------


def partner_users(world):
    return {
        "settlement": world["users"]["partner"],
        "settlement_gatineau": world["users"]["partner_gatineau"],
        "regionalisation": PartnerUserFactory(organisation=regionalisation_organisation()),
        "enterprise": PartnerUserFactory(organisation=EnterpriseFactory().organisation),
        "municipal": PartnerUserFactory(organisation=OrganisationFactory(municipal=True)),
    }


@pytest.mark.parametrize("role", ["admin", "sit_manager", "adviser", "adviser_gatineau"])
def test_every_staff_member_sees_every_region(client, world, data, role):
    client.force_login(world["users"][role])
    response = client.get(FOLLOWUP)
    assert response.status_code == 200
    followup = response.context["followup"]
    assert len(followup.rows) == 16
    assert followup.total.positions == 15
    assert client.get(export_url("csv")).status_code == 200
    assert client.get(export_url("xlsx")).status_code == 200


@pytest.mark.parametrize("kind", ["settlement", "settlement_gatineau", "regionalisation",
                                  "enterprise", "municipal"])
def test_partners_of_every_kind_are_refused(client, world, data, kind):
    client.force_login(partner_users(world)[kind])
    assert client.get(FOLLOWUP).status_code == 403
    assert client.get(export_url("csv")).status_code == 403
    assert client.get(export_url("xlsx")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    assert client.get(FOLLOWUP).status_code == 302
    assert client.get(export_url("csv")).status_code == 302


def test_the_page_shows_the_table_and_the_funnel_in_french(client, world, data, fy):
    client.force_login(world["users"]["adviser"])
    response = client.get(FOLLOWUP)
    assert response.context["followup"].period == Period(fy)
    html = response.content.decode()
    assert "Suivi des offres régionales et de la régionalisation" in html
    assert f"exercice financier {fy}-{fy + 1}" in html
    assert "Postes offerts" in html and "Candidatures présentées" in html
    assert "Installées après 12 mois" in html
    table = html.split('id="followup-table"')[1].split("</table>")[0]
    assert "<caption id=" in table and 'scope="col"' in table and 'scope="row"' in table
    mauricie = table.split('id="followup-04"')[1].split("</tr>")[0]
    for figure in ("3", "2", "1", "11", "13", "7", "5", "45,5", "40", "13,3"):
        assert f">{figure}<" in mauricie
    total = table.split('id="followup-total"')[1].split("</tr>")[0]
    assert "Toutes les régions hors Montréal" in total and ">33,3<" in total
    # The funnel of every region: bars hidden from assistive technology, the table instead.
    funnel = html.split('id="followup-funnel"')[1].split("</figure>")[0]
    assert 'aria-hidden="true"' in funnel and 'data-bar-width="100.0"' in funnel
    steps = html.split('id="followup-funnel-table"')[1].split("</table>")[0]
    assert "<caption>" in steps and ">15<" in steps and ">120,0<" in steps  # 18 / 15


def test_the_english_page_formats_numbers_in_english(client, world, data):
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    html = client.get(FOLLOWUP).content.decode()
    assert "Follow-up of regional opportunities and regionalisation" in html
    mauricie = html.split('id="followup-04"')[1].split("</tr>")[0]
    assert ">45.5<" in mauricie and ">13.3<" in mauricie


def test_the_filters_choose_the_period_the_sit_and_the_funnel(client, world, data, fy):
    client.force_login(world["users"]["sit_manager"])
    mauricie = Region.objects.get(code="04")
    response = client.get(FOLLOWUP, {"period": ALL_TIME, "sit": mauricie.sit.pk,
                                     "region": "04"})
    followup, funnel = response.context["followup"], response.context["funnel"]
    assert followup.period == Period(None)
    assert "07" not in [row.code for row in followup.rows]
    assert funnel.name == mauricie.name
    assert [step.value for step in funnel.steps] == [19, 15, 8, 6]
    last_year = client.get(FOLLOWUP, {"period": str(fy - 1)}).context["followup"]
    assert last_year.total.positions == 8


def test_an_unknown_period_is_an_error_not_a_guess(client, world, data):
    client.force_login(world["users"]["adviser"])
    response = client.get(FOLLOWUP, {"period": "1990"})
    assert response.status_code == 200
    assert response.context["followup"] is None
    assert response.context["form"].errors["period"]
    assert client.get(export_url("csv"), {"period": "1990"}).status_code == 400
    assert client.get(FOLLOWUP, {"sit": "999999"}).context["form"].errors["sit"]


# --- The export ---------------------------------------------------------------------------------


def csv_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_holds_the_table(client, world, data, fy):
    client.force_login(world["users"]["adviser"])
    client.cookies["django_language"] = "en"
    response = client.get(export_url("csv"))
    assert "suivi-regionalisation-" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "Region code", "Region", "Period", "Opportunities validated", "Open today",
        "Opportunities filled", "Positions offered", "Candidates presented", "Interviews",
        "Hires", "Hire rate (%)", "Activities promoting the region", "Participants",
        "Settled after 6 months", "Settled after 12 months",
        "Settlement rate after 12 months (%)"]
    assert len(rows) == 1 + 16 + 1
    mauricie = next(row for row in rows if row[0] == "04")
    assert mauricie[2:] == [f"Fiscal year {fy}-{fy + 1}", "3", "2", "1", "11", "13", "7", "5",
                            "45.5", "2", "40", "7", "4", "13.3"]
    assert next(row for row in rows if row[0] == "01")[3:] == ["0"] * 7 + [""] + ["0"] * 4 + [
        ""]
    assert rows[-1][1:] == ["All regions outside Montréal", f"Fiscal year {fy}-{fy + 1}",
                            "5", "3", "1", "15", "18", "9", "5", "33.3", "2", "40", "10", "6",
                            "20.0"]
    page = client.get(FOLLOWUP).context["followup"]
    assert [row[0] for row in rows[1:-1]] == [row.code for row in page.rows]


def test_the_export_follows_the_filters_and_is_in_french_by_default(client, world, data):
    client.force_login(world["users"]["adviser"])
    rows = csv_rows(client.get(export_url("csv"), {"period": ALL_TIME}))
    assert rows[0][:4] == ["Code de région", "Région", "Période", "Offres validées"]
    assert rows[0][-1] == "Taux d’installation après 12 mois (%)"
    assert rows[-1][2] == "Depuis le début"
    assert rows[-1][3:7] == ["6", "3", "1", "23"]


def test_the_xlsx_export_and_its_neutralised_formulas(client, world, data):
    Region.objects.filter(code="04").update(name="=HYPERLINK(\"http://x.example\")")
    client.force_login(world["users"]["adviser"])
    response = client.get(export_url("xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    mauricie = next(row for row in rows[1:] if row[0] == "04")
    assert mauricie[1] == "'=HYPERLINK(\"http://x.example\")"
    assert int(mauricie[6]) == 11 and float(mauricie[10]) == 45.5


# --- Query budget -------------------------------------------------------------------------------


def _grow(count, fy):
    """``count`` published opportunities with two referrals each, and ``count`` activities
    promoting two regions with their outcomes, spread over regions."""
    enterprise = EnterpriseFactory().organisation
    author = UserFactory()
    organisations = [regionalisation_organisation(), regionalisation_organisation()]
    places = [(municipality("37067"), office("trois-rivieres")),
              (municipality("81017"), office("gatineau")),
              (municipality("43027"), office("sherbrooke"))]
    regions = list(Region.objects.filter(code__in=["04", "05", "07"]))
    for n in range(count):
        place, where = places[n % len(places)]
        opp = OpportunityFactory(enterprise=enterprise, created_by=author, published=True,
                                 municipality=place, office=where,
                                 published_at=local(fy, 4, 1, 12))
        for organisation in organisations:
            OpportunityReferralFactory(opportunity=opp, organisation=organisation,
                                       updated_by=author)
        made = ActivityFactory(organisation=organisations[0], created_by=author,
                               starts_on=date(fy, 4, 1), ends_on=date(fy, 4, 1),
                               regions=[regions[n % 3], regions[(n + 1) % 3]])
        ActivityRegion.objects.filter(activity=made).update(settled_6_months=3,
                                                            settled_12_months=2)


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [FOLLOWUP, export_url("csv"),
                                 reverse("cohort_dashboard")])
def test_the_same_queries_for_5_and_100_opportunities(client, world, fy, url):
    client.force_login(world["users"]["adviser"])
    _grow(5, fy)
    few = _queries(client, url)
    mauricie = Region.objects.get(code="04")
    filtered = _queries(client, url, {"sit": mauricie.sit.pk, "region": "04"})
    _grow(95, fy)
    assert regional_followup(period=Period(fy)).total.opportunities == 100
    assert _queries(client, url) == few
    assert _queries(client, url, {"sit": mauricie.sit.pk, "region": "04"}) == filtered


def test_the_computation_itself_runs_four_queries(data, fy):
    with CaptureQueriesContext(connection) as captured:
        regional_followup(period=Period(fy))
    assert len(captured) == 4
