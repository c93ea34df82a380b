"""A plan's page offers only the moves that succeed now, each in its own labelled group, says
what to do for a blocked one and where; staff discuss a plan in internal comments the partner
never sees; a period outside the call's fiscal year is flagged (a warning, not a refusal)."""

import re
from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notification_email_send
from programs import services
from programs.models import Comment, ReportKind, ReportStatus, Status, fiscal_year_of
from tests.factories.programs import ActionPlanFactory, ReportFactory, completed_review

pytestmark = pytest.mark.django_db

SECRET = "Entre nous : le budget de la mesure 2 semble gonflé."


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def detail_url(plan):
    return reverse("programs:plan_detail", args=[plan.pk])


def offered(html):
    return set(re.findall(r'action="[^"]*/transition/([a-z_]+)/"', html))


def actions_panel(html):
    start = html.index('id="actions"')
    return html[start:html.index("</section>", start)]


def plan_of_trois_rivieres(world, **kwargs):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], **kwargs)


# --------------------------------------------------------------------------------------------
# Moves offered only when they succeed
# --------------------------------------------------------------------------------------------


def test_an_approved_plan_sends_the_adviser_to_the_report_schedule_not_to_a_dead_button(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.APPROVED)
    client.force_login(world["users"]["adviser"])

    html = client.get(detail_url(plan)).content.decode()

    assert "in_progress" not in offered(html)
    panel = actions_panel(html)
    assert "Start the follow-up" in panel and "not possible yet" in panel
    assert "Schedule the final report before starting the follow-up." in panel
    assert f'href="{reverse("programs:report_schedule", args=[plan.pk])}"' in panel


def test_a_plan_in_follow_up_points_to_its_final_report_instead_of_a_close_button(
        client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_PROGRESS)
    final = ReportFactory(plan=plan, kind=ReportKind.FINAL, status=ReportStatus.SUBMITTED)
    client.force_login(world["users"]["sit_manager"])

    html = client.get(detail_url(plan)).content.decode()

    assert offered(html) == set()
    panel = actions_panel(html)
    assert "The plan closes when its final report is accepted." in panel
    assert f'href="{reverse("programs:report_detail", args=[plan.pk, final.pk])}"' in panel


def test_an_incomplete_draft_offers_no_submit_button_but_the_way_to_complete_it(client, world):
    plan = plan_of_trois_rivieres(world, objectives="")
    client.force_login(world["users"]["partner"])

    html = client.get(detail_url(plan)).content.decode()

    assert offered(html) == {"withdrawn"}
    panel = actions_panel(html)
    assert "The objectives are missing." in panel
    assert f'href="{reverse("programs:plan_step", args=[plan.pk, "review"])}"' in panel


def test_each_move_is_its_own_group_named_by_its_legend(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW,
                                  adviser=world["users"]["adviser"])
    completed_review(plan)  # recommending needs the adviser's completed review grid
    client.force_login(world["users"]["adviser"])

    panel = actions_panel(client.get(detail_url(plan)).content.decode())

    forms = re.findall(r"<form .*?</form>", panel, re.S)
    assert len(forms) == 3
    legends = [re.search(r"<fieldset>\s*<legend[^>]*>([^<]+)</legend>", form).group(1)
               for form in forms]
    assert legends == ["Request changes", "Recommend", "Do not recommend"]
    for form in forms:  # one comment box per group, with its own label
        assert len(re.findall(r"<textarea", form)) == 1


def test_a_report_decision_is_its_own_group_named_by_its_legend(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_PROGRESS)
    report = ReportFactory(plan=plan, kind=ReportKind.PROGRESS, status=ReportStatus.SUBMITTED)
    client.force_login(world["users"]["adviser"])

    html = client.get(reverse("programs:report_detail", args=[plan.pk, report.pk])
                      ).content.decode()

    legends = re.findall(r"<fieldset>\s*<legend[^>]*>([^<]+)</legend>", html)
    assert legends == ["Accept the report", "Request changes"]


# --------------------------------------------------------------------------------------------
# Who may be assigned a plan
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.REFUSED, Status.CLOSED])
def test_a_plan_that_is_over_is_not_offered_nor_given_to_an_adviser(client, world, status):
    adviser = world["users"]["adviser"]
    over = plan_of_trois_rivieres(world, measures=1, status=status, title="Plan terminé")
    open_plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED,
                                       title="Plan ouvert")
    client.force_login(adviser)

    html = client.get(reverse("programs:queue")).content.decode()

    assert f'name="plan" value="{open_plan.pk}"' in html
    assert f'name="plan" value="{over.pk}"' not in html  # no checkbox, no “Assign to me”
    assert services.plans_assign(actor=adviser, plan_ids=[over.pk], adviser=adviser) == 0
    over.refresh_from_db()
    assert over.adviser_id is None


# --------------------------------------------------------------------------------------------
# Internal comments
# --------------------------------------------------------------------------------------------


