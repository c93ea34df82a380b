"""Case work in a real browser, with real mail servers: an enterprise writes to its antenne's
address and the portal's poller (IMAP, dovecot) opens the request; the adviser logs the call,
classifies the request, ticks a step of its checklist and answers with a ready answer, which
reaches the enterprise by email (SMTP, aiosmtpd); the enterprise replies from its mail client;
the reply lands on the case, and the adviser closes it, saying why the unticked steps do not
matter. The new pages (the case page with its tools, the mail to sort, the workload report, the
ready answers; for the administrator the unprocessed mail, the mailbox addresses and the
checklists) are checked with axe-core in French and in English."""

import re

import pytest
from playwright.sync_api import expect

from antennes.models import Office
from enterprises.models import (
    Case,
    CaseChecklistItem,
    CaseNote,
    CaseStatus,
    Channel,
    Intervention,
    InterventionKind,
    Outcome,
    ReadyAnswer,
    Topic,
)
from notifications import inbound
from tests.browser.test_journeys import audit_in_both_languages, follow, sign_in, tr
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.mail.conftest import compose, dovecot, exchanger  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

MAILBOX = "trois-rivieres@portail.example"


def case_path(case, anchor=""):
    return f"/entreprises/dossiers/{case.pk}/{anchor}"


def test_an_email_becomes_a_case_the_adviser_works_it_and_the_enterprise_replies_by_email(
        new_page, assert_accessible, exchanger, dovecot):  # noqa: F811 (fixtures)
    trois_rivieres = office("trois-rivieres")
    Office.objects.filter(pk=trois_rivieres.pk).update(mailbox=MAILBOX)
    bakery = EnterpriseFactory(organisation__name="Boulangerie Mauricie",
                               organisation__office=trois_rivieres).organisation
    marie = PartnerUserFactory(organisation=bakery, email="marie@boulangerie.example",
                               first_name="Marie", last_name="Tremblay")
    adviser = StaffFactory(role="adviser", offices=[trois_rivieres])
    admin = StaffFactory(role="admin")
    answer = ReadyAnswer.objects.create(
        title_fr="Recruter à l’étranger avec l’antenne", title_en="Recruiting abroad",
        body_fr="Bonjour,\n\nL’antenne peut vous accompagner pour recruter à l’étranger.",
        body_en="Hello,\n\nThe office can help you recruit abroad.",
        topic=Topic.RECRUITMENT, created_by=admin)

    # --- Marie writes to the antenne from her own mail client --------------------------------
    exchanger.send(compose(sender="Marie Tremblay <marie@boulangerie.example>", to=MAILBOX,
                           subject="Recruter deux soudeurs",
                           body="Bonjour,\n\nNous cherchons deux soudeurs. Pouvez-vous nous "
                                "aider ?\n\nMarie Tremblay\n"))
    inbound.poll()
    case = Case.objects.get()
    assert (case.organisation, case.office, case.channel, case.created_by) == (
        bakery, trois_rivieres, Channel.EMAIL, marie)

    # --- The adviser finds it, logs the call, classifies it, ticks a step --------------------
    page = new_page()
    sign_in(page, adviser, assert_accessible)
    page.goto("/entreprises/dossiers/")
    follow(page.get_by_role("link", name="Boulangerie Mauricie").first,
           case_path(case))
    audit_in_both_languages(page, assert_accessible)

    form = page.locator("#interventions form")
    form.get_by_label(tr(page, "Intervention")).select_option(InterventionKind.PHONE.value)
    form.get_by_label(tr(page, "Duration (minutes)")).fill("25")
    form.get_by_label(tr(page, "Participants")).fill("Marie Tremblay")
    form.get_by_role("button", name=tr(page, "Record the intervention")).click()
    expect(page.locator("#interventions")).to_contain_text("Marie Tremblay")
    intervention = Intervention.objects.get(case=case)
    assert (intervention.kind, intervention.duration_minutes, intervention.adviser) == (
        InterventionKind.PHONE, 25, adviser)

    classify = page.locator("#checklist form")
    classify.get_by_label(tr(page, "Accompaniment")).check()
    classify.get_by_label(tr(page, "Recruit")).check()
    classify.get_by_role("button", name=tr(page, "Save the classification")).click()
    steps = page.locator("#checklist li.checklist__step")
    expect(steps).to_have_count(CaseChecklistItem.objects.filter(case=case).count())
    assert steps.count() >= 5
    steps.first.get_by_role("button").click()
    expect(page.locator("#checklist li.checklist__step--done")).to_have_count(1)
    page.goto(case_path(case))  # the language switch keeps the page, not its anchor
    audit_in_both_languages(page, assert_accessible)

    # --- It answers with a ready answer, edited, shared with the enterprise -----------------
    picker = page.locator("form.answer-pick")
    picker.get_by_label(tr(page, "Ready answer")).select_option(str(answer.pk))
    picker.get_by_role("button", name=tr(page, "Insert the answer")).click()
    body = page.locator("#id_body")
    expect(body).to_have_value(re.compile("recruter à l’étranger"))
    expect(body).to_be_focused()  # the adviser edits the answer next, without hunting for it
    body.fill(body.input_value() + "\n\nPouvez-vous nous envoyer la description des postes ?")
    # An answer is for the enterprise: the note is no longer internal.
    expect(page.get_by_label(tr(page, "Internal note — ministry only (untick to share it with "
                                      "the enterprise)"))).not_to_be_checked()
    page.get_by_role("button", name=tr(page, "Add the note")).click()
    expect(page.locator("#notes")).to_contain_text("description des postes")
    shared = CaseNote.objects.get(case=case, author=adviser)
    assert (shared.is_internal, shared.ready_answer) == (False, answer)

    # --- Marie replies to the email the portal sent her --------------------------------------
    [received] = exchanger.sent_to(marie.email)
    original = received.message
    reply_to = original["Reply-To"].addresses[0].addr_spec
    quoted = "\n".join(f"> {line}" for line in original.get_body().get_content().splitlines())
    exchanger.send(compose(
        sender="Marie Tremblay <marie@boulangerie.example>", to=reply_to,
        subject=f"Re: {original['Subject']}",
        headers={"In-Reply-To": original["Message-ID"], "References": original["Message-ID"]},
        body=f"Soudeur-monteur, temps plein, à Trois-Rivières.\n\nMarie\n\n"
             f"Le {original['Date']}, Portail <{reply_to}> a écrit :\n{quoted}\n"))
    inbound.poll()
    reply = CaseNote.objects.get(case=case, author=marie)
    assert reply.body == "Soudeur-monteur, temps plein, à Trois-Rivières.\n\nMarie"

    # --- The adviser reads it on the case and closes the case --------------------------------
    page.reload()
    expect(page.locator("#notes")).to_contain_text("Soudeur-monteur, temps plein")
    close = page.locator("form", has=page.locator("select[name=outcome]"))
    close.locator("select[name=outcome]").select_option(Outcome.RESOLVED.value)
    close.locator("textarea[name=comment]").fill("Les autres étapes suivront avec "
                                                 "Emploi-Québec.")
    close.get_by_role("button").click()
    expect(page.locator(".case-status")).to_contain_text(tr(page, "Closed"))
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.RESOLVED)

    # --- The other new pages, in both languages ----------------------------------------------
    for path in ("/entreprises/courriels/a-trier/", "/entreprises/dossiers/charge-de-travail/",
                 "/entreprises/dossiers/reponses-types/"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        audit_in_both_languages(page, assert_accessible)
    expect(page.get_by_role("main")).to_contain_text(answer.title_fr)

    admin_page = new_page()
    sign_in(admin_page, admin, assert_accessible)
    for path in ("/entreprises/courriels/non-traites/", "/entreprises/courriels/adresses/",
                 "/entreprises/dossiers/listes-de-verification/"):
        admin_page.goto(path)
        expect(admin_page.get_by_role("heading", level=1)).to_be_visible()
        audit_in_both_languages(admin_page, assert_accessible)
