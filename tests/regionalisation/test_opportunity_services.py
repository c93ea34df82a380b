"""Creating, changing, extending and following regional opportunities, and who is told of
what (``regionalisation.services``). Every refusal leaves the database as it was."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from enterprises.models import FrenchLevel, Sector
from notifications.models import Notification
from partners.models import Organisation
from regionalisation import services
from regionalisation.models import (
    Opportunity,
    OpportunityEvent,
    OpportunityFollow,
    OpportunityStatus,
)
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    OpportunityReferralFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

S = OpportunityStatus
TODAY = date(2026, 3, 2)


@pytest.fixture
def people(world):
    tr = world["offices"]["tr"]
    enterprise = EnterpriseFactory(organisation__office=tr,
                                   organisation__name="Usinage Mauricie").organisation
    regionalisation = regionalisation_organisation(name="Passerelle Régions")
    return {
        "enterprise": enterprise,
        "employer": PartnerUserFactory(organisation=enterprise),
        "employer_2": PartnerUserFactory(organisation=enterprise),
        "adviser": world["users"]["adviser"],
        "adviser_2": StaffFactory(role="adviser", offices=[tr]),
        "adviser_gatineau": world["users"]["adviser_gatineau"],
        "sit_manager": world["users"]["sit_manager"],
        "admin": world["users"]["admin"],
        "regionalisation_org": regionalisation,
        "regionalisation": PartnerUserFactory(organisation=regionalisation),
        "regionalisation_2": PartnerUserFactory(organisation=regionalisation),
        "settlement": PartnerUserFactory(organisation=world["orgs"]["tr"]),
        "other_enterprise": PartnerUserFactory(
            organisation=EnterpriseFactory(organisation__office=tr).organisation),
    }


def fields(**changes):
    """What the creation form sends: 3 welders in Trois-Rivières, on the board 60 days."""
    values = {
        "title": "Soudeur ou soudeuse", "description": "Poste permanent de jour.",
        "positions": 3, "noc_code": "72106", "sector": Sector.MANUFACTURING,
        "french_level": FrenchLevel.INTERMEDIATE, "municipality": municipality("37067"),
        "start_date": TODAY + timedelta(days=45), "offers_housing": True,
        "offers_moving_costs": False, "offers_spouse_employment": True,
        "settlement_details": "Logement meublé les trois premiers mois.",
        "expires_on": TODAY + timedelta(days=60),
    }
    values.update(changes)
    return values


def create(actor, enterprise, **changes):
    case = changes.pop("case", None)
    return services.opportunity_create(actor=actor, enterprise=enterprise, case=case,
                                       today=TODAY, **fields(**changes))


def written():
    return (Opportunity.objects.count(), OpportunityEvent.objects.count())


def errors(exc) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


# --------------------------------------------------------------------------------------------
# Creation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["employer", "adviser", "sit_manager"])
def test_a_draft_is_created_for_the_enterprise_in_the_place_of_the_job(people, kind):
    opportunity = create(people[kind], people["enterprise"])
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.status, stored.enterprise, stored.created_by) == (
        S.DRAFT, people["enterprise"], people[kind])
    assert (stored.region.code, stored.office) == ("04", office("trois-rivieres"))
    assert (stored.published_at, stored.submitted_at, stored.validated_by) == (None, None, None)
    assert not stored.events.exists()  # history starts with the first move
    assert (stored.offers_housing, stored.offers_moving_costs,
            stored.offers_spouse_employment) == (True, False, True)


@pytest.mark.parametrize("code,region,slug", [
    ("36033", "04", "shawinigan"),   # the same region, another office
    ("43027", "05", "sherbrooke"),
    ("81017", "07", "gatineau"),     # an enterprise may hire far from its seat
])
def test_the_region_and_the_validating_office_come_from_the_municipality(people, code, region,
                                                                         slug):
    opportunity = create(people["employer"], people["enterprise"],
                         municipality=municipality(code))
    assert (opportunity.region.code, opportunity.office.slug) == (region, slug)


def test_an_adviser_may_publish_from_a_recruitment_case_of_the_enterprise(people):
    case = CaseFactory(organisation=people["enterprise"])
    opportunity = create(people["adviser"], people["enterprise"], case=case)
    assert Opportunity.objects.get(pk=opportunity.pk).case == case


def test_a_job_in_montreal_is_not_a_regional_opportunity(people):
    before = written()
    with pytest.raises(ValidationError) as exc:
        create(people["employer"], people["enterprise"], municipality=municipality("66023"))
    assert "municipality" in errors(exc.value)
    assert written() == before


def test_an_enterprise_outside_the_advisers_territory_is_not_found(people):
    gatineau = EnterpriseFactory(organisation__office=office("gatineau")).organisation
    before = written()
    with pytest.raises(Organisation.DoesNotExist):
        create(people["adviser"], gatineau)
    with pytest.raises(Organisation.DoesNotExist):
        create(people["other_enterprise"], people["enterprise"])  # not its own
    assert written() == before


def test_an_opportunity_is_for_an_enterprise(people):
    before = written()
    for organisation in (OrganisationFactory(office=office("trois-rivieres")),
                         OrganisationFactory(office=office("trois-rivieres"), municipal=True)):
        with pytest.raises(ValidationError) as exc:
            create(people["adviser"], organisation)
        assert "enterprise" in errors(exc.value)
    assert written() == before


@pytest.mark.parametrize("kind", ["admin", "regionalisation", "settlement"])
def test_who_does_not_create_opportunities(people, kind):
    before = written()
    with pytest.raises(PermissionDenied):
        create(people[kind], people["enterprise"])
    assert written() == before


def test_a_case_of_another_enterprise_is_refused(people):
    other_case = CaseFactory(organisation=EnterpriseFactory(
        organisation__office=office("trois-rivieres")).organisation)
    before = written()
    with pytest.raises(ValidationError) as exc:
        create(people["adviser"], people["enterprise"], case=other_case)
    assert "case" in errors(exc.value)
    assert written() == before


def test_the_employer_may_publish_from_its_own_case(people):
    case = CaseFactory(organisation=people["enterprise"])
    assert create(people["employer"], people["enterprise"], case=case).case == case


@pytest.mark.parametrize("expires_on,ok", [
    (TODAY - timedelta(days=1), False),
    (TODAY, True),
    (TODAY + timedelta(days=365), True),
    (TODAY + timedelta(days=366), False),
])
def test_the_expiry_date_is_within_the_coming_year(people, expires_on, ok):
    before = written()
    if ok:
        assert create(people["employer"], people["enterprise"],
                      expires_on=expires_on).expires_on == expires_on
        return
    with pytest.raises(ValidationError) as exc:
        create(people["employer"], people["enterprise"], expires_on=expires_on)
    assert "expires_on" in errors(exc.value)
    assert written() == before


@pytest.mark.parametrize("noc", ["7210", "721066", "7210A", "", "72 06"])
def test_an_invalid_noc_code_is_refused(people, noc):
    before = written()
    with pytest.raises(ValidationError) as exc:
        create(people["employer"], people["enterprise"], noc_code=noc)
    assert "noc_code" in errors(exc.value)
    assert written() == before


@pytest.mark.parametrize("change,field", [
    ({"positions": 0}, "positions"),
    ({"title": ""}, "title"),
    ({"sector": "mining-ish"}, "sector"),
    ({"french_level": "fluent-ish"}, "french_level"),
])
def test_other_invalid_values_are_refused(people, change, field):
    before = written()
    with pytest.raises(ValidationError) as exc:
        create(people["employer"], people["enterprise"], **change)
    assert field in errors(exc.value)
    assert written() == before


def test_the_noc_message_is_in_french_by_default(people):
    with pytest.raises(ValidationError) as exc:
        create(people["employer"], people["enterprise"], noc_code="123")
    assert errors(exc.value)["noc_code"] == ["Un code CNP 2021 compte 5 chiffres."]


def test_an_unknown_field_is_a_programming_error(people):
    with pytest.raises(TypeError):
        services.opportunity_create(actor=people["employer"], enterprise=people["enterprise"],
                                    candidate_name="Jean", **fields())
    assert written() == (0, 0)


# --------------------------------------------------------------------------------------------
# Changing a draft, extending a published opportunity
# --------------------------------------------------------------------------------------------


def opportunity_in(status, people, **kwargs):
    values = {"enterprise": people["enterprise"], "status": status}
    if status != S.DRAFT:
        values["submitted_at"] = timezone.now()
    if status in (S.PUBLISHED, S.FILLED, S.EXPIRED):
        values.update(published_at=timezone.now(), validated_by=people["adviser"])
    if status in (S.FILLED, S.EXPIRED, S.WITHDRAWN):
        values["closed_at"] = timezone.now()
    values.update(kwargs)
    return OpportunityFactory(**values)


def row(opportunity):
    return Opportunity.objects.filter(pk=opportunity.pk).values().get()


@pytest.mark.parametrize("kind", ["employer", "adviser", "sit_manager"])
def test_a_draft_is_changed_by_the_employer_or_the_territorys_staff(people, kind):
    opportunity = opportunity_in(S.DRAFT, people)
    services.opportunity_update(actor=people[kind], opportunity_id=opportunity.pk,
                                title="Soudeur-monteur", positions=5,
                                municipality=municipality("36033"))
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.title, stored.positions, stored.office.slug, stored.status) == (
        "Soudeur-monteur", 5, "shawinigan", S.DRAFT)


@pytest.mark.parametrize("status", [s for s in S.values if s != S.DRAFT])
@pytest.mark.parametrize("kind", ["employer", "adviser"])
def test_only_a_draft_is_changed(people, status, kind):
    opportunity = opportunity_in(status, people)
    before = row(opportunity)
    with pytest.raises(ValidationError) as exc:
        services.opportunity_update(actor=people[kind], opportunity_id=opportunity.pk,
                                    title="Autre titre")
    assert exc.value.code == "not_editable"
    assert row(opportunity) == before


@pytest.mark.parametrize("kind", ["other_enterprise", "adviser_gatineau", "regionalisation"])
def test_a_draft_out_of_scope_is_not_found(people, kind):
    opportunity = opportunity_in(S.DRAFT, people)
    before = row(opportunity)
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_update(actor=people[kind], opportunity_id=opportunity.pk,
                                    title="Autre titre")
    assert row(opportunity) == before


def test_a_change_that_breaks_a_rule_writes_nothing(people):
    opportunity = opportunity_in(S.DRAFT, people)
    before = row(opportunity)
    for change in ({"municipality": municipality("66023")}, {"noc_code": "12"},
                   {"expires_on": timezone.localdate() - timedelta(days=1)},
                   {"positions": 0}):
        with pytest.raises(ValidationError):
            services.opportunity_update(actor=people["employer"],
                                        opportunity_id=opportunity.pk, title="Nouveau",
                                        **change)
        assert row(opportunity) == before, change


@pytest.mark.parametrize("kind", ["employer", "adviser"])
def test_a_published_opportunity_is_extended(people, kind):
    opportunity = opportunity_in(S.PUBLISHED, people)
    later = timezone.localdate() + timedelta(days=90)
    services.opportunity_extend(actor=people[kind], opportunity_id=opportunity.pk,
                                expires_on=later)
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.expires_on, stored.status) == (later, S.PUBLISHED)
    assert not stored.events.exists()  # not a status move


@pytest.mark.parametrize("status", [s for s in S.values if s != S.PUBLISHED])
def test_only_a_published_opportunity_is_extended(people, status):
    opportunity = opportunity_in(status, people)
    before = row(opportunity)
    with pytest.raises(ValidationError) as exc:
        services.opportunity_extend(actor=people["employer"], opportunity_id=opportunity.pk,
                                    expires_on=timezone.localdate() + timedelta(days=90))
    assert exc.value.code == "not_extendable"
    assert row(opportunity) == before


@pytest.mark.parametrize("days", [-1, 366])
def test_the_new_expiry_date_is_within_the_coming_year(people, days):
    opportunity = opportunity_in(S.PUBLISHED, people)
    before = row(opportunity)
    with pytest.raises(ValidationError) as exc:
        services.opportunity_extend(actor=people["employer"], opportunity_id=opportunity.pk,
                                    expires_on=timezone.localdate() + timedelta(days=days))
    assert "expires_on" in errors(exc.value)
    assert row(opportunity) == before


@pytest.mark.parametrize("kind", ["other_enterprise", "adviser_gatineau", "regionalisation"])
def test_extending_out_of_scope_is_not_found(people, kind):
    opportunity = opportunity_in(S.PUBLISHED, people)
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_extend(actor=people[kind], opportunity_id=opportunity.pk,
                                    expires_on=timezone.localdate() + timedelta(days=90))


# --------------------------------------------------------------------------------------------
# Following from the board
# --------------------------------------------------------------------------------------------


def follows(opportunity):
    return list(OpportunityFollow.objects.filter(opportunity=opportunity)
                .values_list("user_id", flat=True))


@pytest.mark.parametrize("kind", ["regionalisation", "settlement"])
def test_an_organisation_follows_an_opportunity_of_the_board_once(people, kind):
    opportunity = opportunity_in(S.PUBLISHED, people)
    user = people[kind]
    assert services.opportunity_follow(actor=user, opportunity_id=opportunity.pk) is True
    assert services.opportunity_follow(actor=user, opportunity_id=opportunity.pk) is True
    assert follows(opportunity) == [user.pk]
    assert Opportunity.objects.with_followed(user).get(pk=opportunity.pk).is_followed
    assert not Opportunity.objects.with_followed(people["regionalisation_2"]).get(
        pk=opportunity.pk).is_followed
    assert services.opportunity_follow(actor=user, opportunity_id=opportunity.pk,
                                       follow=False) is False
    assert follows(opportunity) == []
    # Unfollowing what one does not follow is harmless.
    assert services.opportunity_follow(actor=user, opportunity_id=opportunity.pk,
                                       follow=False) is False


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.WITHDRAWN, S.FILLED, S.EXPIRED])
def test_what_is_not_on_the_board_cannot_be_found_to_follow(people, status):
    opportunity = opportunity_in(status, people)
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_follow(actor=people["regionalisation"],
                                    opportunity_id=opportunity.pk)
    assert follows(opportunity) == []


def test_a_closed_opportunity_the_organisation_referred_to_is_seen_but_not_followed(people):
    opportunity = opportunity_in(S.FILLED, people)
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=people["regionalisation_org"])
    with pytest.raises(ValidationError) as exc:
        services.opportunity_follow(actor=people["regionalisation"],
                                    opportunity_id=opportunity.pk)
    assert exc.value.code == "not_followable"
    assert follows(opportunity) == []


def test_a_published_opportunity_past_its_date_is_no_longer_followed(people):
    # The sweep has not run yet: still “published”, but off the board.
    opportunity = opportunity_in(S.PUBLISHED, people,
                                 expires_on=timezone.localdate() - timedelta(days=1))
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=people["regionalisation_org"])
    with pytest.raises(ValidationError):
        services.opportunity_follow(actor=people["regionalisation"],
                                    opportunity_id=opportunity.pk)
    assert follows(opportunity) == []


@pytest.mark.parametrize("kind", ["employer", "adviser", "admin"])
def test_the_employer_and_the_ministry_do_not_follow(people, kind):
    opportunity = opportunity_in(S.PUBLISHED, people)
    with pytest.raises(ValidationError):
        services.opportunity_follow(actor=people[kind], opportunity_id=opportunity.pk)
    assert follows(opportunity) == []


def test_another_enterprise_does_not_see_the_board(people):
    opportunity = opportunity_in(S.PUBLISHED, people)
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_follow(actor=people["other_enterprise"],
                                    opportunity_id=opportunity.pk)


def test_the_database_keeps_one_follow_per_person(people):
    from django.db import IntegrityError

    opportunity = opportunity_in(S.PUBLISHED, people)
    OpportunityFollow.objects.create(opportunity=opportunity, user=people["regionalisation"])
    with pytest.raises(IntegrityError), transaction.atomic():
        OpportunityFollow.objects.create(opportunity=opportunity,
                                         user=people["regionalisation"])


# --------------------------------------------------------------------------------------------
# Who is told
# --------------------------------------------------------------------------------------------


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service and what its commit enqueues (eager tasks: notifications, emails)."""
    def call(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)
    return call


