"""The dashboard cannot mislead: a cohort missing regions is flagged, never chosen by default,
shows “—” where it has no figures, and is compared with the other cohort only over the
regions both cover; what “Montréal” means is the administrators' setting, shown on the page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from regions.dashboard import Cohort, cohort_dashboard
from regions.models import CohortStatistic, DashboardSettings, MontrealArea, Region

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("cohort_dashboard")
A = Cohort(2001, 2005, 2006)
B = Cohort(2011, 2015, 2016)
C = Cohort(2016, 2020, 2021)  # the most recent, imported for three regions only
D = Decimal


def stat(code, cohort, admitted, present, category="all"):
    CohortStatistic.objects.create(
        region=Region.objects.get(code=code), cohort_start=cohort.start, cohort_end=cohort.end,
        reference_year=cohort.reference_year, category=category, admitted=admitted,
        present=present)


@pytest.fixture
def cohorts():
    """A and B cover the 17 regions: 100 admitted / 50 present (A) and 100 / 60 (B) in each,
    except Montréal 06 (1000/800, 1200/900) and Laval 13 (200/100, 300/200).
    Present in Quebec: A 15 x 50 + 800 + 100 = 1650; B 15 x 60 + 900 + 200 = 2000.
    C covers 06 (1000/900), 03 (100/90) and 08 (50/10) only."""
    special = {"06": ((1000, 800), (1200, 900)), "13": ((200, 100), (300, 200))}
    for region in Region.objects.all():
        a, b = special.get(region.code, ((100, 50), (100, 60)))
        stat(region.code, A, *a)
        stat(region.code, B, *b)
    for code, figures in [("06", (1000, 900)), ("03", (100, 90)), ("08", (50, 10))]:
        stat(code, C, *figures)


def set_montreal(area):
    DashboardSettings.objects.update_or_create(pk=1, defaults={"montreal_area": area})


def page(client, user, **params):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client.get(DASHBOARD, params)


def test_an_incomplete_cohort_is_never_the_default(client, world, cohorts):
    response = page(client, world["users"]["adviser"])
    dashboard = response.context["dashboard"]
    assert (dashboard.cohort_a, dashboard.cohort_b) == (A, B)
    assert not dashboard.incomplete_a and not dashboard.incomplete_b
    assert 'id="incomplete-notice"' not in response.content.decode()
    # It stays selectable, labelled as incomplete.
    labels = dict(response.context["form"].fields["cohort_b"].choices)
    assert labels[C.key] == "2016-2020 (present in 2021) — incomplete: 3 of 17 regions"
    assert "incomplete" not in labels[B.key]


def test_completeness_is_judged_for_the_chosen_category(client, world, cohorts):
    """In “refugees” only C has figures (for one region): nothing complete, so C is what
    there is, and the page says it is incomplete."""
    stat("06", C, 10, 5, category="refugee")
    response = page(client, world["users"]["adviser"], category="refugee")
    dashboard = response.context["dashboard"]
    assert dashboard.cohort_b == C and dashboard.incomplete_b
    assert 'id="incomplete-notice"' in response.content.decode()


def test_an_incomplete_cohort_is_compared_only_over_the_regions_both_cover(client, world,
                                                                              cohorts):
    response = page(client, world["users"]["adviser"], cohort_a=A.key, cohort_b=C.key)
    dashboard = response.context["dashboard"]
    assert dashboard.incomplete_b and not dashboard.incomplete_a
    assert dashboard.compared == ["03", "06", "08"]
    assert "01" in dashboard.missing_b and "06" not in dashboard.missing_b
    # Totals over 03, 06 and 08: A 50 + 800 + 50 = 900 present; C 90 + 900 + 10 = 1000.
    assert (dashboard.total.a.present, dashboard.total.b.present) == (900, 1000)
    # Outside Montréal over those regions: A 100/900 = 11.1 %, C 100/1000 = 10.0 %
    # (not A's 850/1650 = 51.5 % against C's 10.0 % over three regions).
    assert (dashboard.outside_montreal_a, dashboard.outside_montreal_b) == (D("11.1"),
                                                                            D("10.0"))
    assert dashboard.outside_montreal_change == D("-1.1")
    html = response.content.decode()
    notice = html.split('id="incomplete-notice"')[1].split("</div>")[0]
    assert "Incomplete cohort" in notice and "3 regions both cover (of 17)" in notice
    assert "01, 02, 04, 05, 07, 09" in notice.split('id="missing-b"')[1]
    assert "(regions compared only)" in html and "Present in the regions compared" in html
    assert "11.1 %" in html and "10.0 %" in html and "-1.1" in html
    # A region C lacks: A's own figures, “—” for C, no share, no variation (never 0).
    table = html.split('id="cohort-table"')[1].split("</table>")[0]
    cells = table.split('id="region-01"')[1].split("</tr>")[0].split('<td class="num">')[1:]
    values = [cell.split("<")[0] for cell in cells]
    assert values == ["100", "50", "50.0", "—", "—", "—", "—", "—", "—", "—"]
    montreal = table.split('id="region-06"')[1].split("</tr>")[0]
    assert ">900<" in montreal and ">88.9<" in montreal  # 800/900 and 900/1000
    total_row = table.split('id="region-total"')[1].split("</tr>")[0]
    assert "Regions both cohorts cover (3 of 17)" in total_row


@pytest.mark.parametrize(("area", "a", "b", "change"), [
    # Outside 06: A 850/1650, B 1100/2000.
    (MontrealArea.REGION_06, D("51.5"), D("55.0"), D("3.5")),
    # Outside 06 and 13: A 750/1650, B 900/2000.
    (MontrealArea.MONTREAL_LAVAL, D("45.5"), D("45.0"), D("-0.5")),
])
def test_the_montreal_definition_is_the_administrators_setting(client, world, cohorts, area,
                                                               a, b, change):
    set_montreal(area)
    response = page(client, world["users"]["adviser"])
    dashboard = response.context["dashboard"]
    assert (dashboard.outside_montreal_a, dashboard.outside_montreal_b,
            dashboard.outside_montreal_change) == (a, b, change)
    definition = response.content.decode().split('id="montreal-definition"')[1].split("</dd>")[0]
    expected = {MontrealArea.REGION_06: "the Montréal administrative region (06)",
                MontrealArea.MONTREAL_LAVAL: "the Montréal (06) and Laval (13)"}[area]
    assert expected in definition


def test_the_cmm_is_given_as_the_exact_range_regional_figures_allow(client, world, cohorts):
    """The CMM holds 06 and 13 and parts of 14, 15 and 16: at least the share outside the five
    regions (A 600/1650, B 720/2000), at most the share outside 06 and 13."""
    set_montreal(MontrealArea.CMM)
    response = page(client, world["users"]["adviser"])
    dashboard = response.context["dashboard"]
    assert dashboard.outside_montreal_range_a == (D("36.4"), D("45.5"))
    assert dashboard.outside_montreal_range_b == (D("36.0"), D("45.0"))
    assert dashboard.outside_montreal_change is None and dashboard.outside_montreal_a is None
    html = response.content.decode()
    headline = html.split('id="outside-montreal"')[1].split("</dd>")[0]
    assert "between 36.4 % and 45.5 %" in headline and "between 36.0 % and 45.0 %" in headline
    definition = html.split('id="montreal-definition"')[1].split("</dd>")[0]
    assert "cannot be split" in definition


def test_the_default_definition_is_the_montreal_region(cohorts):
    assert DashboardSettings.current().montreal_area == MontrealArea.REGION_06
    assert cohort_dashboard(A, B).outside_montreal_a == D("51.5")


def test_administrators_edit_the_setting_in_the_django_admin(client, cohorts):
    from tests.factories.accounts import StaffFactory

    admin = StaffFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:regions_dashboardsettings_add")
    response = client.post(url, {"montreal_area": MontrealArea.MONTREAL_LAVAL})
    assert response.status_code == 302
    assert DashboardSettings.current().montreal_area == MontrealArea.MONTREAL_LAVAL
    assert cohort_dashboard(A, B).outside_montreal_a == D("45.5")
    # One row only.
    assert client.get(url).status_code == 403
