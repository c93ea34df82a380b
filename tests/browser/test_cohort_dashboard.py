"""The cohort dashboard in a real browser, when the data could mislead: a recent cohort
imported for three regions is not chosen by default; chosen by hand, it is flagged and compared
only over the regions both cohorts cover; “Montréal” is the administrators' CMM setting,
shown as a range. Every state is checked with axe-core (WCAG 2.2 AA) in both languages."""

import pytest
from playwright.sync_api import expect

from regions.dashboard import Cohort
from regions.demo import seed_demo_cohorts
from regions.models import CohortStatistic, DashboardSettings, MontrealArea, Region
from tests.browser.test_action_plans import labelled, press
from tests.browser.test_journeys import audit_in_both_languages, heading, sign_in
from tests.factories.accounts import StaffFactory

pytestmark = pytest.mark.browser

RECENT = Cohort(2016, 2022, 2023)


def test_an_incomplete_cohort_is_flagged_and_compared_only_where_both_cover(
    page, assert_accessible
):
    seed_demo_cohorts()
    for code in ("03", "06", "08"):
        CohortStatistic.objects.create(
            region=Region.objects.get(code=code), cohort_start=RECENT.start,
            cohort_end=RECENT.end, reference_year=RECENT.reference_year, admitted=100,
            present=50)
    DashboardSettings.objects.create(pk=1, montreal_area=MontrealArea.CMM)
    sign_in(page, StaffFactory(role="adviser"), assert_accessible)

    page.goto("/cohortes/")
    expect(heading(page)).to_be_visible()
    expect(page.locator("#incomplete-notice")).to_have_count(0)
    expect(page.locator("#outside-montreal")).to_contain_text("%")
    expect(page.locator("#montreal-definition")).to_contain_text("CMM")
    audit_in_both_languages(page, assert_accessible)

    labelled(page.get_by_role("main"), page, "Second cohort (B)").select_option(RECENT.key)
    press(page, "Show")
    expect(page.locator("#incomplete-notice")).to_be_visible()
    expect(page.locator("#missing-b")).to_contain_text("01")
    expect(page.locator("#region-01 td").nth(4)).to_have_text("—")
    audit_in_both_languages(page, assert_accessible)
