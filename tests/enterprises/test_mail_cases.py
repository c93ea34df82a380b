"""An email becomes case content: a new request from an enterprise's email, a shared note from
a reply, with the email's attachments checked by the portal's file rules."""

import io
import zipfile
from email.message import EmailMessage

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from enterprises.mail_cases import case_note_from_message, case_open_from_message
from enterprises.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Channel,
    HelpKind,
)
from notifications.mailparse import parse
from notifications.models import InboundMessage, InboundState, Notification
from tests.factories.accounts import StaffFactory
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def eml(*, sender="Julie Tremblay <julie@usinage.example>", to="trois-rivieres@example.org",
        subject="Besoin d’aide pour recruter", text="Bonjour,\nNous cherchons 3 soudeurs.",
        attachments=(), reply_to_id=None, message_id=None) -> bytes:
    """Real email bytes, as a mail client sends them."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if subject is not None:
        message["Subject"] = subject
    message["Date"] = "Mon, 02 Jun 2025 09:30:00 -0400"
    if message_id:
        message["Message-ID"] = message_id
    if reply_to_id:
        message["In-Reply-To"] = reply_to_id
    message.set_content(text)
    for filename, content, mimetype in attachments:
        maintype, subtype = mimetype.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message)


def inbound(raw: bytes, *, office=None, state=InboundState.TO_SORT, **fields) -> InboundMessage:
    """The row the poller writes for ``raw`` (the original kept in private storage)."""
    parsed = parse(raw)
    message = InboundMessage(
        message_key=parsed.message_id or f"sha256:{hash(raw)}-{InboundMessage.objects.count()}",
        size=len(raw), from_address=parsed.from_address, from_name=parsed.from_name,
        to_addresses=", ".join(parsed.to_addresses), subject=parsed.subject,
        sent_at=parsed.sent_at, office=office, state=state, **fields)
    message.raw.save("message.eml", ContentFile(raw), save=False)
    message.save()
    return message


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def ent(world):
    tr = world["offices"]["tr"]
    enterprise = EnterpriseFactory(organisation__office=tr, organisation__name="Usinage TR")
    return {"org": enterprise.organisation,
            "user": PartnerUserFactory(organisation=enterprise.organisation)}


# --------------------------------------------------------------------------------------------
# A new request from an email
# --------------------------------------------------------------------------------------------


def test_an_email_from_a_contact_without_account_opens_a_request_for_the_office(world, ent):
    raw = eml(attachments=[("offre.pdf", PDF_BYTES, "application/pdf")])
    message = inbound(raw, office=world["offices"]["tr"])
    with transaction.atomic():  # the caller's transaction
        case = case_open_from_message(message=message, parsed=parse(raw),
                                      organisation=ent["org"], actor=None)
    case.refresh_from_db()
    assert case.channel == Channel.EMAIL
    assert case.subject == "Besoin d’aide pour recruter"
    assert case.description == "Bonjour,\nNous cherchons 3 soudeurs."
    assert case.help_kinds == [HelpKind.INFORMATION] and case.topics == []
    assert case.office == world["offices"]["tr"] and case.status == CaseStatus.NEW
    assert case.created_by is None and case.inbound_message == message
    assert case.next_follow_up is not None
    event = CaseEvent.objects.get(case=case)
    assert event.actor is None and "julie@usinage.example" in event.comment
    attachment = CaseAttachment.objects.get(case=case)
    assert attachment.original_name == "offre.pdf" and attachment.uploaded_by is None
    assert attachment.file.read() == PDF_BYTES
    # The office's adviser is told a request came in; nobody at the enterprise is.
    told = set(Notification.objects.filter(key=f"case-event:{event.pk}")
               .values_list("recipient", flat=True))
    assert told == {world["users"]["adviser"].pk}


def test_an_email_without_subject_or_text_still_opens_a_request(world, ent):
    raw = eml(subject=None, text="")
    case = case_open_from_message(message=inbound(raw), parsed=parse(raw),
                                  organisation=ent["org"], actor=None)
    assert case.subject == "(no subject)"
    assert case.description == "(The email has no text.)"


def test_a_long_email_is_cut_to_the_description_and_says_so(world, ent):
    raw = eml(text="Une longue histoire. " * 400)
    case = case_open_from_message(message=inbound(raw), parsed=parse(raw),
                                  organisation=ent["org"], actor=None)
    assert len(case.description) <= 5000
    assert case.description.endswith("read the whole message in the original email.]")


def test_a_refused_attachment_does_not_refuse_the_email_and_is_named(world, ent):
    raw = eml(attachments=[("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image/png"),
                           ("faux.pdf", b"MZ not a pdf", "application/pdf"),
                           ("contrat.docx", docx_bytes(),
                            "application/vnd.openxmlformats-officedocument"
                            ".wordprocessingml.document")])
    case = case_open_from_message(message=inbound(raw), parsed=parse(raw),
                                  organisation=ent["org"], actor=None)
    assert [a.original_name for a in case.attachments.all()] == ["contrat.docx"]
    assert "Attachments of the email not kept:" in case.description
    assert "“photo.png” was not kept: “photo.png”: only PDF, DOCX" in case.description
    assert "“faux.pdf” was not kept: “faux.pdf” is not a real PDF file" in case.description


def test_a_request_opened_by_the_enterprises_user_by_email_is_theirs(world, ent):
    raw = eml(sender=ent["user"].email)
    case = case_open_from_message(message=inbound(raw), parsed=parse(raw),
                                  organisation=ent["org"], actor=ent["user"])
    assert case.created_by == ent["user"]
    assert CaseEvent.objects.get(case=case).actor == ent["user"]


def test_a_user_cannot_open_a_request_by_email_for_another_enterprise(world, ent):
    other = EnterpriseFactory(organisation__office=world["offices"]["tr"]).organisation
    raw = eml()
    with pytest.raises(PermissionDenied):
        case_open_from_message(message=inbound(raw), parsed=parse(raw), organisation=other,
                               actor=ent["user"])
    assert not Case.objects.exists()


def test_an_adviser_outside_the_territory_cannot_open_it(world, ent):
    raw = eml()
    with pytest.raises(PermissionDenied):
        case_open_from_message(message=inbound(raw), parsed=parse(raw),
                               organisation=ent["org"],
                               actor=world["users"]["adviser_gatineau"])
    assert not Case.objects.exists()


# --------------------------------------------------------------------------------------------
# A reply by email
# --------------------------------------------------------------------------------------------

REPLY = ("Voici les renseignements demandés.\n\n"
         "Le lun. 2 juin 2025, à 09 h 30, Conseillère <c@mifi.example> a écrit :\n"
         "> Pouvez-vous nous envoyer l’offre d’emploi?\n")


def test_an_emailed_reply_resumes_a_case_waiting_on_the_enterprise(world, ent):
    adviser = world["users"]["adviser"]
    case = CaseFactory(organisation=ent["org"], status=CaseStatus.WAITING, adviser=adviser,
                       waiting_since=timezone.localdate())
    raw = eml(text=REPLY, attachments=[("offre.pdf", PDF_BYTES, "application/pdf")])
    message = inbound(raw, office=case.office)
    with transaction.atomic():
        note = case_note_from_message(message=message, parsed=parse(raw), case=case,
                                      author=None)
    note.refresh_from_db()
    assert note.body == "Voici les renseignements demandés."
    assert not note.is_internal and note.author is None and note.inbound_message == message
    assert [a.original_name for a in note.attachments.all()] == ["offre.pdf"]
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.waiting_since is None
    assert case.adviser == adviser
    resumed = CaseEvent.objects.get(case=case, to_status=CaseStatus.IN_PROGRESS)
    assert resumed.actor is None and resumed.comment == "The enterprise replied by email."
    assert Notification.objects.filter(key=f"case-note:{note.pk}",
                                       recipient=adviser).exists()


def test_an_emailed_reply_to_a_case_in_progress_only_adds_the_note(world, ent):
    case = CaseFactory(organisation=ent["org"], status=CaseStatus.IN_PROGRESS,
                       adviser=world["users"]["adviser"])
    raw = eml(text="Merci!")
    case_note_from_message(message=inbound(raw), parsed=parse(raw), case=case,
                           author=ent["user"])
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert not CaseEvent.objects.filter(case=case).exists()
    assert CaseNote.objects.get(case=case).author == ent["user"]


def test_an_emailed_reply_to_a_closed_case_is_refused_and_nothing_is_written(world, ent):
    case = CaseFactory(organisation=ent["org"], closed=True)
    raw = eml(text="Encore une question", attachments=[("a.pdf", PDF_BYTES,
                                                        "application/pdf")])
    with pytest.raises(ValidationError, match="is closed"):
        case_note_from_message(message=inbound(raw), parsed=parse(raw), case=case,
                               author=None)
    assert not CaseNote.objects.exists() and not CaseAttachment.objects.exists()


def test_a_refused_attachment_of_a_reply_is_named_in_the_note(world, ent):
    case = CaseFactory(organisation=ent["org"], status=CaseStatus.IN_PROGRESS)
    raw = eml(text="Ci-joint.", attachments=[("virus.exe", b"MZ\x90\x00", "application/"
                                                                          "octet-stream")])
    note = case_note_from_message(message=inbound(raw), parsed=parse(raw), case=case,
                                  author=None)
    assert note.body.startswith("Ci-joint.\n\nAttachments of the email not kept:")
    assert "virus.exe" in note.body
    assert not note.attachments.exists()


def test_an_adviser_filing_an_enterprises_email_resumes_the_waiting_case(world, ent):
    adviser = world["users"]["adviser"]
    case = CaseFactory(organisation=ent["org"], status=CaseStatus.WAITING, adviser=adviser)
    raw = eml(text="Réponse")
    case_note_from_message(message=inbound(raw), parsed=parse(raw), case=case, author=adviser)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_partner_of_another_enterprise_cannot_add_a_note_by_email(world, ent):
    case = CaseFactory(organisation=ent["org"], status=CaseStatus.IN_PROGRESS)
    stranger = PartnerUserFactory(
        organisation=EnterpriseFactory(organisation__office=world["offices"]["tr"])
        .organisation)
    raw = eml()
    with pytest.raises(PermissionDenied):
        case_note_from_message(message=inbound(raw), parsed=parse(raw), case=case,
                               author=stranger)
    assert not CaseNote.objects.exists()


def test_staff_actor_is_told_nothing_new_but_the_enterprise_is(world, ent):
    """An adviser who files an email as a new request: like a request entered by phone."""
    adviser = StaffFactory(role="adviser", offices=[world["offices"]["tr"]])
    raw = eml()
    case = case_open_from_message(message=inbound(raw), parsed=parse(raw),
                                  organisation=ent["org"], actor=adviser)
    event = CaseEvent.objects.get(case=case)
    told = set(Notification.objects.filter(key=f"case-event:{event.pk}")
               .values_list("recipient", flat=True))
    assert told == {ent["user"].pk}
