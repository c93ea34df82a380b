"""The public figures in a real browser, signed out: the page and a region's page pass axe-core
(WCAG 2.2 AA) in French and in English; small counts read « < 5 »; a table's CSV link works."""

import re

import pytest
from playwright.sync_api import expect

from opendata import services
from tests.browser.test_journeys import audit_in_both_languages, heading, tr
from tests.opendata.helpers import generated_world, publish_all

pytestmark = pytest.mark.browser


def test_the_public_figures_are_accessible_in_both_languages(page, assert_accessible):
    generated_world(40, size=5, demo=True)
    publish_all()
    services.figures_compute()

    page.goto("/donnees-ouvertes/")
    expect(heading(page)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^fr"))
    expect(page.locator("#computed-at")).to_be_visible()
    expect(page.locator("#fictitious-notice")).to_be_visible()
    expect(page.locator("table[data-table='regionalisation'] td", has_text="<\u00a05").first
           ).to_be_visible()
    audit_in_both_languages(page, assert_accessible)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^en"))

    page.get_by_role("link", name="04 Mauricie").click()
    expect(heading(page)).to_contain_text("Mauricie")
    audit_in_both_languages(page, assert_accessible)

    with page.expect_download() as download:
        page.locator("a[href$='plans-by-region.csv']").first.click()
    assert download.value.suggested_filename == "plans-by-region.csv"


def test_the_footer_links_to_the_public_figures(page):
    page.goto("/accessibilite/")
    page.get_by_role("contentinfo").get_by_role("link", name=tr(page, "Public figures")).click()
    expect(heading(page)).to_be_visible()
    assert "/donnees-ouvertes/" in page.url
