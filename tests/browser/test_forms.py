"""The portal's forms in a real browser: what ministry staff fill in to keep the partner
directory (organisations from the municipal register or by hand, contacts, invitations), what
an invited partner fills in to get an account, the authenticator-app enrolment of staff, and
the pages a person lands on when something is refused or missing.

As in ``test_journeys``, every page visited is checked with axe-core against WCAG 2.2 AA in
French and in English. A form shown with its errors is submitted again after the language
switch (which reloads the page empty), so that its errors are audited in both languages too.
"""

import re
from urllib.parse import urlparse

import pytest
from django.utils import translation
from django.utils.text import capfirst
from playwright.sync_api import expect

from partners.models import Contact, Invitation, Kind, Organisation
from tests.browser.test_htmx_focus import LiveRegion, expect_focus_on
from tests.browser.test_journeys import (
    audit_in_both_languages,
    current_totp_code,
    follow,
    heading,
    language_of,
    main_menu,
    sign_in,
    switch_language,
    tr,
    wait_for_path,
)
from tests.factories.accounts import TEST_PASSWORD, StaffFactory
from tests.factories.antennes import office

pytestmark = pytest.mark.browser

#: A path with an organisation's number: /organisations/123/.
DETAIL_PATH = re.compile(r"^/organisations/(\d+)/$")


# --- What a person sees ---------------------------------------------------------------------


def field(page, label):
    """The form control labelled ``label`` (a msgid, shown capitalised in the page's language),
    whether or not the label carries the "required" marker (“* (obligatoire)”)."""
    text = re.escape(capfirst(tr(page, label)))
    required = re.escape(tr(page, "required"))
    return page.get_by_label(re.compile(rf"^\s*{text}(\s*\*)?(\s*\({required}\))?\s*$"))


def field_box(page, control):
    """The block of a form field: its label, its control, its help text and its errors."""
    return page.locator(".field").filter(has=control)


def submit(page, button_label):
    """Press a form's button and wait for the page that answers (a redirect or the form again,
    with its errors)."""
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name=tr(page, button_label),
                                            exact=True).click()


def wait_for_organisation_page(page):
    """Wait for an organisation's file; returns the organisation shown."""
    page.wait_for_url(lambda url: bool(DETAIL_PATH.match(urlparse(url).path)))
    return Organisation.objects.get(pk=DETAIL_PATH.match(urlparse(page.url).path)[1])


def success_message(page, text):
    return page.get_by_role("status").get_by_text(tr(page, text))


def contact_row(page, name):
    """The row of a person in the table of an organisation's contacts."""
    contacts = page.get_by_role("table", name=tr(page, "Contacts"))
    return contacts.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(name)}\b")))


def open_directory(page):
    follow(main_menu(page).get_by_role("link", name=tr(page, "Partner directory")),
           "/organisations/")


def open_organisation(page, organisation):
    open_directory(page)
    follow(page.get_by_role("link", name=organisation.name, exact=True),
           f"/organisations/{organisation.pk}/")


# --- Organisations ----------------------------------------------------------------------------


