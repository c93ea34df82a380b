"""The regional-opportunity workflow: every (state, move, role) combination.

Each opportunity starts directly in the state under test (built as the moves that led there
would leave it) and every target is tried inside a savepoint that is rolled back, so the whole
matrix runs in seconds. The expected table below is written from the issue, not read from
``regionalisation.workflow``: an enterprise (or an adviser for it) publishes an opportunity, an
adviser of the territory validates it before it is visible, it closes on expiry (the daily
sweep, the day after its expiry date) or when filled; it may be withdrawn, sent back for
changes, and an expired one prepared again as a new posting.

The people: the employer's user, an adviser of the territory (the Trois-Rivières office serves
the job in Trois-Rivières), the SIT manager of that SIT (office of Sherbrooke), the central
administrator (reads, moves nothing, as for plans and cases), another enterprise's user, an
adviser of another territory (Gatineau), a Montréal regionalisation organisation's user (sees
published opportunities on the board but does not manage them: the move is not found, as for
anyone outside the management scope) and the system (the daily sweep, ``actor=None``).
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import Role
from regionalisation import services
from regionalisation.models import Opportunity, OpportunityEvent, OpportunityStatus
from regionalisation.services import TransitionRefused
from regionalisation.workflow import (
    EDITABLE_STATUSES,
    EXTENDABLE_STATUSES,
    OPPORTUNITY_WORKFLOW,
    SYSTEM,
    TRANSITIONS,
)
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.regionalisation import OpportunityFactory, regionalisation_organisation


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English messages; French is checked where it matters."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

S = OpportunityStatus

KINDS = ["employer", "adviser", "sit_manager", "admin", "enterprise_elsewhere",
         "adviser_elsewhere", "regionalisation", "system"]
#: Outside the management scope (``Opportunity.objects.for_user``): the move is not found.
#: The regionalisation organisation's user sees published opportunities on the board, but
#: only to follow them and record referrals.
OUT_OF_SCOPE = {"enterprise_elsewhere", "adviser_elsewhere", "regionalisation"}
IN_SCOPE = [kind for kind in KINDS if kind not in OUT_OF_SCOPE]

EMPLOYER = {"employer"}
ADVISERS = {"adviser", "sit_manager"}  # a SIT manager may do what the SIT's advisers do
SWEEP = {"system"}
ROLE_OF_KIND = {"employer": Role.PARTNER, "adviser": Role.ADVISER,
                "sit_manager": Role.SIT_MANAGER, "admin": Role.ADMIN, "system": SYSTEM}

#: (from, to) -> who may make the move, as the issue describes the workflow.
EXPECTED_MOVES = {
    # The enterprise, or an adviser for it, submits its draft for validation.
    (S.DRAFT, S.SUBMITTED): EMPLOYER | ADVISERS,
    # An adviser of the territory validates it (then it is on the board) or sends it back.
    (S.SUBMITTED, S.PUBLISHED): ADVISERS,
    (S.SUBMITTED, S.DRAFT): ADVISERS,
    # It closes when filled...
    (S.PUBLISHED, S.FILLED): EMPLOYER | ADVISERS,
    # ... or on expiry, by the daily sweep only.
    (S.PUBLISHED, S.EXPIRED): SWEEP,
    # The employer (or its adviser) may withdraw it at any point before it closes.
    (S.DRAFT, S.WITHDRAWN): EMPLOYER | ADVISERS,
    (S.SUBMITTED, S.WITHDRAWN): EMPLOYER | ADVISERS,
    (S.PUBLISHED, S.WITHDRAWN): EMPLOYER | ADVISERS,
    # An expired posting may be prepared again (a draft, validated again before the board).
    (S.EXPIRED, S.DRAFT): EMPLOYER | ADVISERS,
}
#: Sending back says what to change; withdrawing a published opportunity tells the
#: organisations following it why.
NEEDS_COMMENT = {(S.SUBMITTED, S.DRAFT), (S.PUBLISHED, S.WITHDRAWN)}
#: What goes on the board must stay there until a date still to come.
NEEDS_FUTURE_EXPIRY = {(S.DRAFT, S.SUBMITTED), (S.SUBMITTED, S.PUBLISHED)}

NONSENSE = ["archived", "PUBLISHED", ""]
TARGETS = [*S.values, *NONSENSE]

COMMENT = "Précisez le salaire horaire et l’horaire de travail."


class _Rollback(Exception):
    """Raised to undo one try of the matrix."""


def _undo(check):
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass


def _outcome(frm, to, kind):
    if kind in OUT_OF_SCOPE:
        return "not_found"
    if frm == to:
        return "no_op"
    if kind in EXPECTED_MOVES.get((frm, to), set()):
        return "moves"
    return "refused"


def refused(exc) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------------------------
# The people and an opportunity in each state
# --------------------------------------------------------------------------------------------


@pytest.fixture
def people(world):
    """Who acts on the opportunities of an enterprise of Trois-Rivières."""
    u = world["users"]
    tr = world["offices"]["tr"]
    mine = EnterpriseFactory(organisation__office=tr, organisation__name="Usinage Mauricie")
    other = EnterpriseFactory(organisation__office=tr, organisation__name="Meubles Laviolette")
    return {
        "org": mine.organisation,
        "employer": PartnerUserFactory(organisation=mine.organisation),
        "adviser": u["adviser"],
        "sit_manager": u["sit_manager"],
        "admin": u["admin"],
        "enterprise_elsewhere": PartnerUserFactory(organisation=other.organisation),
        "adviser_elsewhere": u["adviser_gatineau"],
        "regionalisation": PartnerUserFactory(organisation=regionalisation_organisation()),
        "system": None,
    }


def opportunity_in(status, people, **kwargs):
    """An opportunity of the enterprise in Trois-Rivières in ``status``, as the moves that
    led there leave it (expiring in 30 days, except an expired one: yesterday)."""
    created = timezone.now() - timedelta(days=20)
    values = {"enterprise": people["org"], "status": status, "created_at": created,
              "created_by": people["employer"], "municipality": _trois_rivieres(),
              "office": office("trois-rivieres")}
    if status != S.DRAFT:
        values["submitted_at"] = created + timedelta(days=1)
    if status in (S.PUBLISHED, S.FILLED, S.EXPIRED):
        values.update(published_at=created + timedelta(days=2),
                      validated_by=people["adviser"])
    if status in (S.FILLED, S.EXPIRED, S.WITHDRAWN):
        values["closed_at"] = created + timedelta(days=10)
    if status == S.EXPIRED:
        values["expires_on"] = timezone.localdate() - timedelta(days=1)
    values.update(kwargs)
    return OpportunityFactory(**values)


def _trois_rivieres():
    from tests.factories.regionalisation import municipality

    return municipality("37067")


OPPORTUNITY_FIELDS = ["status", "expires_on", "submitted_at", "published_at", "validated_by_id",
                      "closed_at", "created_at", "updated_at", "title", "positions"]


def snapshot(opportunity_id):
    """Everything a refused move must leave as it was."""
    return (Opportunity.objects.filter(pk=opportunity_id).values(*OPPORTUNITY_FIELDS).get(),
            list(OpportunityEvent.objects.filter(opportunity_id=opportunity_id)
                 .values_list("pk", flat=True)))


def _day_for(kind, opportunity):
    """The day the move is tried on: the sweep runs the day after the expiry date."""
    if kind == "system":
        return opportunity.expires_on + timedelta(days=1)
    return timezone.localdate()


# --------------------------------------------------------------------------------------------
# The table itself
# --------------------------------------------------------------------------------------------


def test_the_workflow_table_is_the_one_the_issue_describes():
    assert {key: {kind for kind, role in ROLE_OF_KIND.items() if role in move.roles}
            for key, move in TRANSITIONS.items()} == EXPECTED_MOVES
    assert {key for key, move in TRANSITIONS.items() if move.needs_comment} == NEEDS_COMMENT
    assert {key for key, move in TRANSITIONS.items()
            if move.needs_future_expiry} == NEEDS_FUTURE_EXPIRY
    assert set(EDITABLE_STATUSES) == {S.DRAFT}
    assert set(EXTENDABLE_STATUSES) == {S.PUBLISHED}


def test_every_status_is_reachable_and_only_closed_ones_have_no_way_out_but_a_new_posting():
    reached = {S.DRAFT} | {to for (_frm, to) in EXPECTED_MOVES}
    assert reached == set(S.values)
    assert {frm for (frm, _to) in EXPECTED_MOVES} == {S.DRAFT, S.SUBMITTED, S.PUBLISHED,
                                                       S.EXPIRED}
    # Nothing goes back on the board without an adviser's validation.
    assert {frm for (frm, to) in EXPECTED_MOVES if to == S.PUBLISHED} == {S.SUBMITTED}


# --------------------------------------------------------------------------------------------
# Every (state, move, role)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("frm", S.values)
def test_every_opportunity_move_is_made_or_refused_as_the_table_says(people, frm, kind):
    actor = people[kind]
    opportunity = opportunity_in(frm, people)
    before = snapshot(opportunity.pk)
    old = before[0]
    now = timezone.now()
    today = _day_for(kind, opportunity)

    for to in TARGETS:
        expected = _outcome(frm, to, kind)

        def check(to=to, expected=expected):
            where = f"{frm} -> {to!r} by {kind}"
            call = lambda: services.opportunity_transition(  # noqa: E731
                actor=actor, opportunity_id=opportunity.pk, to=to, comment=COMMENT, now=now,
                today=today)
            if expected == "not_found":
                with pytest.raises(Opportunity.DoesNotExist):
                    call()
                assert snapshot(opportunity.pk) == before, where
            elif expected == "no_op":
                assert call().status == frm, where
                assert snapshot(opportunity.pk) == before, f"{where}: a no-op wrote something"
            elif expected == "refused":
                with pytest.raises(TransitionRefused) as exc:
                    call()
                message = refused(exc.value)
                assert exc.value.code == "not_allowed", where
                assert f"“{S(frm).label}”" in message, (where, message)
                assert f"“{S(to).label if to in S.values else to}”" in message, (where,
                                                                                   message)
                assert snapshot(opportunity.pk) == before, f"{where}: a refused move changed"
            else:
                result = services.opportunity_transition(
                    actor=actor, opportunity_id=opportunity.pk, to=to, comment=COMMENT,
                    now=now, today=today)
                stored = Opportunity.objects.get(pk=opportunity.pk)
                assert result.status == stored.status == to, where
                events = list(OpportunityEvent.objects.filter(opportunity=opportunity)
                              .exclude(pk__in=before[1]))
                assert len(events) == 1, f"{where}: {len(events)} history rows"
                event = events[0]
                assert (event.from_status, event.to_status, event.actor_id, event.comment,
                        event.created_at) == (
                    frm, to, actor.pk if actor else None, COMMENT, now), where
                # The dates each move sets, and those it keeps.
                assert stored.submitted_at == (now if to == S.SUBMITTED
                                               else old["submitted_at"]), where
                if to == S.PUBLISHED:
                    assert (stored.published_at, stored.validated_by_id,
                            stored.closed_at) == (now, actor.pk, None), where
                elif to == S.DRAFT:
                    # Back to a draft: off the board until validated again.
                    assert (stored.published_at, stored.validated_by_id,
                            stored.closed_at) == (None, None, None), where
                else:
                    assert (stored.published_at, stored.validated_by_id) == (
                        old["published_at"], old["validated_by_id"]), where
                if to in (S.FILLED, S.EXPIRED, S.WITHDRAWN):
                    assert stored.closed_at == now, where
                elif to == S.SUBMITTED:
                    assert stored.closed_at is None, where
                assert (stored.expires_on, stored.created_at, stored.title) == (
                    old["expires_on"], old["created_at"], old["title"]), where
                assert stored.is_on_board(timezone.localdate()) == (to == S.PUBLISHED), where

        _undo(check)

    assert snapshot(opportunity.pk) == before


@pytest.mark.parametrize("kind", [kind for kind in IN_SCOPE if kind != "system"]
                         + ["enterprise_elsewhere", "regionalisation"])
@pytest.mark.parametrize("frm", S.values)
def test_the_buttons_offered_are_exactly_the_moves_allowed(people, frm, kind):
    opportunity = opportunity_in(frm, people)
    offered = {option.to for option in OPPORTUNITY_WORKFLOW.moves_for(people[kind], opportunity)}
    assert offered == {to for (f, to), kinds in EXPECTED_MOVES.items()
                       if f == frm and kind in kinds}


@pytest.mark.parametrize("frm", S.values)
def test_the_sweep_is_offered_no_button(people, frm):
    assert OPPORTUNITY_WORKFLOW.moves_for(None, opportunity_in(frm, people)) == []


def test_an_anonymous_visitor_is_offered_no_move(people):
    from django.contrib.auth.models import AnonymousUser

    assert OPPORTUNITY_WORKFLOW.moves_for(AnonymousUser(), opportunity_in(S.SUBMITTED,
                                                                          people)) == []


def test_an_inactive_adviser_finds_nothing_to_move(people):
    adviser = people["adviser"]
    adviser.is_active = False
    adviser.save()
    opportunity = opportunity_in(S.SUBMITTED, people)
    with pytest.raises(Opportunity.DoesNotExist):
        services.opportunity_transition(actor=adviser, opportunity_id=opportunity.pk,
                                        to=S.PUBLISHED)
    assert Opportunity.objects.get(pk=opportunity.pk).status == S.SUBMITTED


# --------------------------------------------------------------------------------------------
# What each move needs
# --------------------------------------------------------------------------------------------


def _actor_for(frm, to, people):
    kinds = EXPECTED_MOVES[frm, to]
    return people["adviser"] if "adviser" in kinds else people[sorted(kinds)[0]]


@pytest.mark.parametrize("comment", ["", "   \n ", None])
@pytest.mark.parametrize("frm,to", sorted(NEEDS_COMMENT))
def test_a_move_that_needs_a_comment_is_refused_without_one(people, frm, to, comment):
    opportunity = opportunity_in(frm, people)
    before = snapshot(opportunity.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_transition(actor=_actor_for(frm, to, people),
                                        opportunity_id=opportunity.pk, to=to, comment=comment)
    assert exc.value.code == "comment_required"
    assert refused(exc.value) == "A comment is required for this step."
    assert snapshot(opportunity.pk) == before


@pytest.mark.parametrize("frm,to", sorted(NEEDS_COMMENT))
def test_the_comment_is_kept_in_the_history(people, frm, to):
    opportunity = opportunity_in(frm, people)
    services.opportunity_transition(actor=_actor_for(frm, to, people),
                                    opportunity_id=opportunity.pk, to=to,
                                    comment=f"  {COMMENT}\n")
    assert opportunity.events.get().comment == COMMENT


@pytest.mark.parametrize("frm,to", sorted(set(EXPECTED_MOVES) - NEEDS_COMMENT
                                          - {(S.PUBLISHED, S.EXPIRED)}))
def test_the_other_moves_need_no_comment(people, frm, to):
    opportunity = opportunity_in(frm, people)
    services.opportunity_transition(actor=_actor_for(frm, to, people),
                                    opportunity_id=opportunity.pk, to=to)
    assert Opportunity.objects.get(pk=opportunity.pk).status == to
    assert opportunity.events.get().comment == ""


@pytest.mark.parametrize("days_late", [1, 40])
@pytest.mark.parametrize("frm,to", sorted(NEEDS_FUTURE_EXPIRY))
def test_submitting_and_validating_are_refused_once_the_expiry_date_has_passed(
        people, frm, to, days_late):
    expires_on = timezone.localdate() - timedelta(days=days_late)
    opportunity = opportunity_in(frm, people, expires_on=expires_on)
    before = snapshot(opportunity.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_transition(actor=_actor_for(frm, to, people),
                                        opportunity_id=opportunity.pk, to=to)
    assert exc.value.code == "expired"
    assert expires_on.isoformat() in refused(exc.value)
    assert "has passed" in refused(exc.value)
    assert snapshot(opportunity.pk) == before


@pytest.mark.parametrize("frm,to", sorted(NEEDS_FUTURE_EXPIRY))
def test_submitting_and_validating_are_allowed_on_the_expiry_date_itself(people, frm, to):
    today = timezone.localdate()
    opportunity = opportunity_in(frm, people, expires_on=today)
    services.opportunity_transition(actor=_actor_for(frm, to, people),
                                    opportunity_id=opportunity.pk, to=to, today=today)
    assert Opportunity.objects.get(pk=opportunity.pk).status == to


@pytest.mark.parametrize("days_before", [0, 1, 30])
def test_the_sweep_does_not_expire_an_opportunity_before_the_day_after_its_expiry_date(
        people, days_before):
    opportunity = opportunity_in(S.PUBLISHED, people)
    before = snapshot(opportunity.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_transition(
            actor=None, opportunity_id=opportunity.pk, to=S.EXPIRED,
            today=opportunity.expires_on - timedelta(days=days_before))
    assert exc.value.code == "not_expired"
    assert "has not reached its expiry date" in refused(exc.value)
    assert snapshot(opportunity.pk) == before


def test_the_sweep_expires_the_day_after_and_records_no_person(people):
    opportunity = opportunity_in(S.PUBLISHED, people)
    services.opportunity_transition(actor=None, opportunity_id=opportunity.pk, to=S.EXPIRED,
                                    today=opportunity.expires_on + timedelta(days=1))
    opportunity.refresh_from_db()
    assert opportunity.status == S.EXPIRED and opportunity.closed_at is not None
    event = opportunity.events.get()
    assert (event.from_status, event.to_status, event.actor, event.comment) == (
        S.PUBLISHED, S.EXPIRED, None, "")


@pytest.mark.parametrize("kind", ["employer", "adviser", "sit_manager", "admin"])
def test_nobody_but_the_sweep_expires_an_opportunity_even_after_its_date(people, kind):
    opportunity = opportunity_in(S.PUBLISHED, people,
                                 expires_on=timezone.localdate() - timedelta(days=3))
    before = snapshot(opportunity.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_transition(actor=people[kind], opportunity_id=opportunity.pk,
                                        to=S.EXPIRED)
    assert exc.value.code == "not_allowed"
    assert snapshot(opportunity.pk) == before


def test_an_expired_posting_prepared_again_must_be_given_a_new_date_before_submission(people):
    employer = people["employer"]
    opportunity = opportunity_in(S.EXPIRED, people)
    services.opportunity_transition(actor=employer, opportunity_id=opportunity.pk, to=S.DRAFT)
    with pytest.raises(TransitionRefused) as exc:
        services.opportunity_transition(actor=employer, opportunity_id=opportunity.pk,
                                        to=S.SUBMITTED)
    assert exc.value.code == "expired"
    new_date = timezone.localdate() + timedelta(days=60)
    services.opportunity_update(actor=employer, opportunity_id=opportunity.pk,
                                expires_on=new_date)
    services.opportunity_transition(actor=employer, opportunity_id=opportunity.pk,
                                    to=S.SUBMITTED)
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.expires_on) == (S.SUBMITTED, new_date)
    assert not opportunity.is_on_board()


# --------------------------------------------------------------------------------------------
# A whole journey, and what the database refuses
# --------------------------------------------------------------------------------------------


def test_the_whole_journey_writes_one_history_row_per_move(people):
    u = people
    opportunity = opportunity_in(S.DRAFT, people)
    moves = [
        (u["employer"], S.SUBMITTED, ""),
        (u["adviser"], S.DRAFT, "Ajoutez l’aide au logement offerte."),
        (u["employer"], S.SUBMITTED, ""),
        (u["sit_manager"], S.PUBLISHED, ""),
        (u["employer"], S.FILLED, ""),
    ]
    for actor, to, comment in moves:
        services.opportunity_transition(actor=actor, opportunity_id=opportunity.pk, to=to,
                                        comment=comment)
        opportunity.refresh_from_db()
        assert opportunity.status == to
    assert opportunity.validated_by == u["sit_manager"]
    assert opportunity.published_at is not None and opportunity.closed_at is not None
    assert [(e.from_status, e.to_status, e.actor_id, e.comment)
            for e in opportunity.events.all()] == [
        (S.DRAFT, S.SUBMITTED, u["employer"].pk, ""),
        (S.SUBMITTED, S.DRAFT, u["adviser"].pk, "Ajoutez l’aide au logement offerte."),
        (S.DRAFT, S.SUBMITTED, u["employer"].pk, ""),
        (S.SUBMITTED, S.PUBLISHED, u["sit_manager"].pk, ""),
        (S.PUBLISHED, S.FILLED, u["employer"].pk, ""),
    ]


@pytest.mark.parametrize("change", [
    {"status": "archived"},                            # unknown status
    {"status": S.PUBLISHED, "published_at": None},     # on the board without validation
    {"status": S.FILLED, "published_at": None},
    {"status": S.EXPIRED, "published_at": None},
])
def test_the_database_keeps_the_status_consistent(people, change):
    opportunity = opportunity_in(S.SUBMITTED, people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.filter(pk=opportunity.pk).update(**change)


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def test_the_refusal_speaks_french_by_default(people):
    opportunity = opportunity_in(S.DRAFT, people)
    with translation.override("fr-ca"), pytest.raises(TransitionRefused) as exc:
        services.opportunity_transition(actor=people["employer"],
                                        opportunity_id=opportunity.pk, to=S.FILLED)
    assert exc.value.messages == [
        "Vous ne pouvez pas faire passer une offre de « Brouillon » à « Pourvue »."]


# --------------------------------------------------------------------------------------------
# The Django admin: the status changes only through the workflow
# --------------------------------------------------------------------------------------------


def _admin_form_data(response):
    """What the admin's change form would post back unchanged (fields and inline management
    forms), from the page's context."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form.initial.get(name)
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
    return data