def notified(**filters):
    return sorted(Notification.objects.filter(**filters).values_list("recipient_id", flat=True))


def emailed():
    return sorted(address for message in mail.outbox for address in message.to)


def pks(*users):
    return sorted(user.pk for user in users)


def move(run, actor, opportunity, to, comment=""):
    return run(services.opportunity_transition, actor=actor, opportunity_id=opportunity.pk,
               to=to, comment=comment)


def test_a_submission_tells_the_territorys_advisers(people, run):
    opportunity = opportunity_in(S.DRAFT, people)
    move(run, people["employer"], opportunity, S.SUBMITTED)
    event = opportunity.events.get()
    advisers = (people["adviser"], people["adviser_2"])
    assert notified() == pks(*advisers)
    notification = Notification.objects.filter(recipient=people["adviser"]).get()
    assert (notification.kind, notification.key, notification.url) == (
        "opportunity_status", f"opportunity-event:{event.pk}",
        reverse("regionalisation:opportunity_detail", args=[opportunity.pk]))
    with translation.override("en"):
        assert notification.message == (
            f"Regional opportunity “{opportunity.title}” ({people['enterprise'].name}): "
            "Draft → Awaiting validation.")
    assert emailed() == sorted(user.email for user in advisers)


@pytest.mark.parametrize("to,comment", [(S.PUBLISHED, ""),
                                        (S.DRAFT, "Précisez l’horaire de travail.")])
