"""A regional opportunity from the employer to the hire, in a real browser, each person in a
browser of their own: an enterprise of the Mauricie publishes an opportunity in
Trois-Rivières and submits it for validation; an adviser of the Trois-Rivières office finds
it awaiting validation and validates and publishes it; a user of a Montréal regionalisation
organisation finds it on the board by region (never a draft, nor an expired opportunity),
follows it and records its referrals, counts only: 3 candidates presented, 2 interviews,
then 1 hire; the employer then sees these counts on its opportunity.

Every page visited is checked with axe-core against WCAG 2.2 AA; the form, the adviser's
list and page, the board and the organisation's view of the opportunity are checked in
French and in English. Text is looked up with ``tr``, so the test reads the portal in
whichever language the page shows.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from regionalisation.models import (
    Opportunity,
    OpportunityFollow,
    OpportunityReferral,
    OpportunityStatus,
)
from tests.browser.test_action_plans import labelled, make_move, move_form, press
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
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.browser

EMPLOYER = "Usinage Laviolette inc."
ORGANISATION = "Accueil Régions Montréal"
TITLE = "Machiniste ou machiniste-outilleuse"
NOC_CODE = "72100"
#: Trois-Rivières, in the Mauricie (04): served by the Trois-Rivières office.
TROIS_RIVIERES = "37067"
MAURICIE = "04"
#: Opportunities that must not be on the Mauricie board, or not on the board at all.
ELSEWHERE = "Opérateur ou opératrice de machinerie — Gatineau"
DRAFT = "Brouillon d’une autre entreprise"
EXPIRED = "Offre expirée"
EXPIRED_YESTERDAY = "Offre arrivée à échéance hier"

LIST_PATH = "/regionalisation/offres/"
CREATE_PATH = "/regionalisation/offres/nouvelle/"
BOARD_PATH = "/regionalisation/tableau/"


# --- What a person sees and does -------------------------------------------------------------


def status_label(page, status):
    """The label of an opportunity status in the page's language (it has a context)."""
    with translation.override(language_of(page)):
        return str(OpportunityStatus(status).label)


def expect_status(page, status):
    expect(page.locator("strong.opportunity-status")).to_have_text(status_label(page, status))


def detail_path(opportunity):
    return f"/regionalisation/offres/{opportunity.pk}/"


def results(page):
    return page.locator("#results")


def row_of(page, title):
    """The table row of the opportunity ``title`` in the list or the board's results."""
    return results(page).get_by_role("row").filter(
        has=page.get_by_role("link", name=title, exact=True))


def referrals(page):
    return page.get_by_role("region", name=tr(page, "Referrals to this opportunity"))


def record_counts(page, candidates, interviews, hires):
    """Record the organisation's counts; htmx answers in place, without a new page."""
    form = page.locator("#referral-form")
    labelled(form, page, "Candidates presented").fill(str(candidates))
    labelled(form, page, "Interviews").fill(str(interviews))
    labelled(form, page, "Hires").fill(str(hires))
    with page.expect_response(lambda response: response.request.method == "POST"
                              and urlparse(response.url).path.endswith("/references/")) as sent:
        form.get_by_role("button", name=tr(page, "Save the counts"), exact=True).click()
    assert sent.value.ok
    expect(page.locator("#referral-status")).to_have_text(
        tr(page, "Your organisation's counts were saved."))
    form = page.locator("#referral-form")  # the form htmx put back, with the counts saved
    expect(labelled(form, page, "Candidates presented")).to_have_value(str(candidates))
    expect(labelled(form, page, "Hires")).to_have_value(str(hires))
    expect(form.get_by_role("alert")).to_have_count(0)


# --- The journey -----------------------------------------------------------------------------


