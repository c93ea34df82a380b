"""Instalments tied to reports (issue 14, item 4): an approved plan's payment schedule, due when
its condition is met (never before), authorised by the SIT manager, paid by finance; the sum
always equals the approved amount (the service's rule, and a deferred trigger at commit); the
payments export holds exactly the authorised, unpaid instalments of the user's scope."""

import csv
import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from programs import instalments as service
from programs import services
from programs.instalments import Row
from programs.models import (
    ActionPlan,
    Instalment,
    InstalmentCondition,
    InstalmentStatus,
    ReportKind,
    ReportStatus,
    Status,
)
from programs.reminders import sweep_instalments
from tests.factories.programs import ActionPlanFactory, ReportFactory

pytestmark = pytest.mark.django_db

S, C = InstalmentStatus, InstalmentCondition


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _approved(world, org="tr", amount="20000.00", title=None):
    extra = {"title": title} if title else {}
    return ActionPlanFactory(organisation=world["orgs"][org], status=Status.APPROVED,
                             approved_amount=Decimal(amount), measures=2, **extra)


#: Who schedules the reports of each organisation's plan (a member of its territory's staff).
SCHEDULER = {"tr": "adviser", "sh": "sit_manager", "gat": "adviser_gatineau"}


def _followed_up(world, org="tr", amount="20000.00", progress=True, title=None):
    """An approved plan whose adviser set the reports (a progress report, if asked, and the
    final report): its follow-up has started."""
    plan = _approved(world, org, amount, title)
    services.report_schedule(actor=world["users"][SCHEDULER[org]], plan=plan,
                             progress_dates=[plan.starts_on + timedelta(days=180)]
                             if progress else [],
                             final_due_on=plan.ends_on + timedelta(days=30))
    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    return plan


def _report(plan, kind):
    return plan.reports.get(kind=kind)


def _submitted(report, partner):
    measures = list(report.plan.measures.prefetch_related("indicators"))
    services.report_save(
        actor=partner, report=report, narrative="Bonne année.",
        measures={m.pk: {"amount_spent": Decimal("5000"), "narrative": "Fait."}
                  for m in measures},
        indicators={i.pk: Decimal("30") for m in measures for i in m.indicators.all()})
    return services.report_transition(actor=partner, report_id=report.pk,
                                       to=ReportStatus.SUBMITTED)


def _statuses(plan):
    return [(i.condition, i.amount, i.status) for i in plan.instalments.order_by("position")]


# --------------------------------------------------------------------------------------------
# The default schedule
# --------------------------------------------------------------------------------------------


def test_the_default_proposal_is_50_40_10_and_adds_up_to_the_cent(world):
    plan = _followed_up(world, amount="10000.01")
    progress, final = _report(plan, ReportKind.PROGRESS), _report(plan, ReportKind.FINAL)

    rows = service.instalments_proposal(plan)

    assert rows == [Row(Decimal("5000.00"), C.SIGNATURE),
                    Row(Decimal("4000.00"), C.REPORT, report_id=progress.pk),
                    Row(Decimal("1000.01"), C.REPORT, report_id=final.pk)]
    assert sum(r.amount for r in rows) == plan.approved_amount


def test_without_a_progress_report_the_final_report_takes_its_share(world):
    plan = _followed_up(world, amount="12345.67", progress=False)
    final = _report(plan, ReportKind.FINAL)

    assert service.instalments_proposal(plan) == [
        Row(Decimal("6172.83"), C.SIGNATURE),
        Row(Decimal("6172.84"), C.REPORT, report_id=final.pk)]


def test_without_any_report_the_proposal_is_all_at_signature(world):
    plan = _approved(world, amount="9000.00")
    assert service.instalments_proposal(plan) == [Row(Decimal("9000.00"), C.SIGNATURE)]


# --------------------------------------------------------------------------------------------
# Due when the condition is met, never before
# --------------------------------------------------------------------------------------------


