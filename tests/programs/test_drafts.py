"""Drafts belong to the partner: the ministry reads a plan once it is submitted, or once the
partner asks the office's advisers for help on its draft (logged, notified). The scope itself
is walked role by role in ``tests/test_isolation.py``; here, the request for help and what
staff never hear of."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from notifications.models import Notification
from programs import services
from programs.models import ActionPlan, PlanEvent, PlanEventKind, Status
from tests.factories.programs import ActionPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def draft(world):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1,
                             title="Brouillon de Trois-Rivières",
                             created_by=world["users"]["partner"])


def _notified(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_asking_for_help_shows_the_draft_logs_it_and_notifies_the_office_s_advisers(
        world, draft, django_capture_on_commit_callbacks):
    partner, adviser = world["users"]["partner"], world["users"]["adviser"]
    assert not ActionPlan.objects.for_user(adviser).filter(pk=draft.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_help_request(actor=partner, plan_id=draft.pk, message="Le budget ?")

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT  # not a status change: the draft stays the partner's
    assert draft.help_requested_by == partner and draft.help_requested_at is not None
    event = PlanEvent.objects.get(plan=draft)
    assert (event.kind, event.actor, event.comment, event.from_status, event.to_status) == (
        PlanEventKind.HELP_REQUESTED, partner, "Le budget ?", Status.DRAFT, Status.DRAFT)
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ActionPlan), object_pk=str(draft.pk),
        actor=partner, changes__icontains="help_requested_at").exists()
    assert _notified("plan_help_requested") == {adviser.email}
    assert ActionPlan.objects.for_user(adviser).filter(pk=draft.pk).exists()


def test_asking_twice_changes_nothing(world, draft):
    partner = world["users"]["partner"]
    first = services.plan_help_request(actor=partner, plan_id=draft.pk).help_requested_at
    again = services.plan_help_request(actor=partner, plan_id=draft.pk, message="Encore")
    assert again.help_requested_at == first
    assert PlanEvent.objects.filter(plan=draft).count() == 1


@pytest.mark.parametrize("who", ["adviser", "sit_manager", "admin", "partner_gatineau"])
def test_only_the_plan_s_partner_asks_for_help(world, draft, who):
    with pytest.raises(ActionPlan.DoesNotExist):  # the draft is outside their scope
        services.plan_help_request(actor=world["users"][who], plan_id=draft.pk)
    draft.refresh_from_db()
    assert draft.help_requested_at is None


def test_help_is_asked_on_a_draft_only(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.CHANGES_REQUESTED)
    with pytest.raises(PermissionDenied):
        services.plan_help_request(actor=world["users"]["partner"], plan_id=plan.pk)


def test_staff_hear_nothing_of_a_private_draft(world, draft, django_capture_on_commit_callbacks):
    """A partner's message on its draft, or the draft's withdrawal, would name a plan whose
    page answers 404: nobody at the ministry is notified."""
    partner = world["users"]["partner"]
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=partner, plan=draft, body="Note pour nous")
        services.plan_transition(actor=partner, plan_id=draft.pk, to=Status.WITHDRAWN)
    assert not Notification.objects.exists()


def test_once_help_is_asked_staff_hear_of_the_partner_s_messages(
        world, draft, django_capture_on_commit_callbacks):
    partner = world["users"]["partner"]
    services.plan_help_request(actor=partner, plan_id=draft.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=partner, plan=draft, body="Voici ma question")
    assert _notified("plan_comment") == {world["users"]["adviser"].email}


def test_the_partner_s_page_offers_the_request_once_and_staff_see_the_marker(client, world,
                                                                           draft):
    partner, adviser = world["users"]["partner"], world["users"]["adviser"]
    url = reverse("programs:plan_detail", args=[draft.pk])
    help_url = reverse("programs:plan_help_request", args=[draft.pk])
    client.force_login(partner)
    assert f'action="{help_url}"' in client.get(url).content.decode()

    response = client.post(help_url, {"message": "Pouvez-vous relire ?"})

    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert f'action="{help_url}"' not in page  # asked once: visible until submitted
    assert "Pouvez-vous relire ?" in page  # the timeline says who asked, and what
    client.force_login(adviser)
    page = client.get(url).content.decode()
    assert "Help requested" in page and "Pouvez-vous relire ?" in page
    queue = client.get(reverse("programs:queue")).content.decode()
    assert "Brouillon de Trois-Rivières" in queue and 'class="help-requested"' in queue


def test_a_draft_help_was_asked_on_may_still_be_deleted_by_its_partner(world, draft):
    partner = world["users"]["partner"]
    services.plan_help_request(actor=partner, plan_id=draft.pk)
    services.plan_delete(actor=partner, plan=ActionPlan.objects.get(pk=draft.pk))
    assert not ActionPlan.objects.filter(pk=draft.pk).exists()


def test_the_django_admin_hides_private_drafts_too(client, world, draft):
    submitted = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED,
                                  title="Plan soumis de Trois-Rivières")
    client.force_login(world["users"]["admin"])
    listing = client.get(reverse("admin:programs_actionplan_changelist")).content.decode()
    assert submitted.title in listing and draft.title not in listing
    assert client.get(reverse("admin:programs_actionplan_change",
                              args=[draft.pk])).status_code in (302, 404)
