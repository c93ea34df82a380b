"""The services behind regionalisation activities: recording an activity of a Montréal
regionalisation organisation (regions outside Montréal, partner enterprises and
municipalities), changing and deleting it, and recording how many participants settled in
each promoted region 6 and 12 months after it. Messages are checked in French, the portal's
language."""

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from regionalisation import services
from regionalisation.models import Activity, ActivityKind, ActivityRegion, outcomes_due_by
from regions.models import Region
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    ActivityFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


@pytest.fixture
def organisation():
    return regionalisation_organisation(name="Horizon Régions Montréal")


@pytest.fixture
def member(organisation):
    return PartnerUserFactory(organisation=organisation)


def fields(**overrides):
    today = timezone.localdate()
    values = {"kind": ActivityKind.JOB_FAIR, "title": "Salon de l'emploi en région",
              "starts_on": today + timedelta(days=20), "ends_on": today + timedelta(days=21),
              "description": "Employeurs de la Mauricie et de l'Estrie.",
              "participants": None, "other_partners": "Chambre de commerce"}
    values.update(overrides)
    return values


def create(member, regions=("04",), **overrides):
    return services.activity_create(actor=member, regions=[region(c) for c in regions],
                                    **fields(**overrides))


def messages_of(exc_info, key=None):
    error = exc_info.value
    if key is not None:
        return error.message_dict[key]
    return error.messages


# --- Recording an activity ------------------------------------------------------------------


def test_an_organisation_records_an_activity_with_its_regions_and_partners(member,
                                                                             organisation):
    employer = EnterpriseFactory(organisation__name="Fonderie Laviolette").organisation
    trois_rivieres, sherbrooke = municipality("37067"), municipality("43027")

    activity = services.activity_create(
        actor=member, regions=[region("04"), region("05")], partner_enterprises=[employer],
        partner_municipalities=[trois_rivieres, sherbrooke], **fields())

    activity.refresh_from_db()
    assert activity.organisation == organisation
    assert activity.created_by == member
    assert activity.kind == ActivityKind.JOB_FAIR
    assert activity.participants is None  # a future activity: counted once held
    assert sorted(activity.promoted.values_list("region__code", flat=True)) == ["04", "05"]
    assert not activity.promoted.exclude(settled_6_months=None).exists()
    assert list(activity.partner_enterprises.all()) == [employer]
    assert set(activity.partner_municipalities.all()) == {trois_rivieres, sherbrooke}


def test_a_one_day_activity_ends_the_day_it_starts(member):
    day = timezone.localdate() + timedelta(days=3)

    activity = create(member, starts_on=day, ends_on=None)

    assert activity.ends_on == day


def test_montreal_is_not_a_region_an_activity_promotes(member):
    with pytest.raises(ValidationError) as refused:
        create(member, regions=("04", "06"))

    assert messages_of(refused, "regions") == [
        "Une activité de régionalisation fait connaître des régions hors de Montréal."]
    assert not Activity.objects.exists()


def test_an_activity_promotes_at_least_one_region(member):
    with pytest.raises(ValidationError) as refused:
        create(member, regions=())

    assert messages_of(refused, "regions") == [
        "Choisissez au moins une région que l’activité fait connaître."]


def test_an_activity_cannot_end_before_it_starts(member):
    today = timezone.localdate()

    with pytest.raises(ValidationError) as refused:
        create(member, starts_on=today, ends_on=today - timedelta(days=1))

    assert messages_of(refused, "ends_on") == [
        "Le dernier jour ne peut pas précéder le premier."]
    assert not Activity.objects.exists()


def test_a_partner_enterprise_must_be_an_enterprise(member):
    settlement = OrganisationFactory(name="Accueil Trois-Rivières")

    with pytest.raises(ValidationError) as refused:
        services.activity_create(actor=member, regions=[region("04")],
                                 partner_enterprises=[settlement], **fields())

    assert messages_of(refused, "partner_enterprises") == [
        "Les entreprises partenaires doivent être des entreprises."]
    assert not Activity.objects.exists()


def test_a_partner_municipality_is_outside_montreal(member):
    with pytest.raises(ValidationError) as refused:
        services.activity_create(actor=member, regions=[region("04")],
                                 partner_municipalities=[municipality("66023")], **fields())

    assert "partner_municipalities" in refused.value.message_dict
    assert not Activity.objects.exists()