def test_a_validation_or_a_return_tells_the_employers_users(people, run, to, comment):
    opportunity = opportunity_in(S.SUBMITTED, people)
    move(run, people["adviser"], opportunity, to, comment)
    employers = (people["employer"], people["employer_2"])
    assert notified() == pks(*employers)
    assert emailed() == sorted(user.email for user in employers)
    assert set(Notification.objects.values_list("params__to", flat=True)) == {to}


def test_an_inactive_user_is_not_told(people, run):
    people["employer_2"].is_active = False
    people["employer_2"].save()
    opportunity = opportunity_in(S.SUBMITTED, people)
    move(run, people["adviser"], opportunity, S.PUBLISHED)
    assert notified() == pks(people["employer"])


@pytest.fixture
def followed(people):
    """A published opportunity followed by a settlement user and a regionalisation user, with
    the counts of the regionalisation organisation (two users) and of another one."""
    opportunity = opportunity_in(S.PUBLISHED, people)
    for kind in ("settlement", "regionalisation"):
        services.opportunity_follow(actor=people[kind], opportunity_id=opportunity.pk)
    OpportunityReferralFactory(opportunity=opportunity,
                               organisation=people["regionalisation_org"])
    elsewhere = regionalisation_organisation()
    OpportunityReferralFactory(opportunity=opportunity, organisation=elsewhere)
    people["elsewhere"] = PartnerUserFactory(organisation=elsewhere)
    people["bystander"] = PartnerUserFactory(organisation=regionalisation_organisation())
    return opportunity