def test_an_adviser_adds_a_municipal_body_from_the_register_in_two_clicks(
    page, world, assert_accessible
):
    sign_in(page, world["users"]["adviser"], assert_accessible)  # Trois-Rivières office
    open_directory(page)

    # The adviser goes on by keyboard. The first Tab reaches the skip link, which shows itself
    # when focused; following it puts the focus on <main>, so the next Tab reaches the page's
    # first action, not the header's language button, account and main menu.
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name=tr(page, "Skip to main content"))
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=tr(page, "Add from the register"))).to_be_focused()
    page.keyboard.press("Enter")
    wait_for_path(page, "/organisations/registre/")
    expect(heading(page)).to_have_text(tr(page, "Add a municipal body from the register"))

    def search_louiseville():
        """Type in the search box: the matches replace #matches while the adviser types."""
        box = page.get_by_role("search").get_by_label(tr(page, "Municipality or MRC: name or code"))
        count = LiveRegion(page, "#matches-count")  # the status known before the search
        box.fill("louiseville")
        louiseville = page.locator("#matches").get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="Louiseville", exact=True))
        expect(louiseville).to_have_count(1)
        expect(louiseville.get_by_role("cell", name="51015", exact=True)).to_be_visible()
        # The person is still in the search box, and the same status says what was found.
        expect_focus_on(page, box)
        with translation.override(language_of(page)):
            said = (translation.ngettext("“%(q)s”: %(counter)s municipality",
                                         "“%(q)s”: %(counter)s municipalities", 1)
                    % {"q": "louiseville", "counter": 1})
        count.expect_text(re.compile("^" + re.escape(said)))
        return louiseville

    # The results are audited in both languages. The language switch reloads the register
    # page without the search, so the adviser types again.
    search_louiseville()
    assert_accessible(page)
    switch_language(page)
    louiseville = search_louiseville()
    assert_accessible(page)

    louiseville.get_by_role("button", name=tr(page, "Create")).click()
    created = wait_for_organisation_page(page)
    expect(heading(page)).to_have_text("Louiseville")
    expect(success_message(page, "The organisation was created from the register.")) \
        .to_be_visible()
    assert created.kind == Kind.LOCAL_MUNICIPALITY
    assert created.municipality.code == "51015"
    assert created.office == world["offices"]["tr"]
    audit_in_both_languages(page, assert_accessible)


def test_an_adviser_corrects_the_new_organisation_form_then_creates_a_non_profit(
    page, world, assert_accessible
):
    sign_in(page, world["users"]["adviser"], assert_accessible)
    open_directory(page)
    follow(page.get_by_role("link", name=tr(page, "New organisation")),
           "/organisations/nouvelle/")
    expect(heading(page)).to_have_text(tr(page, "New organisation"))

    def submit_a_municipality_outside_the_region():
        # 47017 is Granby, in Estrie, not in the Mauricie.
        field(page, "name").fill("Municipalité de l'essai")
        field(page, "kind").select_option(Kind.LOCAL_MUNICIPALITY)
        field(page, "region").select_option(label="04 Mauricie")
        municipality = field(page, "Municipality (geographic code)")
        municipality.fill("47017")
        submit(page, "Save")
        wait_for_path(page, "/organisations/nouvelle/")

        # The error is shown next to the field, and tied to it for screen readers.
        error = tr(page, "This municipality is not in the chosen region.")
        expect(field_box(page, municipality).get_by_text(error, exact=True)).to_be_visible()
        expect(municipality).to_have_attribute("aria-invalid", "true")
        expect(municipality).to_have_accessible_description(re.compile(re.escape(error)))
        expect(municipality).to_have_value("47017")  # the person's input is kept
        assert_accessible(page)

    assert language_of(page) == "fr-ca"
    submit_a_municipality_outside_the_region()
    switch_language(page)
    submit_a_municipality_outside_the_region()
    assert not Organisation.objects.filter(name="Municipalité de l'essai").exists()

    # A non-profit of the Mauricie: its serving office comes from its territory.
    field(page, "name").fill("Carrefour d'accueil de Louiseville")
    field(page, "kind").select_option(Kind.NON_PROFIT)
    field(page, "kind of non-profit").select_option("settlement")
    field(page, "region").select_option(label="04 Mauricie")
    field(page, "Municipality (geographic code)").fill("")
    field(page, "general email").fill("accueil@carrefour-louiseville.example")
    submit(page, "Save")
    created = wait_for_organisation_page(page)
    expect(heading(page)).to_have_text("Carrefour d'accueil de Louiseville")
    expect(success_message(page, "The organisation was created.")).to_be_visible()
    assert (created.kind, created.non_profit_kind) == (Kind.NON_PROFIT, "settlement")
    assert created.region.name == "Mauricie"
    assert created.office == world["offices"]["tr"]
    audit_in_both_languages(page, assert_accessible)