@pytest.fixture
def admin_client(client, people):
    client.force_login(people["admin"])
    return client


def test_the_admin_lists_opportunities_by_status_and_region(admin_client, people):
    published = opportunity_in(S.PUBLISHED, people, title="Soudeur de nuit")
    opportunity_in(S.DRAFT, people, title="Mécanicien industriel")
    url = "/admin/regionalisation/opportunity/"
    response = admin_client.get(url, {"status__exact": S.PUBLISHED,
                                      "region__id__exact": published.region_id})
    assert response.status_code == 200
    assert [o.pk for o in response.context["cl"].result_list] == [published.pk]
    response = admin_client.get(url, {"q": "mécanicien"})
    assert [o.title for o in response.context["cl"].result_list] == ["Mécanicien industriel"]


@pytest.mark.parametrize("status", [s for s in S.values if s != S.DRAFT])
def test_the_admin_shows_a_non_draft_read_only_and_ignores_a_posted_status(admin_client,
                                                                           people, status):
    opportunity = opportunity_in(status, people)
    url = f"/admin/regionalisation/opportunity/{opportunity.pk}/change/"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()
    assert 'name="title"' not in response.content.decode()
    before = snapshot(opportunity.pk)
    data = _admin_form_data(response)
    data.update(status=S.DRAFT, title="Autre titre", published_at="")
    admin_client.post(url, data)
    assert snapshot(opportunity.pk)[0] | {"updated_at": None} == before[0] | {
        "updated_at": None}
    assert not OpportunityEvent.objects.filter(opportunity=opportunity).exists()