def _closing_audience(people):
    return [people["settlement"], people["regionalisation"], people["regionalisation_2"],
            people["elsewhere"]]


def test_filled_tells_followers_and_referring_organisations_once_each(people, run, followed):
    move(run, people["employer"], followed, S.FILLED)
    expected = [*_closing_audience(people), people["adviser"], people["adviser_2"]]
    assert notified() == pks(*expected)
    assert emailed() == sorted(user.email for user in expected)
    assert people["bystander"].pk not in notified()


def test_filled_by_an_adviser_tells_the_employer_and_the_organisations(people, run, followed):
    move(run, people["adviser"], followed, S.FILLED)
    assert notified() == pks(*_closing_audience(people), people["employer"],
                             people["employer_2"])


def test_expiry_by_the_sweep_tells_followers_referring_organisations_and_employer(
        people, run, followed):
    Opportunity.objects.filter(pk=followed.pk).update(
        expires_on=timezone.localdate() - timedelta(days=1))
    assert run(services.opportunities_expire, day=timezone.localdate()) == 1
    # Nobody made the move: both sides are told (the territory's advisers too).
    assert notified() == pks(*_closing_audience(people), people["employer"],
                             people["employer_2"], people["adviser"], people["adviser_2"])
    assert people["bystander"].pk not in notified()
    assert set(Notification.objects.values_list("params__to", flat=True)) == {S.EXPIRED}


