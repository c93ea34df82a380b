"""Errors where the eye is (issue 17, WCAG 3.3.1 and 3.3.3) on the plan's pages: a move refused
for what its comment or amount holds, asking a second reviewer without one, an incomplete
review grid and a document upload without a file come back as the same page (200), its title
starting with « Erreur », the error next to the control (``aria-invalid``, ``aria-describedby``
pointing at the error list), the page's error summary linking to that control, what was typed
kept, and nothing written. Pages in French, as the portal opens."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programs.models import Attachment, PlanEvent, PlanReview, ReportStatus, Status
from tests.factories.programs import ActionPlanFactory, CallFactory, ReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _french(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"


def plan_of_trois_rivieres(world, **kwargs):
    kwargs.setdefault("adviser", world["users"]["adviser"])
    return ActionPlanFactory(organisation=world["orgs"]["tr"], **kwargs)


def _tag(html, element_id):
    """The start tag of the element with ``element_id`` (one only)."""
    tags = re.findall(rf'<[a-z]+\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert len(tags) == 1, (element_id, tags)
    return tags[0]


def _text(html, element_id):
    """The text of the element with ``element_id``, tags removed."""
    start = html.index(_tag(html, element_id))
    tag = re.match(r"<([a-z]+)", html[start:]).group(1)
    end = html.index(f"</{tag}>", start)
    return unescape(re.sub(r"<[^>]+>", "", html[start:end])).strip()


def _summary_links(html):
    start = html.index('class="error-summary"')
    end = html.index("</div>", start)
    return re.findall(r'href="#([^"]+)"', html[start:end])


def assert_error_at(response, control_id, *, described_on=None):
    """The page says what is wrong at ``control_id``: the title, the control (or the fieldset
    ``described_on`` that groups it) described by a non-empty error list, the summary's link.
    Returns the page and the error's text."""
    assert response.status_code == 200
    html = response.content.decode()
    title = unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1)).strip()
    assert title.startswith("Erreur"), title
    control = _tag(html, control_id)
    assert 'aria-invalid="true"' in control or described_on, control
    describing = _tag(html, described_on or control_id)
    described_by = re.search(r'aria-describedby="([^"]*)"', describing).group(1).split()
    error_id = f"{control_id}_error"
    assert error_id in described_by, describing
    message = _text(html, error_id)
    assert message
    assert control_id in _summary_links(html)
    assert 'class="messages"' not in html or "alert--error" not in html.split(
        'class="messages"')[1].split("</div>")[0]
    return html, message


# --------------------------------------------------------------------------------------------
# A plan's moves
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "to", "role"), [
    (Status.RECOMMENDED, Status.REFUSED, "sit_manager"),
    (Status.IN_REVIEW, Status.CHANGES_REQUESTED, "adviser"),
    (Status.IN_REVIEW, Status.NOT_RECOMMENDED, "adviser"),
])
def test_a_decision_without_its_comment_is_refused_at_the_comment(client, world, status, to,
                                                                  role):
    plan = plan_of_trois_rivieres(world, measures=1, status=status,
                                  recommended_amount=Decimal("5000.00"))
    client.force_login(world["users"][role])

    response = client.post(reverse("programs:plan_transition", args=[plan.pk, to]),
                           {"comment": "  "})

    html, message = assert_error_at(response, f"comment-{to}")
    assert "commentaire" in message.lower()
    plan.refresh_from_db()
    assert plan.status == status
    assert not PlanEvent.objects.filter(plan=plan).exists()


def test_an_approval_without_an_amount_is_refused_at_the_amount_keeping_the_comment(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.RECOMMENDED,
                                  recommended_amount=Decimal("5000.00"))
    client.force_login(world["users"]["sit_manager"])
    url = reverse("programs:plan_transition", args=[plan.pk, Status.APPROVED])

    for amount in ("", "douze mille"):
        response = client.post(url, {"amount": amount, "comment": "Priorité régionale"})

        html, message = assert_error_at(response, "amount-approved")
        assert f'value="{amount}"' in _tag(html, "amount-approved")  # what was typed
        assert "Priorité régionale" in _text(html, "comment-approved")
        assert "comment-approved_error" not in html  # the comment was right
        plan.refresh_from_db()
        assert plan.status == Status.RECOMMENDED and plan.approved_amount is None


def test_a_refused_move_that_no_control_explains_stays_a_message(client, world):
    """A submission of an incomplete plan is a button alone: what is missing is said on the
    plan's page, as before."""
    plan = plan_of_trois_rivieres(world, objectives="")
    client.force_login(world["users"]["partner"])

    response = client.post(reverse("programs:plan_transition", args=[plan.pk, "submitted"]))

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT


def test_asking_changes_to_a_report_without_saying_which_is_refused_at_the_comment(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_PROGRESS,
                                  approved_amount=Decimal("10000.00"))
    report = ReportFactory(plan=plan, status=ReportStatus.SUBMITTED)
    client.force_login(world["users"]["adviser"])
    to = ReportStatus.CHANGES_REQUESTED

    response = client.post(
        reverse("programs:report_transition", args=[plan.pk, report.pk, to]), {"comment": ""})

    assert_error_at(response, f"comment-{to}")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert not PlanEvent.objects.filter(report=report).exists()


# --------------------------------------------------------------------------------------------
# Review grids
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reviewer", ["", "valeur-inexistante-9999", "gatineau"])
def test_asking_a_second_review_without_a_reviewer_of_the_plan_is_refused_at_the_list(
        client, world, reviewer):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    client.force_login(world["users"]["adviser"])
    if reviewer == "gatineau":  # an adviser of another territory: not offered
        reviewer = str(world["users"]["adviser_gatineau"].pk)

    response = client.post(reverse("programs:review_request", args=[plan.pk]),
                           {"reviewer": reviewer})

    assert_error_at(response, "grid-reviewer")
    assert not PlanReview.objects.filter(plan=plan).exists()


def test_an_incomplete_grid_comes_back_with_each_unanswered_criterion_at_its_place(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    criteria = list(plan.call.program.review_criteria.filter(is_active=True)
                    .order_by("position", "pk"))
    client.force_login(world["users"]["adviser"])
    first, second = criteria[0], criteria[1]
    answer = "yes" if first.kind == "eligibility" else "2"

    response = client.post(reverse("programs:plan_grid", args=[plan.pk]),
                           {f"criterion_{first.pk}": answer, "comment": "Plan solide.",
                            "submit": ""})

    html, message = assert_error_at(response, f"id_criterion_{second.pk}",
                                    described_on=f"id_criterion_{second.pk}")
    assert second.label in message
    assert 'aria-invalid="true"' in _tag(html, f"id_criterion_{second.pk}_0")
    assert f"id_criterion_{first.pk}_error" not in html
    assert "checked" in _tag(html, f"id_criterion_{first.pk}_0" if answer == "yes"
                             else f"id_criterion_{first.pk}_1")
    assert "Plan solide." in html
    review = PlanReview.objects.get(plan=plan)  # opened, but nothing answered nor completed
    assert review.submitted_at is None and not review.answers.exists()


# --------------------------------------------------------------------------------------------
# Document uploads
# --------------------------------------------------------------------------------------------


def _fake_pdf():
    return SimpleUploadedFile("budget.pdf", b"Budget: 10 000 $.\n")


def test_a_report_document_without_a_file_is_refused_on_the_report_page(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_PROGRESS,
                                  approved_amount=Decimal("10000.00"))
    report = ReportFactory(plan=plan, status=ReportStatus.EXPECTED)
    client.force_login(world["users"]["partner"])
    page = reverse("programs:report_detail", args=[plan.pk, report.pk])

    for data in ({}, {"file": _fake_pdf()}):
        response = client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                               {"report": str(report.pk), "next": page, **data})

        html, _message = assert_error_at(response, "report-file")
        assert f'action="{reverse("programs:attachment_upload", args=[plan.pk])}"' in html
        assert not Attachment.objects.filter(plan=plan).exists()


def test_a_plan_document_without_a_file_is_refused_on_the_plan_page(client, world):
    plan = plan_of_trois_rivieres(world)
    client.force_login(world["users"]["partner"])

    response = client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                           {"next": reverse("programs:plan_detail", args=[plan.pk])})

    assert_error_at(response, "id_file")
    assert not Attachment.objects.filter(plan=plan).exists()


def test_a_refused_file_on_the_documents_step_is_named_at_its_own_form(client, world):
    call = CallFactory(documents=["Résolution du conseil"])
    plan = plan_of_trois_rivieres(world, call=call)
    required = call.required_documents.get()
    client.force_login(world["users"]["partner"])
    step = reverse("programs:plan_step", args=[plan.pk, "documents"])

    response = client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                           {"file": _fake_pdf(), "required_document": str(required.pk),
                            "next": step})

    html, message = assert_error_at(response, f"file-{required.pk}")
    assert "budget.pdf" in message  # the content check's reason
    assert "file-other_error" not in html  # the other documents' form is untouched
    assert not Attachment.objects.filter(plan=plan).exists()

    response = client.post(reverse("programs:attachment_upload", args=[plan.pk]),
                           {"required_document": "", "next": step})

    assert_error_at(response, "file-other")