def test_an_instalment_is_due_when_its_report_is_accepted_never_before(world):
    adviser, partner = world["users"]["adviser"], world["users"]["partner"]
    plan = _followed_up(world)
    progress, final = _report(plan, ReportKind.PROGRESS), _report(plan, ReportKind.FINAL)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    # The follow-up has started: the signature instalment is due; the others wait.
    assert _statuses(plan) == [(C.SIGNATURE, Decimal("10000.00"), S.DUE),
                               (C.REPORT, Decimal("8000.00"), S.PLANNED),
                               (C.REPORT, Decimal("2000.00"), S.PLANNED)]

    _submitted(progress, partner)
    assert plan.instalments.get(report=progress).status == S.PLANNED  # submitted: not yet

    services.report_transition(actor=adviser, report_id=progress.pk,
                               to=ReportStatus.CHANGES_REQUESTED, comment="Précisez.")
    _submitted(progress, partner)
    assert plan.instalments.get(report=progress).status == S.PLANNED

    # The partner cannot accept its own report: still planned.
    with pytest.raises(ValidationError):
        services.report_transition(actor=partner, report_id=progress.pk,
                                   to=ReportStatus.ACCEPTED)
    assert plan.instalments.get(report=progress).status == S.PLANNED

    accepted = services.report_transition(actor=adviser, report_id=progress.pk,
                                          to=ReportStatus.ACCEPTED)
    instalment = plan.instalments.get(report=progress)
    assert instalment.status == S.DUE
    assert instalment.due_at == accepted.accepted_at
    assert plan.instalments.get(report=final).status == S.PLANNED

    _submitted(final, partner)
    assert plan.instalments.get(report=final).status == S.PLANNED
    services.report_transition(actor=adviser, report_id=final.pk, to=ReportStatus.ACCEPTED)
    assert plan.instalments.get(report=final).status == S.DUE
    plan.refresh_from_db()
    assert plan.status == Status.CLOSED


def test_an_acceptance_that_fails_leaves_the_instalment_planned(world, monkeypatch):
    """The instalment moves in the acceptance's transaction: if what follows the acceptance
    fails (closing the plan), both roll back."""
    adviser, partner = world["users"]["adviser"], world["users"]["partner"]
    plan = _followed_up(world, progress=False)
    final = _report(plan, ReportKind.FINAL)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    _submitted(final, partner)

    class Broken:
        def apply(self, **kwargs):
            raise RuntimeError("the plan could not be closed")

    from programs import workflow

    monkeypatch.setattr(workflow, "PLAN_WORKFLOW", Broken())
    with pytest.raises(RuntimeError):
        services.report_transition(actor=adviser, report_id=final.pk,
                                   to=ReportStatus.ACCEPTED)

    final.refresh_from_db()
    assert final.status == ReportStatus.SUBMITTED
    assert plan.instalments.get(report=final).status == S.PLANNED


def test_signature_instalments_are_due_when_the_follow_up_starts(world):
    adviser = world["users"]["adviser"]
    plan = _approved(world, amount="9000.00")
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=[Row(Decimal("9000.00"), C.SIGNATURE)])
    assert _statuses(plan) == [(C.SIGNATURE, Decimal("9000.00"), S.PLANNED)]

    services.report_schedule(actor=adviser, plan=plan, progress_dates=[],
                             final_due_on=plan.ends_on)

    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    assert _statuses(plan) == [(C.SIGNATURE, Decimal("9000.00"), S.DUE)]


def test_date_instalments_are_due_on_their_date_by_the_daily_sweep_once(world, sweep):
    adviser = world["users"]["adviser"]
    plan = _followed_up(world, amount="3000.00")
    day = plan.starts_on + timedelta(days=100)
    # The schedule is set at the start of the plan, before the date.
    at_start = timezone.make_aware(datetime.combine(plan.starts_on, time(9)))
    service.instalments_set(actor=adviser, plan_id=plan.pk, now=at_start, rows=[
        Row(Decimal("1000.00"), C.SIGNATURE),
        Row(Decimal("2000.00"), C.DATE, due_on=day)])
    assert _statuses(plan) == [(C.SIGNATURE, Decimal("1000.00"), S.DUE),
                               (C.DATE, Decimal("2000.00"), S.PLANNED)]

    assert sweep(sweep_instalments, day - timedelta(days=1)) == {"instalments_due": 0}
    assert plan.instalments.get(condition=C.DATE).status == S.PLANNED
    assert sweep(sweep_instalments, day) == {"instalments_due": 1}
    assert plan.instalments.get(condition=C.DATE).status == S.DUE
    assert sweep(sweep_instalments, day + timedelta(days=3)) == {"instalments_due": 0}


