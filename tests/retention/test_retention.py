"""Retention (Law 25): the monthly job forgets exactly what is past its period, nothing
within it; run twice, it changes nothing the second time; the audit trail records each run and
keeps no copy of what was forgotten."""

import hashlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from enterprises.models import CaseAttachment, CaseEvent, CaseNote, Referral
from partners.models import Contact, Invitation
from portal.files import PDF
from programs.models import ActionPlan, Comment, PlanEvent, Status
from retention import engine
from retention.models import RetentionRun, RetentionSettings
from retention.users import placeholder_email
from tests.factories.accounts import StaffFactory, UserFactory
from tests.factories.enterprises import CaseFactory
from tests.factories.partners import ContactFactory, OrganisationFactory
from tests.factories.programs import ActionPlanFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


def ago(*, days=0, years=0):
    return timezone.now() - timedelta(days=days + round(365.25 * years))


def backdate_audit(obj, when):
    """The audit entries of ``obj`` as if written at ``when``."""
    content_type = ContentType.objects.get_for_model(type(obj))
    LogEntry.objects.filter(content_type=content_type, object_pk=str(obj.pk)).update(
        timestamp=when)


def former_user(*, left):
    user = StaffFactory(role="adviser", is_active=False, mfa=True,
                        date_joined=left - timedelta(days=400), last_login=left)
    backdate_audit(user, left)
    return user


def closed_case(*, closed, author):
    case = CaseFactory(closed=True, closed_at=closed, opened_at=closed - timedelta(days=60))
    CaseNote.objects.create(case=case, author=author, body="Mme Tremblay, 514-555-0101",
                            created_at=closed)
    CaseEvent.objects.create(case=case, from_status="in_progress", to_status="closed",
                             actor=author, comment="Appel avec M. Gagnon", created_at=closed)
    Referral.objects.create(case=case, target="emploi_quebec", note="Dossier de M. Gagnon",
                            created_by=author)
    attachment = CaseAttachment(case=case, original_name="cv-gagnon.pdf", content_type=PDF,
                                size=len(PDF_BYTES),
                                sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
                                uploaded_by=author, uploaded_at=closed)
    attachment.file.save("cv-gagnon.pdf", ContentFile(PDF_BYTES), save=True)
    for obj in (case, *case.notes.all(), *case.referrals.all(), attachment):
        backdate_audit(obj, closed)
    return case


def ended_plan(*, ended, author, status=Status.CLOSED):
    plan = ActionPlanFactory(status=status)
    Comment.objects.create(plan=plan, author=author, body="Parler à Mme Roy", created_at=ended)
    PlanEvent.objects.create(plan=plan, from_status="in_progress", to_status=status,
                             actor=author, comment="Selon Mme Roy", created_at=ended)
    ActionPlan.objects.filter(pk=plan.pk).update(updated_at=ended)
    return plan


def removed_contact(*, removed):
    contact = ContactFactory(first_name="Ginette", last_name="Reno",
                             email="ginette@exemple.qc.ca")
    pk = contact.pk
    contact.delete()  # logged by django-auditlog, with every value
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Contact),
                            object_pk=str(pk)).update(timestamp=removed)
    return pk


def invitation(*, expired, organisation, inviter):
    return Invitation.objects.create(organisation=organisation, email=f"i{expired:%Y%m%d}@x.ca",
                                     invited_by=inviter, expires_at=expired,
                                     created_at=expired - timedelta(days=14))


