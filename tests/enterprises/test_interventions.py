"""Interventions on a support case: advisers record what they did (a call, a meeting, a visit,
an email, an information session), with its day, duration and who took part; the case's page
lists them with their total and shows them on the timeline, for the ministry only
(enterprises/interventions.py, views/interventions.py)."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from enterprises import interventions as services
from enterprises.models import CaseEvent, CaseStatus, Intervention
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and the services' messages in English (the source language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def people(world):
    users = dict(world["users"])
    users["colleague"] = StaffFactory(role="adviser", offices=[office("trois-rivieres")],
                                      first_name="Léa", last_name="Collègue")
    return users


@pytest.fixture
def case(world, people):
    """An open case of a Trois-Rivières enterprise, opened 20 days ago, asking for
    accompaniment and information, and the enterprise's user."""
    enterprise = EnterpriseFactory(organisation__office=office("trois-rivieres"),
                                   organisation__name="Usinage Laviolette inc.")
    case = CaseFactory(organisation=enterprise.organisation, status=CaseStatus.IN_PROGRESS,
                       adviser=people["adviser"], help_kinds=["accompaniment", "information"],
                       opened_at=timezone.now() - timedelta(days=20))
    people["enterprise"] = PartnerUserFactory(organisation=enterprise.organisation)
    return case


def record(actor, case, **overrides):
    values = {"kind": "phone", "day": TODAY - timedelta(days=2), "duration_minutes": 30,
              "participants": "Mme Roy (RH)", "summary": "Premier appel."}
    values.update(overrides)
    return services.intervention_add(actor=actor, case=case, **values)


def detail(case):
    return reverse("enterprises:case_detail", args=[case.pk])


def add_url(case):
    return reverse("enterprises:case_intervention_add", args=[case.pk])


def edit_url(intervention):
    return reverse("enterprises:case_intervention_update",
                   args=[intervention.case_id, intervention.pk])


def delete_url(intervention):
    return reverse("enterprises:case_intervention_delete",
                   args=[intervention.case_id, intervention.pk])


def form_data(**overrides):
    data = {"kind": "meeting", "help_kind": "accompaniment",
            "day": (TODAY - timedelta(days=1)).isoformat(), "duration_minutes": "90",
            "participants": "M. Gagnon, directeur", "summary": "Rencontre sur l’accueil."}
    data.update(overrides)
    return data


# --------------------------------------------------------------------------------------------
# The services
# --------------------------------------------------------------------------------------------


def test_an_adviser_records_a_call_on_a_case_of_their_office_and_it_is_audited(case, people):
    adviser = people["adviser"]
    intervention = record(adviser, case)
    intervention.refresh_from_db()
    assert (intervention.kind, intervention.duration_minutes, intervention.adviser) == (
        "phone", 30, adviser)
    assert intervention.help_kind == "accompaniment"  # the case's first kind of help
    assert intervention.participants == "Mme Roy (RH)"
    entry = LogEntry.objects.get_for_object(intervention).get()
    assert entry.actor == adviser and entry.action == LogEntry.Action.CREATE


def test_a_sit_manager_records_one_on_a_case_of_their_sit(case, people):
    intervention = record(people["sit_manager"], case, help_kind="information")
    assert intervention.adviser == people["sit_manager"]
    assert intervention.help_kind == "information"