# --------------------------------------------------------------------------------------------
# The sum, and the rest of the service's rules
# --------------------------------------------------------------------------------------------


def test_a_schedule_that_does_not_add_up_is_refused_with_the_difference(world):
    adviser = world["users"]["adviser"]
    plan = _followed_up(world)
    progress = _report(plan, ReportKind.PROGRESS)

    with pytest.raises(ValidationError) as refused:
        service.instalments_set(actor=adviser, plan_id=plan.pk, rows=[
            Row(Decimal("10000.00"), C.SIGNATURE),
            Row(Decimal("9000.00"), C.REPORT, report_id=progress.pk)])

    assert refused.value.messages == [
        "The instalments add up to $19,000.00 instead of the approved amount "
        "$20,000.00: $1,000.00 missing."]
    assert not plan.instalments.exists()


def test_every_problem_of_a_schedule_is_named(world):
    adviser = world["users"]["adviser"]
    plan = _followed_up(world)
    other_plan = _followed_up(world, title="Un autre plan")
    elsewhere = _report(other_plan, ReportKind.FINAL)

    with pytest.raises(ValidationError) as refused:
        service.instalments_set(actor=adviser, plan_id=plan.pk, rows=[
            Row(Decimal("0"), C.SIGNATURE),
            Row(Decimal("10000.00"), C.REPORT, report_id=elsewhere.pk),
            Row(Decimal("10000.00"), C.DATE, due_on=plan.ends_on + timedelta(days=1)),
            Row(Decimal("10000.00"), C.DATE)])

    messages = refused.value.messages
    assert messages[0] == "Instalment 1: the amount must be more than $0."
    assert messages[1] == "Instalment 2: choose one of the plan’s scheduled reports."
    assert messages[2].startswith("Instalment 3: the date must fall within the plan’s period")
    assert messages[3] == "Instalment 4: give the date."
    assert len(messages) == 4
    assert not plan.instalments.exists()


@pytest.mark.parametrize("role", ["partner", "admin", "adviser_gatineau", "partner_gatineau"])
def test_only_the_territory_s_advisers_and_managers_set_the_schedule(world, role):
    plan = _followed_up(world)
    rows = service.instalments_proposal(plan)
    with pytest.raises((PermissionDenied, ActionPlan.DoesNotExist)):
        service.instalments_set(actor=world["users"][role], plan_id=plan.pk, rows=rows)
    assert not plan.instalments.exists()
    service.instalments_set(actor=world["users"]["sit_manager"], plan_id=plan.pk, rows=rows)
    assert plan.instalments.count() == 3


def test_the_schedule_cannot_change_once_an_instalment_is_authorised(world):
    adviser, manager = world["users"]["adviser"], world["users"]["sit_manager"]
    plan = _followed_up(world)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)
    service.instalment_authorise(actor=manager, instalment_id=signature.pk)

    with pytest.raises(ValidationError, match="already authorised"):
        service.instalments_set(actor=adviser, plan_id=plan.pk,
                                rows=[Row(Decimal("20000.00"), C.SIGNATURE)])
    assert plan.instalments.count() == 3


def test_a_plan_not_approved_has_no_schedule(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.RECOMMENDED,
                             measures=1)
    with pytest.raises(ValidationError):
        service.instalments_set(actor=world["users"]["adviser"], plan_id=plan.pk,
                                rows=[Row(Decimal("10000.00"), C.SIGNATURE)])


def test_rescheduling_the_reports_keeps_a_report_an_instalment_waits_for(world):
    adviser = world["users"]["adviser"]
    plan = _followed_up(world)
    progress = _report(plan, ReportKind.PROGRESS)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))

    services.report_schedule(actor=adviser, plan=plan,
                             progress_dates=[plan.starts_on + timedelta(days=200)],
                             final_due_on=plan.ends_on + timedelta(days=30))

    assert plan.reports.filter(pk=progress.pk).exists()
    assert plan.instalments.get(report=progress).status == S.PLANNED


# --------------------------------------------------------------------------------------------
# Authorise, pay
# --------------------------------------------------------------------------------------------


