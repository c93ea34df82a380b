"""A case's priority: advisers set it (services.case_set_priority), the history records it,
staff see it on the page, in the list (column, filter, sort) and in the export; a high or
urgent case escalates sooner (enterprises/reminders.py); the enterprise never sees it."""

from datetime import date

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from enterprises import reminders, services
from enterprises.models import Case, CaseEvent, CaseStatus, EventKind, Priority
from notifications.models import Reminder
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.notifications import reminder_settings
from tests.factories.partners import PartnerUserFactory

from .test_case_offers import filled, forms_of
from .test_case_pages import enterprise_of
from .test_workspace import _queries, _seed, export_rows

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:case_list")
CSV = reverse("enterprises:case_export", args=["csv"])


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def people(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    users = world["users"]
    return {"organisation": organisation,
            "enterprise": PartnerUserFactory(organisation=organisation),
            "adviser": users["adviser"], "sit_manager": users["sit_manager"],
            "admin": users["admin"], "adviser_gatineau": users["adviser_gatineau"]}


def open_case(people, **fields):
    values = {"status": CaseStatus.IN_PROGRESS, "adviser": people["adviser"]}
    return CaseFactory(organisation=people["organisation"], **{**values, **fields})


def priority_note(priority):
    """What the timeline says of the history row, in the pages' language here (English)."""
    with translation.override("en"):
        return translation.gettext("Priority set to “%(priority)s”.") % {
            "priority": Priority(priority).label}


def detail(client, case):
    response = client.get(reverse("enterprises:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["adviser", "sit_manager"])
def test_an_adviser_sets_the_priority_and_the_history_records_it(people, role):
    case = open_case(people)
    assert case.priority == Priority.NORMAL

    services.case_set_priority(actor=people[role], case=case, priority=Priority.URGENT)

    case.refresh_from_db()
    assert case.priority == Priority.URGENT and case.status == CaseStatus.IN_PROGRESS
    event = CaseEvent.objects.get(case=case)
    assert (event.from_status, event.to_status, event.actor, event.kind, event.params,
            event.comment) == (CaseStatus.IN_PROGRESS, CaseStatus.IN_PROGRESS, people[role],
                               EventKind.PRIORITY, {"priority": "urgent"}, "")
    # The row's text is written when read, in the reader's language.
    with translation.override("fr-ca"):
        assert event.text == "Priorité fixée à « Urgente »."
    with translation.override("en"):
        assert event.text == "Priority set to “Urgent”."
    # The same priority again changes nothing and writes no history.
    services.case_set_priority(actor=people[role], case=case, priority=Priority.URGENT)
    assert CaseEvent.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("role", ["enterprise", "admin"])
def test_the_enterprise_and_administrators_do_not_set_the_priority(people, role):
    case = open_case(people)
    with pytest.raises(PermissionDenied):
        services.case_set_priority(actor=people[role], case=case, priority=Priority.HIGH)
    assert Case.objects.get(pk=case.pk).priority == Priority.NORMAL


def test_a_closed_case_keeps_its_priority(people):
    case = CaseFactory(organisation=people["organisation"], closed=True)
    with pytest.raises(PermissionDenied):
        services.case_set_priority(actor=people["adviser"], case=case, priority=Priority.HIGH)


def test_outside_the_territory_the_case_is_not_found(client, people):
    case = open_case(people)
    with pytest.raises(Case.DoesNotExist):
        services.case_set_priority(actor=people["adviser_gatineau"], case=case,
                                   priority=Priority.HIGH)
    client.force_login(people["adviser_gatineau"])
    response = client.post(reverse("enterprises:case_priority", args=[case.pk]),
                           {"priority": "high"})
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).priority == Priority.NORMAL


@pytest.mark.parametrize("value", ["", "extreme", "URGENT"])
def test_an_unknown_priority_is_refused(client, people, value):
    case = open_case(people)
    with pytest.raises(ValidationError):
        services.case_set_priority(actor=people["adviser"], case=case, priority=value)
    client.force_login(people["adviser"])
    response = client.post(reverse("enterprises:case_priority", args=[case.pk]),
                           {"priority": value})
    assert ('<ul class="errorlist" id="id_priority_error"><li>Choose the priority.</li>'
            in response.content.decode())  # at the priority's list, on the case's page
    assert Case.objects.get(pk=case.pk).priority == Priority.NORMAL
    assert not CaseEvent.objects.filter(case=case).exists()


# --------------------------------------------------------------------------------------------
# The case page
# --------------------------------------------------------------------------------------------


def test_the_priority_form_works_as_the_page_offers_it(client, people):
    case = open_case(people, status=CaseStatus.WAITING)
    client.force_login(people["adviser"])
    url = reverse("enterprises:case_priority", args=[case.pk])
    form = next(f for f in forms_of(detail(client, case)) if f["action"] == url)
    data = filled(form)
    assert data["priority"] == Priority.NORMAL  # the case's priority is the one selected
    response = client.post(url, {**data, "priority": Priority.HIGH}, follow=True)
    assert response.redirect_chain[-1][0] == (
        reverse("enterprises:case_detail", args=[case.pk]) + "#priority")
    assert "The priority of the case is now “High”." in [
        str(m) for m in response.context["messages"]]
    assert Case.objects.get(pk=case.pk).priority == Priority.HIGH
    # The timeline reads the new priority, not “waiting → waiting”.
    page = detail(client, case)
    assert priority_note(Priority.HIGH) in page
    assert "Waiting on the enterprise</strong>" not in page.split('id="timeline"')[1]


@pytest.mark.parametrize("role", ["enterprise", "adviser", "sit_manager", "admin"])
def test_every_role_on_the_priority_of_a_case(client, people, role):
    case = open_case(people, status=CaseStatus.WAITING, waiting_since=date.today())
    services.case_set_priority(actor=people["adviser"], case=case, priority=Priority.URGENT)
    client.force_login(people[role])
    page = detail(client, case)
    staff = role != "enterprise"
    assert ('id="priority-title"' in page) == staff
    assert ('case-priority--urgent' in page) == staff
    assert (reverse("enterprises:case_priority", args=[case.pk]) in page) == (
        role in ("adviser", "sit_manager"))
    # The enterprise's page shows neither the row nor its comment, nor takes it for the
    # ministry's question while the case waits on it.
    assert (priority_note(Priority.URGENT) in page) == staff
    if not staff:
        assert response_question(client, case) is None
    response = client.post(reverse("enterprises:case_priority", args=[case.pk]),
                           {"priority": "low"})
    assert response.status_code == (302 if role in ("adviser", "sit_manager") else 403)


def response_question(client, case):
    response = client.get(reverse("enterprises:case_detail", args=[case.pk]))
    return response.context["question"]


# --------------------------------------------------------------------------------------------
# The list and the export
# --------------------------------------------------------------------------------------------


def test_the_list_shows_filters_and_sorts_by_priority(client, people):
    low = open_case(people, priority=Priority.LOW)
    urgent = open_case(people, priority=Priority.URGENT)
    normal = open_case(people)
    high = open_case(people, priority=Priority.HIGH)
    client.force_login(people["adviser"])

    response = client.get(LIST, {"ordering": "-priority"})
    assert [c.pk for c in response.context["page"]] == [urgent.pk, high.pk, normal.pk, low.pk]
    body = response.content.decode()
    assert "case-priority--urgent" in body and "?ordering=priority" in body
    response = client.get(LIST, {"ordering": "priority"})
    assert [c.pk for c in response.context["page"]] == [low.pk, normal.pk, high.pk, urgent.pk]
    response = client.get(LIST, {"priority": "urgent"})
    assert [c.pk for c in response.context["page"]] == [urgent.pk]
    assert client.get(LIST, {"priority": "extreme"}).status_code == 200

    rows = export_rows(client.get(CSV, {"ordering": "-priority"}))
    assert rows[0][-2] == "Priority"
    assert [(int(row[0]), row[-2]) for row in rows[1:]] == [
        (urgent.pk, "Urgent"), (high.pk, "High"), (normal.pk, "Normal"), (low.pk, "Low")]


def test_the_list_filtered_and_sorted_by_priority_runs_the_same_queries_for_5_and_100(
        client, world, settings):
    settings.CASE_LIST_PAGE_SIZE = 200
    client.force_login(world["users"]["adviser"])
    params = {"priority": "normal", "ordering": "-priority"}
    _seed(world, 5)
    few, response = _queries(client, LIST, params)
    assert len(response.context["page"]) == 5
    _seed(world, 100)
    many, response = _queries(client, LIST, params)
    assert len(response.context["page"]) == 100
    assert many == few


# --------------------------------------------------------------------------------------------
# Escalation
# --------------------------------------------------------------------------------------------


@pytest.fixture
def enterprise(world):
    return EnterpriseFactory(organisation__office=office("trois-rivieres")).organisation


def _late(enterprise, adviser, priority, follow_up=date(2025, 5, 15)):  # a Thursday
    return CaseFactory(organisation=enterprise, adviser=adviser, status=CaseStatus.IN_PROGRESS,
                       next_follow_up=follow_up, priority=priority)


def test_high_and_urgent_cases_escalate_sooner(world, enterprise, sweep):
    reminder_settings(escalation_business_days=5, escalation_business_days_high=2,
                      escalation_business_days_urgent=1)
    adviser = world["users"]["adviser"]
    cases = {p: _late(enterprise, adviser, p) for p in Priority.values}
    escalated = {}
    # Due Thursday 15 May 2025; Monday 19 is Patriots' Day. Overdue by more than 1 business
    # day on Tuesday 20, by more than 2 on Wednesday 21, by more than 5 on Monday 26.
    for day in range(16, 28):
        sweep(reminders.sweep_escalations, date(2025, 5, day))
    for reminder in Reminder.objects.filter(kind="escalation"):
        escalated[reminder.object_key] = reminder.day
    assert escalated == {
        f"case:{cases['urgent'].pk}": date(2025, 5, 20),
        f"case:{cases['high'].pk}": date(2025, 5, 21),
        f"case:{cases['normal'].pk}": date(2025, 5, 26),
        f"case:{cases['low'].pk}": date(2025, 5, 26),
    }


def test_a_longer_delay_for_a_higher_priority_is_not_used(world, enterprise, sweep):
    reminder_settings(escalation_business_days=2, escalation_business_days_high=10,
                      escalation_business_days_urgent=8)
    adviser = world["users"]["adviser"]
    high = _late(enterprise, adviser, Priority.HIGH)
    urgent = _late(enterprise, adviser, Priority.URGENT)
    assert sweep(reminders.sweep_escalations, date(2025, 5, 21)) == 2
    assert set(Reminder.objects.values_list("object_key", "day")) == {
        (f"case:{high.pk}", date(2025, 5, 21)), (f"case:{urgent.pk}", date(2025, 5, 21))}


def test_raising_the_priority_of_a_case_already_escalated_does_not_escalate_it_again(
        world, enterprise, sweep):
    reminder_settings(escalation_business_days=5, escalation_business_days_high=2)
    adviser = world["users"]["adviser"]
    case = _late(enterprise, adviser, Priority.NORMAL)
    assert sweep(reminders.sweep_escalations, date(2025, 5, 26)) == 1
    Case.objects.filter(pk=case.pk).update(priority=Priority.HIGH)
    assert sweep(reminders.sweep_escalations, date(2025, 5, 27)) == 0
    assert Reminder.objects.count() == 1


def test_the_sweep_walks_cases_of_every_priority_in_chunks(world, enterprise, sweep):
    from notifications import reminders as engine

    reminder_settings(escalation_business_days=5, escalation_business_days_high=2)
    adviser = world["users"]["adviser"]
    for priority in [Priority.HIGH] * 3 + [Priority.NORMAL] * 2:
        _late(enterprise, adviser, priority)
    with engine.walking(chunk=2):
        assert sweep(reminders.sweep_escalations, date(2025, 5, 21)) == 3
        assert sweep(reminders.sweep_escalations, date(2025, 5, 26)) == 2


def test_administrators_set_the_escalation_delays_of_high_and_urgent_cases(client, people):
    reminder_settings()
    client.force_login(people["admin"])
    people["admin"].is_superuser = people["admin"].is_staff = True
    people["admin"].save()
    url = reverse("admin:notifications_remindersettings_change", args=[1])
    body = client.get(url).content.decode()
    assert 'name="escalation_business_days_high"' in body
    assert 'name="escalation_business_days_urgent"' in body