def test_withdrawing_a_published_opportunity_tells_its_followers(people, run, followed):
    move(run, people["employer"], followed, S.WITHDRAWN, "Poste comblé à l’interne.")
    assert set(pks(*_closing_audience(people))) <= set(notified())
    # A withdrawn posting leaves the board: its followers are told without a link to a page
    # that would answer 404; those who still open it (its territory's staff) keep the link.
    for user in _closing_audience(people):
        assert Notification.objects.get(recipient=user).url == ""
    detail = reverse("regionalisation:opportunity_detail", args=[followed.pk])
    assert Notification.objects.get(recipient=people["adviser"]).url == detail


def test_a_filled_opportunity_s_followers_keep_the_link_to_it(people, run, followed):
    move(run, people["employer"], followed, S.FILLED)
    detail = reverse("regionalisation:opportunity_detail", args=[followed.pk])
    assert set(Notification.objects.filter(recipient__in=_closing_audience(people))
               .values_list("url", flat=True)) == {detail}


def test_a_hire_recorded_tells_the_employer_once_per_count(people, run):
    opportunity = opportunity_in(S.PUBLISHED, people)
    user = people["regionalisation"]

    def record(candidates, interviews, hires):
        return run(services.referral_record, actor=user, opportunity_id=opportunity.pk,
                   candidates=candidates, interviews=interviews, hires=hires)

    record(5, 2, 0)
    assert notified() == []  # candidates and interviews alone tell nobody
    referral = record(5, 3, 1)
    employers = pks(people["employer"], people["employer_2"])
    assert notified(kind="opportunity_referral") == employers
    notification = Notification.objects.filter(recipient=people["employer"]).get()
    assert notification.key == f"opportunity-referral:{referral.pk}:1"
    assert notification.url.endswith("#referrals")
    with translation.override("en"):
        assert notification.message == (
            f"Passerelle Régions records hires for your opportunity “{opportunity.title}”: "
            "1 in all.")
    record(6, 3, 1)      # the same count again
    record(6, 3, 0)      # corrected down...
    record(6, 3, 1)      # ... and up again: the same count, already told
    assert Notification.objects.count() == 2
    record(6, 3, 2)      # a second hire
    assert notified(kind="opportunity_referral") == sorted(employers * 2)
    assert len(mail.outbox) == 4
    # A colleague of the same organisation updates the same row, and says nothing new.
    run(services.referral_record, actor=people["regionalisation_2"],
        opportunity_id=opportunity.pk, candidates=6, interviews=3, hires=2)
    assert Notification.objects.count() == 4