@pytest.mark.parametrize("who", ["settlement", "enterprise", "adviser", "admin"])
def test_only_a_regionalisation_organisation_records_activities(who):
    actor = {
        "settlement": lambda: PartnerUserFactory(organisation=OrganisationFactory()),
        "enterprise": lambda: PartnerUserFactory(
            organisation=EnterpriseFactory().organisation),
        "adviser": lambda: StaffFactory(role="adviser", offices=[office("montreal")]),
        "admin": lambda: StaffFactory(role="admin"),
    }[who]()

    with pytest.raises(PermissionDenied):
        create(actor)
    assert not Activity.objects.exists()


# --- Changing and deleting ------------------------------------------------------------------


def test_changing_the_regions_keeps_the_outcomes_of_those_kept_and_drops_the_others(
        member, organisation):
    activity = ActivityFactory(organisation=organisation, participants=40,
                               regions=[region("04"), region("05")])
    activity.promoted.filter(region__code="04").update(settled_6_months=6)
    activity.promoted.filter(region__code="05").update(settled_6_months=3)

    services.activity_update(actor=member, activity_id=activity.pk,
                             regions=[region("04"), region("07")], title="Nouveau titre")

    rows = {row.region.code: row for row in ActivityRegion.objects.filter(activity=activity)}
    assert set(rows) == {"04", "07"}
    assert rows["04"].settled_6_months == 6  # kept with its region
    assert rows["07"].settled_6_months is None  # new: nothing recorded yet
    activity.refresh_from_db()
    assert activity.title == "Nouveau titre"


def test_participants_cannot_fall_below_the_people_already_counted(member, organisation):
    activity = ActivityFactory(organisation=organisation, participants=40)
    activity.promoted.update(settled_6_months=12)

    with pytest.raises(ValidationError) as refused:
        services.activity_update(actor=member, activity_id=activity.pk, participants=10)

    assert "12" in " ".join(refused.value.messages)
    activity.refresh_from_db()
    assert activity.participants == 40


def test_another_organisation_cannot_touch_the_activity(organisation):
    activity = ActivityFactory(organisation=organisation)
    other = PartnerUserFactory(organisation=regionalisation_organisation())

    with pytest.raises(Activity.DoesNotExist):
        services.activity_update(actor=other, activity_id=activity.pk, title="Piraté")
    with pytest.raises(Activity.DoesNotExist):
        services.activity_delete(actor=other, activity_id=activity.pk)
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_an_adviser_who_sees_the_activity_cannot_change_it(organisation):
    activity = ActivityFactory(organisation=organisation)
    adviser = StaffFactory(role="adviser", offices=[office("montreal")])

    with pytest.raises(PermissionDenied):
        services.activity_update(actor=adviser, activity_id=activity.pk, title="Changé")
    with pytest.raises(PermissionDenied):
        services.activity_delete(actor=adviser, activity_id=activity.pk)


def test_an_activity_without_outcomes_can_be_deleted(member, organisation):
    activity = ActivityFactory(organisation=organisation)

    services.activity_delete(actor=member, activity_id=activity.pk)

    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert not ActivityRegion.objects.filter(activity_id=activity.pk).exists()


def test_an_activity_with_outcomes_cannot_be_deleted(member, organisation):
    activity = ActivityFactory(organisation=organisation)
    activity.promoted.update(settled_12_months=0)  # even “nobody settled” is an outcome

    with pytest.raises(ValidationError) as refused:
        services.activity_delete(actor=member, activity_id=activity.pk)

    assert refused.value.messages == [
        "Les résultats de cette activité sont inscrits : elle ne peut plus être supprimée."]
    assert Activity.objects.filter(pk=activity.pk).exists()


# --- Outcomes -------------------------------------------------------------------------------


def ended(organisation, days_ago, regions=("04",), participants=40):
    day = timezone.localdate() - timedelta(days=days_ago)
    return ActivityFactory(organisation=organisation, starts_on=day, ends_on=day,
                           participants=participants, regions=[region(c) for c in regions])


def settled(activity, months):
    return {row.region.code: getattr(row, f"settled_{months}_months")
            for row in activity.promoted.select_related("region")}


def test_outcomes_are_refused_before_their_date_which_the_message_gives(member, organisation):
    activity = ended(organisation, days_ago=30)
    due_on = activity.ends_on + relativedelta(months=6)

    with pytest.raises(ValidationError) as refused:
        services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=6,
                                          settled={region("04").pk: 3})

    assert refused.value.messages == [
        f"Les résultats après 6 mois peuvent être inscrits à compter du {due_on.isoformat()}."]
    assert settled(activity, 6) == {"04": None}


