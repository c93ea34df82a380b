"""htmx keeps the keyboard user's place and speaks (issue 17, item 4).

Each form and filter that htmx answers in place is used as a person would, and then:

- focus is not lost to ``<body>``: it is where the person can go on (the control that changed
  a filter, the note box again after a note, the save button after counts, the results'
  heading after a pagination link, the search box after a search);
- the live region (``role="status"``) that announces the result is the very node that was in
  the page before (screen readers announce a change of a region they already know, not a
  region that appears), and its text now says the new result.

Every page state reached is checked with axe-core against WCAG 2.2 AA.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from enterprises.models import Case, Priority
from programs.models import ActionPlan
from regionalisation.models import Opportunity, OpportunityFollow, OpportunityReferral
from tests.browser.test_action_plans import labelled
from tests.browser.test_journeys import (
    follow,
    heading,
    language_of,
    main_menu,
    sign_in,
    tr,
)
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.programs import ActionPlanFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.browser

CASE_LIST_PATH = "/entreprises/dossiers/"
BOARD_PATH = "/regionalisation/tableau/"
PARTNER = "Carrefour d’accueil Laviolette"


# --- What the tests check after each swap ------------------------------------------------------


class LiveRegion:
    """A live region of the page, held by its DOM node: after a swap, it must be the same
    node, still in the page, still a ``role="status"`` region."""

    def __init__(self, page, selector):
        self.page, self.selector = page, selector
        self.locator = page.locator(selector)
        expect(self.locator).to_have_attribute("role", "status")
        self.node = self.locator.element_handle()

    def expect_text(self, text):
        """The same node announces ``text`` (a string or a pattern)."""
        expect(self.locator).to_have_text(text)
        assert self.page.evaluate(
            "([node, selector]) => node.isConnected"
            " && node === document.querySelector(selector)"
            " && node.getAttribute('role') === 'status'",
            [self.node, self.selector],
        ), f"the live region {self.selector} was replaced by the swap: it must outlive it"


def expect_focus_on(page, locator):
    """Focus is on ``locator`` (never on <body>, which a swap leaves it on when it removes the
    focused element)."""
    expect(locator).to_be_focused()
    assert page.evaluate("() => document.activeElement !== document.body")


def cases(page, number):
    """“3 dossiers”, “1 case”: the case list's count in the page's language."""
    with translation.override(language_of(page)):
        return translation.ngettext("%(counter)s case", "%(counter)s cases",
                                    number) % {"counter": number}


def htmx_answer(page, method, path_end):
    """Wait for htmx's answer to a ``method`` request whose path ends with ``path_end``."""
    return page.expect_response(lambda response: response.request.method == method
                                and response.request.headers.get("hx-request") == "true"
                                and response.url.split("?")[0].endswith(path_end))


# --- Case page and case list (an adviser) ------------------------------------------------------