def test_the_sit_manager_authorises_a_due_instalment_and_finance_pays_it(world):
    adviser, manager, admin = (world["users"][k] for k in ("adviser", "sit_manager", "admin"))
    plan = _followed_up(world)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)
    planned = plan.instalments.get(report__kind=ReportKind.FINAL)

    with pytest.raises(PermissionDenied):
        service.instalment_authorise(actor=adviser, instalment_id=signature.pk)
    with pytest.raises(ValidationError, match="Only a due instalment"):
        service.instalment_authorise(actor=manager, instalment_id=planned.pk)
    with pytest.raises(ValidationError, match="Only an authorised instalment"):
        service.instalment_mark_paid(actor=admin, instalment_id=signature.pk, reference="X")

    service.instalment_authorise(actor=manager, instalment_id=signature.pk)
    with pytest.raises(PermissionDenied):
        service.instalment_mark_paid(actor=manager, instalment_id=signature.pk, reference="P1")
    with pytest.raises(ValidationError):
        service.instalment_mark_paid(actor=admin, instalment_id=signature.pk, reference=" ")
    service.instalment_mark_paid(actor=admin, instalment_id=signature.pk, reference="P-2026-1")

    signature.refresh_from_db()
    assert (signature.status, signature.authorised_by, signature.paid_by,
            signature.payment_reference) == (S.PAID, manager, admin, "P-2026-1")


def test_the_sit_managers_hear_an_instalment_is_due_and_the_organisation_that_it_was_paid(
        world):
    """Once each, in the transaction of the move: the territory's SIT managers (who authorise)
    when it becomes due, the organisation's users when finance records the payment."""
    from notifications.models import Notification

    adviser, manager, admin = (world["users"][k] for k in ("adviser", "sit_manager", "admin"))
    plan = _followed_up(world)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)
    service.instalments_make_due(plan_id=plan.pk)  # again: nobody is told twice

    due = Notification.objects.filter(kind="instalment_due")
    assert [(n.recipient, n.key) for n in due] == [(manager, f"instalment_due:{signature.pk}")]
    # The amount travels as a number and reads as each reader writes money.
    assert due.get().params["amount"] == "10000.00"
    assert "$10,000.00" in due.get().message
    with translation.override("fr-ca"):
        assert "10\u00a0000,00\u00a0$" in due.get().message

    service.instalment_authorise(actor=manager, instalment_id=signature.pk)
    service.instalment_mark_paid(actor=admin, instalment_id=signature.pk, reference="P-2026-1")
    paid = Notification.objects.filter(kind="instalment_paid")
    assert [n.recipient for n in paid] == [world["users"]["partner"]]
    assert paid.get().params["reference"] == "P-2026-1"
    assert not Notification.objects.filter(
        kind__startswith="instalment", recipient__in=[world["users"]["adviser_gatineau"],
                                                      world["users"]["partner_gatineau"]])


def test_a_manager_of_another_sit_cannot_reach_the_instalment(world):
    plan = _followed_up(world, org="gat")
    service.instalments_set(actor=world["users"]["adviser_gatineau"], plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)
    with pytest.raises(Instalment.DoesNotExist):
        service.instalment_authorise(actor=world["users"]["sit_manager"],
                                     instalment_id=signature.pk)


