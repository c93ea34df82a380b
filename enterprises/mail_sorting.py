"""Sorting by hand the mail the routing could not file (``to_sort``), and the administrators'
handling of the mail the portal refused or could not process.

Each service reads the message through the actor's scope with a row lock and acts only if the
message is still in the state the page showed (two advisers sorting the same message: the
second is told it was already handled, and nothing changes). The message keeps who handled it
(``handled_by``) and what it became (``target``).
"""

from functools import partial

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications import inbound
from notifications.mailparse import ParsedMessage, UnreadableMessage, parse
from notifications.models import InboundMessage, InboundState
from partners.models import Kind, Organisation
from portal.workflow import choice_label, require

from . import permissions
from .mail_cases import case_note_from_message, case_open_from_message
from .models import Case, CaseNote
from .workflow import ADVISERS

REASON_MAX = InboundMessage._meta.get_field("error").max_length
#: Administrators act on these (refused, or failed to process).
UNPROCESSED_STATES = (InboundState.REFUSED, InboundState.FAILED)


def _locked_message(actor, message_id, states) -> InboundMessage:
    message = (InboundMessage.objects.for_user(actor).select_for_update(of=("self",))
               .filter(pk=message_id).first())
    if message is None:
        raise InboundMessage.DoesNotExist
    if message.state not in states:
        raise ValidationError(
            _("This email was already handled meanwhile: it is now “%(state)s”. Nothing "
              "was changed.") % {"state": choice_label(InboundState, message.state)},
            code="already_handled")
    return message


def message_parsed(message: InboundMessage) -> ParsedMessage:
    """The message's original read again; a ValidationError when it is gone or unreadable."""
    if not message.raw:
        raise ValidationError(_("The original of this email is not kept: it cannot be "
                                "filed."), code="no_original")
    try:
        with message.raw.open("rb") as handle:
            return parse(handle.read())
    except (FileNotFoundError, UnreadableMessage) as exc:
        raise ValidationError(_("The original of this email cannot be read: it cannot be "
                                "filed."), code="unreadable") from exc


def _done(message, actor, *, state, target="", reason=""):
    message.state = state
    message.target = target
    message.error = reason
    message.handled_by = actor
    message.processed_at = timezone.now()
    message.save(update_fields=["state", "target", "error", "handled_by", "processed_at"])


def _case_actor(actor):
    """Who the case content is entered by: the adviser who sorts; for an administrator (who
    opens no case in the portal's rules), the email itself."""
    return actor if actor.role in ADVISERS else None


def mail_to_new_case(*, actor: User, message_id: int, organisation: Organisation) -> Case:
    """A message to sort opens a new request for an enterprise of the actor's territory."""
    require(permissions.can_sort_mail(actor))
    with transaction.atomic(), set_actor(actor):
        message = _locked_message(actor, message_id, (InboundState.TO_SORT,))
        if not Organisation.objects.for_user(actor).filter(
                pk=organisation.pk, kind=Kind.ENTERPRISE).exists():
            raise ValidationError(_("Choose an enterprise of your territory."),
                                  code="enterprise_outside")
        case = case_open_from_message(message=message, parsed=message_parsed(message),
                                      organisation=organisation, actor=_case_actor(actor))
        _done(message, actor, state=InboundState.PROCESSED, target=f"case:{case.pk}")
    return case


def mail_to_case(*, actor: User, message_id: int, case: Case) -> CaseNote:
    """A message to sort is added to an open case of the actor's territory, as a shared note
    by the email's sender (a case waiting on the enterprise resumes)."""
    require(permissions.can_sort_mail(actor))
    with transaction.atomic(), set_actor(actor):
        message = _locked_message(actor, message_id, (InboundState.TO_SORT,))
        if not Case.objects.for_user(actor).open().filter(pk=case.pk).exists():
            raise ValidationError(_("Choose an open case of your territory."),
                                  code="case_outside")
        note = case_note_from_message(message=message, parsed=message_parsed(message),
                                      case=case, author=None)
        _done(message, actor, state=InboundState.PROCESSED, target=f"case-note:{note.pk}")
    return note


def mail_discard(*, actor: User, message_id: int, reason: str) -> InboundMessage:
    """Set a message aside, saying why (spam, sent to the wrong address...). Advisers discard
    mail to sort; administrators also refused or failed mail."""
    require(permissions.can_sort_mail(actor))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why you discard this email.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason is at most %(max)s characters.")
                               % {"max": REASON_MAX}})
    states = (InboundState.TO_SORT,)
    if permissions.can_handle_unprocessed_mail(actor):
        states += UNPROCESSED_STATES
    with transaction.atomic(), set_actor(actor):
        message = _locked_message(actor, message_id, states)
        _done(message, actor, state=InboundState.DISCARDED, reason=reason)
    return message


def mail_retry(*, actor: User, message_id: int) -> InboundMessage:
    """An administrator sends a refused or failed message back to processing (``received``):
    it is processed again after commit (or by the next poll)."""
    require(permissions.can_handle_unprocessed_mail(actor))
    with transaction.atomic(), set_actor(actor):
        message = _locked_message(actor, message_id, UNPROCESSED_STATES)
        message.state = InboundState.RECEIVED
        message.error = ""
        message.target = ""
        message.handled_by = actor
        # A fresh start: the attempts a crashing message used up are not held against it.
        message.attempts = 0
        message.save(update_fields=["state", "error", "target", "handled_by", "attempts"])
        transaction.on_commit(partial(inbound.process, message.pk), robust=True)
    return message