@pytest.fixture
def seeded(db):
    """Each kind with one case past the default period and one within it (and live data)."""
    author = StaffFactory(role="adviser")
    organisation = OrganisationFactory()
    data = {
        "author": author,
        "user_gone": former_user(left=ago(years=2)),  # 12 months: past
        "user_recent": former_user(left=ago(days=200)),  # within
        "user_active": UserFactory(last_login=ago(years=3), date_joined=ago(years=4)),
        "contact_gone": removed_contact(removed=ago(years=3)),  # 24 months: past
        "contact_recent": removed_contact(removed=ago(years=1)),  # within
        "contact_live": ContactFactory(organisation=organisation),
        "invitation_gone": invitation(expired=ago(years=3), organisation=organisation,
                                      inviter=author),
        "invitation_recent": invitation(expired=ago(years=1), organisation=organisation,
                                        inviter=author),
        "case_old": closed_case(closed=ago(years=8), author=author),  # 84 months: past
        "case_recent": closed_case(closed=ago(years=6), author=author),  # within
        "plan_old": ended_plan(ended=ago(years=8), author=author),
        "plan_refused_old": ended_plan(ended=ago(years=8), author=author,
                                       status=Status.REFUSED),
        "plan_recent": ended_plan(ended=ago(years=6), author=author),
        "plan_open_old": ended_plan(ended=ago(years=9), author=author,
                                    status=Status.IN_PROGRESS),
    }
    # A case still open since long ago keeps its notes.
    open_case = CaseFactory(opened_at=ago(years=10))
    CaseNote.objects.create(case=open_case, author=author, body="Toujours ouvert",
                            created_at=ago(years=10))
    data["open_case"] = open_case
    data["file_old"] = data["case_old"].attachments.get().file.path
    data["file_recent"] = data["case_recent"].attachments.get().file.path
    user_type = ContentType.objects.get_for_model(User)
    data["entry_old"] = LogEntry.objects.create(
        content_type=user_type, object_pk=str(author.pk), object_id=author.pk,
        object_repr="old", action=LogEntry.Action.ACCESS, timestamp=ago(years=7, days=10))
    data["entry_recent"] = LogEntry.objects.create(
        content_type=user_type, object_pk=str(author.pk), object_id=author.pk,
        object_repr="recent", action=LogEntry.Action.ACCESS, timestamp=ago(years=6))
    # The departed adviser acted on the trail, which recorded their address beside it.
    data["entry_by_gone"] = LogEntry.objects.create(
        content_type=user_type, object_pk=str(author.pk), object_id=author.pk,
        object_repr="consulted", action=LogEntry.Action.ACCESS, timestamp=ago(years=3),
        actor=data["user_gone"], actor_email=data["user_gone"].email)
    return data


def entries_of(model, pk):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                   object_pk=str(pk))


def snapshot():
    """Every row the rules may touch, as comparable values (the run reports excluded)."""
    run_type = ContentType.objects.get_for_model(RetentionRun)
    return {
        "users": sorted(User.objects.values_list("pk", "email", "first_name", "last_name",
                                                 "password")),
        "addresses": sorted(EmailAddress.objects.values_list("pk", "email")),
        "invitations": sorted(Invitation.objects.values_list("pk", flat=True)),
        "notes": sorted(CaseNote.objects.values_list("pk", "body")),
        "events": sorted(CaseEvent.objects.values_list("pk", "comment")),
        "referrals": sorted(Referral.objects.values_list("pk", "note")),
        "attachments": sorted(CaseAttachment.objects.values_list("pk", flat=True)),
        "comments": sorted(Comment.objects.values_list("pk", "body")),
        "plan_events": sorted(PlanEvent.objects.values_list("pk", "comment")),
        "audit": sorted((pk, repr_, str(changes), str(email)) for pk, repr_, changes, email
                        in LogEntry.objects.exclude(content_type=run_type).values_list(
                            "pk", "object_repr", "changes", "actor_email")),
    }


