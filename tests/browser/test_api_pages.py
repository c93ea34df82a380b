"""The API's documentation page (Swagger UI, from the portal's own static files) works in a
real browser under the portal's Content-Security-Policy: every operation is listed and the
page sees no violation."""

import pytest

pytestmark = pytest.mark.browser

LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI);
});
"""


def test_the_documentation_page_renders_every_operation_under_the_csp(new_page):
    page = new_page()
    page.context.add_init_script(LISTEN)
    console = []
    page.on("console", lambda message: console.append(message.text))

    response = page.goto("/api/v1/docs")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) == 15, paths  # 13 operations, and the public figures (2)
    assert any("/api/v1/reports/{report_id}/values" in p.replace("\u200b", "") for p in paths)
    assert page.evaluate("window.__violations") == []
    assert not [text for text in console if "Content Security Policy" in text]


def test_a_partner_creates_and_revokes_a_token_accessibly(new_page, assert_accessible):  # noqa: E501
    from tests.browser.test_journeys import sign_in, tr
    from tests.factories.partners import OrganisationFactory, PartnerUserFactory

    user = PartnerUserFactory(organisation=OrganisationFactory(name="Accueil jeton"))
    page = new_page()
    sign_in(page, user, assert_accessible)

    page.locator("nav.main-nav").get_by_role("link", name=tr(page, "API tokens")).click()
    page.wait_for_url("**/api/jetons/")
    assert_accessible(page)
    page.locator("#id_expires_on").fill("")
    page.get_by_role("button", name=tr(page, "Create the token")).click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#id_name_error").is_visible()
    assert page.locator("#id_expires_on_error").is_visible()
    assert_accessible(page)

    page.locator("#id_name").fill("Logiciel de suivi")
    page.locator("#id_expires_on").fill("2099-01-01")  # too far: refused at its field
    page.get_by_role("button", name=tr(page, "Create the token")).click()
    page.wait_for_selector("#id_expires_on_error")
    from datetime import timedelta

    from django.utils import timezone

    page.locator("#id_expires_on").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name=tr(page, "Create the token")).click()
    secret = page.locator("#token-secret").input_value()
    assert secret.startswith("prt_")
    assert_accessible(page)

    page.get_by_role("button", name=tr(page, "Revoke")).click()
    page.wait_for_selector(".alert--success")
    assert page.locator("#token-secret").count() == 0
    assert_accessible(page)


def test_the_documentation_page_does_not_scroll_sideways_on_a_phone(new_page):
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")
    page.locator(".opblock-summary").first.click()  # an operation opened: its schemas shown
    page.wait_for_selector(".opblock-body")
    wide = page.evaluate("""() => [...document.querySelectorAll("body *")]
        .filter(e => e.getBoundingClientRect().right > 321).slice(0, 12)
        .map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right))
    """)  # what sticks out, named in the failure
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, wide
