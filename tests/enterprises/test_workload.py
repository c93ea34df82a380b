"""The workload report (« Charge de travail »): time spent and interventions by office,
adviser, kind of help, month and kind of intervention, for SIT managers (their SIT),
administrators (every office) and advisers (their own interventions only), with its export
(enterprises/workload.py, views/workload.py). The figures are checked against a hand count."""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from enterprises import interventions as services
from enterprises import workload
from enterprises.models import CaseStatus
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("enterprises:case_workload")
PERIOD = {"month_from": "2024-01", "month_to": "2024-03"}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _case(office_slug, help_kinds, name):
    served_by = office(office_slug)
    enterprise = EnterpriseFactory(organisation__office=served_by,
                                   organisation__region=served_by.region,
                                   organisation__name=name)
    opened = timezone.make_aware(datetime(2023, 12, 1, 9, 0))
    return CaseFactory(organisation=enterprise.organisation, status=CaseStatus.IN_PROGRESS,
                       help_kinds=help_kinds, opened_at=opened)


@pytest.fixture
def known(world):
    """Eight interventions, six of them in January to March 2024:

    ========== =============== ======= ============== ============== =====
    day        office          adviser intervention   help           min.
    ========== =============== ======= ============== ============== =====
    2023-12-20 Trois-Rivières  Aubin   phone          information    60   (before)
    2024-01-10 Trois-Rivières  Aubin   phone          information    30
    2024-01-20 Trois-Rivières  Aubin   meeting        accompaniment  90
    2024-02-05 Trois-Rivières  Roy     visit          accompaniment  120
    2024-02-14 Shawinigan      Caron   email          referral       15
    2024-03-01 Shawinigan      Caron   phone          referral       45
    2024-03-03 Gatineau        Gagnon  info session   information    180
    2024-04-02 Trois-Rivières  Aubin   phone          information    60   (after)
    ========== =============== ======= ============== ============== =====
    """
    tr, sh, gat = office("trois-rivieres"), office("shawinigan"), office("gatineau")
    people = {
        "aubin": StaffFactory(role="adviser", offices=[tr], first_name="Anne",
                              last_name="Aubin"),
        "roy": StaffFactory(role="adviser", offices=[tr], first_name="=cmd|' /C calc'!A0",
                            last_name="Roy"),
        "caron": StaffFactory(role="adviser", offices=[sh], first_name="Chloé",
                              last_name="Caron"),
        "gagnon": StaffFactory(role="adviser", offices=[gat], first_name="Guy",
                               last_name="Gagnon"),
    }
    case_tr = _case("trois-rivieres", ["information", "accompaniment"], "Usine TR")
    case_sh = _case("shawinigan", ["referral"], "Usine SH")
    case_gat = _case("gatineau", ["information"], "Usine GAT")
    rows = [
        ("aubin", case_tr, date(2023, 12, 20), "phone", "information", 60),
        ("aubin", case_tr, date(2024, 1, 10), "phone", "information", 30),
        ("aubin", case_tr, date(2024, 1, 20), "meeting", "accompaniment", 90),
        ("roy", case_tr, date(2024, 2, 5), "visit", "accompaniment", 120),
        ("caron", case_sh, date(2024, 2, 14), "email", "referral", 15),
        ("caron", case_sh, date(2024, 3, 1), "phone", "referral", 45),
        ("gagnon", case_gat, date(2024, 3, 3), "info_session", "information", 180),
        ("aubin", case_tr, date(2024, 4, 2), "phone", "information", 60),
    ]
    for who, case, day, kind, help_kind, minutes in rows:
        services.intervention_add(actor=people[who], case=case, kind=kind, help_kind=help_kind,
                                  day=day, duration_minutes=minutes)
    return {**world["users"], **people}


def figures(response):
    """Each table as {label: (interventions, hours)}, and the total."""
    data = response.context["figures"]

    def table(lines):
        return {line.label: (line.count, line.hours) for line in lines}

    return {
        "total": (data.total.count, data.total.hours),
        "office": table(data.by_office),
        "adviser": table(data.by_adviser),
        "help": table(data.by_help_kind),
        "kind": table(data.by_kind),
        "month": table(data.by_month),
    }


def h(value):
    return Decimal(value)