def test_outcomes_are_recorded_from_their_date(member, organisation):
    activity = ended(organisation, days_ago=10)
    due_on = activity.ends_on + relativedelta(months=6)

    services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=6,
                                      settled={region("04").pk: 3}, today=due_on)

    assert settled(activity, 6) == {"04": 3}


def test_outcomes_need_the_number_of_participants(member, organisation):
    activity = ended(organisation, days_ago=200, participants=None)

    with pytest.raises(ValidationError) as refused:
        services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=6,
                                          settled={region("04").pk: 3})

    assert messages_of(refused, "participants") == [
        "Inscrivez d’abord le nombre de participants."]


def test_the_people_settled_cannot_exceed_the_participants(member, organisation):
    activity = ended(organisation, days_ago=200, regions=("04", "05"), participants=10)

    with pytest.raises(ValidationError) as refused:
        services.activity_outcomes_record(
            actor=member, activity_id=activity.pk, months=6,
            settled={region("04").pk: 7, region("05").pk: 4})

    assert refused.value.messages == [
        "11 personnes établies après 6 mois, c’est plus que les 10 participants."]
    assert settled(activity, 6) == {"04": None, "05": None}


def test_every_promoted_region_gets_a_number(member, organisation):
    activity = ended(organisation, days_ago=200, regions=("04", "05"))

    with pytest.raises(ValidationError):
        services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=6,
                                          settled={region("04").pk: 2})
    with pytest.raises(ValidationError):
        services.activity_outcomes_record(
            actor=member, activity_id=activity.pk, months=6,
            settled={region("04").pk: 2, region("05").pk: 1, region("07").pk: 1})
    with pytest.raises(ValidationError):
        services.activity_outcomes_record(
            actor=member, activity_id=activity.pk, months=6,
            settled={region("04").pk: -1, region("05").pk: 1})
    assert settled(activity, 6) == {"04": None, "05": None}


def test_only_the_6_and_12_month_follow_ups_exist(member, organisation):
    activity = ended(organisation, days_ago=400)

    with pytest.raises(ValidationError):
        services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=3,
                                          settled={region("04").pk: 1})


def test_the_12_month_outcomes_follow_the_6_month_ones(member, organisation):
    activity = ended(organisation, days_ago=400, regions=("04", "05"), participants=30)
    mauricie, estrie = region("04").pk, region("05").pk

    services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=6,
                                      settled={mauricie: 8, estrie: 4})
    services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=12,
                                      settled={mauricie: 7, estrie: 5})

    assert settled(activity, 6) == {"04": 8, "05": 4}
    assert settled(activity, 12) == {"04": 7, "05": 5}
    assert not Activity.objects.outcomes_missing(6, timezone.localdate()).filter(
        pk=activity.pk).exists()
    assert not Activity.objects.outcomes_missing(12, timezone.localdate()).filter(
        pk=activity.pk).exists()


def test_the_12_month_outcomes_wait_for_their_own_date(member, organisation):
    activity = ended(organisation, days_ago=200)

    services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=6,
                                      settled={region("04").pk: 5})
    with pytest.raises(ValidationError) as refused:
        services.activity_outcomes_record(actor=member, activity_id=activity.pk, months=12,
                                          settled={region("04").pk: 5})

    due_on = activity.ends_on + relativedelta(months=12)
    assert due_on.isoformat() in refused.value.messages[0]


def test_an_adviser_cannot_record_outcomes(organisation):
    activity = ended(organisation, days_ago=200)
    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])

    with pytest.raises(PermissionDenied):
        services.activity_outcomes_record(actor=adviser, activity_id=activity.pk, months=6,
                                          settled={region("04").pk: 5})


# --- Outcomes missing: the same date as the page's -------------------------------------------


@pytest.mark.parametrize("ends_on, day, due", [
    (date(2025, 8, 31), date(2026, 2, 27), False),
    (date(2025, 8, 31), date(2026, 2, 28), True),  # 31 August + 6 months = 28 February
    (date(2025, 8, 29), date(2026, 2, 28), True),
    (date(2025, 8, 28), date(2026, 2, 27), False),
    (date(2025, 9, 30), date(2026, 3, 30), True),
    (date(2025, 10, 1), date(2026, 3, 31), False),
])
def test_outcomes_are_missing_from_the_day_they_can_be_recorded(organisation, ends_on, day,
                                                                due):
    activity = ActivityFactory(organisation=organisation, starts_on=ends_on, ends_on=ends_on)

    assert (activity.outcome_due_on(6) <= day) is due
    assert Activity.objects.outcomes_missing(6, day).filter(pk=activity.pk).exists() is due
    assert (ends_on <= outcomes_due_by(6, day)) is due