@pytest.mark.parametrize("role", ["adviser_gatineau", "admin", "enterprise"])
def test_others_may_not_record_an_intervention(case, people, role):
    """An adviser of another office, the central administrator (no case work) and the
    enterprise."""
    with pytest.raises(PermissionDenied):
        record(people[role], case)
    assert not Intervention.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"day": TODAY + timedelta(days=1)}, "day", "The date cannot be in the future."),
    ({"day": TODAY - timedelta(days=21)}, "day", "The date cannot be before the case was "
                                                 "opened"),
    ({"duration_minutes": 0}, "duration_minutes", "between 1 minute and 24 hours"),
    ({"duration_minutes": 2000}, "duration_minutes", "between 1 minute and 24 hours"),
    ({"help_kind": "referral"}, "help_kind", "Choose one of the kinds of help of this case: "
                                             "Accompaniment, Information."),
    ({"kind": "telepathy"}, "kind", "Choose the kind of intervention."),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_written(
        case, people, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        record(people["adviser"], case, **overrides)
    assert any(message in text for text in refused.value.message_dict[field])
    assert not Intervention.objects.exists()
    assert not LogEntry.objects.filter(content_type__model="intervention").exists()


def test_the_author_changes_their_intervention_and_a_colleague_may_not(case, people):
    intervention = record(people["adviser"], case)
    with pytest.raises(PermissionDenied):
        services.intervention_update(actor=people["colleague"], intervention=intervention,
                                     duration_minutes=45)
    services.intervention_update(actor=people["adviser"], intervention=intervention,
                                 duration_minutes=45, summary="  Appel plus long.  ")
    intervention.refresh_from_db()
    assert (intervention.duration_minutes, intervention.summary) == (45, "Appel plus long.")
    assert LogEntry.objects.get_for_object(intervention).filter(
        action=LogEntry.Action.UPDATE, actor=people["adviser"]).exists()


@pytest.mark.parametrize("role", ["sit_manager", "admin"])
def test_a_sit_manager_or_an_administrator_corrects_anyones_intervention(case, people, role):
    intervention = record(people["adviser"], case)
    services.intervention_update(actor=people[role], intervention=intervention, kind="visit")
    intervention.refresh_from_db()
    assert intervention.kind == "visit"
    assert intervention.adviser == people["adviser"]  # who did it does not change


def test_an_adviser_of_another_office_may_neither_change_nor_delete_it(case, people):
    intervention = record(people["adviser"], case)
    with pytest.raises(PermissionDenied):
        services.intervention_update(actor=people["adviser_gatineau"],
                                     intervention=intervention, duration_minutes=5)
    with pytest.raises(PermissionDenied):
        services.intervention_delete(actor=people["adviser_gatineau"],
                                     intervention=intervention)
    intervention.refresh_from_db()
    assert intervention.duration_minutes == 30


def test_a_bad_change_leaves_the_intervention_as_it_was(case, people):
    intervention = record(people["adviser"], case)
    with pytest.raises(ValidationError):
        services.intervention_update(actor=people["adviser"], intervention=intervention,
                                     duration_minutes=2000, summary="Changé")
    intervention.refresh_from_db()
    assert (intervention.duration_minutes, intervention.summary) == (30, "Premier appel.")


def test_a_kind_of_help_the_case_no_longer_asks_for_stays_on_its_old_interventions(
        case, people):
    intervention = record(people["adviser"], case, help_kind="information")
    case.help_kinds = ["accompaniment"]
    case.save(update_fields=["help_kinds"])
    services.intervention_update(actor=people["adviser"], intervention=intervention,
                                 help_kind="information", duration_minutes=40)
    intervention.refresh_from_db()
    assert (intervention.help_kind, intervention.duration_minutes) == ("information", 40)
    with pytest.raises(ValidationError):
        record(people["adviser"], case, help_kind="information")


def test_the_author_deletes_a_mistaken_intervention_and_a_colleague_may_not(case, people):
    intervention = record(people["adviser"], case)
    with pytest.raises(PermissionDenied):
        services.intervention_delete(actor=people["colleague"], intervention=intervention)
    services.intervention_delete(actor=people["adviser"], intervention=intervention)
    assert not Intervention.objects.exists()
    assert LogEntry.objects.filter(content_type__model="intervention",
                                   action=LogEntry.Action.DELETE,
                                   actor=people["adviser"]).exists()


def _close(case, days_ago):
    case.status, case.outcome, case.next_follow_up = CaseStatus.CLOSED, "resolved", None
    case.closed_at = timezone.now() - timedelta(days=days_ago)
    case.save()


def test_the_last_call_of_a_recently_closed_case_may_still_be_recorded(case, people):
    """Within 30 days of its closing, dated at the latest on the closing day."""
    _close(case, days_ago=10)
    closed_on = TODAY - timedelta(days=10)
    intervention = record(people["adviser"], case, day=closed_on)
    assert intervention.pk
    with pytest.raises(ValidationError) as refused:
        record(people["adviser"], case, day=closed_on + timedelta(days=1))
    assert "cannot be after the case was closed" in refused.value.message_dict["day"][0]


def test_a_case_closed_more_than_30_days_ago_is_final(case, people):
    intervention = record(people["adviser"], case, day=TODAY - timedelta(days=19))
    _close(case, days_ago=31)
    with pytest.raises(ValidationError, match="more than 30 days ago"):
        record(people["adviser"], case, day=TODAY - timedelta(days=19))
    with pytest.raises(ValidationError, match="more than 30 days ago"):
        services.intervention_update(actor=people["adviser"], intervention=intervention,
                                     duration_minutes=10)
    with pytest.raises(ValidationError, match="more than 30 days ago"):
        services.intervention_delete(actor=people["sit_manager"], intervention=intervention)
    assert Intervention.objects.get().duration_minutes == 30


# --------------------------------------------------------------------------------------------
# The case's page
# --------------------------------------------------------------------------------------------


def test_the_adviser_records_an_intervention_from_the_case_page(client, case, people):
    client.force_login(people["adviser"])
    page = client.get(detail(case))
    assert page.context["can_add_intervention"]
    assert "Record an intervention" in page.content.decode()

    response = client.post(add_url(case), form_data(), follow=True)

    assert response.redirect_chain[-1][0] == detail(case) + "#interventions"
    assert "The intervention was recorded." in response.content.decode()
    intervention = Intervention.objects.get()
    assert (intervention.kind, intervention.duration_minutes, intervention.adviser) == (
        "meeting", 90, people["adviser"])
    page = response.content.decode()
    assert "Rencontre sur l’accueil." in page
    assert "1 intervention, 1 h 30 min in all." in page


def test_an_empty_form_shows_each_error_on_its_field_and_records_nothing(client, case, people):
    client.force_login(people["adviser"])
    response = client.post(add_url(case), {"kind": "", "day": "", "duration_minutes": ""})
    assert response.status_code == 200
    form = response.context["intervention_form"]
    assert form.errors["kind"] == ["Choose the kind of intervention."]
    assert form.errors["day"] == ["Give the date of the intervention."]
    assert form.errors["duration_minutes"] == ["Give the duration in minutes."]
    page = response.content.decode()
    assert "The intervention was not recorded: correct the fields below." in page
    assert 'id="id_kind_error"' in page
    assert not Intervention.objects.exists()


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"duration_minutes": "2000"}, "duration_minutes", "The duration is between 1 minute and "
                                                       "24 hours (1440 minutes)."),
    ({"duration_minutes": "0"}, "duration_minutes", "The duration is between 1 minute and 24 "
                                                    "hours (1440 minutes)."),
    ({"day": (TODAY + timedelta(days=3)).isoformat()}, "day",
     "The date cannot be in the future."),
    ({"help_kind": "referral"}, "help_kind", None),
])
def test_the_services_refusals_show_on_the_forms_fields(client, case, people, overrides, field,
                                                       message):
    client.force_login(people["adviser"])
    response = client.post(add_url(case), form_data(**overrides))
    assert response.status_code == 200
    errors = response.context["intervention_form"].errors[field]
    assert errors
    if message:
        assert errors == [message]
    assert not Intervention.objects.exists()