def test_an_administrator_sees_every_office_added_up_as_by_hand(client, known):
    client.force_login(known["admin"])
    response = client.get(PAGE, PERIOD)
    assert response.status_code == 200
    got = figures(response)
    assert got["total"] == (6, h("8.00"))
    assert got["office"] == {"Gatineau": (1, h("3.00")), "Shawinigan": (2, h("1.00")),
                             "Trois-Rivières": (3, h("4.00"))}
    assert got["adviser"] == {"Anne Aubin": (2, h("2.00")),
                              "Chloé Caron": (2, h("1.00")),
                              "Guy Gagnon": (1, h("3.00")),
                              "=cmd|' /C calc'!A0 Roy": (1, h("2.00"))}
    assert got["help"] == {"Information": (2, h("3.50")), "Referral": (2, h("1.00")),
                           "Accompaniment": (2, h("3.50"))}
    assert got["kind"] == {"Phone call": (2, h("1.25")), "Meeting": (1, h("1.50")),
                           "Visit to the enterprise": (1, h("2.00")), "Email": (1, h("0.25")),
                           "Information session": (1, h("3.00"))}
    assert got["month"] == {"2024-01": (2, h("2.00")), "2024-02": (2, h("2.25")),
                            "2024-03": (2, h("3.75"))}
    page = response.content.decode()
    assert "From January 2024 to March 2024: 6 interventions, 8.0 hours." in page
    assert 'id="table-office"' in page and "<caption" in page and 'scope="row"' in page


def test_a_sit_manager_sees_the_offices_of_their_sit_only(client, known):
    client.force_login(known["sit_manager"])
    response = client.get(PAGE, PERIOD)
    got = figures(response)
    assert got["total"] == (5, h("5.00"))
    assert got["office"] == {"Shawinigan": (2, h("1.00")), "Trois-Rivières": (3, h("4.00"))}
    assert "Guy Gagnon" not in got["adviser"]
    assert got["month"] == {"2024-01": (2, h("2.00")), "2024-02": (2, h("2.25")),
                            "2024-03": (1, h("0.75"))}
    form = response.context["form"]
    assert "sit" not in form.fields
    assert office("gatineau") not in form.fields["office"].queryset
    assert known["gagnon"] not in form.fields["adviser"].queryset
    assert known["caron"] in form.fields["adviser"].queryset


def test_a_sit_manager_asking_for_another_sits_office_gets_no_figure(client, known):
    client.force_login(known["sit_manager"])
    response = client.get(PAGE, {**PERIOD, "office": "gatineau"})
    assert response.status_code == 200
    assert response.context["figures"] is None
    assert response.context["form"].errors["office"]
    export = client.get(reverse("enterprises:case_workload_export", args=["csv"]),
                        {**PERIOD, "office": "gatineau"})
    assert export.status_code == 400


def test_an_adviser_sees_their_own_interventions_only(client, known):
    client.force_login(known["aubin"])
    response = client.get(PAGE, PERIOD)
    got = figures(response)
    assert got["total"] == (2, h("2.00"))
    assert got["adviser"] == {"Anne Aubin": (2, h("2.00"))}
    assert got["help"]["Information"] == (1, h("0.50"))
    assert "adviser" not in response.context["form"].fields
    page = response.content.decode()
    assert 'id="table-adviser"' not in page
    assert "The time you spent" in page
    client.force_login(known["roy"])
    assert figures(client.get(PAGE, PERIOD))["total"] == (1, h("2.00"))


@pytest.mark.parametrize(("filters", "total"), [
    ({"sit": "ouest"}, (1, h("3.00"))),
    ({"office": "shawinigan"}, (2, h("1.00"))),
    ({"help_kind": "accompaniment"}, (2, h("3.50"))),
    ({"month_from": "2023-12", "month_to": "2024-04"}, (8, h("10.00"))),
    ({"month_from": "2024-02", "month_to": "2024-02"}, (2, h("2.25"))),
])
def test_the_administrators_filters(client, known, filters, total):
    client.force_login(known["admin"])
    assert figures(client.get(PAGE, {**PERIOD, **filters}))["total"] == total


def test_the_adviser_filter(client, known):
    client.force_login(known["sit_manager"])
    got = figures(client.get(PAGE, {**PERIOD, "adviser": known["caron"].pk}))
    assert got["total"] == (2, h("1.00"))
    assert got["kind"]["Email"] == (1, h("0.25"))


def test_the_default_period_is_the_last_12_months(client, known):
    client.force_login(known["admin"])
    response = client.get(PAGE)
    start, end = workload.default_period()
    form = response.context["form"]
    assert form.data["month_from"] == start.strftime("%Y-%m")
    assert form.data["month_to"] == end.strftime("%Y-%m") == timezone.localdate().strftime(
        "%Y-%m")
    assert len(response.context["figures"].by_month) == 12
    assert response.context["figures"].total.count == 0  # the known set is from 2024


def test_a_recent_intervention_counts_in_the_default_period(client, known):
    case = _case("trois-rivieres", ["information"], "Usine récente")
    case.opened_at = timezone.now() - timedelta(days=3)
    case.save(update_fields=["opened_at"])
    services.intervention_add(actor=known["aubin"], case=case, kind="phone",
                              day=timezone.localdate(), duration_minutes=25)
    client.force_login(known["sit_manager"])
    got = figures(client.get(PAGE))
    assert got["total"] == (1, h("0.42"))