def test_an_adviser_adds_a_contact_then_edits_it(page, world, assert_accessible):
    organisation = world["orgs"]["tr"]
    sign_in(page, world["users"]["adviser"], assert_accessible)
    open_organisation(page, organisation)

    follow(page.get_by_role("link", name=tr(page, "Add a contact")),
           f"/organisations/{organisation.pk}/contacts/nouveau/")
    expect(heading(page)).to_have_text(tr(page, "New contact"))
    audit_in_both_languages(page, assert_accessible)
    field(page, "first name").fill("Amélie")
    field(page, "last name").fill("Tremblay")
    field(page, "title").fill("Coordonnatrice")
    field(page, "email").fill("amelie.tremblay@organisme.example")
    field(page, "phone").fill("819 555-0142")
    field(page, "main contact").check()
    submit(page, "Save")
    wait_for_path(page, f"/organisations/{organisation.pk}/")
    expect(success_message(page, "The contact was saved.")).to_be_visible()
    row = contact_row(page, "Amélie Tremblay")
    expect(row).to_contain_text(tr(page, "main contact"))
    expect(row).to_contain_text("Coordonnatrice")
    contact = Contact.objects.get(organisation=organisation, last_name="Tremblay")
    assert contact.is_primary

    # "Edit" is named after the person for screen readers: “Modifier Amélie Tremblay”.
    follow(row.get_by_role("link", name=f"{tr(page, 'Edit')} Amélie Tremblay"),
           f"/organisations/{organisation.pk}/contacts/{contact.pk}/")
    expect(heading(page)).to_have_text(tr(page, "Edit contact"))
    expect(field(page, "first name")).to_have_value("Amélie")
    audit_in_both_languages(page, assert_accessible)
    field(page, "title").fill("Directrice générale")
    submit(page, "Save")
    wait_for_path(page, f"/organisations/{organisation.pk}/")
    expect(contact_row(page, "Amélie Tremblay")).to_contain_text("Directrice générale")
    contact.refresh_from_db()
    assert contact.title == "Directrice générale"


# --- Invitations ------------------------------------------------------------------------------


def test_an_invited_partner_creates_their_account_and_signs_in(
    page, new_page, world, mailoutbox, assert_accessible
):
    organisation = world["orgs"]["tr"]
    email = "nouvelle.partenaire@organisme.example"
    sign_in(page, world["users"]["adviser"], assert_accessible)
    open_organisation(page, organisation)

    follow(page.get_by_role("link", name=tr(page, "Invite a partner user")),
           f"/organisations/{organisation.pk}/invitations/nouvelle/")
    expect(heading(page)).to_have_text(tr(page, "Invite a partner user"))
    audit_in_both_languages(page, assert_accessible)
    field(page, "Email address of the person to invite").fill(email)
    submit(page, "Send the invitation")
    wait_for_path(page, f"/organisations/{organisation.pk}/")
    expect(page.get_by_role("status")).to_contain_text(email)
    invitations = page.get_by_role("table", name=tr(page, "Invitations"))
    expect(invitations.get_by_role("row").filter(has_text=email)).to_have_count(1)

    # The Celery task ran once the invitation was committed: one email, with the secret link.
    assert [message.to for message in mailoutbox] == [[email]]
    links = set(re.findall(r"https?://\S+/organisations/invitations/\S+/", mailoutbox[0].body))
    assert len(links) == 1, mailoutbox[0].body
    link = urlparse(links.pop())

    # The invited person, on their own computer (no session), opens the link.
    partner_page = new_page()
    partner_page.goto(link.path)
    expect(heading(partner_page)).to_have_text(tr(partner_page, "Accept the invitation"))
    expect(partner_page.get_by_role("main")).to_contain_text(organisation.name)
    audit_in_both_languages(partner_page, assert_accessible)
    field(partner_page, "First name").fill("Nadia")
    field(partner_page, "Last name").fill("Bouchard")
    field(partner_page, "Password").fill(TEST_PASSWORD)
    field(partner_page, "Password (again)").fill(TEST_PASSWORD)
    submit(partner_page, "Create my account")

    # The login page says the account is ready.
    wait_for_path(partner_page, "/accounts/login/")
    expect(partner_page.get_by_role("status")).to_contain_text(
        tr(partner_page, "Your account is ready. Sign in with your email address and the "
                         "password you chose."))
    audit_in_both_languages(partner_page, assert_accessible)
    assert Invitation.objects.get(email=email).accepted_at is not None

    login_form = partner_page.locator("form[action^='/accounts/login/']")
    login_form.locator("input[name=login]").fill(email)
    login_form.locator("input[name=password]").fill(TEST_PASSWORD)
    with partner_page.expect_navigation():
        login_form.locator("button[type=submit]").click()
    wait_for_path(partner_page, "/")
    expect(heading(partner_page)).to_have_text(tr(partner_page, "My organisation"))
    expect(partner_page.get_by_role("heading", level=2, name=organisation.name)).to_be_visible()