def test_the_enterprise_never_sees_interventions_and_may_not_record_one(client, case, people):
    record(people["adviser"], case, summary="Résumé confidentiel de l’appel")
    client.force_login(people["enterprise"])
    page = client.get(detail(case))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="interventions"' not in text
    assert "Résumé confidentiel" not in text and "Phone call" not in text
    assert "interventions" not in page.context and "timeline" not in page.context
    assert client.post(add_url(case), form_data()).status_code == 403
    intervention = Intervention.objects.get()
    assert client.get(edit_url(intervention)).status_code == 403
    assert client.post(delete_url(intervention)).status_code == 403
    assert Intervention.objects.count() == 1


def test_an_adviser_of_another_office_gets_404_on_everything(client, case, people):
    intervention = record(people["adviser"], case)
    client.force_login(people["adviser_gatineau"])
    assert client.get(detail(case)).status_code == 404
    assert client.post(add_url(case), form_data()).status_code == 404
    assert client.get(edit_url(intervention)).status_code == 404
    assert client.post(delete_url(intervention)).status_code == 404
    assert Intervention.objects.count() == 1


def test_the_administrator_sees_and_corrects_interventions_but_records_none(client, case,
                                                                           people):
    intervention = record(people["adviser"], case)
    client.force_login(people["admin"])
    page = client.get(detail(case))
    assert page.context["interventions"] == [intervention]
    assert not page.context["can_add_intervention"]
    assert "Record an intervention" not in page.content.decode()
    assert edit_url(intervention) in page.content.decode()
    assert client.post(add_url(case), form_data()).status_code == 403


