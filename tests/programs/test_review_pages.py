"""A plan's page, seen by each side: the moves each role may make now, the timeline, the comment
thread and the plan's documents (views/review.py)."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import Attachment, Comment, PlanEvent, Status
from tests.factories.programs import (
    ActionPlanFactory,
    CallFactory,
    ReportFactory,
    completed_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English (the source language), so assertions read the messages as written."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def pdf_upload(name="budget.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
                              content_type="application/pdf")


def docx_upload(name="resolution.docx"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return SimpleUploadedFile(name, buffer.getvalue())


def detail_url(plan):
    return reverse("programs:plan_detail", args=[plan.pk])


def transition_url(plan, to):
    return reverse("programs:plan_transition", args=[plan.pk, to])


def offered_moves(response):
    """The statuses the page offers to move the plan to (one form per move)."""
    return set(re.findall(r'action="[^"]*/transition/([a-z_]+)/"', response.content.decode()))


def plan_of_trois_rivieres(world, **kwargs):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], **kwargs)


# --------------------------------------------------------------------------------------------
# The actions allowed now
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status", "expected"), [
    ("partner", Status.DRAFT, {"submitted", "withdrawn"}),
    ("partner", Status.RECOMMENDED, {"withdrawn"}),
    ("adviser", Status.SUBMITTED, {"in_review"}),
    ("adviser", Status.IN_REVIEW, {"changes_requested", "recommended", "not_recommended"}),
    ("adviser", Status.RECOMMENDED, set()),
    ("sit_manager", Status.RECOMMENDED, {"approved", "refused"}),
    ("admin", Status.RECOMMENDED, set()),
])
def test_each_role_sees_exactly_the_moves_allowed_now(client, world, role, status, expected):
    plan = plan_of_trois_rivieres(world, measures=1, status=status,
                                  recommended_amount=Decimal("8000.00")
                                  if status == Status.RECOMMENDED else None)
    if status == Status.IN_REVIEW:  # recommending needs the adviser's completed grid
        plan.adviser = world["users"]["adviser"]
        plan.save(update_fields=["adviser"])
        completed_review(plan)
    client.force_login(world["users"][role])

    response = client.get(detail_url(plan))

    assert response.status_code == 200
    assert offered_moves(response) == expected
    if not expected:
        assert "No action is expected from you on this plan now." in response.content.decode()


def test_the_sit_manager_approves_from_the_recommended_amount_and_must_explain_a_refusal(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.RECOMMENDED,
                                  recommended_amount=Decimal("8000.00"))
    client.force_login(world["users"]["sit_manager"])

    html = client.get(detail_url(plan)).content.decode()

    assert re.search(r'id="amount-approved" name="amount" value="8,000.00" required', html)
    assert re.search(r'<textarea id="comment-refused" name="comment" rows="3" required>', html)
    assert ">Approve</button>" in html and ">Refuse</button>" in html


def test_the_adviser_recommends_from_the_amount_asked(client, world):
    plan = plan_of_trois_rivieres(world, measures=2, status=Status.IN_REVIEW,
                                  adviser=world["users"]["adviser"])
    completed_review(plan)
    client.force_login(world["users"]["adviser"])

    html = client.get(detail_url(plan)).content.decode()

    assert 'id="amount-recommended" name="amount" value="20,000.00"' in html


def test_the_partner_editing_a_draft_sees_how_to_edit_it_and_what_blocks_submission(
        client, world):
    plan = plan_of_trois_rivieres(world, objectives="")  # no measure, no objectives
    client.force_login(world["users"]["partner"])

    html = client.get(detail_url(plan)).content.decode()

    assert f'href="{reverse("programs:plan_step", args=[plan.pk, "general"])}"' in html
    assert "The objectives are missing." in html
    assert "The plan has no measure." in html
    assert 'action="' + reverse("programs:attachment_upload", args=[plan.pk]) + '"' in html


def test_the_ministry_does_not_see_the_partners_edit_link_nor_missing_parts(client, world):
    plan = plan_of_trois_rivieres(world, objectives="")
    client.force_login(world["users"]["adviser"])

    html = client.get(detail_url(plan)).content.decode()

    assert "Edit the plan" not in html
    assert "The objectives are missing." not in html
    assert reverse("programs:attachment_upload", args=[plan.pk]) not in html


@pytest.mark.parametrize("role", ["adviser_gatineau", "partner_gatineau"])
def test_nobody_sees_or_decides_on_a_plan_outside_their_scope(client, world, role):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"][role])

    assert client.get(detail_url(plan)).status_code == 404
    assert client.post(transition_url(plan, "in_review")).status_code == 404
    assert client.post(transition_url(plan, "withdrawn")).status_code == 404

    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED
    assert not plan.events.exists()


# --------------------------------------------------------------------------------------------
# Moves through the page, and the timeline
# --------------------------------------------------------------------------------------------


def test_a_move_posted_through_the_page_is_recorded_and_shown_in_the_timeline(client, world):
    adviser = world["users"]["adviser"]
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW, adviser=adviser)
    client.force_login(adviser)

    response = client.post(transition_url(plan, "changes_requested"),
                           {"comment": "Précisez les partenaires de la mesure 1."}, follow=True)

    assert response.redirect_chain[-1][0] == detail_url(plan)
    plan.refresh_from_db()
    assert plan.status == Status.CHANGES_REQUESTED
    event = plan.events.get()
    assert (event.from_status, event.to_status, event.actor) == (
        Status.IN_REVIEW, Status.CHANGES_REQUESTED, adviser)
    html = response.content.decode()
    assert "The plan is now “Changes requested”." in html
    timeline = html[html.index('id="timeline"'):html.index('id="comments"')]
    assert "In review" in timeline and "<strong>Changes requested</strong>" in timeline
    assert "Précisez les partenaires de la mesure 1." in timeline
    assert adviser.get_full_name() in timeline


def test_a_refused_submission_names_what_is_missing_and_changes_nothing(client, world):
    plan = plan_of_trois_rivieres(world, objectives="")
    client.force_login(world["users"]["partner"])

    response = client.post(transition_url(plan, "submitted"), follow=True)

    html = response.content.decode()
    messages = html[html.index('class="messages"'):html.index('id="actions"')]
    assert "The objectives are missing." in messages
    assert "The plan has no measure." in messages
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT and plan.submitted_at is None
    assert not PlanEvent.objects.filter(plan=plan).exists()


def test_requesting_changes_without_a_comment_is_refused(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    client.force_login(world["users"]["adviser"])

    response = client.post(transition_url(plan, "changes_requested"), {"comment": "  "},
                           follow=True)

    assert "A comment is required for this decision." in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == Status.IN_REVIEW
    assert not plan.events.exists()


def test_an_unknown_target_status_is_refused_with_a_message(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"]["adviser"])

    response = client.post(transition_url(plan, "approved-please"), follow=True)

    assert "You cannot move a plan from “Submitted”" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED


@pytest.mark.parametrize(("next_url", "lands_on"), [
    ("/plans-action/file/", "/plans-action/file/"),
    ("https://evil.example/phish", None),
    ("//evil.example/phish", None),
])
def test_after_a_move_the_page_goes_back_only_to_a_local_address(client, world, next_url,
                                                                  lands_on):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"]["adviser"])

    response = client.post(transition_url(plan, "in_review"), {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == (lands_on or detail_url(plan))


# --------------------------------------------------------------------------------------------
# The comment thread
# --------------------------------------------------------------------------------------------


def test_a_comment_sent_with_htmx_comes_back_as_the_thread_fragment(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    client.force_login(world["users"]["partner"])
    url = reverse("programs:comment_add", args=[plan.pk])

    response = client.post(url, {"body": "Le budget a été revu avec la MRC."},
                           HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="comments"')
    assert "<html" not in html
    assert "Le budget a été revu avec la MRC." in html
    assert "Your message was added to the thread." in html
    comment = Comment.objects.get(plan=plan)
    assert comment.author == world["users"]["partner"]


def test_an_empty_comment_is_refused_with_the_error_tied_to_the_message_field(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    client.force_login(world["users"]["adviser"])
    url = reverse("programs:comment_add", args=[plan.pk])

    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = client.post(url, {"body": "   "}, **headers)

        html = response.content.decode()
        assert response.status_code == 200
        assert 'aria-describedby="id_body_error"' in html
        assert re.search(r'id="id_body_error"><li>Write a message before sending it.</li>', html)
    assert not Comment.objects.filter(plan=plan).exists()


def test_a_comment_without_htmx_returns_to_the_thread(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"]["adviser"])

    response = client.post(reverse("programs:comment_add", args=[plan.pk]),
                           {"body": "Bien reçu, je prends le dossier."})

    assert response["Location"] == detail_url(plan) + "#comments"
    html = client.get(detail_url(plan)).content.decode()
    thread = html[html.index('id="comments"'):]
    assert "Bien reçu, je prends le dossier." in thread
    assert "(ministry)" in thread


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


def test_a_partner_of_another_organisation_gets_404_on_plan_comments_and_documents(
        client, world):
    plan = plan_of_trois_rivieres(world)
    attachment = services.attachment_add(actor=world["users"]["partner"], plan=plan,
                                         upload=pdf_upload())
    client.force_login(world["users"]["partner_gatineau"])

    assert client.get(detail_url(plan)).status_code == 404
    assert client.post(reverse("programs:comment_add", args=[plan.pk]),
                       {"body": "Bonjour"}).status_code == 404
    assert client.get(reverse("programs:attachment_download",
                              args=[plan.pk, attachment.pk])).status_code == 404
    assert client.post(reverse("programs:attachment_delete",
                               args=[plan.pk, attachment.pk])).status_code == 404
    assert client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                       {"file": pdf_upload()}).status_code == 404
    assert not Comment.objects.filter(plan=plan).exists()
    assert list(plan.attachments.all()) == [attachment]


def test_a_document_is_downloaded_with_its_bytes_never_sniffed_nor_cached_and_logged(
        client, world):
    plan = plan_of_trois_rivieres(world)
    upload = pdf_upload("Budget détaillé 2026.pdf")
    content = upload.read()
    attachment = services.attachment_add(actor=world["users"]["partner"], plan=plan,
                                         upload=upload)
    # The ministry reads a draft's documents once the partner asks it for help.
    services.plan_help_request(actor=world["users"]["partner"], plan_id=plan.pk)
    adviser = world["users"]["adviser"]
    client.force_login(adviser)

    response = client.get(reverse("programs:attachment_download",
                                  args=[plan.pk, attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Budget%20d%C3%A9taill%C3%A9%202026.pdf" in response["Content-Disposition"]
    assert LogEntry.objects.get_for_object(attachment).filter(
        action=LogEntry.Action.ACCESS, actor=adviser).exists()


def test_a_document_of_another_plan_is_not_served_under_this_plans_address(client, world):
    partner = world["users"]["partner"]
    plan, other = plan_of_trois_rivieres(world), plan_of_trois_rivieres(world)
    attachment = services.attachment_add(actor=partner, plan=other, upload=pdf_upload())
    client.force_login(partner)

    assert client.get(reverse("programs:attachment_download",
                              args=[plan.pk, attachment.pk])).status_code == 404


def test_a_text_file_renamed_pdf_is_refused_and_nothing_is_stored(client, world):
    plan = plan_of_trois_rivieres(world)
    client.force_login(world["users"]["partner"])
    fake = SimpleUploadedFile("budget.pdf", b"Budget: 10 000 $ pour l'animation.\n")

    response = client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                           {"file": fake}, follow=True)

    assert "“budget.pdf” is not a real PDF file" in response.content.decode()
    assert not Attachment.objects.filter(plan=plan).exists()
    folder = f"plans/{plan.pk}"
    storage = storages["private"]
    assert not storage.exists(folder) or storage.listdir(folder) == ([], [])


def test_the_partner_attaches_a_required_document_then_deletes_it(client, world):
    call = CallFactory(documents=["Résolution du conseil"])
    plan = plan_of_trois_rivieres(world, call=call)
    required = call.required_documents.get()
    client.force_login(world["users"]["partner"])
    upload_url = reverse("programs:attachment_upload", args=[plan.pk])

    response = client.post(upload_url, {"file": docx_upload(),
                                        "required_document": str(required.pk)}, follow=True)

    attachment = plan.attachments.get()
    assert attachment.required_document == required
    assert attachment.content_type.endswith("wordprocessingml.document")
    html = response.content.decode()
    assert "The document “resolution.docx” was added." in html
    documents = html[html.index('id="documents"'):html.index('id="reports"')]
    assert "resolution.docx" in documents and "Résolution du conseil" in documents
    delete_url = reverse("programs:attachment_delete", args=[plan.pk, attachment.pk])
    assert f'action="{delete_url}"' in documents

    response = client.post(delete_url, follow=True)

    assert "The document “resolution.docx” was deleted." in response.content.decode()
    assert not plan.attachments.exists()


def test_a_document_cannot_answer_another_calls_requirement(client, world):
    plan = plan_of_trois_rivieres(world)
    foreign = CallFactory(documents=["Lettre d’appui"]).required_documents.get()
    client.force_login(world["users"]["partner"])

    response = client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                           {"file": pdf_upload(), "required_document": str(foreign.pk)})

    assert response.status_code == 404
    assert not plan.attachments.exists()


def test_once_submitted_the_partner_can_no_longer_delete_its_documents(client, world):
    partner = world["users"]["partner"]
    plan = plan_of_trois_rivieres(world, measures=1)
    attachment = services.attachment_add(actor=partner, plan=plan, upload=pdf_upload())
    services.plan_transition(actor=partner, plan_id=plan.pk, to=Status.SUBMITTED)
    client.force_login(partner)

    html = client.get(detail_url(plan)).content.decode()
    delete_url = reverse("programs:attachment_delete", args=[plan.pk, attachment.pk])

    assert delete_url not in html
    assert client.post(delete_url).status_code == 403
    assert plan.attachments.exists()


# --------------------------------------------------------------------------------------------
# Reports listed on the plan
# --------------------------------------------------------------------------------------------


def test_the_plans_reports_are_listed_with_a_late_marker_and_the_adviser_may_schedule(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_PROGRESS,
                                  recommended_amount=Decimal("10000"),
                                  approved_amount=Decimal("10000"))
    late = ReportFactory(plan=plan, kind="progress", due_on=plan.starts_on)
    ReportFactory(plan=plan)
    client.force_login(world["users"]["adviser"])

    html = client.get(detail_url(plan)).content.decode()

    reports = html[html.index('id="reports"'):html.index('id="timeline"')]
    assert reverse("programs:report_detail", args=[plan.pk, late.pk]) in reports
    assert reports.count(">Late</strong>") == 1
    assert reverse("programs:report_schedule", args=[plan.pk]) in reports


# --------------------------------------------------------------------------------------------
# Query budget
# --------------------------------------------------------------------------------------------


def _busy_plan(world, *, measures, events, comments):
    partner, adviser = world["users"]["partner"], world["users"]["adviser"]
    # Submitted, then sent back for changes: the ministry reads it, the partner still edits it.
    plan = plan_of_trois_rivieres(world, measures=measures, status=Status.CHANGES_REQUESTED,
                                  submitted_at=timezone.now())
    for _ in range(2):
        services.attachment_add(actor=partner, plan=plan, upload=pdf_upload())
    for i in range(comments):
        services.comment_add(actor=partner if i % 2 else adviser, plan=plan, body=f"Message {i}")
    report = ReportFactory(plan=plan)
    PlanEvent.objects.bulk_create([
        PlanEvent(plan=plan, report=report if i % 3 == 0 else None,
                  actor=adviser if i % 2 else partner, from_status=Status.SUBMITTED,
                  to_status=Status.IN_REVIEW, amount=Decimal("100") if i % 4 == 0 else None,
                  comment=f"Étape {i}")
        for i in range(events)])
    return plan


@pytest.mark.parametrize("role", ["partner", "adviser"])
def test_the_plan_page_runs_the_same_queries_for_a_small_and_a_large_plan(
        client, world, django_assert_num_queries, role):
    small = _busy_plan(world, measures=2, events=3, comments=2)
    large = _busy_plan(world, measures=20, events=30, comments=20)
    client.force_login(world["users"][role])
    client.get(detail_url(small))  # warm up the session and caches

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(detail_url(small)).status_code == 200
    with django_assert_num_queries(len(small_queries)):
        response = client.get(detail_url(large))

    assert response.content.decode().count('class="timeline__event"') == 30
