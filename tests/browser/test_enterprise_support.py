"""An enterprise's request for recruitment help, from its registration to the closed case, in
a real browser, each person in a browser of their own: a person registers their enterprise
from the login page, confirms their email address with the link they receive, signs in and
asks for help to recruit welders; the case goes to the office serving the enterprise; an
adviser of that office takes it, records the first contact, writes an internal note and a
note shared with the enterprise, refers the enterprise to Emploi-Québec and closes the case;
the enterprise then reads the shared note, never the internal one, and sees its request
closed.

Every page visited is checked with axe-core against WCAG 2.2 AA; the registration form, the
case list and the adviser's case page are checked in French and in English. Text is looked
up with ``tr``, so the test reads the portal in whichever language the page shows.
"""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from accounts.models import User
from antennes.services import office_for_location
from enterprises.models import Case, CaseNote, CaseStatus, Enterprise, Outcome, ReferralTarget
from regions.models import Municipality
from tests.browser.test_action_plans import labelled, move_form, press
from tests.browser.test_journeys import (
    audit_in_both_languages,
    follow,
    heading,
    language_of,
    main_menu,
    sign_in,
    tr,
    wait_for_path,
)
from tests.factories.accounts import TEST_PASSWORD, StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import valid_neq

pytestmark = pytest.mark.browser

EMAIL = "recrutement@soudures-saint-maurice.example"
ENTERPRISE_NAME = "Soudures Saint-Maurice inc."
NEQ = valid_neq(4_815_162)
#: Shawinigan, in the Mauricie: served by the Shawinigan office (not Trois-Rivières).
MUNICIPALITY_CODE = "36033"
SUBJECT = "Recruter trois soudeurs"
NEEDS = "Nous cherchons trois soudeurs pour notre nouvelle ligne de production."
JOB_TITLE = "Soudeur-monteur ou soudeuse-monteuse"
INTERNAL_NOTE = "Note interne confidentielle"
SHARED_NOTE = "Note partagée avec l’entreprise"
EMPLOI_QUEBEC = "Emploi-Québec / Services Québec"  # a referral target, as labelled

CASE_PATH = re.compile(r"^/entreprises/dossiers/(\d+)/$")


# --- What a person sees and does -------------------------------------------------------------


def expect_status(page, status):
    """The case's page shows the case in ``status`` (a msgid), in words."""
    expect(page.locator("p.case-status")).to_contain_text(
        f"{tr(page, 'Status:')} {tr(page, status)}")


def shown_date(page, day):
    """``day`` as the page shows it (“12 juin 2026”, “12 June 2026”)."""
    with translation.override(language_of(page)):
        return formats.date_format(day, "j F Y")


def detail(page, term):
    """The value the case's “The request” list gives for ``term`` (a msgid)."""
    label = re.compile(rf"^\s*{re.escape(tr(page, term))}\s*$")
    return page.locator("dl.details dt").filter(has_text=label).locator(
        "xpath=following-sibling::dd[1]")


def notes(page):
    return page.get_by_role("region", name=tr(page, "Notes"), exact=True)


def unassigned(page):
    """The adviser's list of the cases nobody took in their offices (its title has a count)."""
    title = re.escape(tr(page, "Unassigned in my offices"))
    # The section's name ends with its count; its table's scroll region has the title alone.
    return page.get_by_role("region", name=re.compile(rf"^{title} \(\d+\)$"))


def add_note(page, text, internal):
    """Write a note on the case's page; the thread updates in place (htmx), without a page."""
    thread = notes(page)
    labelled(thread, page, "Your note").fill(text)
    checkbox = thread.get_by_role("checkbox", name=tr(
        page, "Internal note — ministry only (untick to share it with the enterprise)"))
    expect(checkbox).to_be_checked()  # a note is internal unless the adviser says otherwise
    if not internal:
        checkbox.uncheck()
    thread.get_by_role("button", name=tr(page, "Add the note"), exact=True).click()
    label = "Internal — ministry only" if internal else "Shared with the enterprise"
    added = notes(page).get_by_role("listitem").filter(has_text=text)
    expect(added).to_contain_text(tr(page, label))
    expect(notes(page).get_by_text(tr(page, "The note was added."))).to_be_visible()