def test_an_adviser_keeps_focus_and_hears_results_on_the_case_list_and_page(
    new_page, assert_accessible, settings
):
    settings.CASE_LIST_PAGE_SIZE = 2
    trois_rivieres = office("trois-rivieres")
    adviser = StaffFactory(role="adviser", offices=[trois_rivieres])
    enterprise = EnterpriseFactory(organisation__name="Fonderie Laviolette inc.",
                                   organisation__office=trois_rivieres,
                                   organisation__region=trois_rivieres.region).organisation
    today = timezone.localdate()
    case = CaseFactory(organisation=enterprise, priority=Priority.HIGH,
                       subject="Accueillir deux soudeurs")
    for days in (1, 2):
        CaseFactory(organisation=enterprise, priority=Priority.NORMAL,
                    opened_at=timezone.now() - timedelta(days=days),
                    next_follow_up=today + timedelta(days=days + 2))
    OrganisationFactory(name=PARTNER)

    page = new_page()
    sign_in(page, adviser, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Support cases")), CASE_LIST_PATH)
    results = page.locator("#results")
    count = LiveRegion(page, "#results-count")
    count.expect_text(cases(page, 3))
    assert_accessible(page)

    # A pagination link: htmx shows the next page in place; focus goes to the results'
    # heading, which says which page this is; the count stays the same region.
    with htmx_answer(page, "GET", CASE_LIST_PATH):
        results.get_by_role("link", name=tr(page, "Next page"), exact=True).click()
    page.wait_for_url(re.compile(r"[?&]page=2"))
    title = page.locator("#results-title")
    expect_focus_on(page, title)
    expect(title).to_have_text(
        f"{tr(page, 'Results')} — " + tr(page, "page %(number)s of %(total)s")
        % {"number": 2, "total": 2})
    count.expect_text(cases(page, 3))
    expect(results.get_by_role("rowheader")).to_have_count(1)
    assert_accessible(page)

    # A filter: the results change, focus stays on the filter, the count says the new number.
    priority = labelled(page, page, "Priority")
    priority.focus()  # as a keyboard user reaches it (Playwright's choice does not focus)
    with htmx_answer(page, "GET", CASE_LIST_PATH):
        priority.select_option(Priority.HIGH)
    expect_focus_on(page, priority)
    count.expect_text(cases(page, 1))
    expect(results.get_by_role("rowheader")).to_have_count(1)
    expect(results).to_contain_text("Accueillir deux soudeurs")
    assert_accessible(page)

    # A column's sort link: the list is sorted in place, focus comes back to the same link,
    # which now says how the column is sorted; the count stays the same region.
    priority.select_option("")
    count.expect_text(cases(page, 3))
    opened = page.locator("#sort-opened")
    opened.focus()
    with htmx_answer(page, "GET", CASE_LIST_PATH):
        opened.press("Enter")
    page.wait_for_url(re.compile(r"[?&]ordering=-?opened"))
    expect_focus_on(page, page.locator("#sort-opened"))
    expect(page.locator("th[aria-sort]")).to_have_count(1)
    count.expect_text(cases(page, 3))
    assert_accessible(page)

    # The case's page: a note, sent in place.
    page.goto(f"/entreprises/dossiers/{case.pk}/")
    expect(heading(page)).to_contain_text("Accueillir deux soudeurs")
    notes = page.get_by_role("region", name=tr(page, "Notes"), exact=True)
    status = LiveRegion(page, "#notes-status")
    status.expect_text("")
    box = labelled(notes, page, "Your note")
    box.fill("Appel fait : l’entreprise attend deux soudeurs en janvier.")
    with htmx_answer(page, "POST", f"/entreprises/dossiers/{case.pk}/notes/"):
        notes.get_by_role("button", name=tr(page, "Add the note"), exact=True).click()
    status.expect_text(tr(page, "The note was added."))
    expect(notes.locator(".comment__body")).to_contain_text(["deux soudeurs en janvier"])
    box = labelled(notes, page, "Your note")
    expect_focus_on(page, box)  # the note box again, empty, for the next note
    expect(box).to_have_value("")
    assert case.notes.count() == 1
    assert_accessible(page)

    # A second note: the same region announces again.
    box.fill("Rappel prévu la semaine prochaine.")
    # Blank the region, so that the test sees the answer write the same words into it again.
    status.node.evaluate("node => { node.textContent = ''; }")
    with htmx_answer(page, "POST", f"/entreprises/dossiers/{case.pk}/notes/"):
        notes.get_by_role("button", name=tr(page, "Add the note"), exact=True).click()
    status.expect_text(tr(page, "The note was added."))
    expect_focus_on(page, labelled(notes, page, "Your note"))
    assert Case.objects.get(pk=case.pk).notes.count() == 2

    # The referral form's partner search: results in place, focus stays in the search box,
    # the search's status says what was found.
    search = page.locator("#id_partenaire")
    found = LiveRegion(page, "#referral-partners-status")
    with htmx_answer(page, "GET", "/aiguillages/partenaires/"):
        search.fill("laviolette carrefour")
    expect_focus_on(page, search)
    found.expect_text(
        tr(page, "Partners for “%(q)s”: %(count)s. Choose one.")
        % {"q": "laviolette carrefour", "count": 1})
    expect(page.get_by_role("radio", name=PARTNER, exact=True)).to_be_visible()
    # ... and with its button.
    search.fill("introuvable")
    button = page.get_by_role("button", name=tr(page, "Search"), exact=True)
    with htmx_answer(page, "GET", "/aiguillages/partenaires/"):
        button.click()
    expect_focus_on(page, button)
    found.expect_text(tr(page, "No partner of your territory matches “%(q)s”.")
                      % {"q": "introuvable"})
    assert_accessible(page)


# --- A plan's comments (the partner) -----------------------------------------------------------


def test_a_partner_keeps_focus_and_hears_that_a_plan_comment_was_added(
    new_page, assert_accessible
):
    plan = ActionPlanFactory(title="Plan d’accueil de Laviolette")
    partner = PartnerUserFactory(organisation=plan.organisation)

    page = new_page()
    sign_in(page, partner, assert_accessible)
    page.goto(reverse("programs:plan_detail", args=[plan.pk]))
    comments = page.get_by_role("region", name=tr(page, "Comments"), exact=True)
    status = LiveRegion(page, "#comments-status")
    status.expect_text("")
    labelled(comments, page, "Your message").fill("Pouvez-vous relire la mesure 2 ?")
    with htmx_answer(page, "POST", f"/{plan.pk}/commentaires/"):
        comments.get_by_role("button", name=tr(page, "Send the message"), exact=True).click()
    status.expect_text(tr(page, "Your message was added to the thread."))
    expect(comments.locator(".comment__body")).to_have_text(["Pouvez-vous relire la mesure 2 ?"])
    box = labelled(comments, page, "Your message")
    expect_focus_on(page, box)
    expect(box).to_have_value("")
    assert ActionPlan.objects.get(pk=plan.pk).comments.count() == 1
    assert_accessible(page)


# --- The opportunity board and its referral counts (a Montréal organisation) -----------------


def test_a_regionalisation_organisation_keeps_focus_on_the_board_and_its_counts(
    new_page, assert_accessible, settings
):
    settings.OPPORTUNITY_BOARD_PAGE_SIZE = 1
    opportunity = OpportunityFactory(published=True, title="Machiniste — Trois-Rivières")
    OpportunityFactory(published=True, title="Soudeur — Trois-Rivières",
                       expires_on=timezone.localdate() + timedelta(days=20))
    OpportunityFactory(published=True, title="Opérateur — Gatineau",
                       municipality=municipality("81017"),
                       expires_on=timezone.localdate() + timedelta(days=10))
    organisation = regionalisation_organisation()
    referrer = PartnerUserFactory(organisation=organisation)

    page = new_page()
    sign_in(page, referrer, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Opportunity board")), BOARD_PATH)
    results = page.locator("#results")
    count = LiveRegion(page, "#board-count")
    count.expect_text(tr(page, "Opportunities found: %(number)s") % {"number": 3})

    # A pagination link: in place, focus on the results' heading.
    with htmx_answer(page, "GET", BOARD_PATH):
        results.get_by_role("link", name=tr(page, "Next page"), exact=True).click()
    page.wait_for_url(re.compile(r"[?&]page=2"))
    title = page.locator("#results-title")
    expect_focus_on(page, title)
    expect(title).to_have_text(
        f"{tr(page, 'Results')} — " + tr(page, "page %(number)s of %(total)s")
        % {"number": 2, "total": 3})
    count.expect_text(tr(page, "Opportunities found: %(number)s") % {"number": 3})
    assert_accessible(page)

    # A filter: focus stays on it, the count says the new number.
    region = labelled(page, page, "Region")
    region.focus()
    with htmx_answer(page, "GET", BOARD_PATH):
        region.select_option("04")
    expect_focus_on(page, region)
    count.expect_text(tr(page, "Opportunities found: %(number)s") % {"number": 2})
    expect(results).not_to_contain_text("Gatineau")
    assert_accessible(page)

    # Following the opportunity of the row shown: the button changes in place and keeps the
    # focus; the row's status says what happened.
    shown = results.get_by_role("rowheader").get_by_role("link").inner_text()
    followed = Opportunity.objects.get(title=shown)
    button = results.get_by_role("button", name=f"{tr(page, 'Follow')} — {shown}", exact=True)
    said = LiveRegion(page, f"#follow-status-{followed.pk}")
    said.expect_text("")
    with htmx_answer(page, "POST", f"/{followed.pk}/suivre/"):
        button.click()
    said.expect_text(tr(page, "You follow this opportunity: you will be told when it is "
                              "filled, withdrawn or expires."))
    expect_focus_on(page, results.get_by_role(
        "button", name=f"{tr(page, 'Stop following')} — {shown}", exact=True))
    assert OpportunityFollow.objects.filter(opportunity=followed, user=referrer).exists()
    assert_accessible(page)

    # The referral counts, saved in place: focus stays on the save button, the status says so.
    page.goto(f"/regionalisation/offres/{opportunity.pk}/")
    saved = LiveRegion(page, "#referral-status")
    saved.expect_text("")
    form = page.locator("#referral-form")
    labelled(form, page, "Candidates presented").fill("3")
    labelled(form, page, "Interviews").fill("2")
    labelled(form, page, "Hires").fill("1")
    with htmx_answer(page, "POST", "/references/"):
        form.get_by_role("button", name=tr(page, "Save the counts"), exact=True).click()
    saved.expect_text(tr(page, "Your organisation's counts were saved."))
    expect_focus_on(page, page.get_by_role("button", name=tr(page, "Save the counts"),
                                           exact=True))
    assert OpportunityReferral.objects.get(opportunity=opportunity).hires == 1
    assert_accessible(page)

    # Counts that do not add up: the answer's form has the error, and focus goes to the field
    # in error, not to <body> nor the button.
    form = page.locator("#referral-form")
    labelled(form, page, "Hires").fill("5")
    with htmx_answer(page, "POST", "/references/"):
        form.get_by_role("button", name=tr(page, "Save the counts"), exact=True).click()
    expect(page.locator("#referral-form").get_by_role("alert")).to_be_visible()
    saved.expect_text("")
    hires = labelled(page.locator("#referral-form"), page, "Hires")
    expect(hires).to_have_attribute("aria-invalid", "true")
    expect_focus_on(page, hires)
    assert OpportunityReferral.objects.get(opportunity=opportunity).hires == 1
    assert_accessible(page)


# --- A new support request's « Add a position » (an enterprise) --------------------------------


def test_an_enterprise_lands_in_the_position_it_just_added(new_page, assert_accessible):
    enterprise = EnterpriseFactory(organisation__name="Fonderie Laviolette inc.").organisation
    person = PartnerUserFactory(organisation=enterprise)

    page = new_page()
    sign_in(page, person, assert_accessible)
    page.goto(reverse("enterprises:case_create"))
    add = page.get_by_role("button", name=tr(page, "Add a position"), exact=True)
    rows = page.locator("#position-rows > fieldset")
    shown = rows.count()
    for number in (shown + 1, shown + 2):  # twice: focus moves on to the newest row only
        add.focus()
        with htmx_answer(page, "GET", reverse("enterprises:case_create")):
            add.press("Enter")
        expect(rows).to_have_count(number)
        added = page.get_by_role("group", name=tr(page, "Position %(number)s")
                                 % {"number": number}, exact=True)
        # Focus is in the new row, on its first field, not left on the button below it.
        expect_focus_on(page, labelled(added, page, "Number of positions"))
    assert_accessible(page)
