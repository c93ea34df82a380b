"""Envelopes while deciding: a call's figures (approved, recommended and waiting, remaining),
approval beyond the envelope, batch approval on the decisions page, and who may do it.

The world (tests/conftest.py): the SIT manager of Sherbrooke serves Trois-Rivières and
Shawinigan (both in the Mauricie, region 04); Gatineau (Outaouais, 07) is another SIT's."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.template.defaultfilters import floatformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs import envelopes, services
from programs.models import ActionPlan, PlanEvent, RegionEnvelope, Status
from programs.workflow import TRANSITIONS
from tests.factories.programs import ActionPlanFactory, CallFactory

pytestmark = pytest.mark.django_db

DECISIONS = reverse("programs:decisions")
BATCH = reverse("programs:decisions_batch")
M = Decimal


def money(value):
    return None if value is None else M(value)


def plan(call, org, status, *, asked="60000", recommended=None, approved=None, title=None):
    return ActionPlanFactory(
        call=call, organisation=org, status=status, title=title or f"Plan {status}",
        requested_total=M(asked), recommended_amount=money(recommended),
        approved_amount=money(approved))


@pytest.fixture
def call(world):
    """A call of 100,000 $, 80,000 $ of it for the Mauricie, with plans in every state.

    By hand: approved 30,000 (approved) + 20,000 (in progress) + 5,000 (closed) = 55,000;
    recommended and waiting 25,000 + 15,000 = 40,000; remaining 100,000 - 55,000 = 45,000;
    remaining if all recommended are approved 5,000. Not recommended, refused and withdrawn
    plans, and a plan of another call, count nowhere.
    Mauricie: envelope 80,000, approved 50,000, waiting 25,000, remaining 30,000, 5,000 after.
    Outaouais (no regional envelope): approved 5,000, waiting 15,000."""
    orgs = world["orgs"]
    call = CallFactory(budget=M("100000.00"), title="Appel envelopes")
    RegionEnvelope.objects.create(call=call, region=orgs["tr"].region, amount=M("80000"))
    plan(call, orgs["tr"], Status.APPROVED, recommended="30000", approved="30000")
    plan(call, orgs["sh"], Status.IN_PROGRESS, recommended="22000", approved="20000")
    plan(call, orgs["gat"], Status.CLOSED, recommended="5000", approved="5000")
    plan(call, orgs["tr"], Status.RECOMMENDED, recommended="25000", title="Plan Trois-Rivières")
    plan(call, orgs["gat"], Status.RECOMMENDED, recommended="15000", title="Plan Gatineau")
    plan(call, orgs["sh"], Status.NOT_RECOMMENDED, title="Plan non recommandé")
    plan(call, orgs["tr"], Status.REFUSED, recommended="40000")
    plan(call, orgs["sh"], Status.WITHDRAWN, recommended="9999")
    plan(CallFactory(budget=M("500000")), orgs["tr"], Status.APPROVED, approved="50000")
    return call


def named(title):
    return ActionPlan.objects.get(title=title)


def figures_of(call):
    return envelopes.call_envelopes([call])[call.pk]


def test_the_figures_match_the_hand_computation(world, call, django_assert_num_queries):
    with django_assert_num_queries(2):  # regional envelopes, one grouped sum
        envelope = figures_of(call)
    total = envelope.total
    assert (total.envelope, total.approved, total.waiting) == (M("100000"), M("55000"),
                                                                M("40000"))
    assert (total.remaining, total.remaining_if_all_approved) == (M("45000"), M("5000"))
    assert (total.approved_plans, total.waiting_plans) == (3, 2)
    assert total.after(M("25000")) == M("20000")
    mauricie = envelope.region(world["orgs"]["tr"].region_id).figures
    assert (mauricie.envelope, mauricie.approved, mauricie.waiting) == (M("80000"), M("50000"),
                                                                        M("25000"))
    assert (mauricie.remaining, mauricie.remaining_if_all_approved) == (M("30000"), M("5000"))
    outaouais = envelope.region(world["orgs"]["gat"].region_id).figures
    assert (outaouais.envelope, outaouais.approved, outaouais.waiting) == (None, M("5000"),
                                                                           M("15000"))
    assert outaouais.remaining is None and not outaouais.exceeded_by(M("1000000"))


def test_the_decisions_page_groups_the_plans_by_call_with_the_envelope(client, world, call):
    client.force_login(world["users"]["sit_manager"])
    response = client.get(DECISIONS)
    assert response.status_code == 200
    [group] = response.context["groups"]
    assert group["envelope"].call == call
    assert [p.title for p in group["plans"]] == ["Plan Trois-Rivières", "Plan non recommandé"]
    assert group["envelope"].total.remaining == M("45000")  # every region's approvals count
    first = group["plans"][0]
    assert (first.after_total, first.after_region) == (M("20000"), M("5000"))
    body = response.content.decode()
    for amount in ("100000", "55000", "40000", "45000", "5000", "80000", "30000", "20000"):
        assert floatformat(M(amount), "2g") in body
    assert "Plan Gatineau" not in body  # another SIT's plan: only its amounts count
    assert f'value="{first.pk}"' in body  # the SIT manager may select it
    assert f'value="{named("Plan non recommandé").pk}"' not in body  # decided on its page


def test_approving_past_the_envelope_without_confirmation_is_refused(world, call):
    manager = world["users"]["sit_manager"]
    plan = named("Plan Trois-Rivières")
    # 35,000 $ fits the call (45,000 left) but not the Mauricie (30,000 left).
    for kwargs in ({}, {"over_envelope_confirmed": True}, {"comment": "Priorité régionale"}):
        with pytest.raises(services.TransitionRefused) as refused:
            services.plan_transition(actor=manager, plan_id=plan.pk, to=Status.APPROVED,
                                     amount="35000", **kwargs)
        assert refused.value.code == "over_envelope"
        message = refused.value.messages[0]
        assert all(floatformat(M(v), "2g") in message for v in ("80000", "50000", "30000"))
    plan.refresh_from_db()
    assert plan.status == Status.RECOMMENDED and plan.approved_amount is None
    assert not plan.events.exists()
    services.plan_transition(actor=manager, plan_id=plan.pk, to=Status.APPROVED,
                             amount="35000", over_envelope_confirmed=True,
                             comment="Priorité régionale")
    plan.refresh_from_db()
    assert (plan.status, plan.approved_amount) == (Status.APPROVED, M("35000"))
    assert figures_of(call).total.remaining == M("10000")


def test_the_call_s_envelope_is_checked_even_without_a_regional_one(world, call):
    RegionEnvelope.objects.all().delete()
    manager = world["users"]["sit_manager"]
    plan = named("Plan Trois-Rivières")
    with pytest.raises(services.TransitionRefused) as refused:
        services.plan_transition(actor=manager, plan_id=plan.pk, to=Status.APPROVED,
                                 amount="45000.01")
    assert refused.value.code == "over_envelope"
    services.plan_transition(actor=manager, plan_id=plan.pk, to=Status.APPROVED, amount="45000")
    assert figures_of(call).total.remaining == M("0")


def test_the_plan_page_asks_for_the_confirmation(client, world, call):
    manager = world["users"]["sit_manager"]
    plan = named("Plan Trois-Rivières")
    client.force_login(manager)
    page = client.get(reverse("programs:plan_detail", args=[plan.pk]))
    box = page.context["envelope"]
    assert (box["amount"], box["after_total"], box["after_region"]) == (M("25000"), M("20000"),
                                                                        M("5000"))
    assert 'name="over_envelope_confirmed"' in page.content.decode()
    url = reverse("programs:plan_transition", args=[plan.pk, Status.APPROVED])
    client.post(url, {"amount": "35000"})
    plan.refresh_from_db()
    assert plan.status == Status.RECOMMENDED
    client.post(url, {"amount": "35000", "over_envelope_confirmed": "1",
                      "comment": "Priorité régionale"})
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED


@pytest.mark.parametrize("role", ["partner", "adviser"])
def test_the_envelope_box_is_for_staff_deciding(client, world, call, role):
    plan = named("Plan Trois-Rivières")
    client.force_login(world["users"][role])
    response = client.get(reverse("programs:plan_detail", args=[plan.pk]))
    assert response.status_code == 200
    assert (response.context["envelope"] is None) == (role == "partner")
    assert ('id="envelope"' in response.content.decode()) == (role != "partner")


def test_a_batch_approves_each_plan_through_the_workflow(world, call):
    manager = world["users"]["sit_manager"]
    tr = named("Plan Trois-Rivières")
    second = plan(call, world["orgs"]["sh"], Status.RECOMMENDED, recommended="4000",
                  title="Plan Shawinigan")
    approved = services.plans_approve_batch(actor=manager, plan_ids=[tr.pk, second.pk],
                                            comment="Comité du 3 mars")
    assert {p.pk for p in approved} == {tr.pk, second.pk}
    for p, amount in ((tr, "25000"), (second, "4000")):
        p.refresh_from_db()
        assert (p.status, p.approved_amount) == (Status.APPROVED, M(amount))
        [event] = p.events.all()
        assert (event.from_status, event.to_status, event.actor, event.comment, event.amount) == (
            Status.RECOMMENDED, Status.APPROVED, manager, "Comité du 3 mars", M(amount))
    assert figures_of(call).total.remaining == M("16000")
    # Again (a double click): nothing more happens.
    assert services.plans_approve_batch(actor=manager, plan_ids=[tr.pk, second.pk]) == []
    assert PlanEvent.objects.filter(plan__in=[tr, second]).count() == 2


def _unchanged(*plans):
    for p in plans:
        before = p.status
        p.refresh_from_db()
        assert p.status == before and not p.events.exists()


def test_a_batch_changes_nothing_if_one_plan_fails_and_names_it(world, call):
    manager = world["users"]["sit_manager"]
    tr = named("Plan Trois-Rivières")
    # Its recommendation exceeds what it asks: its approval move refuses it.
    broken = plan(call, world["orgs"]["sh"], Status.RECOMMENDED, asked="1000",
                  recommended="2000", title="Plan mal chiffré")
    with pytest.raises(services.TransitionRefused) as refused:
        services.plans_approve_batch(actor=manager, plan_ids=[tr.pk, broken.pk])
    assert "Plan mal chiffré" in refused.value.messages[0]
    _unchanged(tr, broken)
    not_recommended = named("Plan non recommandé")
    with pytest.raises(services.TransitionRefused) as refused:
        services.plans_approve_batch(actor=manager, plan_ids=[tr.pk, not_recommended.pk])
    assert "Plan non recommandé" in refused.value.messages[0]
    assert refused.value.code == "not_recommended"
    _unchanged(tr, not_recommended)


def test_the_batch_s_total_is_checked_against_the_envelope(world, call):
    manager = world["users"]["sit_manager"]
    tr = named("Plan Trois-Rivières")
    # 25,000 + 4,000 fits the Mauricie (30,000 left); with 2,000 more the batch does not,
    # though each plan alone would.
    plans = [tr] + [plan(call, world["orgs"]["sh"], Status.RECOMMENDED, recommended=amount,
                         title=f"Plan Shawinigan {amount}") for amount in ("4000", "2000")]
    ids = [p.pk for p in plans]
    for kwargs in ({}, {"confirm_over_envelope": True}, {"comment": "Urgent"}):
        with pytest.raises(services.TransitionRefused) as refused:
            services.plans_approve_batch(actor=manager, plan_ids=ids, **kwargs)
        assert refused.value.code == "over_envelope"
        assert floatformat(M("31000"), "2g") in refused.value.messages[0]
        _unchanged(*plans)
    services.plans_approve_batch(actor=manager, plan_ids=ids, comment="Urgent",
                                 confirm_over_envelope=True)
    assert figures_of(call).region(tr.organisation.region_id).figures.remaining == M("-1000")


def test_the_confirmation_step_shows_the_total_against_the_envelope(client, world, call):
    manager = world["users"]["sit_manager"]
    tr = named("Plan Trois-Rivières")
    second = plan(call, world["orgs"]["sh"], Status.RECOMMENDED, recommended="4000",
                  title="Plan Shawinigan")
    client.force_login(manager)
    response = client.get(BATCH, {"plan": [tr.pk, second.pk]})
    assert response.status_code == 200
    assert response.context["total"] == M("29000")
    [item] = response.context["calls"]
    assert (item["selected"], item["after"]) == (M("29000"), M("16000"))
    assert [row["after"] for row in item["regions"]] == [M("1000")]
    assert not response.context["over"]
    _unchanged(tr, second)  # looking approves nothing
    response = client.post(BATCH, {"plan": [tr.pk, second.pk], "comment": ""}, follow=True)
    assert response.redirect_chain[-1][0] == DECISIONS
    tr.refresh_from_db()
    second.refresh_from_db()
    assert tr.status == second.status == Status.APPROVED


def test_the_confirmation_step_refuses_beyond_the_envelope_without_the_box(client, world, call):
    tr = named("Plan Trois-Rivières")
    tr.recommended_amount = M("31000")
    tr.save(update_fields=["recommended_amount"])
    client.force_login(world["users"]["sit_manager"])
    response = client.get(BATCH, {"plan": [tr.pk]})
    assert response.context["over"]
    assert 'name="over_envelope_confirmed"' in response.content.decode()
    response = client.post(BATCH, {"plan": [tr.pk], "comment": "Priorité"})
    assert response.status_code == 400 and response.context["errors"]
    _unchanged(tr)
    client.post(BATCH, {"plan": [tr.pk], "comment": "Priorité", "over_envelope_confirmed": "1"})
    tr.refresh_from_db()
    assert tr.status == Status.APPROVED


def test_only_the_roles_that_approve_may_approve_in_batch(client, world, call):
    assert TRANSITIONS[(Status.RECOMMENDED, Status.APPROVED)].roles == {"sit_manager"}
    tr = named("Plan Trois-Rivières")
    for role in ("admin", "adviser", "partner", "adviser_gatineau", "partner_gatineau"):
        # In the scope: 403; outside it: 404, like a plan that does not exist.
        expected = 404 if role.endswith("gatineau") else 403
        client.force_login(world["users"][role])
        assert client.get(BATCH, {"plan": [tr.pk]}).status_code == expected
        assert client.post(BATCH, {"plan": [tr.pk]}).status_code == expected
        with pytest.raises(PermissionDenied):
            services.plans_approve_batch(actor=world["users"][role], plan_ids=[tr.pk])
    _unchanged(tr)
    client.force_login(world["users"]["admin"])  # reads the decisions, without checkboxes
    response = client.get(DECISIONS)
    assert response.status_code == 200 and 'form="batch-form"' not in response.content.decode()


def test_a_plan_outside_the_scope_in_a_batch_is_not_found(client, world, call):
    manager = world["users"]["sit_manager"]
    tr, gatineau = named("Plan Trois-Rivières"), named("Plan Gatineau")
    with pytest.raises(ActionPlan.DoesNotExist):
        services.plans_approve_batch(actor=manager, plan_ids=[tr.pk, gatineau.pk])
    client.force_login(manager)
    assert client.get(BATCH, {"plan": [tr.pk, gatineau.pk]}).status_code == 404
    assert client.post(BATCH, {"plan": [tr.pk, gatineau.pk]}).status_code == 404
    assert client.post(BATCH, {"plan": [tr.pk, 999999]}).status_code == 404
    _unchanged(tr, gatineau)


def _seed(world, call, count):
    for i in range(count):
        org = world["orgs"]["tr" if i % 2 else "sh"]
        plan(call, org, Status.RECOMMENDED if i % 3 else Status.NOT_RECOMMENDED,
             recommended="1000" if i % 3 else None, title=f"Plan lot {i}")


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(DECISIONS)
    assert response.status_code == 200
    return len(captured), len(response.context["page"])


def test_the_decisions_page_runs_the_same_queries_for_3_and_30_plans(client, world, settings):
    settings.PLAN_QUEUE_PAGE_SIZE = 100  # every row on one page
    client.force_login(world["users"]["sit_manager"])
    calls = [CallFactory(budget=M("100000")) for _ in range(2)]
    RegionEnvelope.objects.create(call=calls[0], region=world["orgs"]["tr"].region,
                                  amount=M("50000"))
    for c in calls:
        _seed(world, c, 2)
    few, rows = _queries(client)
    assert rows == 4
    for c in calls:
        _seed(world, c, 13)
    assert _queries(client) == (few, 30)


def test_the_batch_confirmation_runs_the_same_queries_for_3_and_30_plans(client, world):
    client.force_login(world["users"]["sit_manager"])
    call = CallFactory(budget=M("1000000"))
    _seed(world, call, 5)  # 3 recommended

    def count():
        ids = list(ActionPlan.objects.filter(status=Status.RECOMMENDED)
                   .values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(BATCH, {"plan": ids}).status_code == 200
        return len(captured), len(ids)

    few = count()
    assert few[1] == 3
    _seed(world, call, 41)  # 27 more
    assert count() == (few[0], 30)


def test_regional_envelopes_are_edited_in_the_call_s_admin_page(client, world, call):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("admin:programs_call_change", args=[call.pk]))
    assert response.status_code == 200
    assert "region_envelopes-TOTAL_FORMS" in response.content.decode()