def fill_registration(page, neq):
    form = page.get_by_role("main").locator("form.register-form")
    you = form.get_by_role("group", name=tr(page, "You"), exact=True)
    labelled(you, page, "First name").fill("Chantal")
    labelled(you, page, "Last name").fill("Lemire")
    labelled(you, page, "Email address").fill(EMAIL)
    labelled(you, page, "Password").fill(TEST_PASSWORD)
    labelled(you, page, "Password (again)").fill(TEST_PASSWORD)
    enterprise = form.get_by_role("group", name=tr(page, "Your enterprise"), exact=True)
    labelled(enterprise, page, "NEQ").fill(neq)
    labelled(enterprise, page, "Legal name").fill(ENTERPRISE_NAME)
    labelled(enterprise, page, "Legal form").select_option("corporation")
    enterprise.get_by_role("radio", name=tr(page, "For-profit"), exact=True).check()
    labelled(enterprise, page, "Sector (NAICS)").select_option("31-33")
    labelled(enterprise, page, "NAICS code").fill("332319")
    labelled(enterprise, page, "Number of employees").select_option("20-49")
    labelled(enterprise, page, "Municipality").fill(f"Shawinigan ({MUNICIPALITY_CODE})")
    labelled(enterprise, page, "Address").fill("1250, avenue de la Station")
    labelled(enterprise, page, "Phone").fill("819 555-0142")


def confirmation_path():
    """The path of the link in the email the new account received."""
    sent = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(sent) == 1, f"one confirmation email expected, got {len(sent)}"
    link = re.search(r"https?://\S+?(/accounts/confirm-email/\S+/)", sent[0].body)
    assert link, sent[0].body
    return link.group(1)


# --- The journey -----------------------------------------------------------------------------