# --- Staff enrolment in MFA -------------------------------------------------------------------


def test_staff_without_an_authenticator_app_confirm_their_password_then_activate_one(
    page, world, assert_accessible
):
    user = StaffFactory(role="adviser", mfa=False, offices=[office("trois-rivieres")])
    page.goto("/")
    wait_for_path(page, "/accounts/login/")
    login_form = page.locator("form[action^='/accounts/login/']")
    login_form.locator("input[name=login]").fill(user.email)
    login_form.locator("input[name=password]").fill(TEST_PASSWORD)
    with page.expect_navigation():
        login_form.locator("button[type=submit]").click()

    # Activating an authenticator is a sensitive change: allauth first asks for the password.
    wait_for_path(page, "/accounts/reauthenticate/")
    audit_in_both_languages(page, assert_accessible)
    reauthenticate = page.locator("form[action^='/accounts/reauthenticate/']")
    reauthenticate.locator("input[name=password]").fill(TEST_PASSWORD)
    with page.expect_navigation():
        reauthenticate.locator("button[type=submit]").click()

    wait_for_path(page, "/accounts/2fa/totp/activate/")
    audit_in_both_languages(page, assert_accessible)

    # The adviser scans the code (or types the secret) into their app and enters its code.
    secret = page.get_by_label(tr(page, "Authenticator secret")).input_value()
    page.get_by_label(re.compile(rf"^{re.escape(tr(page, 'Authenticator code'))}")) \
        .fill(current_totp_code(secret))
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name=tr(page, "Activate")).click()
    # allauth then shows the recovery codes to keep, should the phone be lost.
    wait_for_path(page, "/accounts/2fa/recovery-codes/")
    audit_in_both_languages(page, assert_accessible)
    page.goto("/")
    expect(heading(page)).to_have_text(tr(page, "My territory"))


# --- Refusals and help --------------------------------------------------------------------------


def test_not_found_access_denied_and_password_reset_pages_are_accessible(
    page, new_page, world, assert_accessible
):
    # A partner user typing the address of another organisation's file: "page not found".
    partner, elsewhere = world["users"]["partner"], world["orgs"]["gat"]
    sign_in(page, partner, assert_accessible)
    response = page.goto(f"/organisations/{elsewhere.pk}/")
    assert response.status == 404
    expect(heading(page)).to_have_text(tr(page, "Page not found"))
    expect(page.get_by_text(elsewhere.name)).to_have_count(0)
    audit_in_both_languages(page, assert_accessible)

    # ... or the address of the ministry's form for new organisations: "access denied".
    response = page.goto("/organisations/nouvelle/")
    assert response.status == 403
    expect(heading(page)).to_have_text(tr(page, "Access denied"))
    audit_in_both_languages(page, assert_accessible)

    # Anyone can ask for a new password from the login page.
    visitor = new_page()
    visitor.goto("/accounts/login/")
    follow(visitor.get_by_role("link", name=tr(visitor, "Forgot your password?")),
           "/accounts/password/reset/")
    expect(heading(visitor)).to_have_text(tr(visitor, "Password Reset"))
    expect(visitor.get_by_role("main").get_by_role("textbox")).to_have_count(1)
    audit_in_both_languages(visitor, assert_accessible)