def test_the_admin_corrects_a_drafts_wording_but_not_its_status(admin_client, people):
    opportunity = opportunity_in(S.DRAFT, people, title="Soudeur (e)")
    url = f"/admin/regionalisation/opportunity/{opportunity.pk}/change/"
    response = admin_client.get(url)
    assert 'name="status"' not in response.content.decode()
    assert 'name="title"' in response.content.decode()
    data = _admin_form_data(response)
    data.update(title="Soudeur ou soudeuse", status=S.PUBLISHED)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Opportunity.objects.get(pk=opportunity.pk)
    assert (stored.title, stored.status, stored.published_at) == (
        "Soudeur ou soudeuse", S.DRAFT, None)
    # The model's rules hold in the admin too.
    data.update(noc_code="123")
    assert admin_client.post(url, data).status_code == 200
    assert Opportunity.objects.get(pk=opportunity.pk).noc_code == "72106"


def test_the_admin_neither_adds_nor_deletes_opportunities(admin_client, people):
    opportunity = opportunity_in(S.PUBLISHED, people)
    assert admin_client.get("/admin/regionalisation/opportunity/add/").status_code == 403
    assert admin_client.get(
        f"/admin/regionalisation/opportunity/{opportunity.pk}/delete/").status_code == 403
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()


def test_the_admin_shows_referral_counts_and_activities_read_only(admin_client, people):
    from tests.factories.regionalisation import ActivityFactory, OpportunityReferralFactory

    referral = OpportunityReferralFactory(opportunity=opportunity_in(S.PUBLISHED, people))
    activity = ActivityFactory(title="Salon de l’emploi en région")
    for model, pk in (("opportunityreferral", referral.pk), ("activity", activity.pk)):
        base = f"/admin/regionalisation/{model}/"
        assert admin_client.get(base).status_code == 200
        page = admin_client.get(f"{base}{pk}/change/")
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False
        assert admin_client.get(f"{base}add/").status_code == 403
        assert admin_client.get(f"{base}{pk}/delete/").status_code == 403
    page = admin_client.get(f"/admin/regionalisation/activity/{activity.pk}/change/")
    assert "Mauricie" in page.content.decode()  # the promoted region, in the inline
    response = admin_client.get("/admin/regionalisation/activity/",
                                {"promoted__region__id__exact": activity.promoted.get()
                                 .region_id})
    assert [a.pk for a in response.context["cl"].result_list] == [activity.pk]
