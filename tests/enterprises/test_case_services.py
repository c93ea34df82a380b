"""The case services: opening a request, assigning, notes, referrals, documents and the
notifications they send (once, and never for a change that was rolled back)."""

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from enterprises import services, tasks
from enterprises.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Channel,
    FrenchLevel,
    HelpKind,
    Outcome,
    Position,
    Referral,
    ReferralOutcome,
    ReferralTarget,
    Topic,
)
from notifications.models import Notification
from regions.models import Municipality
from tests.factories.accounts import StaffFactory
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English messages; French is checked where it matters."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

S = CaseStatus
MONTREAL = ZoneInfo("America/Montreal")

PDF_BYTES = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def ent(world):
    """An enterprise served by Trois-Rivières, its two users, and one of Gatineau."""
    tr, gat = world["offices"]["tr"], world["offices"]["gat"]
    mine = EnterpriseFactory(organisation__office=tr, organisation__name="Usinage Mauricie")
    gatineau = EnterpriseFactory(organisation__office=gat,
                                 organisation__name="Bois Outaouais")
    return {
        "org": mine.organisation,
        "user": PartnerUserFactory(organisation=mine.organisation),
        "colleague": PartnerUserFactory(organisation=mine.organisation),
        "gat_org": gatineau.organisation,
        "gat_user": PartnerUserFactory(organisation=gatineau.organisation),
    }


def _municipality(name="Trois-Rivières"):
    return Municipality.objects.get(name=name)


def _position(**changes):
    row = {"count": 3, "job_title": "Soudeur-monteur", "noc_code": "72106",
           "municipality": _municipality(), "french_level": FrenchLevel.BASIC}
    row.update(changes)
    return row


def _open(actor, organisation, **changes):
    values = {"actor": actor, "organisation": organisation,
              "subject": "Accueillir trois travailleurs de Tunisie",
              "help_kinds": [HelpKind.ACCOMPANIMENT], "topics": [Topic.INTEGRATION],
              "description": "  Nous accueillons trois travailleurs de Tunisie en mars.  "}
    values.update(changes)
    return services.case_create(**values)


def _messages(exc) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------------------------
# Opening a case
# --------------------------------------------------------------------------------------------


def test_a_request_goes_to_the_office_serving_the_enterprise(world, ent):
    u = world["users"]
    now = timezone.now()
    case = _open(ent["gat_user"], ent["gat_org"], channel=Channel.PHONE, now=now)
    case.refresh_from_db()
    assert (case.office, case.status, case.adviser, case.created_by, case.opened_at) == (
        world["offices"]["gat"], S.NEW, None, ent["gat_user"], now)
    # In the portal, whatever the form said; the text is trimmed.
    assert case.channel == Channel.PORTAL
    assert case.description == "Nous accueillons trois travailleurs de Tunisie en mars."
    assert [(e.from_status, e.to_status, e.actor) for e in case.events.all()] == [
        ("", S.NEW, ent["gat_user"])]
    # The office's queue has it; no other territory does.
    assert Case.objects.for_user(u["adviser_gatineau"]).filter(pk=case.pk).exists()
    assert not Case.objects.for_user(u["adviser"]).filter(pk=case.pk).exists()
    assert not Case.objects.for_user(u["sit_manager"]).filter(pk=case.pk).exists()
    assert not Case.objects.for_user(ent["user"]).filter(pk=case.pk).exists()


def test_an_adviser_enters_a_request_received_by_phone(world, ent):
    adviser = world["users"]["adviser"]
    case = _open(adviser, ent["org"], channel=Channel.PHONE)
    assert (case.office, case.channel, case.created_by) == (
        world["offices"]["tr"], Channel.PHONE, adviser)
    assert Case.objects.for_user(ent["user"]).filter(pk=case.pk).exists()


@pytest.mark.parametrize("who", ["gat_user", "adviser_gatineau", "admin"])
def test_only_the_enterprise_and_the_staff_of_its_territory_open_its_cases(world, ent, who):
    actor = ent.get(who) or world["users"][who]
    with pytest.raises(PermissionDenied):
        _open(actor, ent["org"])
    assert not Case.objects.exists()


