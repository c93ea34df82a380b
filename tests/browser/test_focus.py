"""A keyboard user sees where they are (WCAG 2.4.7 Focus Visible, 1.4.11 Non-text Contrast,
2.4.13 Focus Appearance): every control a Tab press reaches, in the header, the main menu, the
page and the footer, draws a focus indicator at least 2 CSS px thick whose colour has a contrast
of at least 3:1 with every background it is drawn on.

The test presses Tab through whole pages (home, a list with filters, a form) as an adviser, as
a partner user and signed out. For each control focused it reads the computed ``outline`` (or,
where there is no outline, the ``box-shadow`` ring), then looks at what lies under the indicator:
the element found at the middle of the indicator's band on each side of the control (outside the
control and its content), and the first opaque ``background-color`` of that element or its
ancestors (the white page when there is none). The WCAG relative-luminance contrast is computed
here, in Python, so the numbers are the specification's, not the stylesheet's intention.
"""

import re

import pytest

from programs.models import Status
from tests.browser.test_journeys import audit_in_both_languages, sign_in
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.programs import ActionPlanFactory

pytestmark = pytest.mark.browser

#: WCAG 1.4.11: a user-interface component's visual indicator against adjacent colours.
MINIMUM_CONTRAST = 3.0
#: WCAG 2.4.13 asks for an indicator at least as large as a 2 CSS px perimeter.
MINIMUM_WIDTH = 2.0
#: Tab presses per page at most: every control of the pages below is reached well before.
MAX_STOPS = 250