def test_an_employer_publishes_an_opportunity_and_sees_the_referrals_of_a_montreal_organisation(
    new_page, assert_accessible
):
    trois_rivieres = municipality(TROIS_RIVIERES)
    serving = office("trois-rivieres")
    enterprise = EnterpriseFactory(organisation__name=EMPLOYER).organisation
    assert enterprise.office == serving
    employer = PartnerUserFactory(organisation=enterprise, first_name="Hélène",
                                  last_name="Laviolette")
    adviser = StaffFactory(role="adviser", offices=[serving], first_name="Julie",
                           last_name="Carignan")
    organisation = regionalisation_organisation(name=ORGANISATION)
    assert organisation.office == office("montreal")
    referrer = PartnerUserFactory(organisation=organisation)
    # What the board must not show the organisation (or not once filtered on the Mauricie).
    OpportunityFactory(published=True, title=ELSEWHERE, municipality=municipality("81017"),
                       office=office("gatineau"))
    OpportunityFactory(title=DRAFT)
    OpportunityFactory(expired=True, title=EXPIRED)
    OpportunityFactory(published=True, title=EXPIRED_YESTERDAY,  # the sweep has not run yet
                       expires_on=timezone.localdate() - timedelta(days=1))
    starts_on = timezone.localdate() + timedelta(days=60)
    expires_on = timezone.localdate() + timedelta(days=45)

    # --- The employer publishes the opportunity --------------------------------------------
    employer_page = new_page()
    page = employer_page
    sign_in(page, employer, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Regional opportunities")),
           LIST_PATH)
    expect(heading(page)).to_have_text(tr(page, "My regional opportunities"))
    expect(results(page)).to_contain_text(tr(page, "No opportunity yet."))
    assert_accessible(page)
    follow(page.get_by_role("link", name=tr(page, "Publish an opportunity"), exact=True),
           CREATE_PATH)
    expect(heading(page)).to_have_text(tr(page, "Publish a regional opportunity"))
    audit_in_both_languages(page, assert_accessible)

    labelled(page, page, "Job title").fill(TITLE)
    labelled(page, page, "Number of positions").fill("2")
    labelled(page, page, "NOC 2021 code").fill(NOC_CODE)
    labelled(page, page, "Sector").select_option("31-33")
    labelled(page, page, "French level required").select_option("basic")
    labelled(page, page, "Municipality of work").fill(f"Trois-Rivières ({TROIS_RIVIERES})")
    labelled(page, page, "Job start date").fill(starts_on.isoformat())
    page.get_by_role("checkbox", name=tr(page, "Help with housing"), exact=True).check()
    labelled(page, page, "Expiry date").fill(expires_on.isoformat())
    press(page, "Save the draft")
    opportunity = Opportunity.objects.get(title=TITLE)
    wait_for_path(page, detail_path(opportunity))
    assert (opportunity.enterprise, opportunity.municipality, opportunity.office,
            opportunity.region.code, opportunity.status) == (
        enterprise, trois_rivieres, serving, MAURICIE, OpportunityStatus.DRAFT)
    assert (opportunity.positions, opportunity.noc_code, opportunity.sector,
            opportunity.french_level, opportunity.start_date, opportunity.expires_on) == (
        2, NOC_CODE, "31-33", "basic", starts_on, expires_on)
    assert (opportunity.offers_housing, opportunity.offers_moving_costs,
            opportunity.offers_spouse_employment) == (True, False, False)
    expect_status(page, OpportunityStatus.DRAFT)
    expect(page.get_by_role("main").get_by_role("listitem").get_by_text(
        tr(page, "Housing"), exact=True)).to_be_visible()
    assert_accessible(page)

    make_move(page, "Submit for validation")
    wait_for_path(page, detail_path(opportunity))
    expect_status(page, OpportunityStatus.SUBMITTED)
    assert_accessible(page)

    # --- The adviser of the territory validates and publishes it ----------------------------
    adviser_page = new_page()
    page = adviser_page
    sign_in(page, adviser, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Regional opportunities")),
           LIST_PATH)
    expect(heading(page)).to_have_text(tr(page, "Regional opportunities"))
    awaiting_label = status_label(page, OpportunityStatus.SUBMITTED)
    awaiting = page.get_by_role("list", name=tr(page, "To do")).get_by_role("link").filter(
        has_text=awaiting_label)
    expect(awaiting).to_have_text(re.compile(rf"^\s*{re.escape(awaiting_label)}\s+1\s*$"))
    expect(row_of(page, TITLE)).to_contain_text(status_label(page, OpportunityStatus.SUBMITTED))
    assert_accessible(page)
    awaiting.click()
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("status") == ["submitted"])
    expect(results(page).get_by_role("rowheader")).to_have_count(1)
    expect(row_of(page, TITLE)).to_contain_text(EMPLOYER)
    audit_in_both_languages(page, assert_accessible)
    follow(row_of(page, TITLE).get_by_role("link", name=TITLE, exact=True),
           detail_path(opportunity))
    expect_status(page, OpportunityStatus.SUBMITTED)
    audit_in_both_languages(page, assert_accessible)
    make_move(page, "Validate and publish")
    wait_for_path(page, detail_path(opportunity))
    expect_status(page, OpportunityStatus.PUBLISHED)
    expect(move_form(page, "Mark as filled")).to_be_visible()
    assert_accessible(page)
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.validated_by) == (OpportunityStatus.PUBLISHED,
                                                              adviser)

    # --- A Montréal regionalisation organisation finds it on the board, by region -----------
    referrer_page = new_page()
    page = referrer_page
    sign_in(page, referrer, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Opportunity board")), BOARD_PATH)
    expect(heading(page)).to_have_text(tr(page, "Board of regional opportunities"))
    expect(row_of(page, TITLE)).to_contain_text(EMPLOYER)
    expect(row_of(page, ELSEWHERE)).to_have_count(1)
    for hidden in (DRAFT, EXPIRED, EXPIRED_YESTERDAY):
        expect(results(page).get_by_text(hidden)).to_have_count(0)
    audit_in_both_languages(page, assert_accessible)

    # The results follow the filter as it changes (htmx), and the address keeps it.
    labelled(page, page, "Region").select_option(MAURICIE)
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("region") == [MAURICIE])
    expect(results(page).get_by_text(ELSEWHERE)).to_have_count(0)
    expect(results(page).get_by_role("rowheader")).to_have_count(1)
    expect(row_of(page, TITLE)).to_contain_text(trois_rivieres.name)
    expect(page.locator("#board-count")).to_have_text(
        tr(page, "Opportunities found: %(number)s") % {"number": 1})
    assert_accessible(page)
    page.reload()  # the filtered board's own address, as a bookmark would open it
    expect(labelled(page, page, "Region")).to_have_value(MAURICIE)
    expect(results(page).get_by_role("rowheader")).to_have_count(1)

    # It follows the opportunity from the board (the button changes in place).
    row_of(page, TITLE).get_by_role(
        "button", name=f"{tr(page, 'Follow')} — {TITLE}", exact=True).click()
    expect(row_of(page, TITLE).get_by_role(
        "button", name=f"{tr(page, 'Stop following')} — {TITLE}", exact=True)).to_be_visible()
    expect(row_of(page, TITLE)).to_contain_text(tr(page, "Followed"))
    assert OpportunityFollow.objects.filter(opportunity=opportunity, user=referrer).exists()
    assert_accessible(page)

    # It records its referrals: counts only.
    follow(row_of(page, TITLE).get_by_role("link", name=TITLE, exact=True),
           detail_path(opportunity))
    expect_status(page, OpportunityStatus.PUBLISHED)
    expect(page.get_by_role("region", name=tr(page, "What you can do now"))).to_have_count(0)
    expect(referrals(page).get_by_role(
        "button", name=f"{tr(page, 'Stop following')} — {TITLE}", exact=True)).to_be_visible()
    audit_in_both_languages(page, assert_accessible)
    record_counts(page, candidates=3, interviews=2, hires=0)
    assert_accessible(page)
    record_counts(page, candidates=3, interviews=2, hires=1)
    referral = OpportunityReferral.objects.get(opportunity=opportunity)
    assert (referral.organisation, referral.candidates, referral.interviews,
            referral.hires) == (organisation, 3, 2, 1)
    page.reload()  # the counts are kept
    expect(labelled(page.locator("#referral-form"), page, "Candidates presented")) \
        .to_have_value("3")
    expect(labelled(page.locator("#referral-form"), page, "Hires")).to_have_value("1")

    # --- The employer sees the counts ------------------------------------------------------
    page = employer_page
    follow(main_menu(page).get_by_role("link", name=tr(page, "Regional opportunities")),
           LIST_PATH)
    row = row_of(page, TITLE)
    expect(row).to_contain_text(status_label(page, OpportunityStatus.PUBLISHED))
    expect(row.locator("td.num")).to_have_text(["2", "3", "2", "1"])  # positions, counts
    assert_accessible(page)
    follow(row.get_by_role("link", name=TITLE, exact=True), detail_path(opportunity))
    expect_status(page, OpportunityStatus.PUBLISHED)
    counts = referrals(page).get_by_role(
        "table", name=tr(page, "Referrals by organisation"))
    by_organisation = counts.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=ORGANISATION, exact=True))
    expect(by_organisation.locator("td.num")).to_have_text(["3", "2", "1"])
    total = counts.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(tr(page, 'Total'))}$")))
    expect(total.locator("td.num")).to_have_text(["3", "2", "1"])
    # The employer reads the counts; only the referring organisations record them.
    expect(page.locator("#referral-form")).to_have_count(0)
    assert_accessible(page)