def test_the_job_forgets_exactly_what_is_past_its_period(seeded,
                                                        django_capture_on_commit_callbacks):
    s = seeded
    gone_email = s["user_gone"].email
    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows are gone
        report = engine.run()

    # Former users: the one gone for two years is anonymised, everything else is as it was.
    gone = User.objects.get(pk=s["user_gone"].pk)
    assert gone.email == placeholder_email(gone.pk)
    assert gone.email.endswith(".invalid")
    assert str(gone) == f"Ancien utilisateur n° {gone.pk}"
    assert not gone.has_usable_password()
    assert not EmailAddress.objects.filter(user=gone).exists()
    assert not Authenticator.objects.filter(user=gone).exists()
    assert not LogEntry.objects.filter(actor_email__iexact=gone_email).exists()
    assert not LogEntry.objects.filter(changes__icontains=gone_email).exists()
    assert LogEntry.objects.get(pk=s["entry_by_gone"].pk).actor_id == gone.pk  # entry kept
    recent = User.objects.get(pk=s["user_recent"].pk)
    assert recent.email == s["user_recent"].email and recent.has_usable_password()
    assert EmailAddress.objects.filter(user=recent).exists()
    assert User.objects.get(pk=s["user_active"].pk).email == s["user_active"].email

    # Contacts: the audit trail's copy of the contact removed three years ago is redacted,
    # the one removed last year is intact; lapsed invitations likewise.
    old_entries = entries_of(Contact, s["contact_gone"])
    assert old_entries.exists()
    assert not old_entries.filter(changes__icontains="Ginette").exists()
    assert not old_entries.exclude(object_repr=engine.REDACTED).exists()
    assert entries_of(Contact, s["contact_recent"]).filter(changes__icontains="Ginette").exists()
    assert Contact.objects.filter(pk=s["contact_live"].pk).exists()
    assert list(Invitation.objects.values_list("pk", flat=True)) == [s["invitation_recent"].pk]

    # Notes: those of the case closed eight years ago are gone, its history and referral
    # comments emptied (the rows stay); the case closed six years ago and the open one keep all.
    old, kept = s["case_old"], s["case_recent"]
    assert not CaseNote.objects.filter(case=old).exists()
    assert list(CaseEvent.objects.filter(case=old).values_list("comment", flat=True)) == [""]
    assert list(Referral.objects.filter(case=old).values_list("note", flat=True)) == [""]
    assert CaseNote.objects.filter(case=kept).count() == 1
    assert CaseEvent.objects.get(case=kept).comment == "Appel avec M. Gagnon"
    assert Referral.objects.get(case=kept).note == "Dossier de M. Gagnon"
    assert CaseNote.objects.filter(case=s["open_case"]).count() == 1
    assert not LogEntry.objects.filter(changes__icontains="Tremblay",
                                       timestamp__lt=ago(years=7)).exists()
    assert not entries_of(Referral, old.referrals.get().pk).filter(
        changes__icontains="Gagnon").exists()

    # Case documents: the old one is deleted with its file; the recent one stays.
    assert not CaseAttachment.objects.filter(case=old).exists()
    assert not _exists(s["file_old"])
    assert CaseAttachment.objects.filter(case=kept).count() == 1
    assert _exists(s["file_recent"])

    # Plans: closed or refused eight years ago lose their comments; recent and open ones keep.
    for plan in (s["plan_old"], s["plan_refused_old"]):
        assert not Comment.objects.filter(plan=plan).exists()
        assert list(PlanEvent.objects.filter(plan=plan).values_list("comment", flat=True)) == [""]
        assert ActionPlan.objects.filter(pk=plan.pk).exists()
    for plan in (s["plan_recent"], s["plan_open_old"]):
        assert Comment.objects.filter(plan=plan).count() == 1
        assert PlanEvent.objects.get(plan=plan).comment == "Selon Mme Roy"

    # Audit: entries older than seven years are deleted, younger ones kept.
    assert not LogEntry.objects.filter(pk=s["entry_old"].pk).exists()
    assert LogEntry.objects.filter(pk=s["entry_recent"].pk).exists()
    assert not LogEntry.objects.filter(timestamp__lt=ago(years=7)).exists()

    # The report says what was done, kind by kind.
    assert report.counts["former_users.accounts"] == 1
    assert report.counts["contacts.removed_contacts"] == 1
    assert report.counts["contacts.lapsed_invitations"] == 1
    assert report.counts["notes.case_notes"] == 1
    assert report.counts["notes.case_history_comments"] == 1
    assert report.counts["notes.case_referral_notes"] == 1
    assert report.counts["notes.plan_comments"] == 2
    assert report.counts["notes.plan_history_comments"] == 2
    assert report.counts["case_documents.case_documents"] == 1
    assert report.counts["audit_entries.entries"] >= 1
    assert report.counts_by_kind()["notes"] == 7
    assert report.total == sum(report.counts.values())
    assert report.periods == {"contacts": 24, "notes": 84, "case_documents": 84,
                              "former_users": 12, "audit_entries": 84}