def test_a_case_is_opened_only_for_an_enterprise(world):
    with pytest.raises(ValidationError) as exc:
        _open(world["users"]["adviser"], world["orgs"]["tr"])
    assert "for enterprises" in _messages(exc.value)
    assert not Case.objects.exists()


# Thursday before Labour Day, at 10:00 and at 22:30 (already Friday in UTC), the Friday, the
# day before the Saint-Jean, Christmas Eve, and the Wednesday before Good Friday.
FOLLOW_UPS = [
    (datetime(2026, 9, 3, 10, 0), date(2026, 9, 8)),
    (datetime(2026, 9, 3, 22, 30), date(2026, 9, 8)),
    (datetime(2026, 9, 4, 10, 0), date(2026, 9, 9)),
    (datetime(2026, 6, 23, 9, 0), date(2026, 6, 26)),
    (datetime(2026, 12, 24, 9, 0), date(2026, 12, 29)),
    (datetime(2026, 4, 1, 9, 0), date(2026, 4, 6)),
]


@pytest.mark.parametrize("local_now,due", FOLLOW_UPS)
def test_the_first_follow_up_is_two_business_days_later(ent, local_now, due):
    now = local_now.replace(tzinfo=MONTREAL)
    case = _open(ent["user"], ent["org"], now=now)
    case.refresh_from_db()
    assert case.next_follow_up == due
    assert case.opened_at == now


@pytest.mark.parametrize("help_kinds,topics,field", [
    ([], [Topic.RETENTION], "help_kinds"),
    (["coaching"], [Topic.RETENTION], "help_kinds"),
    ([HelpKind.INFORMATION], [], "topics"),
    ([HelpKind.INFORMATION], ["housing"], "topics"),
])
def test_a_request_names_known_kinds_of_help_and_topics(ent, help_kinds, topics, field):
    with pytest.raises(ValidationError) as exc:
        _open(ent["user"], ent["org"], help_kinds=help_kinds, topics=topics)
    assert field in exc.value.message_dict
    assert not Case.objects.exists()


def test_a_request_needs_a_description(ent):
    with pytest.raises(ValidationError) as exc:
        _open(ent["user"], ent["org"], description="   ")
    assert "description" in exc.value.message_dict
    assert not Case.objects.exists()


def test_help_to_recruit_needs_a_position(ent):
    with pytest.raises(ValidationError) as exc:
        _open(ent["user"], ent["org"], topics=[Topic.RECRUITMENT, Topic.INTEGRATION])
    assert "at least one position" in " ".join(exc.value.message_dict["positions"])
    assert not Case.objects.exists()


def test_the_positions_of_a_recruitment_request_are_kept(ent):
    case = _open(ent["user"], ent["org"], topics=[Topic.RECRUITMENT],
                 positions=[_position(), _position(count=1, job_title="Machiniste",
                                                   noc_code="72100",
                                                   french_level=FrenchLevel.INTERMEDIATE)])
    assert list(Position.objects.filter(case=case).values_list(
        "count", "job_title", "noc_code", "municipality__name", "french_level")) == [
        (3, "Soudeur-monteur", "72106", "Trois-Rivières", FrenchLevel.BASIC),
        (1, "Machiniste", "72100", "Trois-Rivières", FrenchLevel.INTERMEDIATE)]


@pytest.mark.parametrize("changes,field,says", [
    ({"noc_code": "7210"}, "noc_code", "5 digits"),
    ({"noc_code": "72106a"}, "noc_code", ""),
    ({"noc_code": "A2106"}, "noc_code", "5 digits"),
    ({"count": 0}, "count", ""),
    ({"count": -2}, "count", ""),
    ({"job_title": ""}, "job_title", ""),
    ({"french_level": "fluent"}, "french_level", ""),
])
def test_each_position_is_checked_and_nothing_is_kept_when_one_is_wrong(ent, changes, field,
                                                                        says):
    with pytest.raises(ValidationError) as exc:
        _open(ent["user"], ent["org"], topics=[Topic.RECRUITMENT],
              positions=[_position(), _position(**changes)])
    assert field in exc.value.message_dict
    assert says in " ".join(exc.value.message_dict[field])
    assert not Case.objects.exists()
    assert not Position.objects.exists()


