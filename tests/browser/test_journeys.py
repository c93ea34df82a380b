"""What each kind of user relies on, in a real browser: signing in (with the authenticator app
for ministry staff), landing on their own home page, switching between French and English,
finding partner organisations of their territory and opening their file.

Every page visited is checked with axe-core against WCAG 2.2 AA, in French and in English:
``audit_in_both_languages`` audits the page, switches language with the header button (the
portal must keep the person on the same page) and audits it again. The journeys therefore
alternate languages from page to page, and every page is seen in both. (The territory test
audits only what the journeys do not already show: search results and "page not found".)
"""

import time
from urllib.parse import urlparse

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import translation
from playwright.sync_api import expect

from tests.factories.accounts import TEST_PASSWORD

pytestmark = pytest.mark.browser

#: The value of <html lang> for each of the portal's languages.
HTML_LANG = {"fr-ca": "fr-CA", "en": "en"}
#: The label of the header button that switches to the other language.
SWITCH_BUTTON = {"fr-ca": "English", "en": "Français"}
OTHER_LANGUAGE = {"fr-ca": "en", "en": "fr-ca"}


# --- What a person sees ---------------------------------------------------------------------


def language_of(page):
    """The portal language the page is shown in ("fr-ca" or "en"), from <html lang>."""
    lang = page.locator("html").get_attribute("lang")
    by_html_lang = {value: code for code, value in HTML_LANG.items()}
    assert lang in by_html_lang, f"unexpected <html lang={lang!r}> on {page.url}"
    return by_html_lang[lang]


def tr(page, text):
    """``text`` as the portal shows it in the page's current language."""
    with translation.override(language_of(page)):
        return translation.gettext(text)


def wait_for_path(page, path):
    page.wait_for_url(lambda url: urlparse(url).path == path)


def heading(page):
    return page.get_by_role("heading", level=1)


def main_menu(page):
    return page.get_by_role("navigation", name=tr(page, "Main menu"))


def follow(link, path):
    """Click a link as a person would and wait for the page it leads to."""
    link.click()
    wait_for_path(link.page, path)


def switch_language(page):
    """Press the header's language button; the same page comes back in the other language."""
    before, where = language_of(page), page.url
    with page.expect_navigation():
        page.get_by_role("button", name=SWITCH_BUTTON[before], exact=True).click()
    after = OTHER_LANGUAGE[before]
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[after])
    assert page.url == where, "the language switch must keep the person on the same page"


def audit_in_both_languages(page, assert_accessible):
    """Audit the page in its current language, switch language, audit it again."""
    assert_accessible(page)
    switch_language(page)
    assert_accessible(page)


def current_totp_code(secret):
    """The code the person's authenticator app shows now. A code read in the last seconds of
    its 30-second window could expire before the server checks it: wait for the next one."""
    if time.time() % 30 > 28:
        time.sleep(30.5 - time.time() % 30)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, user, assert_accessible):
    """Sign in through the login page (audited in both languages) and, for ministry staff,
    the authenticator-app step (also audited in both languages). Ends on the home page."""
    page.goto("/")
    wait_for_path(page, "/accounts/login/")
    assert language_of(page) == "fr-ca", "the portal answers in French first"
    audit_in_both_languages(page, assert_accessible)

    login_form = page.locator("form[action^='/accounts/login/']")
    login_form.locator("input[name=login]").fill(user.email)
    login_form.locator("input[name=password]").fill(TEST_PASSWORD)
    with page.expect_navigation():
        login_form.locator("button[type=submit]").click()

    if user.is_ministry_staff:
        wait_for_path(page, "/accounts/2fa/authenticate/")
        audit_in_both_languages(page, assert_accessible)
        mfa_form = page.locator("form[action^='/accounts/2fa/authenticate/']")
        mfa_form.locator("input[name=code]").fill(current_totp_code(user.totp_secret))
        with page.expect_navigation():
            mfa_form.get_by_role("button", name=tr(page, "Sign In"), exact=True).click()

    wait_for_path(page, "/")


# --- The journeys ---------------------------------------------------------------------------

