"""Deciding and funding in a real browser, each person in a browser of their own: the adviser
fills the review grid of a plan and recommends it; the SIT manager opens the decisions page,
sees the call's envelope, selects two recommended plans, checks their total against the
envelope and approves both in one action; the municipality downloads its decision letter.

The new pages (the grid, the decisions page, the batch confirmation, the plan page with its
envelope and letters) are checked with axe-core in French and in English.
"""

import hashlib
import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from partners.models import Kind
from programs.models import DecisionLetter, PlanEvent, Status
from regions.models import Municipality
from tests.browser.test_action_plans import expect_status, make_move, plan_path, press
from tests.browser.test_journeys import (
    audit_in_both_languages,
    follow,
    main_menu,
    sign_in,
    tr,
    wait_for_path,
)
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.programs import ActionPlanFactory, CallFactory, completed_review, program

pytestmark = pytest.mark.browser

#: Shown “100 000,00” in French, “100,000.00” in English.
ENVELOPE_SHOWN = re.compile(r"100[\s,]?000[.,]00")
#: The two plans together: 24,000 + 30,000 = 54,000 $.
TOTAL_SHOWN = re.compile(r"54[\s,]?000[.,]00")


def test_an_adviser_grades_the_sit_manager_approves_two_plans_at_once_the_city_gets_its_letter(
        new_page, assert_accessible):
    trois_rivieres = office("trois-rivieres")
    municipality = Municipality.objects.get(code="37067")
    city = OrganisationFactory(name="Ville de Trois-Rivières", kind=Kind.LOCAL_MUNICIPALITY,
                               non_profit_kind="", municipality=municipality,
                               mrc=municipality.mrc, office=trois_rivieres)
    partner = PartnerUserFactory(organisation=city)
    neighbour = OrganisationFactory(name="Accueil Mauricie", office=trois_rivieres)
    adviser = StaffFactory(role="adviser", offices=[trois_rivieres])
    manager = StaffFactory(role="sit_manager", offices=[office("sherbrooke")])
    call = CallFactory(program=program("pac-1"), title="Appel de projets PAC volet 1",
                       budget=Decimal("100000.00"))
    city_plan = ActionPlanFactory(organisation=city, call=call, adviser=adviser, measures=3,
                                  status=Status.IN_REVIEW, title="Trois-Rivières accueillante")
    other_plan = ActionPlanFactory(organisation=neighbour, call=call, adviser=adviser,
                                   measures=3, status=Status.RECOMMENDED,
                                   recommended_amount=Decimal("30000.00"),
                                   title="Mauricie, terre d’accueil")
    completed_review(other_plan, score=4)

    # --- The adviser fills the grid and recommends the city's plan --------------------------
    page = new_page()
    sign_in(page, adviser, assert_accessible)
    page.goto(plan_path(city_plan))
    follow(page.get_by_role("link", name=tr(page, "Fill in my review grid")).first,
           plan_path(city_plan, "grille/"))
    audit_in_both_languages(page, assert_accessible)
    for criterion in page.locator("form.grid-form fieldset").all():
        criterion.get_by_role("radio", name="4", exact=True).check()
    press(page, "Complete the grid")
    wait_for_path(page, plan_path(city_plan))
    expect(page.get_by_role("region", name=tr(page, "Review grids"))).to_contain_text(
        re.compile(r"80[.,]0 / 100"))
    make_move(page, "Recommend", amount="24 000,00")
    expect_status(page, "Recommended")
    audit_in_both_languages(page, assert_accessible)

    # --- The SIT manager sees the envelope and approves both plans in one action ------------
    page = new_page()
    sign_in(page, manager, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Decisions")),
           "/plans-action/decisions/")
    audit_in_both_languages(page, assert_accessible)
    envelopes = page.get_by_role("table", name=tr(page, "Envelope of each call with plans "
                                                        "awaiting a decision (every region)"))
    expect(envelopes.get_by_role("row").filter(has_text=call.title)).to_contain_text(
        ENVELOPE_SHOWN)
    for plan in (city_plan, other_plan):
        page.get_by_label(tr(page, "Select “%(title)s”") % {"title": plan.title}).check()
    with page.expect_navigation():
        page.get_by_role("button", name=tr(
            page, "Review the selected plans before approving them")).click()
    wait_for_path(page, "/plans-action/decisions/lot/")
    expect(page.locator("#batch-total")).to_contain_text(TOTAL_SHOWN)
    audit_in_both_languages(page, assert_accessible)
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^(Approuver|Approve) 2 ")).click()
    for plan in (city_plan, other_plan):
        plan.refresh_from_db()
        assert plan.status == Status.APPROVED
        assert PlanEvent.objects.filter(plan=plan, to_status=Status.APPROVED).count() == 1
    assert (city_plan.approved_amount, other_plan.approved_amount) == (
        Decimal("24000.00"), Decimal("30000.00"))
    assert_accessible(page)

    # --- The municipality downloads its letter -----------------------------------------------
    page = new_page()
    sign_in(page, partner, assert_accessible)
    page.goto(plan_path(city_plan))
    expect_status(page, "Approved")
    audit_in_both_languages(page, assert_accessible)
    letters = page.get_by_role("region", name=tr(page, "Decision letters"))
    with page.expect_download() as download:
        letters.get_by_role("link").first.click()
    content = download.value.path().read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
                    .split())
    assert "Ville de Trois-Rivières" in text and "24 000,00 $" in text
    assert DecisionLetter.objects.get(plan=city_plan).sha256 == hashlib.sha256(content).hexdigest()