# --------------------------------------------------------------------------------------------
# Assigning
# --------------------------------------------------------------------------------------------


def _case(org, **kwargs):
    return CaseFactory(organisation=org, **kwargs)


def test_the_sit_manager_assigns_new_cases_and_each_gets_a_history_row(world, ent):
    u = world["users"]
    first, second = _case(ent["org"]), _case(ent["org"])
    assert services.cases_assign(actor=u["sit_manager"], case_ids=[first.pk, str(second.pk)],
                                 adviser=u["adviser"]) == 2
    for case in (first, second):
        case.refresh_from_db()
        assert (case.status, case.adviser) == (S.ASSIGNED, u["adviser"])
        assert [(e.from_status, e.to_status, e.actor, e.adviser) for e in case.events.all()] == [
            (S.NEW, S.ASSIGNED, u["sit_manager"], u["adviser"])]


def test_a_case_in_progress_changes_hands_but_keeps_its_status(world, ent):
    u = world["users"]
    colleague = StaffFactory(role="adviser", offices=[world["offices"]["tr"]])
    case = _case(ent["org"], status=S.IN_PROGRESS, adviser=u["adviser"],
                 first_contact_at=timezone.now())
    assert services.cases_assign(actor=u["adviser"], case_ids=[case.pk],
                                 adviser=colleague) == 1
    case.refresh_from_db()
    assert (case.status, case.adviser) == (S.IN_PROGRESS, colleague)
    assert [(e.from_status, e.to_status, e.adviser) for e in case.events.all()] == [
        (S.IN_PROGRESS, S.IN_PROGRESS, colleague)]
    # Already theirs: nothing changes hands, no history.
    assert services.cases_assign(actor=u["adviser"], case_ids=[case.pk],
                                 adviser=colleague) == 0
    assert case.events.count() == 1


def test_cases_outside_the_actors_territory_or_closed_are_left_alone(world, ent):
    u = world["users"]
    gatineau = _case(ent["gat_org"])
    closed = _case(ent["org"], closed=True, adviser=u["adviser"])
    assert services.cases_assign(actor=u["adviser"], case_ids=[gatineau.pk, closed.pk],
                                 adviser=u["adviser"]) == 0
    gatineau.refresh_from_db()
    assert (gatineau.status, gatineau.adviser) == (S.NEW, None)
    assert not CaseEvent.objects.exists()


def test_assigning_to_an_adviser_who_does_not_serve_every_case_changes_nothing(world, ent):
    u = world["users"]
    shawinigan = EnterpriseFactory(organisation__office=world["offices"]["sh"]).organisation
    here, there = _case(ent["org"]), _case(shawinigan)
    with pytest.raises(ValidationError) as exc:
        services.cases_assign(actor=u["sit_manager"], case_ids=[here.pk, there.pk],
                              adviser=u["adviser"])
    assert f"territory of cases {there.pk}." in _messages(exc.value)
    with pytest.raises(ValidationError):
        services.cases_assign(actor=u["sit_manager"], case_ids=[here.pk],
                              adviser=u["adviser_gatineau"])
    for case in (here, there):
        case.refresh_from_db()
        assert (case.status, case.adviser) == (S.NEW, None)
    assert not CaseEvent.objects.exists()


@pytest.mark.parametrize("who", ["enterprise", "admin"])
def test_only_advisers_and_sit_managers_assign(world, ent, who):
    actor = ent["user"] if who == "enterprise" else world["users"]["admin"]
    case = _case(ent["org"])
    with pytest.raises(PermissionDenied):
        services.cases_assign(actor=actor, case_ids=[case.pk],
                              adviser=world["users"]["adviser"])
    assert Case.objects.get(pk=case.pk).adviser is None