@pytest.mark.parametrize(("filters", "field", "message"), [
    ({"month_from": "2024-13"}, "month_from", "Give a month as YYYY-MM, e.g. 2025-04."),
    ({"month_from": "2024-05", "month_to": "2024-01"}, "month_to",
     "The last month comes before the first one."),
    ({"month_from": "2000-01", "month_to": "2024-01"}, "month_to",
     "Choose a period of at most 15 years."),
])
def test_bad_months_are_explained(client, known, filters, field, message):
    client.force_login(known["admin"])
    response = client.get(PAGE, filters)
    assert response.status_code == 200
    assert response.context["figures"] is None
    assert response.context["form"].errors[field] == [message]
    assert "Correct the filters to see the figures." in response.content.decode()


@pytest.mark.parametrize("role", ["partner", "partner_gatineau"])
def test_partners_and_enterprises_may_not_see_it(client, known, role):
    client.force_login(known[role])
    assert client.get(PAGE).status_code == 403
    assert client.get(reverse("enterprises:case_workload_export", args=["csv"])).status_code \
        == 403
    enterprise_user = PartnerUserFactory(
        organisation=EnterpriseFactory(organisation__office=office("trois-rivieres"))
        .organisation)
    client.force_login(enterprise_user)
    assert client.get(PAGE).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response.url


def _csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_export_holds_the_detailed_lines_of_the_sit(client, known):
    client.force_login(known["sit_manager"])
    response = client.get(reverse("enterprises:case_workload_export", args=["csv"]), PERIOD)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="charge-de-travail')
    rows = _csv_rows(response)
    assert rows[0] == ["Month", "Office", "Adviser", "Help given", "Interventions", "Minutes",
                       "Hours"]
    assert rows[1:] == [
        ["2024-01", "Trois-Rivières", "Anne Aubin", "Accompaniment", "1", "90", "1.5"],
        ["2024-01", "Trois-Rivières", "Anne Aubin", "Information", "1", "30", "0.5"],
        ["2024-02", "Shawinigan", "Chloé Caron", "Referral", "1", "15", "0.25"],
        # A name a spreadsheet would run as a formula is neutralised.
        ["2024-02", "Trois-Rivières", "'=cmd|' /C calc'!A0 Roy", "Accompaniment", "1", "120",
         "2.0"],
        ["2024-03", "Shawinigan", "Chloé Caron", "Referral", "1", "45", "0.75"],
    ]


def test_the_xlsx_export_uses_the_same_filters(client, known):
    client.force_login(known["admin"])
    response = client.get(reverse("enterprises:case_workload_export", args=["xlsx"]),
                          {**PERIOD, "office": "gatineau"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [[cell.value for cell in row] for row in book.active.iter_rows()]
    assert rows[1:] == [["2024-03", "Gatineau", "Guy Gagnon", "Information", 1, 180, 3]]


def test_the_adviser_exports_their_own_lines_only(client, known):
    client.force_login(known["caron"])
    rows = _csv_rows(client.get(reverse("enterprises:case_workload_export", args=["csv"]),
                                PERIOD))
    assert [row[2] for row in rows[1:]] == ["Chloé Caron", "Chloé Caron"]


def _more(count, seed):
    """``count`` more interventions on new cases of other offices, by new advisers."""
    slugs = ["trois-rivieres", "shawinigan", "gatineau", "sherbrooke"]
    for i in range(count):
        slug = slugs[i % len(slugs)]
        adviser = StaffFactory(role="adviser", offices=[office(slug)])
        case = _case(slug, ["information", "referral"], f"Entreprise {seed}-{i}")
        services.intervention_add(actor=adviser, case=case, kind="visit",
                                  help_kind="referral", day=date(2024, 1 + i % 3, 1 + i),
                                  duration_minutes=10 + i)


@pytest.mark.parametrize("role", ["admin", "sit_manager", "aubin"])
def test_the_page_runs_the_same_queries_for_few_and_many_interventions(client, known, role):
    client.force_login(known[role])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(PAGE, PERIOD)
        assert response.status_code == 200
        return len(captured), response.context["figures"].total.count

    few, few_rows = queries()
    _more(24, "b")
    many, many_rows = queries()
    assert few == many
    if role == "admin":
        assert many_rows == few_rows + 24


def test_the_export_runs_the_same_queries_for_few_and_many_interventions(client, known):
    client.force_login(known["sit_manager"])
    url = reverse("enterprises:case_workload_export", args=["csv"])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, PERIOD).status_code == 200
        return len(captured)

    few = queries()
    _more(24, "c")
    assert queries() == few


@pytest.mark.parametrize("role", ["admin", "sit_manager", "adviser"])
def test_the_case_list_links_to_the_report(client, known, role):
    client.force_login(known[role])
    assert PAGE in client.get(reverse("enterprises:case_list")).content.decode()
