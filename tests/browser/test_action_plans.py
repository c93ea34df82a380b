"""An action plan's whole life in a real browser, each person in a browser of their own: a
municipality drafts its plan step by step and submits it; its adviser asks for changes; the
municipality answers and submits again; the adviser recommends it; the SIT manager approves
it; the adviser sets the report schedule, which starts the follow-up; the municipality files
its final report; the adviser accepts it and the plan is closed.

Every page visited is checked with axe-core against WCAG 2.2 AA; the queue, a plan's page and
the review step are checked in French and in English. Text is looked up with ``tr``, so the
test reads the portal in whichever language the page shows.
"""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.text import capfirst
from playwright.sync_api import expect

from partners.models import Kind
from programs.models import ActionPlan, ReportKind, ReportStatus, Status, fiscal_year_of
from regions.models import Municipality
from tests.browser.test_journeys import (
    audit_in_both_languages,
    follow,
    heading,
    main_menu,
    sign_in,
    tr,
    wait_for_path,
)
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.programs import CallFactory, program

pytestmark = pytest.mark.browser

RESOLUTION = "Résolution du conseil"
PLAN_TITLE = "Plan d’action Trois-Rivières accueillante"
MEASURE_TITLE = "Jumelages interculturels"
CHANGES_ASKED = "Précisez les objectifs mesurables pour les nouveaux arrivants."
NEW_OBJECTIVES = "Accueillir 40 familles par année et en retenir 80 % après deux ans."
#: An amount typed as people in Quebec write it: the ministry's forms accept it.
RECOMMENDED = "24 000,00"
#: 24000.00 as the page shows it: “24 000,00” in French, “24,000.00” in English.
RECOMMENDED_SHOWN = re.compile(r"24[\s,]?000[.,]00")
#: The smallest file that is a PDF by its content.
PDF_FILE = {"name": "resolution.pdf", "mimeType": "application/pdf",
            "buffer": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"}


# --- What a person sees and does -------------------------------------------------------------


def labelled(scope, page, label, **params):
    """The form control inside ``scope`` labelled ``label`` (a msgid, shown capitalised in the
    page's language, with ``params`` put in its placeholders), with or without the "required"
    marker (“* (obligatoire)”)."""
    text = re.escape(capfirst(tr(page, label) % params if params else tr(page, label)))
    required = re.escape(tr(page, "required"))
    return scope.get_by_label(re.compile(rf"^\s*{text}(\s*\*)?(\s*\({required}\))?\s*$"))


def press(page, button_label, scope=None):
    """Press a button of the page's content and wait for the page that answers."""
    scope = scope or page.get_by_role("main")
    with page.expect_navigation():
        scope.get_by_role("button", name=tr(page, button_label), exact=True).click()


def move_form(page, button_label):
    """The form, among “What you can do now”, whose button makes the move ``button_label``."""
    actions = page.get_by_role("region", name=tr(page, "What you can do now"))
    return actions.locator("form").filter(
        has=page.get_by_role("button", name=tr(page, button_label), exact=True))


def make_move(page, button_label, comment="", amount=None):
    form = move_form(page, button_label)
    if amount is not None:
        labelled(form, page, "Amount ($)").fill(amount)
    if comment:
        form.get_by_role("textbox", name=re.compile(re.escape(tr(page, "Comment")))).fill(comment)
    press(page, button_label, scope=form)


def expect_status(page, status):
    """The plan's page shows the plan in ``status`` (a msgid), in words."""
    expect(page.locator("p.plan-status")).to_contain_text(
        f"{tr(page, 'Status:')} {tr(page, status)}")


def step_link(page, label):
    steps = page.get_by_role("navigation", name=tr(page, "Steps of the action plan"))
    return steps.get_by_role("link", name=tr(page, label), exact=True)


def plan_path(plan, suffix=""):
    return f"/plans-action/{plan.pk}/{suffix}"


# --- The journey -----------------------------------------------------------------------------


def test_a_municipal_action_plan_goes_from_draft_to_closed_accessibly(
    new_page, assert_accessible
):
    # The people and the call. Trois-Rivières is served by its own office, whose SIT (seated
    # in Sherbrooke) decides: the SIT manager works there.
    trois_rivieres = office("trois-rivieres")
    municipality = Municipality.objects.get(code="37067")
    city = OrganisationFactory(name="Ville de Trois-Rivières", kind=Kind.LOCAL_MUNICIPALITY,
                               non_profit_kind="", municipality=municipality,
                               mrc=municipality.mrc, office=trois_rivieres)
    partner = PartnerUserFactory(organisation=city)
    adviser = StaffFactory(role="adviser", offices=[trois_rivieres])
    manager = StaffFactory(role="sit_manager", offices=[office("sherbrooke")])
    call = CallFactory(program=program("pac-1"), title="Appel de projets PAC volet 1",
                       documents=[RESOLUTION])
    year = fiscal_year_of(timezone.localdate())
    starts_on, ends_on = date(year, 4, 1), date(year + 1, 3, 31)
    final_due_on = ends_on + timedelta(days=45)

    # --- The municipality drafts its plan --------------------------------------------------
    city_page = new_page()
    page = city_page
    sign_in(page, partner, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "My action plans")),
           "/plans-action/")
    expect(heading(page)).to_have_text(tr(page, "My action plans"))
    expect(page.get_by_role("link", name=tr(page, "New action plan"))).to_be_visible()
    assert_accessible(page)

    follow(page.get_by_role("main").get_by_role(
        "link", name=tr(page, "Programs and calls for projects")), "/plans-action/programmes/")
    assert_accessible(page)
    follow(page.get_by_role("link", name=f"{tr(page, 'Apply to this call')} — {call.title}"),
           "/plans-action/nouveau/")
    expect(labelled(page, page, "Call for projects")).to_have_value(str(call.pk))
    assert_accessible(page)
    labelled(page, page, "Title of the plan").fill(PLAN_TITLE)
    labelled(page, page, "Start of the plan").fill(starts_on.isoformat())
    labelled(page, page, "End of the plan").fill(ends_on.isoformat())
    press(page, "Create the draft")
    plan = ActionPlan.objects.get(title=PLAN_TITLE)
    assert (plan.organisation, plan.call, plan.status) == (city, call, Status.DRAFT)
    wait_for_path(page, plan_path(plan, "etapes/needs/"))

    # Step 1: the general information, as created.
    follow(step_link(page, "General information"), plan_path(plan, "etapes/general/"))
    expect(labelled(page, page, "Title of the plan")).to_have_value(PLAN_TITLE)
    assert_accessible(page)
    press(page, "Save and continue")

    # Step 2: needs and objectives (the needs analysis is required of a municipal body).
    wait_for_path(page, plan_path(plan, "etapes/needs/"))
    assert_accessible(page)
    page.get_by_label(tr(page, "Summary of the needs analysis")).fill(
        "Portrait réalisé avec la table de concertation : 1 200 nouveaux arrivants par année.")
    labelled(page, page, "Objectives").fill("Mieux accueillir les personnes immigrantes.")
    page.get_by_label(tr(page, "Opportunities to learn French and to use it in public")).check()
    press(page, "Save and continue")

    # Step 3: one measure, with an indicator and a budget line.
    wait_for_path(page, plan_path(plan, "etapes/measures/"))
    assert_accessible(page)
    follow(page.get_by_role("link", name=tr(page, "Add a measure")),
           plan_path(plan, "mesures/nouvelle/"))
    assert_accessible(page)
    labelled(page, page, "Intervention axis").select_option(
        label=tr(page, "Intercultural rapprochement"))
    labelled(page, page, "Title of the measure").fill(MEASURE_TITLE)
    labelled(page, page, "Description").fill("Jumelage de familles d’ici et de nouveaux arrivants.")
    labelled(page, page, "Target groups").fill("Familles immigrantes récemment établies")
    labelled(page, page, "Start").fill(starts_on.isoformat())
    labelled(page, page, "End").fill(ends_on.isoformat())
    indicator = page.get_by_role("group", name=tr(page, "Indicator %(number)s") % {"number": 1},
                                 exact=True)
    labelled(indicator, page, "Indicator").select_option(value="other")  # not in the catalogue
    labelled(indicator, page, "Name of the other indicator").fill("Familles jumelées")
    labelled(indicator, page, "Unit of the other indicator").fill("familles")
    labelled(indicator, page, "Target value").fill("40")
    line = page.get_by_role("group", name=tr(page, "Budget line %(number)s") % {"number": 1},
                            exact=True)
    labelled(line, page, "Expense").fill("Animation des jumelages")
    labelled(line, page, "Amount asked of the ministry ($)").fill("25 000")
    labelled(line, page, "Partner contribution ($)").fill("5 000,00")
    press(page, "Save the measure")
    wait_for_path(page, plan_path(plan, "etapes/measures/"))
    expect(page.get_by_role("rowheader", name=MEASURE_TITLE)).to_be_visible()
    expect(page.locator("#total-requested")).to_contain_text(re.compile(r"25[\s,]?000[.,]00"))
    assert_accessible(page)

    # Step 4: the council's resolution the call requires.
    follow(page.get_by_role("main").get_by_role("link", name=tr(page, "Continue"), exact=True),
           plan_path(plan, "etapes/documents/"))
    assert_accessible(page)
    page.get_by_label(tr(page, "File for “%(name)s”") % {"name": RESOLUTION}).set_input_files(
        PDF_FILE)
    with page.expect_navigation():
        page.get_by_role("button", name=f"{tr(page, 'Upload')} — {RESOLUTION}").click()
    wait_for_path(page, plan_path(plan, "etapes/documents/"))
    expect(page.get_by_role("link", name="resolution.pdf")).to_be_visible()
    assert_accessible(page)

    # Step 5: the review, in both languages, then the submission.
    follow(page.get_by_role("main").get_by_role("link", name=tr(page, "Continue"), exact=True),
           plan_path(plan, "etapes/review/"))
    expect(page.get_by_text(tr(page, "Nothing is missing: the plan can be submitted."))) \
        .to_be_visible()
    audit_in_both_languages(page, assert_accessible)
    press(page, "Submit the plan")
    wait_for_path(page, plan_path(plan))
    expect_status(page, "Submitted")
    assert_accessible(page)

    # --- The adviser takes it for review and asks for changes ----------------------------------
    adviser_page = new_page()
    page = adviser_page
    sign_in(page, adviser, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Action plans")),
           "/plans-action/file/")
    results = page.locator("#results")
    expect(results.get_by_role("row").filter(has_text=PLAN_TITLE)).to_contain_text(
        tr(page, "Submitted"))
    audit_in_both_languages(page, assert_accessible)
    follow(results.get_by_role("link", name=PLAN_TITLE, exact=True), plan_path(plan))
    audit_in_both_languages(page, assert_accessible)
    make_move(page, "Take it for review")
    expect_status(page, "In review")
    assert_accessible(page)
    make_move(page, "Request changes", comment=CHANGES_ASKED)
    expect_status(page, "Changes requested")
    assert_accessible(page)

    # --- The municipality reads the request, changes its objectives, submits again ------------
    page = city_page
    follow(main_menu(page).get_by_role("link", name=tr(page, "My action plans")),
           "/plans-action/")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=PLAN_TITLE,
                                                                exact=True))
    expect(row).to_contain_text(tr(page, "Changes requested"))
    assert_accessible(page)
    follow(row.get_by_role("link", name=PLAN_TITLE, exact=True), plan_path(plan))
    timeline = page.get_by_role("region", name=tr(page, "Timeline"))
    expect(timeline.locator("blockquote")).to_contain_text(CHANGES_ASKED)
    assert_accessible(page)
    follow(page.get_by_role("link", name=tr(page, "Edit the plan")),
           plan_path(plan, "etapes/general/"))
    follow(step_link(page, "Needs and objectives"), plan_path(plan, "etapes/needs/"))
    labelled(page, page, "Objectives").fill(NEW_OBJECTIVES)
    press(page, "Save and continue")
    wait_for_path(page, plan_path(plan, "etapes/measures/"))
    follow(step_link(page, "Review and submit"), plan_path(plan, "etapes/review/"))
    expect(page.get_by_text(NEW_OBJECTIVES)).to_be_visible()
    assert_accessible(page)
    press(page, "Submit the plan again")
    wait_for_path(page, plan_path(plan))
    expect_status(page, "Submitted")

    # --- The adviser takes it again and recommends it --------------------------------------
    page = adviser_page
    page.reload()
    make_move(page, "Take it for review")
    expect_status(page, "In review")
    expect(page.get_by_role("region", name=tr(page, "Timeline"))).to_contain_text(
        tr(page, "Changes requested"))
    # Recommending needs the adviser's review grid, completed: 4 of 5 on every criterion.
    follow(page.get_by_role("link", name=tr(page, "Fill in my review grid")).first,
           plan_path(plan, "grille/"))
    assert_accessible(page)
    for criterion in page.locator("form.grid-form fieldset").all():
        criterion.get_by_role("radio", name="4", exact=True).check()
    press(page, "Complete the grid")
    wait_for_path(page, plan_path(plan))
    expect(page.get_by_role("region", name=tr(page, "Review grids"))).to_contain_text(
        re.compile(r"80[.,]0 / 100"))
    make_move(page, "Recommend", amount=RECOMMENDED)
    expect_status(page, "Recommended")
    expect(page.get_by_role("row", name=tr(page, "Amount recommended"))).to_contain_text(
        RECOMMENDED_SHOWN)
    assert_accessible(page)

    # --- The SIT manager approves it -------------------------------------------------------
    manager_page = new_page()
    page = manager_page
    sign_in(page, manager, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Decisions")),
           "/plans-action/decisions/")
    assert_accessible(page)
    follow(page.get_by_role("link", name=PLAN_TITLE, exact=True), plan_path(plan))
    assert_accessible(page)
    make_move(page, "Approve", amount=RECOMMENDED)
    expect_status(page, "Approved")
    expect(page.get_by_role("row", name=tr(page, "Amount approved"))).to_contain_text(
        RECOMMENDED_SHOWN)
    assert_accessible(page)

    # --- The adviser sets the report schedule: the follow-up starts ---------------------------
    page = adviser_page
    page.reload()
    follow(page.get_by_role("link", name=tr(page, "Schedule the reports")),
           plan_path(plan, "rapports/calendrier/"))
    assert_accessible(page)
    labelled(page, page, "Final report due on").fill(final_due_on.isoformat())
    press(page, "Save the schedule and start the follow-up")
    wait_for_path(page, plan_path(plan))
    expect_status(page, "In progress")
    assert_accessible(page)
    report = plan.reports.get()
    assert (report.kind, report.due_on, report.status) == (
        ReportKind.FINAL, final_due_on, ReportStatus.EXPECTED)

    # --- The municipality files its final report -------------------------------------------
    page = city_page
    follow(main_menu(page).get_by_role("link", name=tr(page, "Reports")), "/plans-action/rapports/")
    report_row = page.get_by_role("row").filter(has_text=PLAN_TITLE)
    assert_accessible(page)
    follow(report_row.get_by_role("link", name=tr(page, "Final report")),
           plan_path(plan, f"rapports/{report.pk}/"))
    assert_accessible(page)
    labelled(page, page, "Overall narrative").fill("Une année riche en rencontres.")
    measure = page.get_by_role("group", name=tr(page, "Measure: %(title)s")
                               % {"title": MEASURE_TITLE}, exact=True)
    labelled(measure, page, "Amount spent ($)").fill("23 500,00")
    labelled(measure, page, "What was done").fill("38 familles jumelées, 12 activités.")
    labelled(measure, page, "%(indicator)s: value reached (%(unit)s)",
             indicator="Familles jumelées", unit="familles").fill("38")
    press(page, "Save and submit")
    wait_for_path(page, plan_path(plan, f"rapports/{report.pk}/"))
    expect(page.get_by_role("status")).to_contain_text(
        tr(page, "The report was submitted to the ministry."))
    expect(page.get_by_role("table", name=tr(page, "Indicators of “%(title)s”")
                            % {"title": MEASURE_TITLE})).to_contain_text("38")
    assert_accessible(page)

    # --- The adviser accepts it: the plan closes -------------------------------------------
    page = adviser_page
    page.reload()
    follow(page.get_by_role("link", name=tr(page, "Final report"), exact=True),
           plan_path(plan, f"rapports/{report.pk}/"))
    assert_accessible(page)
    press(page, "Accept the report")
    wait_for_path(page, plan_path(plan))
    expect_status(page, "Closed")
    assert_accessible(page)

    # --- The municipality was told at each step --------------------------------------------
    page = city_page
    follow(main_menu(page).get_by_role("link", name=re.compile(
        rf"^{re.escape(tr(page, 'Notifications'))}")), "/notifications/")
    expect(page.get_by_role("main").get_by_role("link").filter(has_text=PLAN_TITLE).first) \
        .to_be_visible()
    assert_accessible(page)
    plan.refresh_from_db()
    assert plan.status == Status.CLOSED
    assert plan.approved_amount == 24000