def test_an_enterprise_registers_asks_for_recruitment_help_and_sees_only_shared_notes(
    new_page, assert_accessible
):
    shawinigan = Municipality.objects.select_related("region", "mrc").get(
        code=MUNICIPALITY_CODE)
    serving = office_for_location(region=shawinigan.region, municipality=shawinigan)
    assert serving == office("shawinigan")
    adviser = StaffFactory(role="adviser", offices=[serving], first_name="Marc",
                           last_name="Bellerive")
    follow_up_on = timezone.localdate() + timedelta(days=14)

    # --- A person registers their enterprise from the login page ------------------------------
    enterprise_page = new_page()
    page = enterprise_page
    page.goto("/")
    wait_for_path(page, "/accounts/login/")
    audit_in_both_languages(page, assert_accessible)
    follow(page.get_by_role("link", name=tr(page, "Register your enterprise"), exact=True),
           "/entreprises/inscription/")
    expect(heading(page)).to_have_text(tr(page, "Register your enterprise"))
    audit_in_both_languages(page, assert_accessible)

    # An NEQ with an unknown prefix is refused, with the message tied to its field.
    fill_registration(page, "9912345678")
    press(page, "Register")
    wait_for_path(page, "/entreprises/inscription/")
    expect(page.get_by_role("alert").first).to_contain_text(
        tr(page, "The form has errors: see the messages beside the fields."))
    neq_input = labelled(page, page, "NEQ")
    expect(neq_input).to_have_attribute("aria-invalid", "true")
    described_by = neq_input.get_attribute("aria-describedby") or ""
    assert "id_neq_error" in described_by.split()
    expect(page.locator("#id_neq_error")).to_be_visible()
    assert not User.objects.filter(email=EMAIL).exists()
    assert not Enterprise.objects.filter(organisation__name=ENTERPRISE_NAME).exists()
    assert_accessible(page)

    fill_registration(page, NEQ)
    press(page, "Register")
    wait_for_path(page, "/entreprises/inscription/")
    expect(heading(page)).to_have_text(tr(page, "Check your email"))
    expect(page.get_by_role("main")).to_contain_text(EMAIL)
    assert_accessible(page)
    enterprise = Enterprise.objects.select_related("organisation__office").get(neq=NEQ)
    organisation = enterprise.organisation
    assert organisation.name == ENTERPRISE_NAME
    assert organisation.municipality == shawinigan
    assert organisation.office == serving

    # The link of the email confirms the address; then the person signs in.
    page.goto(confirmation_path())
    expect(heading(page)).to_have_text(tr(page, "Confirm Email Address"))
    assert_accessible(page)
    press(page, "Confirm")
    wait_for_path(page, "/accounts/login/")
    assert_accessible(page)
    login_form = page.locator("form[action^='/accounts/login/']")
    login_form.locator("input[name=login]").fill(EMAIL)
    login_form.locator("input[name=password]").fill(TEST_PASSWORD)
    with page.expect_navigation():
        login_form.locator("button[type=submit]").click()
    wait_for_path(page, "/")
    expect(page.get_by_role("heading", level=2, name=ENTERPRISE_NAME)).to_be_visible()
    assert_accessible(page)
    # Its home leads with asking for help, and offers nothing of action plans.
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=2).first).to_have_text(tr(page, "Ask for help"))
    expect(main.get_by_role("link", name=tr(page, "Ask for help"), exact=True)).to_have_attribute(
        "href", "/entreprises/demandes/nouvelle/")
    expect(main_menu(page).get_by_role("link", name=tr(page, "My action plans"))).to_have_count(0)
    expect(main_menu(page).get_by_role("link", name=tr(page, "Reports"))).to_have_count(0)

    # --- It asks for help to recruit -------------------------------------------------------
    follow(main_menu(page).get_by_role("link", name=tr(page, "Support cases")),
           "/entreprises/dossiers/")
    expect(heading(page)).to_have_text(tr(page, "My support requests"))
    expect(page.get_by_role("table")).to_contain_text(
        tr(page, "You have not asked for support yet."))
    assert_accessible(page)
    follow(page.get_by_role("link", name=tr(page, "New request"), exact=True),
           "/entreprises/demandes/nouvelle/")
    expect(heading(page)).to_have_text(tr(page, "Ask for support"))
    expect(page.get_by_role("main")).to_contain_text(serving.city)
    audit_in_both_languages(page, assert_accessible)

    page.get_by_role("checkbox", name=tr(page, "Accompaniment"), exact=True).check()
    page.get_by_role("checkbox", name=tr(page, "Recruit"), exact=True).check()
    labelled(page, page, "Subject").fill(SUBJECT)
    labelled(page, page, "Describe your needs").fill(NEEDS)
    position = page.get_by_role("group", name=tr(page, "Position %(number)s") % {"number": 1},
                                exact=True)
    labelled(position, page, "Number of positions").fill("3")
    labelled(position, page, "Job title").fill(JOB_TITLE)
    labelled(position, page, "NOC code (optional)").fill("72106")
    labelled(position, page, "Municipality of work").fill(f"Shawinigan ({MUNICIPALITY_CODE})")
    labelled(position, page, "French level required").select_option("intermediate")
    press(page, "Send the request")
    page.wait_for_url(lambda url: CASE_PATH.match(urlparse(url).path))
    case = Case.objects.select_related("office").get(organisation=organisation)
    case_path = f"/entreprises/dossiers/{case.pk}/"
    wait_for_path(page, case_path)

    # It went to the office serving the enterprise.
    assert case.office == serving == organisation.office
    assert (case.status, case.subject, case.help_kinds, case.topics) == (
        CaseStatus.NEW, SUBJECT, ["accompaniment"], ["recruitment"])
    position_row = case.positions.get()
    assert (position_row.count, position_row.noc_code, position_row.municipality_id,
            position_row.french_level) == (3, "72106", shawinigan.pk, "intermediate")
    # The page's messages (the case page has other live regions: the notes' status).
    expect(page.locator(".messages[role=status]")).to_contain_text(
        tr(page, "Your request was sent to the office of %(office)s. Its number is "
                 "%(number)s.") % {"office": serving.city, "number": case.pk})
    expect(detail(page, "Office")).to_have_text(serving.city)
    expect_status(page, "New")
    expect(page.get_by_role("table", name=tr(page, "Positions to fill"))
           .get_by_role("row").filter(has_text=JOB_TITLE)).to_contain_text("72106")
    assert_accessible(page)

    # --- An adviser of that office takes it ----------------------------------------------------
    adviser_page = new_page()
    page = adviser_page
    sign_in(page, adviser, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Support cases")),
           "/entreprises/dossiers/")
    expect(heading(page)).to_have_text(tr(page, "Support cases"))
    expect(unassigned(page)).to_contain_text("(1)")
    expect(page.locator("#results").get_by_role("row").filter(has_text=ENTERPRISE_NAME)) \
        .to_contain_text(tr(page, "New"))
    audit_in_both_languages(page, assert_accessible)
    follow(unassigned(page).get_by_role("link", name=ENTERPRISE_NAME, exact=True), case_path)
    expect(detail(page, "Adviser")).to_have_text(tr(page, "Not assigned yet"))
    audit_in_both_languages(page, assert_accessible)

    assign = move_form(page, "Assign to an adviser")
    labelled(assign, page, "Adviser who takes the case").select_option(str(adviser.pk))
    press(page, "Assign to an adviser", scope=assign)
    wait_for_path(page, case_path)
    expect_status(page, "Assigned")
    expect(detail(page, "Adviser")).to_have_text("Marc Bellerive")
    assert_accessible(page)

    first_contact = move_form(page, "Record the first contact")
    labelled(first_contact, page, "Next follow-up").fill(follow_up_on.isoformat())
    press(page, "Record the first contact", scope=first_contact)
    wait_for_path(page, case_path)
    expect_status(page, "In progress")
    expect(page.locator("p.case-follow-up")).to_contain_text(shown_date(page, follow_up_on))
    expect(detail(page, "First contact")).not_to_have_text(tr(page, "Not yet"))
    assert_accessible(page)

    # Two notes: one for the ministry only, one the enterprise reads.
    add_note(page, INTERNAL_NOTE, internal=True)
    add_note(page, SHARED_NOTE, internal=False)
    assert_accessible(page)
    assert sorted(CaseNote.objects.filter(case=case).values_list("body", "is_internal")) == [
        (INTERNAL_NOTE, True), (SHARED_NOTE, False)]

    # The referral to Emploi-Québec.
    referrals = page.get_by_role("region", name=tr(page, "Referrals"), exact=True)
    referrals.get_by_role("radio", name=tr(page, EMPLOI_QUEBEC),
                          exact=True).check()
    press(page, "Record the referral", scope=referrals)
    wait_for_path(page, case_path)
    expect(page.get_by_role("region", name=tr(page, "Referrals"), exact=True)
           .get_by_role("rowheader")).to_have_text(tr(page, EMPLOI_QUEBEC))
    assert_accessible(page)

    # It closes the case: the enterprise was referred.
    closing = move_form(page, "Close the case")
    labelled(closing, page, "Outcome").select_option(Outcome.REFERRED.value)
    press(page, "Close the case", scope=closing)
    wait_for_path(page, case_path)
    expect_status(page, "Closed")
    expect(page.locator("p.case-status")).to_contain_text(tr(page, "Referred"))
    assert_accessible(page)
    case.refresh_from_db()
    assert (case.status, case.outcome, case.adviser) == (
        CaseStatus.CLOSED, Outcome.REFERRED, adviser)
    assert case.first_contact_at is not None and case.closed_at is not None
    assert case.referrals.get().target == ReferralTarget.EMPLOI_QUEBEC

    # --- The enterprise reads its closed request: the shared note, never the internal one ------
    page = enterprise_page
    follow(main_menu(page).get_by_role("link", name=tr(page, "Support cases")),
           "/entreprises/dossiers/")
    row = page.get_by_role("row").filter(has=page.get_by_role(
        "link", name=tr(page, "Request no. %(number)s") % {"number": case.pk}, exact=True))
    expect(row).to_contain_text(tr(page, "Closed"))
    assert_accessible(page)
    follow(row.get_by_role("link"), case_path)
    expect_status(page, "Closed")
    expect(notes(page).get_by_role("listitem").filter(has_text=SHARED_NOTE)).to_be_visible()
    expect(page.get_by_text(INTERNAL_NOTE)).to_have_count(0)
    assert INTERNAL_NOTE not in page.content()
    expect(page.get_by_role("region", name=tr(page, "Referrals"), exact=True)).to_contain_text(
        tr(page, EMPLOI_QUEBEC))
    expect(notes(page)).to_contain_text(
        tr(page, "This request is closed: you can no longer reply."))
    assert_accessible(page)

    # Nor do its notifications or emails quote the internal note.
    follow(main_menu(page).get_by_role("link", name=re.compile(
        rf"^{re.escape(tr(page, 'Notifications'))}")), "/notifications/")
    expect(page.get_by_role("main").get_by_role("link").filter(
        has_text=ENTERPRISE_NAME).first).to_be_visible()
    assert INTERNAL_NOTE not in page.content()
    assert_accessible(page)
    to_enterprise = [m for m in mail.outbox if EMAIL in m.to]
    assert len(to_enterprise) > 1  # the confirmation, then news of the case
    assert not [m for m in to_enterprise if INTERNAL_NOTE in m.body + m.subject]