def test_a_rolled_back_move_enqueues_nothing(people, django_capture_on_commit_callbacks):
    opportunity = opportunity_in(S.DRAFT, people)

    class Boom(Exception):
        pass

    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(Boom), transaction.atomic()):
        services.opportunity_transition(actor=people["employer"],
                                        opportunity_id=opportunity.pk, to=S.SUBMITTED)
        raise Boom
    assert callbacks == []
    assert Notification.objects.count() == 0 and mail.outbox == []
    assert Opportunity.objects.get(pk=opportunity.pk).status == S.DRAFT
    assert not OpportunityEvent.objects.exists()


def test_a_refused_move_enqueues_nothing(people, django_capture_on_commit_callbacks):
    opportunity = opportunity_in(S.DRAFT, people)
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(ValidationError)):
        services.opportunity_transition(actor=people["employer"],
                                        opportunity_id=opportunity.pk, to=S.PUBLISHED)
    assert callbacks == []
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_a_notification_task_run_twice_tells_each_person_once(people, run):
    opportunity = opportunity_in(S.DRAFT, people)
    move(run, people["employer"], opportunity, S.SUBMITTED)
    event = opportunity.events.get()
    assert run(services.opportunity_event_notify, event_id=event.pk) == 0
    assert len(mail.outbox) == 2