def test_cases_are_assigned_only_to_advisers(world, ent):
    case = _case(ent["org"])
    with pytest.raises(ValidationError):
        services.cases_assign(actor=world["users"]["adviser"], case_ids=[case.pk],
                              adviser=ent["user"])
    assert Case.objects.get(pk=case.pk).adviser is None


# --------------------------------------------------------------------------------------------
# Notes
# --------------------------------------------------------------------------------------------


def test_the_enterprise_notes_are_always_shared(ent):
    case = _case(ent["org"], status=S.IN_PROGRESS, first_contact_at=timezone.now())
    note = services.note_add(actor=ent["user"], case=case, body=" Voici nos horaires. ",
                             is_internal=True)
    note.refresh_from_db()
    assert (note.is_internal, note.body, note.author) == (False, "Voici nos horaires.",
                                                         ent["user"])


def test_staff_notes_are_internal_unless_shared(world, ent):
    adviser = world["users"]["adviser"]
    case = _case(ent["org"])
    internal = services.note_add(actor=adviser, case=case, body="Entreprise à relancer.")
    shared = services.note_add(actor=adviser, case=case, body="Bienvenue!", is_internal=False)
    assert (internal.is_internal, shared.is_internal) == (True, False)


def test_the_enterprise_never_reads_an_internal_note(world, ent):
    adviser = world["users"]["adviser"]
    case = _case(ent["org"])
    internal = services.note_add(actor=adviser, case=case, body="Dossier délicat.")
    shared = services.note_add(actor=adviser, case=case, body="Bienvenue!", is_internal=False)
    reply = services.note_add(actor=ent["user"], case=case, body="Merci.")
    assert list(CaseNote.objects.for_user(ent["user"])) == [shared, reply]
    assert list(CaseNote.objects.for_user(ent["colleague"]).filter(pk=internal.pk)) == []
    assert list(CaseNote.objects.for_user(ent["gat_user"])) == []
    assert list(CaseNote.objects.for_user(adviser)) == [internal, shared, reply]
    assert list(CaseNote.objects.for_user(world["users"]["sit_manager"])) == [
        internal, shared, reply]
    assert list(CaseNote.objects.for_user(world["users"]["adviser_gatineau"])) == []


def test_a_reply_of_the_enterprise_resumes_a_case_waiting_on_it(world, ent):
    adviser = world["users"]["adviser"]
    due = timezone.localdate() + timedelta(days=4)
    case = _case(ent["org"], status=S.WAITING, adviser=adviser, next_follow_up=due,
                 first_contact_at=timezone.now(),
                 waiting_since=timezone.localdate() - timedelta(days=2))
    services.note_add(actor=ent["user"], case=case, body="Voici la liste des postes.")
    case.refresh_from_db()
    assert (case.status, case.waiting_since, case.next_follow_up, case.adviser) == (
        S.IN_PROGRESS, None, due, adviser)
    assert [(e.from_status, e.to_status, e.actor, e.comment) for e in case.events.all()] == [
        (S.WAITING, S.IN_PROGRESS, ent["user"], "The enterprise replied.")]


def test_a_reply_to_a_case_in_progress_or_a_staff_note_moves_nothing(world, ent):
    case = _case(ent["org"], status=S.IN_PROGRESS, first_contact_at=timezone.now())
    waiting = _case(ent["org"], status=S.WAITING, first_contact_at=timezone.now(),
                    waiting_since=timezone.localdate())
    services.note_add(actor=ent["user"], case=case, body="Une précision.")
    services.note_add(actor=world["users"]["adviser"], case=waiting, body="Relancé.",
                      is_internal=False)
    assert Case.objects.get(pk=case.pk).status == S.IN_PROGRESS
    assert Case.objects.get(pk=waiting.pk).status == S.WAITING
    assert not CaseEvent.objects.exists()