def test_only_the_author_gets_the_change_link_among_advisers(client, case, people):
    mine = record(people["adviser"], case)
    theirs = record(people["colleague"], case, kind="email")
    client.force_login(people["colleague"])
    text = client.get(detail(case)).content.decode()
    assert edit_url(theirs) in text and edit_url(mine) not in text
    assert client.get(edit_url(mine)).status_code == 403
    assert client.post(delete_url(mine)).status_code == 403
    assert client.get(edit_url(theirs)).status_code == 200


def test_the_author_changes_then_deletes_an_intervention_through_its_page(client, case, people):
    intervention = record(people["adviser"], case)
    client.force_login(people["adviser"])
    page = client.get(edit_url(intervention))
    assert page.context["form"].initial["duration_minutes"] == 30
    response = client.post(edit_url(intervention),
                           form_data(kind="phone", duration_minutes="50", help_kind="information"))
    assert response.status_code == 302
    assert response.url == detail(case) + "#interventions"
    intervention.refresh_from_db()
    assert (intervention.duration_minutes, intervention.help_kind) == (50, "information")

    refused = client.post(edit_url(intervention), form_data(duration_minutes="2000"))
    assert refused.status_code == 200
    assert refused.context["form"].errors["duration_minutes"]

    response = client.post(delete_url(intervention), follow=True)
    assert "The intervention was deleted." in response.content.decode()
    assert not Intervention.objects.exists()


def test_a_closed_case_past_its_grace_period_offers_no_form(client, case, people):
    intervention = record(people["adviser"], case, day=TODAY - timedelta(days=19))
    _close(case, days_ago=40)
    client.force_login(people["adviser"])
    page = client.get(detail(case))
    text = page.content.decode()
    assert not page.context["can_add_intervention"]
    assert "closed more than 30 days ago" in text
    assert edit_url(intervention) not in text
    response = client.post(add_url(case), form_data(day=(TODAY - timedelta(days=41))
                                                    .isoformat()))
    assert response.status_code == 200  # the page again, saying why
    assert "closed more than 30 days ago" in response.content.decode()
    assert Intervention.objects.count() == 1


def test_the_timeline_shows_moves_and_interventions_in_order(client, case, people):
    """Moves at their time, interventions on their day; a move made by an email (no account)
    reads “By email”."""
    adviser = people["adviser"]
    now = timezone.now()
    CaseEvent.objects.create(case=case, from_status="", to_status="new", actor=None,
                             created_at=now - timedelta(days=20))
    CaseEvent.objects.create(case=case, from_status="new", to_status="in_progress",
                             actor=adviser, created_at=now - timedelta(days=5))
    record(adviser, case, day=TODAY - timedelta(days=10), kind="visit", summary="Visite")
    record(adviser, case, day=TODAY - timedelta(days=2), kind="email", summary="Courriel")
    client.force_login(adviser)
    page = client.get(detail(case))
    kinds = [type(entry).__name__ for entry in page.context["timeline"]]
    assert kinds == ["CaseEvent", "Intervention", "CaseEvent", "Intervention"]
    timeline = page.content.decode().split('id="timeline"')[1].split("</section>")[0]
    assert "By email" in timeline
    assert timeline.index("Visit to the enterprise") < timeline.index("In progress") \
        < timeline.index("Courriel")


def test_the_enterprise_reads_a_move_made_by_email(client, case, people):
    CaseEvent.objects.create(case=case, from_status="", to_status="new", actor=None)
    client.force_login(people["enterprise"])
    timeline = client.get(detail(case)).content.decode().split('id="timeline"')[1]
    assert "By email" in timeline


def test_the_days_bounds_are_those_of_the_case(case, people):
    """Not before the day it was opened (Montréal time), and today is fine."""
    opened_on = timezone.localdate(case.opened_at)
    assert record(people["adviser"], case, day=opened_on).pk
    assert record(people["adviser"], case, day=TODAY).pk
    assert isinstance(opened_on, date)