# --------------------------------------------------------------------------------------------
# The database trigger: nothing skips the sum (PostgreSQL, checked at commit)
# --------------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_raw_write_that_breaks_the_sum_fails_at_commit(reloaded_network, world):
    plan = _followed_up(world)
    service.instalments_set(actor=world["users"]["adviser"], plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)

    # Each write below passes every check Django makes; the commit refuses it.
    breaking = [
        lambda: Instalment.objects.filter(pk=signature.pk).update(amount=Decimal("9999.99")),
        lambda: Instalment.objects.create(plan=plan, position=9, amount=Decimal("1.00"),
                                          condition=C.SIGNATURE),
        lambda: Instalment.objects.filter(pk=signature.pk).delete(),
        lambda: ActionPlan.objects.filter(pk=plan.pk).update(
            approved_amount=Decimal("25000.00")),  # the approved amount alone
    ]
    for write in breaking:
        with (pytest.raises(IntegrityError, match="instead of its approved amount"),
              transaction.atomic()):
            write()
    assert _statuses(plan) == [(C.SIGNATURE, Decimal("10000.00"), S.DUE),
                               (C.REPORT, Decimal("8000.00"), S.PLANNED),
                               (C.REPORT, Decimal("2000.00"), S.PLANNED)]
    plan.refresh_from_db()
    assert plan.approved_amount == Decimal("20000.00")

    # Writes that keep the sum commit: moving money between instalments in one transaction,
    # and the approved amount changed with its schedule.
    with transaction.atomic():
        Instalment.objects.filter(pk=signature.pk).update(amount=Decimal("9000.00"))
        Instalment.objects.filter(plan=plan, report__kind=ReportKind.FINAL).update(
            amount=Decimal("3000.00"))
    with transaction.atomic():
        ActionPlan.objects.filter(pk=plan.pk).update(approved_amount=Decimal("21000.00"))
        Instalment.objects.filter(pk=signature.pk).update(amount=Decimal("10000.00"))
    assert sum(i.amount for i in plan.instalments.all()) == Decimal("21000.00")


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def test_staff_set_the_schedule_from_the_proposal_on_its_page(client, world):
    adviser = world["users"]["adviser"]
    plan = _followed_up(world)
    progress = _report(plan, ReportKind.PROGRESS)
    client.force_login(adviser)
    url = reverse("programs:instalments_edit", args=[plan.pk])

    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["amount_1"].value() == "10,000.00"  # English: grouped, a decimal point
    assert form["when_2"].value() == f"report:{progress.pk}"

    data = {"amount_1": "15 000,00", "when_1": "signature",
            "amount_2": "4 000", "when_2": f"report:{progress.pk}"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "instead of the approved amount" in refused.content.decode()
    assert not plan.instalments.exists()

    data["amount_2"] = "5 000"
    saved = client.post(url, data)
    assert saved.status_code == 302
    assert _statuses(plan) == [(C.SIGNATURE, Decimal("15000.00"), S.DUE),
                               (C.REPORT, Decimal("5000.00"), S.PLANNED)]


def test_the_plan_page_shows_the_schedule_and_the_buttons_allowed_now(client, world):
    adviser, manager = world["users"]["adviser"], world["users"]["sit_manager"]
    plan = _followed_up(world)
    service.instalments_set(actor=adviser, plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)
    authorise = reverse("programs:instalment_authorise", args=[plan.pk, signature.pk])
    detail = reverse("programs:plan_detail", args=[plan.pk])

    client.force_login(adviser)
    text = client.get(detail).content.decode()
    assert 'id="instalments"' in text and "Change the payment schedule" in text
    assert authorise not in text  # advisers do not authorise
    assert client.post(authorise).status_code == 403

    client.force_login(manager)
    assert authorise in client.get(detail).content.decode()
    assert client.post(authorise).status_code == 302
    signature.refresh_from_db()
    assert signature.status == S.AUTHORISED
    text = client.get(detail).content.decode()
    assert "Change the payment schedule" not in text  # locked once authorised
    assert manager.email in text or manager.get_full_name() in text

    client.force_login(world["users"]["partner"])
    text = client.get(detail).content.decode()
    assert "Authorised" in text and "Planned" in text
    assert manager.email not in text
    assert not manager.get_full_name() or manager.get_full_name() not in text
    assert "Change the payment schedule" not in text
    assert client.get(reverse("programs:instalments_edit", args=[plan.pk])).status_code == 403


def test_finance_records_a_payment_from_the_payments_page(client, world):
    plan = _followed_up(world)
    service.instalments_set(actor=world["users"]["adviser"], plan_id=plan.pk,
                            rows=service.instalments_proposal(plan))
    signature = plan.instalments.get(condition=C.SIGNATURE)
    service.instalment_authorise(actor=world["users"]["sit_manager"], instalment_id=signature.pk)
    client.force_login(world["users"]["admin"])

    page = client.get(reverse("programs:payments"))
    assert plan.title in page.content.decode()
    response = client.post(reverse("programs:instalment_mark_paid",
                                   args=[plan.pk, signature.pk]),
                           {"reference": "VIR-0001", "from": "payments"})
    assert response.status_code == 302 and response.url == reverse("programs:payments")
    signature.refresh_from_db()
    assert (signature.status, signature.payment_reference) == (S.PAID, "VIR-0001")
    assert plan.title not in client.get(reverse("programs:payments")).content.decode()


# --------------------------------------------------------------------------------------------
# The payments export: exactly the authorised, unpaid instalments of the user's scope
# --------------------------------------------------------------------------------------------


def _mixed_payments(world, plans_per_org=1):
    """Per organisation (two SITs), plans with one instalment in each status; the authorised
    ones have amounts that say whose they are. Returns the authorised amounts by org."""
    admin, now = world["users"]["admin"], timezone.now()
    authorised = {"tr": [], "sh": [], "gat": []}
    for n, key in enumerate(("tr", "sh", "gat")):
        for p in range(plans_per_org):
            plan = ActionPlanFactory(organisation=world["orgs"][key], status=Status.IN_PROGRESS,
                                     approved_amount=Decimal("10000.00"), measures=1,
                                     title=f"Plan payé {key} {p}")
            report = ReportFactory(plan=plan, status=ReportStatus.ACCEPTED)
            amount = Decimal(f"{1000 + n * 100 + p}.11")
            stamps = {"due_at": now}
            Instalment.objects.bulk_create([
                Instalment(plan=plan, position=1, amount=Decimal("2000.00"),
                           condition=C.SIGNATURE, status=S.PAID, authorised_at=now,
                           authorised_by=admin, paid_at=now, paid_by=admin, **stamps),
                Instalment(plan=plan, position=2, amount=amount, condition=C.SIGNATURE,
                           status=S.AUTHORISED, authorised_at=now, authorised_by=admin,
                           **stamps),
                Instalment(plan=plan, position=3, amount=Decimal("3000.00"), condition=C.REPORT,
                           report=report, status=S.DUE, **stamps),
                Instalment(plan=plan, position=4, amount=10000 - 5000 - amount,
                           condition=C.DATE, due_on=plan.ends_on),
            ])
            authorised[key].append(amount)
    return authorised


def _csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("role,orgs", [("sit_manager", {"tr", "sh"}),
                                       ("admin", {"tr", "sh", "gat"})])
def test_the_payments_export_holds_exactly_the_authorised_unpaid_in_scope(client, world, role,
                                                                          orgs):
    authorised = _mixed_payments(world)
    client.force_login(world["users"][role])

    rows = _csv_rows(client.get(reverse("programs:payments_export", args=["csv"])))

    expected = sorted(amount for key in orgs for amount in authorised[key])
    assert sorted(Decimal(row["Amount ($)"]) for row in rows) == expected
    ids = {int(row["Instalment"]) for row in rows}
    assert ids == set(Instalment.objects.filter(status=S.AUTHORISED,
                                                plan__organisation__in=[
                                                    world["orgs"][k] for k in orgs])
                      .values_list("pk", flat=True))
    assert {row["Organisation"] for row in rows} == {world["orgs"][k].name for k in orgs}
    assert all(row["Authorised by"] for row in rows)

    book = openpyxl.load_workbook(io.BytesIO(
        client.get(reverse("programs:payments_export", args=["xlsx"])).content))
    sheet = list(book.active.iter_rows(values_only=True))
    column = sheet[0].index("Amount ($)")
    assert sorted(Decimal(str(r[column])) for r in sheet[1:]) == expected


@pytest.mark.parametrize("role", ["adviser", "adviser_gatineau", "partner", "partner_gatineau"])
def test_the_payments_page_is_for_sit_managers_and_finance(client, world, role):
    _mixed_payments(world)
    client.force_login(world["users"][role])
    assert client.get(reverse("programs:payments")).status_code == 403
    assert client.get(reverse("programs:payments_export", args=["csv"])).status_code == 403


def test_the_payments_page_and_export_run_the_same_queries_for_3_and_30_rows(
        client, world, django_assert_num_queries):
    from django.test.utils import CaptureQueriesContext

    _mixed_payments(world, plans_per_org=1)
    client.force_login(world["users"]["admin"])
    urls = [reverse("programs:payments"), reverse("programs:payments_export", args=["csv"])]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as small:
            assert client.get(url).status_code == 200
        counts.append(len(small))
    _mixed_payments(world, plans_per_org=10)
    assert Instalment.objects.filter(status=S.AUTHORISED).count() == 33
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
