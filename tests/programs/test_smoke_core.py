"""Temporary smoke test of the core services (replaced by the full suites)."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from programs import services
from programs.models import ReportStatus, Status
from tests.factories.programs import ActionPlanFactory


@pytest.mark.django_db
def test_happy_path(world, django_capture_on_commit_callbacks, mailoutbox):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=2)
    assert plan.requested_total == Decimal("20000.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=u["partner"], plan_id=plan.pk, to=Status.SUBMITTED)
    assert mailoutbox, "adviser emailed"
    services.plan_transition(actor=u["adviser"], plan_id=plan.pk, to=Status.IN_REVIEW)
    services.plan_transition(actor=u["adviser"], plan_id=plan.pk, to=Status.RECOMMENDED,
                             amount="15000")
    from tests.factories.accounts import StaffFactory
    from tests.factories.antennes import office
    mgr = StaffFactory(role="sit_manager", offices=[office("trois-rivieres")])
    services.plan_transition(actor=mgr, plan_id=plan.pk, to=Status.APPROVED, amount="15000")
    plan.refresh_from_db()
    services.report_schedule(actor=u["adviser"], plan=plan, progress_dates=[],
                             final_due_on=plan.ends_on)
    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    report = plan.reports.get()
    m = plan.measures.first()
    services.report_save(actor=u["partner"], report=report, narrative="ok",
                         measures={mm.pk: {"amount_spent": Decimal("1"), "narrative": "fait"}
                                   for mm in plan.measures.all()},
                         indicators={i.measure.plan.pk and i.pk: Decimal("3")
                                     for mm in plan.measures.all() for i in mm.indicators.all()})
    services.report_transition(actor=u["partner"], report_id=report.pk, to=ReportStatus.SUBMITTED)
    services.report_transition(actor=u["adviser"], report_id=report.pk, to=ReportStatus.ACCEPTED)
    plan.refresh_from_db()
    assert plan.status == Status.CLOSED
    assert plan.events.count() == 8
    pdf = SimpleUploadedFile("x.pdf", b"not a pdf")
    plan2 = ActionPlanFactory(organisation=world["orgs"]["tr"])
    with pytest.raises(Exception):
        services.attachment_add(actor=u["partner"], plan=plan2, upload=pdf)
    a = services.attachment_add(actor=u["partner"], plan=plan2,
                                upload=SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello"))
    assert a.file.read() == b"%PDF-1.4 hello"
    assert m