def test_a_reply_to_a_case_closed_meanwhile_is_refused_and_not_kept(world, ent):
    """The enterprise's page showed the case waiting; the adviser closed it since."""
    case = _case(ent["org"], status=S.WAITING, adviser=world["users"]["adviser"],
                 first_contact_at=timezone.now(), waiting_since=timezone.localdate())
    services.case_transition(actor=world["users"]["adviser"], case_id=case.pk, to=S.CLOSED,
                             outcome=Outcome.NO_RESPONSE)
    assert case.status == S.WAITING  # the copy the page read
    with pytest.raises(PermissionDenied):
        services.note_add(actor=ent["user"], case=case, body="Voici enfin la liste.")
    assert not CaseNote.objects.exists()
    assert Case.objects.get(pk=case.pk).status == S.CLOSED


def test_notes_are_refused_to_other_enterprises_to_closed_cases_and_when_empty(world, ent):
    case = _case(ent["org"])
    closed = _case(ent["org"], closed=True)
    with pytest.raises(PermissionDenied):
        services.note_add(actor=ent["gat_user"], case=case, body="Bonjour.")
    with pytest.raises(PermissionDenied):
        services.note_add(actor=ent["user"], case=closed, body="Bonjour.")
    with pytest.raises(ValidationError):
        services.note_add(actor=world["users"]["adviser"], case=case, body="  \n ")
    assert not CaseNote.objects.exists()


# --------------------------------------------------------------------------------------------
# Referrals
# --------------------------------------------------------------------------------------------


def test_a_referral_to_emploi_quebec_is_recorded_with_its_date(world, ent):
    case = _case(ent["org"])
    referral = services.referral_add(actor=world["users"]["adviser"], case=case,
                                     target=ReferralTarget.EMPLOI_QUEBEC,
                                     referred_on=date(2026, 11, 20), note=" Volet PRIIME ")
    referral.refresh_from_db()
    assert (referral.target, referral.referred_on, referral.outcome, referral.outcome_on,
            referral.note) == (ReferralTarget.EMPLOI_QUEBEC, date(2026, 11, 20),
                               ReferralOutcome.PENDING, None, "Volet PRIIME")


def test_a_referral_to_a_partner_or_an_office_names_it(world, ent):
    adviser = world["users"]["adviser"]
    case = _case(ent["org"])
    to_partner = services.referral_add(actor=adviser, case=case, target=ReferralTarget.PARTNER,
                                       organisation=world["orgs"]["tr"])
    to_office = services.referral_add(actor=adviser, case=case, target=ReferralTarget.OFFICE,
                                      office=world["offices"]["sh"])
    assert (to_partner.organisation, to_office.office) == (world["orgs"]["tr"],
                                                           world["offices"]["sh"])


@pytest.mark.parametrize("target,extra,field", [
    (ReferralTarget.PARTNER, {}, "organisation"),
    (ReferralTarget.OFFICE, {}, "office"),
    ("cegep", {}, "target"),
    (ReferralTarget.PARTNER, {"office": "sh"}, None),
    (ReferralTarget.EMPLOI_QUEBEC, {"office": "sh"}, None),
])
def test_a_referral_that_does_not_say_where_is_refused(world, ent, target, extra, field):
    extra = {"office": world["offices"][extra["office"]]} if extra else {}
    organisation = world["orgs"]["tr"] if (target == ReferralTarget.PARTNER and extra) else None
    with pytest.raises(ValidationError) as exc:
        services.referral_add(actor=world["users"]["adviser"], case=_case(ent["org"]),
                              target=target, organisation=organisation, **extra)
    if field:
        assert field in exc.value.message_dict
    assert not Referral.objects.exists()


def test_the_enterprise_does_not_record_referrals(ent):
    with pytest.raises(PermissionDenied):
        services.referral_add(actor=ent["user"], case=_case(ent["org"]),
                              target=ReferralTarget.EMPLOI_QUEBEC)