def _exists(path):
    from pathlib import Path

    return Path(path).exists()


def test_run_twice_the_second_changes_nothing(seeded):
    first = engine.run()
    assert first.total > 0
    before = snapshot()
    second = engine.run()
    assert second.total == 0
    assert set(second.counts.values()) == {0}
    assert snapshot() == before


def test_the_audit_trail_records_each_run_and_no_copy_of_what_was_forgotten(seeded):
    note_pks = list(CaseNote.objects.filter(case=seeded["case_old"]).values_list("pk",
                                                                                 flat=True))
    report = engine.run()
    run_type = ContentType.objects.get_for_model(RetentionRun)
    entry = LogEntry.objects.get(content_type=run_type, object_pk=str(report.pk))
    assert entry.action == LogEntry.Action.CREATE
    assert "case_notes" in str(entry.changes)
    # The deletions themselves wrote no entry holding the deleted text.
    note_type = ContentType.objects.get_for_model(CaseNote)
    assert not LogEntry.objects.filter(content_type=note_type, object_pk__in=map(str, note_pks),
                                       action=LogEntry.Action.DELETE).exists()
    assert not LogEntry.objects.filter(changes__icontains="Mme Tremblay",
                                       timestamp__lt=ago(years=7)).exists()


def test_administrators_set_the_periods(seeded):
    """With the notes kept five years, the case closed six years ago loses its notes too; its
    documents (another kind, still seven years) stay."""
    RetentionSettings.objects.update_or_create(pk=1, defaults={"notes_months": 60})
    report = engine.run()
    assert report.counts["notes.case_notes"] == 2
    assert not CaseNote.objects.filter(case=seeded["case_recent"]).exists()
    assert CaseAttachment.objects.filter(case=seeded["case_recent"]).exists()
    assert report.periods["notes"] == 60


def test_dry_run_counts_and_changes_nothing(seeded, capsys):
    before = snapshot()
    pending = engine.pending()
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "notes.case_notes" in out and "Dry run" in out
    assert snapshot() == before
    assert not RetentionRun.objects.exists()
    report = engine.run(chunk=1)  # one row per transaction: the same result
    assert report.counts == pending


def test_the_command_applies_and_records(seeded, capsys):
    call_command("apply_retention")
    assert RetentionRun.objects.count() == 1
    assert f"Total: {RetentionRun.objects.get().total}" in capsys.readouterr().out


def test_the_task_is_scheduled_monthly():
    from portal.celery import app

    entry = next(e for e in app.conf.beat_schedule.values()
                 if e["task"] == "retention.tasks.apply_retention")
    assert entry["schedule"].day_of_month == {1}


def test_administrators_edit_the_periods_and_read_the_reports(client, seeded):
    admin = StaffFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:retention_retentionsettings_add")
    response = client.post(url, {"contacts_months": 24, "notes_months": 84,
                                 "case_documents_months": 84, "former_users_months": 6,
                                 "audit_entries_months": 84})
    assert response.status_code == 302
    assert RetentionSettings.current().former_users_months == 6
    assert client.get(url).status_code == 403  # one row only
    # The audit trail may not be emptied by a setting: at least a year.
    change = reverse("admin:retention_retentionsettings_change", args=[1])
    response = client.post(change, {"contacts_months": 24, "notes_months": 84,
                                    "case_documents_months": 84, "former_users_months": 6,
                                    "audit_entries_months": 1})
    assert response.status_code == 200
    assert RetentionSettings.current().audit_entries_months == 84
    report = engine.run()
    response = client.get(reverse("admin:retention_retentionrun_change", args=[report.pk]))
    assert response.status_code == 200
    assert b"case_notes" in response.content
    assert client.get(reverse("admin:retention_retentionrun_changelist")).status_code == 200
