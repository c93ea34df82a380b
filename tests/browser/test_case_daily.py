"""A request taken by phone, worked and withdrawn, in a real browser, each person in a browser
of their own (issue 12, items 1, 6 and 7).

An adviser of Trois-Rivières starts from the case workspace, finds the enterprise by its NEQ
(typed with a space, as people read it aloud), enters the request it made by phone with a
subject, and reads on the case's page whom to call (the enterprise's contacts and address). The
adviser takes the case, records the first contact and asks the enterprise a question. The
enterprise's user reads that question above the reply box, with none of the ministry's wording,
replies (the follow-up resumes), then withdraws the request, saying why.

Every page visited is checked with axe-core against WCAG 2.2 AA.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enterprises.models import Case, CaseEvent, CaseStatus, Outcome
from tests.browser.test_action_plans import labelled, move_form, press
from tests.browser.test_enterprise_support import expect_status, notes
from tests.browser.test_journeys import follow, heading, main_menu, sign_in, tr, wait_for_path
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory, valid_neq
from tests.factories.partners import ContactFactory, PartnerUserFactory

pytestmark = pytest.mark.browser

NAME = "Fonderie Laviolette inc."
NEQ = valid_neq(6_180_339)
SUBJECT = "Accueillir deux soudeurs arrivés du Maroc"
QUESTION = "Quelle est la date d’arrivée prévue des deux soudeurs ?"
REPLY = "Ils arrivent le 12 janvier."
REASON = "Nous avons trouvé un accompagnement auprès de notre chambre de commerce."


def test_an_adviser_enters_a_phone_request_and_the_enterprise_answers_then_withdraws_it(
    new_page, assert_accessible
):
    trois_rivieres = office("trois-rivieres")
    adviser = StaffFactory(role="adviser", offices=[trois_rivieres], first_name="Line",
                           last_name="Gauthier")
    organisation = EnterpriseFactory(
        neq=NEQ, organisation__name=NAME, organisation__office=trois_rivieres,
        organisation__region=trois_rivieres.region,
        organisation__address="455, rue des Forges", organisation__phone="819 555-0177",
    ).organisation
    ContactFactory(organisation=organisation, first_name="Sophie", last_name="Lavoie",
                   title="Directrice des ressources humaines", phone="819 555-0142",
                   email="rh@fonderie-laviolette.example", is_primary=True)
    enterprise_user = PartnerUserFactory(organisation=organisation)

    # --- The adviser finds the enterprise by its NEQ, from the case workspace -----------------
    page = new_page()
    sign_in(page, adviser, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Support cases")),
           "/entreprises/dossiers/")
    assert_accessible(page)
    follow(page.get_by_role("link", name=tr(page, "Enter a request"), exact=True),
           "/entreprises/demandes/nouvelle/")
    expect(heading(page)).to_have_text(tr(page, "Enter a request: choose the enterprise"))
    assert_accessible(page)
    labelled(page, page, "Enterprise name or NEQ").fill(f"{NEQ[:4]} {NEQ[4:]}")
    found = page.get_by_role("region", name=tr(page, "Enterprises found"))
    row = found.get_by_role("row").filter(has_text=NAME)
    expect(row).to_contain_text(NEQ)  # the results come as the adviser types (htmx)
    assert_accessible(page)
    with page.expect_navigation():
        row.get_by_role("link").click()
    expect(heading(page)).to_have_text(
        tr(page, "New support request for %(name)s") % {"name": NAME})
    assert_accessible(page)

    # --- ... and enters the request taken by phone, with its subject ---------------------------
    expect(page.get_by_role("radio", name=tr(page, "Phone"), exact=True)).to_be_checked()
    labelled(page, page, "Subject").fill(SUBJECT)
    page.get_by_role("checkbox", name=tr(page, "Accompaniment"), exact=True).check()
    page.get_by_role("checkbox", name=tr(page, "Integrate"), exact=True).check()
    labelled(page, page, "Describe your needs").fill(
        "Deux soudeurs arrivent cet hiver ; l’entreprise veut les accueillir.")
    press(page, "Send the request")
    page.wait_for_url(re.compile(r"/entreprises/dossiers/\d+/$"))
    case = Case.objects.get(organisation=organisation)
    case_path = f"/entreprises/dossiers/{case.pk}/"
    assert (case.subject, case.channel, case.created_by) == (SUBJECT, "phone", adviser)
    expect(heading(page)).to_contain_text(SUBJECT)

    # --- The case's page says whom to call -------------------------------------------------
    who = page.get_by_role("region", name=tr(page, "Who to call"), exact=True)
    contact = who.get_by_role("row").filter(has_text="Sophie Lavoie")
    for text in ("Directrice des ressources humaines", "819 555-0142",
                 "rh@fonderie-laviolette.example"):
        expect(contact).to_contain_text(text)
    expect(who).to_contain_text("455, rue des Forges")
    expect(who).to_contain_text("819 555-0177")
    assert_accessible(page)

    # --- The adviser takes it, calls, and asks the enterprise a question ----------------------
    assign = move_form(page, "Assign to an adviser")
    press(page, "Assign to an adviser", scope=assign)  # the adviser is proposed first
    expect_status(page, "Assigned")
    first_contact = move_form(page, "Record the first contact")
    press(page, "Record the first contact", scope=first_contact)
    expect_status(page, "In progress")
    waiting = move_form(page, "Wait for the enterprise")
    labelled(waiting, page, "Comment").fill(QUESTION)
    labelled(waiting, page, "Next follow-up").fill(
        (timezone.localdate() + timedelta(days=7)).isoformat())
    press(page, "Wait for the enterprise", scope=waiting)
    wait_for_path(page, case_path)
    expect_status(page, "Waiting on the enterprise")
    assert_accessible(page)

    # --- The enterprise reads the question above its reply box, and replies -------------------
    page = new_page()
    sign_in(page, enterprise_user, assert_accessible)
    follow(main_menu(page).get_by_role("link", name=tr(page, "Support cases")),
           "/entreprises/dossiers/")
    row = page.get_by_role("row").filter(has_text=SUBJECT)
    expect(row).to_contain_text(tr(page, "Waiting on the enterprise"))
    assert_accessible(page)
    follow(row.get_by_role("link"), case_path)
    thread = notes(page)
    asked = thread.get_by_role("group", name=tr(page, "The adviser’s latest question"))
    expect(asked).to_contain_text(QUESTION)
    box = labelled(thread, page, "Your reply")
    assert asked.bounding_box()["y"] < box.bounding_box()["y"]  # above the reply box
    main = page.get_by_role("main")
    expect(main.get_by_role("button", name=tr(page, "Resume the follow-up"))).to_have_count(0)
    expect(main.get_by_role("button", name=tr(page, "Close the case"))).to_have_count(0)
    expect(main.get_by_role("combobox", name=re.compile(tr(page, "Outcome")))).to_have_count(0)
    assert_accessible(page)

    box.fill(REPLY)
    with page.expect_navigation():
        thread.get_by_role("button", name=tr(page, "Send the reply"), exact=True).click()
    wait_for_path(page, case_path)
    expect_status(page, "In progress")
    expect(notes(page).get_by_role("listitem").filter(has_text=REPLY)).to_be_visible()
    assert_accessible(page)

    # --- ... then withdraws its request, saying why ----------------------------------------
    withdraw = move_form(page, "Withdraw my request")
    labelled(withdraw, page, "Why do you withdraw your request?").fill(REASON)
    press(page, "Withdraw my request", scope=withdraw)
    wait_for_path(page, case_path)
    expect_status(page, "Closed")
    expect(page.locator("p.case-status")).to_contain_text(tr(page, "Withdrawn"))
    assert_accessible(page)
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.WITHDRAWN)
    last = CaseEvent.objects.filter(case=case).last()
    assert (last.to_status, last.comment, last.actor) == (CaseStatus.CLOSED, REASON,
                                                          enterprise_user)
