"""What an email becomes in a support case: a new request (channel « email ») or a shared note
on an open case, with the email's attachments checked by the portal's file rules.

Called by the mail routing (``enterprises.mail``) when the poller processes a message, and by
the sorting of the mail an adviser attaches by hand (``enterprises.mail_sorting``), inside the
caller's transaction (these functions open a savepoint of their own). ``actor``/``author`` is
the user who acts: the sender when the sender has an account, the adviser who sorted the
message, or ``None`` when a contact of the enterprise without an account wrote (the message
names the sender).

A file the portal refuses (type, size, damaged) does not refuse the message: the case's
description, or the note, ends with a line naming each refused file and why.
"""

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.mailparse import ParsedMessage, trim_reply
from notifications.models import InboundMessage
from partners.models import Kind, Organisation
from portal import files
from portal.business_days import add_business_days
from portal.workflow import require

from . import permissions
from .models import Case, CaseAttachment, CaseEvent, CaseNote, CaseStatus, Channel, HelpKind
from .services import case_event_notify, case_note_notify, case_transition
from .workflow import FIRST_FOLLOW_UP_BUSINESS_DAYS

SUBJECT_MAX = Case._meta.get_field("subject").max_length
DESCRIPTION_MAX = Case._meta.get_field("description").max_length
NOTE_MAX = CaseNote._meta.get_field("body").max_length


def sender_label(message: InboundMessage) -> str:
    """« Name <address> », or the address alone."""
    if message.from_name:
        return f"{message.from_name} <{message.from_address}>"
    return message.from_address


def _checked_attachments(parsed: ParsedMessage, **fields):
    """(documents to store with their uploads, one line per refused file)."""
    accepted, refused = [], []
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(attachment.filename or "piece-jointe", attachment.content,
                                    content_type=attachment.mimetype)
        try:
            accepted.append((files.checked_document(CaseAttachment, upload, **fields), upload))
        except ValidationError as exc:
            refused.append(_("“%(name)s” was not kept: %(reason)s")
                           % {"name": upload.name, "reason": " ".join(exc.messages)})
    return accepted, refused


def _body(text: str, refused: list[str], limit: int) -> str:
    """``text`` with the lines about refused files after it, within ``limit`` characters; a
    text cut says so (the whole message stays in the original email)."""
    text = text.strip() or _("(The email has no text.)")
    tail = ""
    if refused:
        tail = "\n\n" + _("Attachments of the email not kept:") + "\n" + "\n".join(
            f"- {line}" for line in refused)
        tail = tail[:limit // 2]
    room = limit - len(tail)
    if len(text) > room:
        cut = "\n\n" + _("[The text was cut here: read the whole message in the original "
                         "email.]")
        text = text[:room - len(cut)].rstrip() + cut
    return text + tail


def _store(accepted, *, case, note=None) -> list[CaseAttachment]:
    stored = []
    for document, upload in accepted:
        document.case = case
        document.note = note
        files.store_document(document, upload)
        stored.append(document)
    return stored


def case_open_from_message(*, message: InboundMessage, parsed: ParsedMessage,
                           organisation: Organisation, actor: User | None, now=None) -> Case:
    """A new request at the organisation's office from an email: its subject (« (no subject) »
    when it has none), its text as the description, help wanted « information » and no topic
    yet (the adviser classifies the request). The office's advisers are told (or, when staff
    entered it, the other side, as for any request)."""
    if actor is not None:
        require(permissions.can_open_case(actor, organisation))
        require(Organisation.objects.for_user(actor).filter(pk=organisation.pk).exists())
    if organisation.kind != Kind.ENTERPRISE:
        raise ValidationError(_("Support cases are for enterprises."))
    if organisation.office_id is None:
        raise ValidationError(_("This enterprise has no serving office: choose its office "
                                "before you open a request for it."))
    now = now or timezone.now()
    subject = " ".join((parsed.subject or "").split())[:SUBJECT_MAX] or _("(no subject)")
    accepted, refused = _checked_attachments(parsed, uploaded_by=actor)
    case = Case(organisation=organisation, office_id=organisation.office_id, subject=subject,
                help_kinds=[HelpKind.INFORMATION], topics=[],
                description=_body(parsed.text, refused, DESCRIPTION_MAX),
                channel=Channel.EMAIL, created_by=actor, inbound_message=message,
                opened_at=now,
                next_follow_up=add_business_days(timezone.localdate(now),
                                                 FIRST_FOLLOW_UP_BUSINESS_DAYS))
    # No topic yet: the adviser classifies an emailed request (``checklists.case_classify``).
    case.full_clean()
    with transaction.atomic(), set_actor(actor):
        case.save()
        _store(accepted, case=case)
        event = CaseEvent.objects.create(
            case=case, from_status="", to_status=CaseStatus.NEW, actor=actor, created_at=now,
            comment=_("Received by email from %(sender)s.") % {"sender": sender_label(message)})
        case_event_notify(event_id=event.pk)
    return case


def case_note_from_message(*, message: InboundMessage, parsed: ParsedMessage, case: Case,
                           author: User | None) -> CaseNote:
    """A shared note on an open case from an email (its new text: the quoted history and the
    signature trimmed), with its attachments; the adviser is told, and a case waiting on the
    enterprise resumes its follow-up."""
    if author is not None:
        require(permissions.can_add_note(author, case))
    accepted, refused = _checked_attachments(parsed, uploaded_by=author)
    note = CaseNote(case=case, author=author, is_internal=False, inbound_message=message,
                    body=_body(trim_reply(parsed.text or ""), refused, NOTE_MAX))
    note.full_clean()
    with transaction.atomic(), set_actor(author):
        cases = Case.objects.all() if author is None else Case.objects.for_user(author)
        current = cases.select_for_update(of=("self",)).filter(pk=case.pk).first()
        if current is None:
            raise Case.DoesNotExist
        if not current.is_open:
            raise ValidationError(_("Case %(number)s is closed: an email cannot be added to "
                                    "it.") % {"number": current.pk})
        note.save()
        _store(accepted, case=current, note=note)
        case_note_notify(note_id=note.pk)
        # The email is the enterprise's reply, whoever files it (the adviser who sorted it
        # included): a case waiting on the enterprise resumes.
        if current.status == CaseStatus.WAITING:
            case_transition(actor=author, case_id=current.pk, to=CaseStatus.IN_PROGRESS,
                            comment=_("The enterprise replied by email."))
    return note