def test_the_outcome_of_a_referral_is_recorded_with_its_date(world, ent):
    adviser = world["users"]["adviser"]
    referral = services.referral_add(actor=adviser, case=_case(ent["org"]),
                                     target=ReferralTarget.EMPLOI_QUEBEC,
                                     referred_on=date(2026, 11, 2))
    services.referral_record_outcome(actor=adviser, referral=referral,
                                     outcome=ReferralOutcome.TAKEN_UP,
                                     outcome_on=date(2026, 11, 16))
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.TAKEN_UP,
                                                       date(2026, 11, 16))
    services.referral_record_outcome(actor=adviser, referral=referral,
                                     outcome=ReferralOutcome.NOT_TAKEN_UP)
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.NOT_TAKEN_UP,
                                                       timezone.localdate())
    services.referral_record_outcome(actor=adviser, referral=referral,
                                     outcome=ReferralOutcome.PENDING)
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.PENDING, None)


def test_a_referral_outcome_is_refused_when_unknown_or_dated_before_the_referral(world, ent):
    adviser = world["users"]["adviser"]
    referral = services.referral_add(actor=adviser, case=_case(ent["org"]),
                                     target=ReferralTarget.EMPLOI_QUEBEC,
                                     referred_on=date(2026, 11, 2))
    with pytest.raises(ValidationError):
        services.referral_record_outcome(actor=adviser, referral=referral, outcome="great")
    with pytest.raises(ValidationError) as exc:
        services.referral_record_outcome(actor=adviser, referral=referral,
                                         outcome=ReferralOutcome.TAKEN_UP,
                                         outcome_on=date(2026, 10, 30))
    assert "outcome_on" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.referral_record_outcome(actor=ent["user"], referral=referral,
                                         outcome=ReferralOutcome.TAKEN_UP)
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.outcome, stored.outcome_on) == (ReferralOutcome.PENDING, None)


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------


def _stored_files() -> set[Path]:
    root = Path(storages["private"].location)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_real_pdf_is_stored_privately_under_a_random_name(ent):
    case = _case(ent["org"])
    before = _stored_files()
    attachment = services.case_attachment_add(
        actor=ent["user"], case=case,
        upload=SimpleUploadedFile("postes-a-combler.pdf", PDF_BYTES))
    new = _stored_files() - before
    assert len(new) == 1
    stored = new.pop()
    assert stored.read_bytes() == PDF_BYTES
    assert "postes" not in stored.name
    assert (attachment.original_name, attachment.content_type, attachment.size,
            attachment.uploaded_by) == ("postes-a-combler.pdf", "application/pdf",
                                        len(PDF_BYTES), ent["user"])


@pytest.mark.parametrize("name,content", [
    ("organigramme.pdf", PNG_BYTES),
    ("liste.pdf", b"Nom,Poste\nTremblay,Soudeur\n"),
    ("photo.png", PNG_BYTES),
])
def test_a_renamed_or_unaccepted_file_is_refused_and_nothing_is_stored(ent, name, content):
    case = _case(ent["org"])
    before = _stored_files()
    with pytest.raises(ValidationError) as exc:
        services.case_attachment_add(actor=ent["user"], case=case,
                                     upload=SimpleUploadedFile(name, content))
    assert name in " ".join(exc.value.message_dict["file"])
    assert _stored_files() == before
    assert not CaseAttachment.objects.exists()


def test_another_enterprise_cannot_attach_a_document(ent):
    with pytest.raises(PermissionDenied):
        services.case_attachment_add(actor=ent["gat_user"], case=_case(ent["org"]),
                                     upload=SimpleUploadedFile("a.pdf", PDF_BYTES))
    assert not CaseAttachment.objects.exists()


# --------------------------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------------------------


def _notified(kind=None):
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient_id", flat=True))


def _ids(*users):
    return sorted(u.pk for u in users)


def test_a_new_request_notifies_the_offices_advisers(world, ent,
                                                    django_capture_on_commit_callbacks):
    colleague = StaffFactory(role="adviser", offices=[world["offices"]["tr"]])
    with django_capture_on_commit_callbacks(execute=True):
        _open(ent["user"], ent["org"])
    assert _notified("case_status") == _ids(world["users"]["adviser"], colleague)