#: Which of the ``world`` organisations each role finds in the directory. The SIT manager is
#: assigned in Sherbrooke, whose SIT also covers Trois-Rivières and Shawinigan; the adviser
#: works in Trois-Rivières; the partner belongs to the Trois-Rivières organisation.
DIRECTORY_SCOPE = {
    "admin": {"tr", "sh", "gat"},
    "sit_manager": {"tr", "sh"},
    "adviser": {"tr"},
    "partner": {"tr"},
}


@pytest.mark.parametrize("role", ["admin", "sit_manager", "adviser", "partner"])
def test_each_role_signs_in_and_browses_its_territory_accessibly_in_french_and_english(
    page, world, role, assert_accessible
):
    user = world["users"][role]
    organisation = world["orgs"]["tr"]
    sign_in(page, user, assert_accessible)

    # The home page of the role.
    if role == "partner":
        expect(heading(page)).to_have_text(tr(page, "My organisation"))
        expect(page.get_by_role("heading", level=2, name=organisation.name)).to_be_visible()
    else:
        expect(heading(page)).to_have_text(tr(page, "My territory"))
    audit_in_both_languages(page, assert_accessible)

    # The partner directory (for a partner user: their own organisation).
    directory_label = "My organisation" if role == "partner" else "Partner directory"
    follow(main_menu(page).get_by_role("link", name=tr(page, directory_label)),
           "/organisations/")
    expect(heading(page)).to_have_text(tr(page, directory_label))
    listed = page.get_by_role("table").get_by_role("rowheader")
    for key, org in world["orgs"].items():
        shown = listed.filter(has=page.get_by_role("link", name=org.name, exact=True))
        expect(shown).to_have_count(1 if key in DIRECTORY_SCOPE[role] else 0)
    audit_in_both_languages(page, assert_accessible)

    # The organisation's file.
    follow(page.get_by_role("link", name=organisation.name, exact=True),
           f"/organisations/{organisation.pk}/")
    expect(heading(page)).to_have_text(organisation.name)
    audit_in_both_languages(page, assert_accessible)

    # The regional network.
    follow(main_menu(page).get_by_role("link", name=tr(page, "Regional network")), "/reseau/")
    expect(heading(page)).to_have_text(tr(page, "The ministry's regional network"))
    audit_in_both_languages(page, assert_accessible)

    # The audit trail: administrators only. It records who consulted the organisation's
    # contact details a moment ago.
    audit_link = main_menu(page).get_by_role("link", name=tr(page, "Audit trail"))
    if role != "admin":
        expect(audit_link).to_have_count(0)
        return
    follow(audit_link, "/journal/")
    expect(heading(page)).to_have_text(tr(page, "Audit trail"))
    consultations = page.get_by_role("row").filter(has_text=user.email).filter(
        has_text=organisation.name)
    expect(consultations.first).to_be_visible()
    audit_in_both_languages(page, assert_accessible)


def test_an_adviser_finds_only_the_organisations_their_office_serves(
    page, world, assert_accessible
):
    adviser = world["users"]["adviser"]  # works in Trois-Rivières
    in_territory, elsewhere = world["orgs"]["tr"], world["orgs"]["gat"]  # gat: Gatineau office
    sign_in(page, adviser, assert_accessible)

    follow(main_menu(page).get_by_role("link", name=tr(page, "Partner directory")),
           "/organisations/")
    results = page.locator("#results")
    expect(results.get_by_role("link", name=in_territory.name, exact=True)).to_be_visible()
    expect(results.get_by_text(elsewhere.name)).to_have_count(0)

    # Searching for it by name, as the results update while the adviser types, finds nothing.
    page.get_by_role("search").get_by_label(tr(page, "Name or code")).fill(elsewhere.name)
    expect(results.get_by_text(tr(page, "No organisation matches these filters."))).to_be_visible()
    expect(results.get_by_text(elsewhere.name)).to_have_count(0)
    assert_accessible(page)

    # Nor does typing the file's address: it answers "page not found", like a missing page.
    response = page.goto(f"/organisations/{elsewhere.pk}/")
    assert response.status == 404
    expect(heading(page)).to_have_text(tr(page, "Page not found"))
    expect(page.get_by_text(elsewhere.name)).to_have_count(0)
    audit_in_both_languages(page, assert_accessible)