#: What the focused element's indicator looks like and what lies under it. ``samples`` are the
#: middle of the indicator's band on each of the four sides (points outside the viewport are
#: left out); each gives the first opaque background under that point, the focused control and
#: its content excepted (an indicator drawn inside the control is on the control's own
#: background).
FOCUSED_JS = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  if (!el.dataset.focusStop) {
    el.dataset.focusStop = String(document.querySelectorAll('[data-focus-stop]').length);
  }
  const style = getComputedStyle(el);
  const region = el.closest('footer') ? 'footer' : el.closest('header nav') ? 'menu'
    : el.closest('header') ? 'header' : el.closest('main') ? 'main' : 'page';
  const opaque = (colour) => {
    const m = colour.match(/rgba?\(([^)]+)\)/);
    if (!m) return false;
    const parts = m[1].split(/[ ,\/]+/).filter(Boolean);
    return parts.length < 4 || parseFloat(parts[3]) >= 1;
  };
  const backgroundOf = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const bg = getComputedStyle(n).backgroundColor;
      if (opaque(bg)) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  let width = 0, offset = 0, colour = null, kind = 'none';
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) {
    kind = 'outline'; width = parseFloat(style.outlineWidth);
    offset = parseFloat(style.outlineOffset) || 0; colour = style.outlineColor;
  } else if (style.boxShadow && style.boxShadow !== 'none') {
    // The first shadow ring: "rgb(...) 0px 0px 0px 3px [inset]".
    const ring = style.boxShadow.match(
      /(rgba?\([^)]+\))\s+(-?[\d.]+)px\s+(-?[\d.]+)px\s+(-?[\d.]+)px\s*(-?[\d.]+)?px?\s*(inset)?/);
    if (ring) {
      kind = 'box-shadow'; colour = ring[1]; width = parseFloat(ring[5] || '0');
      offset = ring[6] ? -width : 0;
    }
  }
  const box = el.getBoundingClientRect();
  const middle = offset + width / 2;
  const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
  const points = [
    [cx, box.top - middle], [cx, box.bottom + middle],
    [box.left - middle, cy], [box.right + middle, cy],
  ];
  const samples = [];
  for (const [x, y] of points) {
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    let under;
    if (middle < 0) {
      under = el;
    } else {
      under = document.elementsFromPoint(x, y).find((n) => n !== el && !el.contains(n));
    }
    samples.push(backgroundOf(under || document.documentElement));
  }
  const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.name
    || el.id || '').trim().replace(/\s+/g, ' ').slice(0, 50);
  return {
    stop: el.dataset.focusStop, region, kind, width, colour, samples,
    describe: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} “${label}”`,
  };
}"""


def rgb(colour):
    """(r, g, b) of a computed CSS colour ("rgb(9, 87, 151)" or "rgba(...)")."""
    match = re.match(r"rgba?\(([^)]+)\)", colour)
    assert match, f"unexpected computed colour {colour!r}"
    return tuple(float(part) for part in re.split(r"[\s,/]+", match[1].strip())[:3])


def luminance(colour):
    """WCAG 2 relative luminance of an sRGB colour."""
    def linear(channel):
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second):
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_the_wcag_ratio():
    assert contrast("rgb(255, 255, 255)", "rgb(0, 0, 0)") == pytest.approx(21)
    assert contrast("rgb(0, 121, 191)", "rgb(9, 87, 151)") == pytest.approx(1.59, abs=0.01)
    assert contrast("rgba(34, 54, 84, 1)", "rgb(255, 255, 255)") == pytest.approx(12.18,
                                                                                  abs=0.01)


def focus_problems(page, path):
    """Press Tab through the page at ``path`` from its top; returns the regions visited and a
    line for each control whose focus indicator is missing, too thin or too faint."""
    page.goto(path)
    page.wait_for_load_state("load")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    regions, problems, seen = set(), [], set()
    for _ in range(MAX_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None or focused["stop"] in seen:
            break  # back to the browser's own controls, or round to the first control again
        seen.add(focused["stop"])
        regions.add(focused["region"])
        where = f"{path} {focused['region']}: {focused['describe']}"
        if focused["kind"] == "none" or focused["width"] < MINIMUM_WIDTH:
            problems.append(f"{where}: no focus indicator of {MINIMUM_WIDTH:g}px or more "
                            f"({focused['kind']}, {focused['width']}px)")
            continue
        for background in set(focused["samples"]):
            ratio = contrast(focused["colour"], background)
            if ratio < MINIMUM_CONTRAST:
                problems.append(f"{where}: {focused['kind']} {focused['colour']} on "
                                f"{background} is {ratio:.2f}:1")
    else:
        pytest.fail(f"more than {MAX_STOPS} focus stops on {path}")
    return regions, problems


@pytest.fixture
def adviser_pages(world):
    ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    organisation = world["orgs"]["tr"]
    return world["users"]["adviser"], [
        "/",
        "/organisations/",  # the directory, with its filters
        "/plans-action/file/",  # the plans' queue: filters, check boxes, bulk assignment
        f"/organisations/{organisation.pk}/contacts/nouveau/",  # a form
    ]


@pytest.fixture
def partner_pages(world):
    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"])
    CaseFactory(organisation=enterprise.organisation)
    return PartnerUserFactory(organisation=enterprise.organisation), [
        "/",
        "/entreprises/dossiers/",  # the enterprise's requests, with filters
        "/entreprises/demandes/nouvelle/",  # a form with check boxes and radio buttons
    ]


def check_pages(page, pages, expected_regions):
    visited, problems = set(), []
    for path in pages:
        regions, found = focus_problems(page, path)
        visited |= regions
        problems += found
    assert not problems, "focus indicators too faint or missing:\n" + "\n".join(problems)
    assert expected_regions <= visited, f"Tab never reached {expected_regions - visited}"


def test_every_focus_indicator_stands_out_for_an_adviser(page, adviser_pages, assert_accessible):
    user, pages = adviser_pages
    sign_in(page, user, assert_accessible)
    check_pages(page, pages, {"header", "menu", "main", "footer"})


def test_every_focus_indicator_stands_out_for_a_partner(page, partner_pages, assert_accessible):
    user, pages = partner_pages
    sign_in(page, user, assert_accessible)
    check_pages(page, pages, {"header", "menu", "main", "footer"})


def test_every_focus_indicator_stands_out_signed_out(page):
    check_pages(page, ["/accounts/login/", "/accessibilite/", "/nous-joindre/"],
                {"page", "header", "main", "footer"})


def test_the_footer_s_public_pages_are_accessible_in_french_and_english(page,
                                                                         assert_accessible):
    """The accessibility, privacy and contact pages, reached from the footer of the sign-in
    page, pass axe-core (WCAG 2.2 AA) in both languages."""
    page.goto("/accounts/login/")
    for path in ("/accessibilite/", "/confidentialite/", "/nous-joindre/"):
        footer_link = page.locator(f"footer a[href='{path}']")
        with page.expect_navigation():
            footer_link.click()
        assert page.url.endswith(path)
        audit_in_both_languages(page, assert_accessible)
