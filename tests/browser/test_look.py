"""The government's look (Programme d'identification visuelle, the design system), as a person
sees it in a real browser: the official Québec signature with its accessible name, the design
system's fonts served by the portal itself, buttons whose kind shows (primary, secondary,
danger), check boxes and radio buttons beside their labels, one badge per status."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from programs.models import Status
from tests.browser.test_journeys import sign_in, switch_language, tr
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.programs import ActionPlanFactory

pytestmark = pytest.mark.browser

#: Every control of the kind with a visible label (not one for screen readers only, such as a
#: table row's “Select …”), and how far apart (CSS px) the two boxes' vertical
#: spans are: 0 when they share a line (beside), more when the label sits above or below.
CHOICES_JS = """() => [...document.querySelectorAll(
    'main input[type=checkbox], main input[type=radio]')]
  .filter(input => input.offsetParent !== null && input.labels && input.labels.length
    && input.labels[0].getBoundingClientRect().width > 1)
  .map(input => {
    const box = input.getBoundingClientRect(), label = input.labels[0].getBoundingClientRect();
    const overlap = Math.min(box.bottom, label.bottom) - Math.max(box.top, label.top);
    return {name: input.name + '=' + input.value, apart: overlap > 0 ? 0 : -overlap,
            text: input.labels[0].innerText.trim().slice(0, 40)};
  })"""


def test_the_signature_is_the_official_logo_named_in_the_page_s_language(page):
    page.goto("/accounts/login/")
    logo = page.locator("header .piv__brand img")
    expect(logo).to_have_attribute("alt", tr(page, "Government of Québec"))
    assert urlparse(logo.get_attribute("src")).path.endswith("/img/QUEBEC_blanc.svg")
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", logo.element_handle())
    switch_language(page)
    expect(page.locator("header .piv__brand img")).to_have_attribute("alt",
                                                                   "Government of Québec")
    expect(page.get_by_role("link", name="Government of Québec")).to_have_attribute("href", "/")


def test_the_design_system_s_fonts_come_from_the_portal_itself(page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/accessibilite/")
    page.evaluate("() => document.fonts.ready.then(() => null)")
    loaded = page.evaluate(
        "() => [...document.fonts].filter(f => f.status === 'loaded')"
        ".map(f => f.family.replace(/\"/g, '') + ' ' + f.weight)")
    assert "Open Sans 400" in loaded, loaded  # the text
    assert "Roboto 700" in loaded, loaded  # the headings
    heading_font = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    assert heading_font.replace('"', "").startswith("Roboto,"), heading_font
    fonts = [url for url in requests if url.endswith(".woff2")]
    assert fonts and all(urlparse(url).netloc == urlparse(page.url).netloc for url in fonts)
    assert all(urlparse(url).netloc == urlparse(page.url).netloc for url in requests), \
        "the page asked another host for something"


def test_buttons_badges_and_choices_look_like_what_they_are(page, world, assert_accessible):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    case = CaseFactory(organisation=EnterpriseFactory(
        organisation__office=world["offices"]["tr"]).organisation)
    sign_in(page, world["users"]["adviser"], assert_accessible)

    # The sign-in button was a plain browser button; allauth's buttons now take the portal's.
    page.goto("/accounts/email/")
    background = "el => getComputedStyle(el).backgroundColor"
    primary = page.locator("main button[name=action_primary]")
    secondary = page.locator("main button[name=action_send]")
    danger = page.locator("main button[name=action_remove]")
    colours = {kind: button.evaluate(background)
               for kind, button in [("primary", primary), ("secondary", secondary),
                                    ("danger", danger)]}
    assert colours == {"primary": "rgb(9, 87, 151)", "secondary": "rgb(255, 255, 255)",
                       "danger": "rgb(203, 56, 31)"}, colours
    assert secondary.evaluate("el => getComputedStyle(el).color") == "rgb(9, 87, 151)"

    # The plan's page: its status line is not a badge, its status is, once.
    page.goto(f"/plans-action/{plan.pk}/")
    border = "el => getComputedStyle(el).borderTopWidth"
    assert page.locator("main p.plan-status").evaluate(border) == "0px"
    assert page.locator("main p.plan-status .status").evaluate(border) == "2px"

    # Check boxes and radio buttons share a line with their labels.
    for path in ("/plans-action/file/", f"/entreprises/dossiers/{case.pk}/"):
        page.goto(path)
        choices = page.evaluate(CHOICES_JS)
        assert choices, f"no check box or radio button on {path}"
        apart = [choice for choice in choices if choice["apart"] > 0]
        assert not apart, f"labels above or below their control on {path}: {apart}"
