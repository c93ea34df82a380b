"""The regionalisation part of the daily sweep (``notifications.reminders.daily_sweep``):
opportunities expire the day after their expiry date; employers are reminded before that, once
per expiry date; organisations are reminded once when an activity's 6- or 12-month outcomes
are due and missing. Same mechanism as cases: ``Reminder`` rows under a natural key, sent only
by the run that inserted them."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from notifications import reminders
from notifications.models import Notification, Reminder, ReminderSettings
from regionalisation import services
from regionalisation.models import Activity, OpportunityEvent, OpportunityStatus
from regionalisation.reminders import (
    ReminderKind,
    sweep_activity_outcomes,
    sweep_expiring_opportunities,
)
from regions.models import Region
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.notifications import reminder_settings
from tests.factories.partners import PartnerUserFactory
from tests.factories.regionalisation import (
    ActivityFactory,
    OpportunityFactory,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

S = OpportunityStatus
#: A Wednesday of no particular kind.
DAY = date(2025, 6, 11)
EXPIRING = ReminderKind.OPPORTUNITY_EXPIRING


@pytest.fixture
def enterprise(world):
    return EnterpriseFactory(organisation__office=office("trois-rivieres"),
                             organisation__name="Usinage Mauricie").organisation


@pytest.fixture
def employers(enterprise):
    return [PartnerUserFactory(organisation=enterprise) for _ in range(2)]


def published(enterprise, expires_on, **kwargs):
    values = {"enterprise": enterprise, "published": True, "expires_on": expires_on,
              "published_at": timezone.now() - timedelta(days=20)}
    values.update(kwargs)
    return OpportunityFactory(**values)


def _message(notification):
    with translation.override("en"):
        return notification.message


def keys(kind=None):
    rows = Reminder.objects.all() if kind is None else Reminder.objects.filter(kind=kind)
    return sorted(rows.values_list("recipient_id", "kind", "object_key", "day"))


# --------------------------------------------------------------------------------------------
# Expiry
# --------------------------------------------------------------------------------------------


def test_the_sweep_expires_a_published_opportunity_the_day_after_its_expiry_date(
        enterprise, employers, sweep):
    opportunity = published(enterprise, DAY)
    for day in (DAY - timedelta(days=30), DAY - timedelta(days=1), DAY):
        assert sweep(reminders.daily_sweep, day)["opportunities_expired"] == 0, day
        opportunity.refresh_from_db()
        assert opportunity.status == S.PUBLISHED and opportunity.is_on_board(day), day
    assert not OpportunityEvent.objects.exists()

    assert sweep(reminders.daily_sweep, DAY + timedelta(days=1))["opportunities_expired"] == 1
    opportunity.refresh_from_db()
    assert opportunity.status == S.EXPIRED and opportunity.closed_at is not None
    event, = OpportunityEvent.objects.all()
    assert (event.opportunity, event.from_status, event.to_status, event.actor,
            event.comment) == (opportunity, S.PUBLISHED, S.EXPIRED, None, "")
    # The employer is told (a status notification, not a reminder).
    assert {n.kind for n in Notification.objects.filter(recipient=employers[0])} >= {
        "opportunity_status"}

    # Later sweeps find nothing more to do.
    assert sweep(reminders.daily_sweep, DAY + timedelta(days=1))["opportunities_expired"] == 0
    assert sweep(reminders.daily_sweep, DAY + timedelta(days=5))["opportunities_expired"] == 0
    assert OpportunityEvent.objects.count() == 1


def test_a_sweep_that_missed_days_expires_what_is_late(enterprise, sweep):
    late = [published(enterprise, DAY - timedelta(days=n)) for n in (1, 3, 10)]
    on_time = published(enterprise, DAY)
    assert sweep(reminders.daily_sweep, DAY)["opportunities_expired"] == 3
    assert {o.pk for o in late} == set(OpportunityEvent.objects.values_list(
        "opportunity_id", flat=True))
    on_time.refresh_from_db()
    assert on_time.status == S.PUBLISHED


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.FILLED, S.WITHDRAWN, S.EXPIRED])
def test_only_published_opportunities_expire(enterprise, sweep, status):
    closed = {S.FILLED, S.WITHDRAWN, S.EXPIRED}
    opportunity = OpportunityFactory(
        enterprise=enterprise, status=status, expires_on=DAY - timedelta(days=2),
        published_at=timezone.now() if status in (S.FILLED, S.EXPIRED) else None,
        closed_at=timezone.now() if status in closed else None)
    assert sweep(reminders.daily_sweep, DAY)["opportunities_expired"] == 0
    opportunity.refresh_from_db()
    assert opportunity.status == status
    assert not OpportunityEvent.objects.exists()


# --------------------------------------------------------------------------------------------
# Expiring soon: the employer
# --------------------------------------------------------------------------------------------


def test_an_opportunity_expiring_within_seven_days_reminds_the_employer_once(
        enterprise, employers, sweep, mailoutbox, world):
    assert ReminderSettings.current().opportunity_expiry_days == 7
    expires_on = DAY + timedelta(days=7)
    opportunity = published(enterprise, expires_on)
    published(enterprise, DAY + timedelta(days=8))  # not yet
    other = EnterpriseFactory().organisation
    PartnerUserFactory(organisation=other)  # another enterprise: not due yet, never its users
    published(other, DAY + timedelta(days=30))

    assert sweep(sweep_expiring_opportunities, DAY - timedelta(days=1)) == 0
    assert sweep(reminders.daily_sweep, DAY)["opportunities_expiring"] == 2
    key = f"opportunity:{opportunity.pk}"
    assert keys() == sorted((user.pk, EXPIRING, key, expires_on) for user in employers)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in employers)
    notification = Notification.objects.get(recipient=employers[0])
    assert notification.kind == "reminder_opportunity_expiring"
    assert notification.key == f"reminder:{Reminder.objects.get(recipient=employers[0]).pk}"
    assert notification.url == reverse("regionalisation:opportunity_detail",
                                       args=[opportunity.pk])
    assert _message(notification) == (
        f"Your regional opportunity “{opportunity.title}” leaves the board after "
        "18 June 2025: extend it, or mark it filled.")
    # The ministry is not reminded: the posting is the employer's.
    assert not Notification.objects.filter(recipient=world["users"]["adviser"]).exists()

    # However many times the sweep runs, that day or the following ones.
    for day in (DAY, DAY, DAY + timedelta(days=1), DAY + timedelta(days=6), expires_on):
        assert sweep(reminders.daily_sweep, day)["opportunities_expiring"] == (
            2 if day == DAY + timedelta(days=1) else 0), day  # the other one enters its week
    assert len(keys()) == 4
    assert Notification.objects.filter(recipient=employers[0]).count() == 2


def test_a_sweep_that_starts_late_in_the_week_still_reminds_once(enterprise, employers,
                                                                 sweep):
    published(enterprise, DAY)  # its last day on the board
    assert sweep(sweep_expiring_opportunities, DAY) == 2
    assert {row[3] for row in keys()} == {DAY}
    assert sweep(sweep_expiring_opportunities, DAY) == 0


def test_the_delay_is_the_one_the_administrator_set(enterprise, employers, sweep):
    reminder_settings(opportunity_expiry_days=3)
    opportunity = published(enterprise, DAY + timedelta(days=4))
    assert sweep(sweep_expiring_opportunities, DAY) == 0
    assert sweep(sweep_expiring_opportunities, DAY + timedelta(days=1)) == 2
    # A longer delay set afterwards does not remind of the same date again.
    reminder_settings(opportunity_expiry_days=14)
    assert sweep(sweep_expiring_opportunities, DAY + timedelta(days=2)) == 0
    assert {row[2:] for row in keys()} == {(f"opportunity:{opportunity.pk}",
                                            DAY + timedelta(days=4))}


@pytest.mark.parametrize("extra_days", [1, 10, 120])
def test_extending_the_expiry_date_reminds_again_before_the_new_date(
        enterprise, employers, sweep, extra_days):
    first = DAY + timedelta(days=5)
    opportunity = published(enterprise, first)
    assert sweep(sweep_expiring_opportunities, DAY) == 2
    later = first + timedelta(days=extra_days)
    services.opportunity_extend(actor=employers[0], opportunity_id=opportunity.pk,
                                expires_on=later, today=DAY)
    assert sweep(sweep_expiring_opportunities, later - timedelta(days=8)) == 0
    assert sweep(sweep_expiring_opportunities, later - timedelta(days=7)) == 2
    assert sweep(sweep_expiring_opportunities, later - timedelta(days=2)) == 0
    assert sorted({row[3] for row in keys()}) == [first, later]
    assert Notification.objects.filter(recipient=employers[1],
                                       kind="reminder_opportunity_expiring").count() == 2


@pytest.mark.parametrize("status", [S.FILLED, S.WITHDRAWN, S.DRAFT, S.SUBMITTED, S.EXPIRED])
def test_closed_or_unpublished_opportunities_are_not_reminded(enterprise, employers, sweep,
                                                              status):
    OpportunityFactory(enterprise=enterprise, status=status,
                       expires_on=DAY + timedelta(days=3),
                       published_at=timezone.now() if status in (S.FILLED, S.EXPIRED)
                       else None,
                       closed_at=timezone.now() if status in (S.FILLED, S.EXPIRED, S.WITHDRAWN)
                       else None)
    assert sweep(reminders.daily_sweep, DAY)["opportunities_expiring"] == 0
    assert not Reminder.objects.exists()


def test_an_opportunity_filled_after_its_reminder_is_not_reminded_again(enterprise, employers,
                                                                        sweep):
    opportunity = published(enterprise, DAY + timedelta(days=6))
    assert sweep(sweep_expiring_opportunities, DAY) == 2
    services.opportunity_transition(actor=employers[0], opportunity_id=opportunity.pk,
                                    to=S.FILLED)
    assert sweep(sweep_expiring_opportunities, DAY + timedelta(days=1)) == 0


def test_an_inactive_employer_user_is_not_reminded(enterprise, employers, sweep):
    employers[1].is_active = False
    employers[1].save()
    published(enterprise, DAY + timedelta(days=2))
    assert sweep(sweep_expiring_opportunities, DAY) == 1
    assert [row[0] for row in keys()] == [employers[0].pk]


# --------------------------------------------------------------------------------------------
# Activity outcomes: the organisation
# --------------------------------------------------------------------------------------------


@pytest.fixture
def organisation():
    return regionalisation_organisation(name="Passerelle Régions")


@pytest.fixture
def members(organisation):
    return [PartnerUserFactory(organisation=organisation) for _ in range(2)]


def activity(organisation, ends_on, regions=None, **kwargs):
    return ActivityFactory(organisation=organisation, starts_on=ends_on - timedelta(days=2),
                           ends_on=ends_on, regions=regions, **kwargs)


def outcome_keys(months):
    kind = ReminderKind.ACTIVITY_OUTCOMES_6 if months == 6 else ReminderKind.ACTIVITY_OUTCOMES_12
    return keys(kind)


def test_missing_six_month_outcomes_remind_the_organisation_once_from_the_due_date(
        organisation, members, sweep, mailoutbox):
    held = activity(organisation, date(2024, 12, 11), title="Vivre en Mauricie")
    due = date(2025, 6, 11)
    assert held.outcome_due_on(6) == due
    for day in (date(2025, 1, 1), date(2025, 6, 10)):
        assert sweep(reminders.daily_sweep, day)["activity_outcomes"] == 0, day
    assert sweep(reminders.daily_sweep, due)["activity_outcomes"] == 2
    assert outcome_keys(6) == sorted(
        (user.pk, ReminderKind.ACTIVITY_OUTCOMES_6, f"activity:{held.pk}", due)
        for user in members)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in members)
    notification = Notification.objects.get(recipient=members[0])
    assert notification.kind == "reminder_activity_outcomes"
    assert notification.url == reverse("regionalisation:activity_outcomes",
                                       args=[held.pk, 6])
    assert _message(notification) == (
        "Record how many participants of “Vivre en Mauricie” settled in the regions after "
        "6 months (due since 11 June 2025).")
    # Again the same day, the next days, months later (before 12 months): nothing more.
    for day in (due, due, due + timedelta(days=1), date(2025, 11, 30)):
        assert sweep(reminders.daily_sweep, day)["activity_outcomes"] == 0, day
    assert len(keys()) == 2


def test_recorded_outcomes_are_not_reminded(organisation, members, sweep):
    held = activity(organisation, date(2024, 12, 11))
    due = date(2025, 6, 11)
    services.activity_outcomes_record(actor=members[0], activity_id=held.pk, months=6,
                                      settled={Region.objects.get(code="04").pk: 12},
                                      today=due)
    assert sweep(reminders.daily_sweep, due + timedelta(days=3))["activity_outcomes"] == 0
    assert not Reminder.objects.exists()


def test_outcomes_missing_for_one_promoted_region_still_remind(organisation, members, sweep):
    mauricie, estrie = Region.objects.get(code="04"), Region.objects.get(code="05")
    held = activity(organisation, date(2024, 12, 11), regions=[mauricie, estrie])
    held.promoted.filter(region=mauricie).update(settled_6_months=5)
    assert sweep(sweep_activity_outcomes, date(2025, 6, 11)) == 2


def test_the_twelve_month_reminder_follows_the_same_rule(organisation, members, sweep):
    held = activity(organisation, date(2024, 6, 11))
    held.promoted.update(settled_6_months=8)  # recorded at 6 months
    assert sweep(sweep_activity_outcomes, date(2025, 6, 10)) == 0
    assert sweep(sweep_activity_outcomes, date(2025, 6, 11)) == 2
    assert outcome_keys(12) == sorted(
        (user.pk, ReminderKind.ACTIVITY_OUTCOMES_12, f"activity:{held.pk}", date(2025, 6, 11))
        for user in members)
    assert outcome_keys(6) == []
    notification = Notification.objects.filter(recipient=members[0]).get()
    assert notification.url == reverse("regionalisation:activity_outcomes",
                                       args=[held.pk, 12])
    assert "after 12 months" in _message(notification)
    assert sweep(sweep_activity_outcomes, date(2025, 6, 12)) == 0
    held.promoted.update(settled_12_months=6)
    assert sweep(sweep_activity_outcomes, date(2026, 6, 11)) == 0
    assert len(keys()) == 2


def test_both_reminders_when_nothing_was_ever_recorded(organisation, members, sweep):
    held = activity(organisation, date(2024, 6, 11))
    # The sweep was not running six months after: the 6-month reminder keeps its due date.
    assert sweep(sweep_activity_outcomes, date(2025, 6, 11)) == 4
    assert {row[1:] for row in keys()} == {
        (ReminderKind.ACTIVITY_OUTCOMES_6, f"activity:{held.pk}", date(2024, 12, 11)),
        (ReminderKind.ACTIVITY_OUTCOMES_12, f"activity:{held.pk}", date(2025, 6, 11))}


@pytest.mark.parametrize("ends_on,due", [
    (date(2024, 8, 31), date(2025, 2, 28)),   # no 31 February: the last day of the month
    (date(2024, 8, 29), date(2025, 2, 28)),
    (date(2023, 8, 31), date(2024, 2, 29)),   # a leap year
    (date(2024, 10, 31), date(2025, 4, 30)),
    (date(2024, 9, 30), date(2025, 3, 30)),
])
def test_the_reminder_goes_out_on_the_due_date_at_the_end_of_a_month(organisation, members,
                                                                     sweep, ends_on, due):
    held = activity(organisation, ends_on)
    assert held.outcome_due_on(6) == due
    assert sweep(sweep_activity_outcomes, due - timedelta(days=1)) == 0
    assert sweep(sweep_activity_outcomes, due) == 2
    assert {row[3] for row in outcome_keys(6)} == {due}


def test_the_due_date_and_the_reminder_agree_with_what_may_be_recorded(organisation, members):
    held = activity(organisation, date(2024, 8, 31))
    due = held.outcome_due_on(6)
    assert not Activity.objects.outcomes_missing(6, due - timedelta(days=1)).filter(
        pk=held.pk).exists()
    assert Activity.objects.outcomes_missing(6, due).filter(pk=held.pk).exists()
    services.activity_outcomes_record(actor=members[0], activity_id=held.pk, months=6,
                                      settled={Region.objects.get(code="04").pk: 3}, today=due)


def test_only_the_organisations_own_users_are_reminded(organisation, members, sweep, world):
    other = regionalisation_organisation()
    other_user = PartnerUserFactory(organisation=other)
    activity(organisation, date(2024, 12, 11))
    activity(other, date(2024, 12, 20))  # due later
    assert sweep(sweep_activity_outcomes, date(2025, 6, 11)) == 2
    assert {row[0] for row in keys()} == {user.pk for user in members}
    assert not Notification.objects.filter(recipient=other_user).exists()
    assert not Notification.objects.filter(recipient=world["users"]["adviser"]).exists()
    assert sweep(sweep_activity_outcomes, date(2025, 6, 20)) == 1
    assert Notification.objects.filter(recipient=other_user).count() == 1


def test_a_recent_activity_is_not_reminded(organisation, members, sweep):
    activity(organisation, DAY - timedelta(days=30))
    assert sweep(reminders.daily_sweep, DAY)["activity_outcomes"] == 0