def test_a_move_notifies_the_other_side_once(world, ent, django_capture_on_commit_callbacks,
                                             mailoutbox):
    adviser = world["users"]["adviser"]
    case = _case(ent["org"], status=S.IN_PROGRESS, adviser=adviser,
                 first_contact_at=timezone.now())
    with django_capture_on_commit_callbacks() as callbacks:
        services.case_transition(actor=adviser, case_id=case.pk, to=S.WAITING,
                                 comment="Envoyez la liste des postes.",
                                 next_follow_up=timezone.localdate() + timedelta(days=7))
        # The notices are written with the move, in its transaction; no email leaves before
        # the commit (after it, one callback queues one email task per person).
        assert _notified() == _ids(ent["user"], ent["colleague"])
    assert len(callbacks) == 1 and mailoutbox == []
    for callback in callbacks:
        callback()
    event = case.events.get()
    sent = len(mailoutbox)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([ent["user"].email,
                                                          ent["colleague"].email])
    # The task delivered again (a retry, a second worker): nobody is told twice.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_case_event(event.pk) == 0
        assert tasks.notify_case_event(event.pk) == 0
    assert _notified() == _ids(ent["user"], ent["colleague"])
    assert len(mailoutbox) == sent


def test_the_enterprise_reply_notifies_the_adviser_not_the_enterprise(
        world, ent, django_capture_on_commit_callbacks):
    adviser = world["users"]["adviser"]
    StaffFactory(role="adviser", offices=[world["offices"]["tr"]])  # not this case's adviser
    case = _case(ent["org"], status=S.WAITING, adviser=adviser,
                 first_contact_at=timezone.now(), waiting_since=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        services.note_add(actor=ent["user"], case=case, body="Voici la liste.")
    assert _notified("case_note") == _ids(adviser)
    assert _notified("case_status") == _ids(adviser)


def test_an_internal_note_notifies_nobody(world, ent, django_capture_on_commit_callbacks):
    case = _case(ent["org"], adviser=world["users"]["adviser"], status=S.ASSIGNED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        note = services.note_add(actor=world["users"]["sit_manager"], case=case,
                                 body="À surveiller.")
    assert callbacks == []
    assert tasks.notify_case_note(note.pk) == 0
    assert not Notification.objects.exists()


def test_a_rolled_back_move_sends_nothing(world, ent, django_capture_on_commit_callbacks,
                                          mailoutbox):
    adviser = world["users"]["adviser"]
    case = _case(ent["org"], status=S.IN_PROGRESS, adviser=adviser,
                 first_contact_at=timezone.now())
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        services.case_transition(actor=adviser, case_id=case.pk, to=S.CLOSED,
                                 outcome=Outcome.RESOLVED)
        raise RuntimeError("the page failed after the move")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mailoutbox == []
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at) == (S.IN_PROGRESS, "", None)
    assert not CaseEvent.objects.exists()


# --------------------------------------------------------------------------------------------
# Times recorded
# --------------------------------------------------------------------------------------------


def test_time_to_first_contact_and_time_to_close_are_recorded(world, ent):
    u = world["users"]
    opened = datetime(2026, 11, 2, 9, 0, tzinfo=MONTREAL)
    case = _open(ent["user"], ent["org"], now=opened)
    assert (case.time_to_first_contact, case.time_to_close) == (None, None)
    services.cases_assign(actor=u["sit_manager"], case_ids=[case.pk], adviser=u["adviser"])
    services.case_transition(actor=u["adviser"], case_id=case.pk, to=S.IN_PROGRESS,
                             next_follow_up=timezone.localdate() + timedelta(days=5),
                             now=opened + timedelta(hours=26))
    services.case_transition(actor=u["adviser"], case_id=case.pk, to=S.CLOSED,
                             outcome=Outcome.RESOLVED, now=opened + timedelta(days=9),
                             comment="Résolu par téléphone.")  # its checklist is not ticked
    case.refresh_from_db()
    assert case.time_to_first_contact == timedelta(hours=26)
    assert case.time_to_close == timedelta(days=9)