def test_staff_write_an_internal_comment_the_partner_never_reads(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    client.force_login(world["users"]["adviser"])

    response = client.post(reverse("programs:comment_add", args=[plan.pk]),
                           {"body": SECRET, "internal": "on"})

    assert response.status_code == 302
    comment = Comment.objects.get(plan=plan)
    assert comment.is_internal
    staff_html = client.get(detail_url(plan)).content.decode()
    assert SECRET in staff_html and "Internal (ministry only)" in staff_html

    client.force_login(world["users"]["partner"])
    partner_html = client.get(detail_url(plan)).content.decode()
    assert SECRET not in partner_html
    assert 'name="internal"' not in partner_html  # a partner's message is always shared
    fragment = client.post(reverse("programs:comment_add", args=[plan.pk]),
                           {"body": "Question sur le budget.", "internal": "on"},
                           HTTP_HX_REQUEST="true").content.decode()
    assert "Question sur le budget." in fragment and SECRET not in fragment
    assert not Comment.objects.get(body="Question sur le budget.").is_internal


def test_a_partner_cannot_write_an_internal_comment(world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=world["users"]["partner"], plan=plan, body="x",
                             internal=True)


def test_an_internal_comment_notifies_only_staff(world):
    adviser, partner = world["users"]["adviser"], world["users"]["partner"]
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW, adviser=adviser)

    comment = services.comment_add(actor=world["users"]["sit_manager"], plan=plan, body=SECRET,
                                   internal=True)
    services.plan_comment_notify(comment_id=comment.pk)

    recipients = set(Notification.objects.values_list("recipient__email", flat=True))
    assert adviser.email in recipients
    assert partner.email not in recipients
    assert set(Notification.objects.values_list("kind", flat=True)) == {"plan_internal_comment"}


def test_no_staff_only_comment_reaches_a_partner_page_email_or_export(client, world):
    """The partner's pages, the partner's emails and the exports never carry an internal
    comment, while the shared one reaches the partner."""
    adviser, partner = world["users"]["adviser"], world["users"]["partner"]
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.IN_REVIEW, adviser=adviser,
                                  title="Plan interculturel")
    internal = services.comment_add(actor=adviser, plan=plan, body=SECRET, internal=True)
    shared = services.comment_add(actor=adviser, plan=plan, body="Merci pour les précisions.")
    for comment in (internal, shared):
        services.plan_comment_notify(comment_id=comment.pk)
    for notification in Notification.objects.all():
        notification_email_send(notification_id=notification.pk)

    # Pages the partner opens.
    client.force_login(partner)
    pages = [client.get(url).content.decode() for url in (
        detail_url(plan), reverse("programs:plan_list"), reverse("notifications:list"))]
    assert any("Merci pour les précisions." in page for page in pages)
    assert not any(SECRET in page for page in pages)
    # The partner's emails: told of the shared comment only.
    partner_mail = [m for m in mail.outbox if partner.email in m.to]
    assert partner_mail
    assert not any(SECRET in m.body or "internal" in m.subject.lower() for m in partner_mail)
    assert not Notification.objects.filter(recipient=partner,
                                           kind="plan_internal_comment").exists()
    # Exports (the ministry's own, a fortiori the partner's) hold no comment text.
    client.force_login(adviser)
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("programs:queue_export", args=[fmt]))
        assert response.status_code == 200
        assert SECRET.encode() not in response.content
    assert list(Comment.objects.for_user(partner)) == [shared]


# --------------------------------------------------------------------------------------------
# Period and fiscal year
# --------------------------------------------------------------------------------------------


def _outside_fiscal_year(world, **kwargs):
    year = fiscal_year_of(timezone.localdate())
    return plan_of_trois_rivieres(world, starts_on=date(year, 4, 1),
                                  ends_on=date(year + 1, 9, 30), **kwargs)


def test_staff_are_warned_when_the_plan_runs_past_the_calls_fiscal_year(client, world):
    plan = _outside_fiscal_year(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"]["adviser"])

    html = client.get(detail_url(plan)).content.decode()

    assert "Check the plan’s period" in html
    assert f"falls outside the call’s fiscal year {plan.call.fiscal_year_label}" in html
    assert "in_review" in offered(html)  # a warning, not a refusal


def test_a_plan_within_the_fiscal_year_has_no_warning(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"]["adviser"])

    assert "Check the plan’s period" not in client.get(detail_url(plan)).content.decode()


def test_the_partner_is_warned_on_the_review_step_and_may_still_submit(client, world):
    plan = _outside_fiscal_year(world, measures=1)
    client.force_login(world["users"]["partner"])

    html = client.get(reverse("programs:plan_step", args=[plan.pk, "review"])).content.decode()

    assert "Check the plan’s period" in html
    assert "This is a warning: the plan can still be submitted." in html
    response = client.post(reverse("programs:plan_transition", args=[plan.pk, "submitted"]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Status.SUBMITTED
