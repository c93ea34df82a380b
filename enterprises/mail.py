"""What mail to the portal becomes in support cases: the handler ``notifications.inbound``
calls for each message it processes (inside the transaction that records the outcome; what
the message becomes is written by ``enterprises.mail_cases``).

In this order:

1. An automatic reply (out of office, a bulk or list message) is **discarded**, with the
   reason: it neither opens a request nor adds a note (and answering it could loop).
2. A message carrying a reply token (the signed ``Reply-To`` address the portal's case
   emails give, in To/Cc, or the token Message-ID in In-Reply-To/References) answers a case:
   - a token the portal did not sign (altered, forged) is **refused**;
   - the sender's address must belong to the case's enterprise (an active user of it, one of
     its contacts, or its general address; any case) or the message is **refused**
     (« another enterprise's address »): a token proves only that someone saw a portal email,
     which may have been forwarded;
   - a case merged into another: the reply goes to the case it was merged into (where its
     content now is);
   - a closed case: the message is left **to sort** at the case's office, with the reason. An
     email does not reopen a case by itself: the adviser decides whether it reopens the case
     or is a new request (and a note cannot be added to a closed case);
   - otherwise it becomes a shared note on the case (``case_note_from_message``, the quoted
     history trimmed; a case waiting on the enterprise resumes), written as the sender's
     user, or as nobody when a contact without an account wrote.
3. A message to an office's address (``Office.mailbox``, To/Cc/Delivered-To) from a sender
   matched to exactly one enterprise (an active user of it: that user acts; else one of its
   contacts or its general address: nobody acts) opens a new request
   (``case_open_from_message``, at the enterprise's serving office). An unknown sender, or
   one matched to several enterprises, leaves the message **to sort** at the office.
4. A message to no office's address is **to sort** with no office (administrators see it).

A request or a note that ``mail_cases`` refuses (a ``ValidationError``, a permission) leaves the
message to sort, with the reason. Only the sender's address is matched, never the subject.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import Role, User
from antennes.models import Office
from notifications import inbound
from notifications.models import InboundState
from partners.models import Contact, Kind, Organisation

from .mail_cases import case_note_from_message, case_open_from_message
from .models import Case, Outcome

#: How many merges a reply follows to the case that holds the content now.
MERGE_HOPS = 10


def _office_addressed(addresses: list[str]) -> Office | None:
    offices = list(Office.objects.exclude(mailbox="").annotate(address=Lower("mailbox"))
                   .filter(address__in=[a.lower() for a in addresses]).order_by("pk"))
    return offices[0] if offices else None


def _enterprise_user(address: str, organisation_id: int | None = None) -> User | None:
    users = User.objects.filter(email__iexact=address, is_active=True, role=Role.PARTNER,
                                membership__organisation__kind=Kind.ENTERPRISE)
    if organisation_id is not None:
        users = users.filter(membership__organisation_id=organisation_id)
    return users.select_related("membership").first()


def _organisations_known_by(address: str) -> set[int]:
    """Enterprises that have ``address`` as a contact's or as their general address."""
    contacts = Contact.objects.filter(email__iexact=address,
                                      organisation__kind=Kind.ENTERPRISE)
    general = Organisation.objects.filter(email__iexact=address, kind=Kind.ENTERPRISE)
    return (set(contacts.values_list("organisation_id", flat=True))
            | set(general.values_list("pk", flat=True)))


def sender_of(address: str) -> tuple[int | None, User | None, int]:
    """(the one enterprise ``address`` belongs to, its user who acts, how many enterprises it
    matched): a user of an enterprise is that enterprise; else the enterprises whose contact
    or general address it is, and only one of them identifies it."""
    user = _enterprise_user(address)
    if user is not None:
        return user.membership.organisation_id, user, 1
    organisations = _organisations_known_by(address)
    if len(organisations) == 1:
        return next(iter(organisations)), None, 1
    return None, None, len(organisations)


def belongs_to(address: str, organisation_id: int) -> tuple[bool, User | None]:
    """Whether ``address`` is one of the enterprise's (its active user's, its contact's, its
    general one), and the user who then acts."""
    user = _enterprise_user(address, organisation_id)
    if user is not None:
        return True, user
    return organisation_id in _organisations_known_by(address), None


def _refusal(error) -> str:
    messages = getattr(error, "messages", None) or [str(error) or type(error).__name__]
    return " ".join(str(m) for m in messages)


@inbound.handler("enterprises.cases", order=50)
def case_mail(*, message, parsed) -> inbound.Outcome | None:
    office = _office_addressed(parsed.to_addresses)
    if parsed.automatic:
        return inbound.Outcome(InboundState.DISCARDED, office=office, error=_(
            "An automatic reply (out of office or a mailing): nothing to do with it."))
    try:
        key = inbound.read_reply_key(parsed.to_addresses, parsed.in_reply_to)
    except inbound.BadReplyToken:
        return inbound.Outcome(InboundState.REFUSED, office=office, error=_(
            "The reply address or reference of this message was altered or forged: it was "
            "not sent by the portal."))
    if key is not None:
        return _reply(message, parsed, key, office)
    if office is None:
        return inbound.Outcome(InboundState.TO_SORT, error=_(
            "The message was sent to no office’s address."))
    return _new_request(message, parsed, office)


def _case_id(key: str) -> int | None:
    parts = key.split(":")
    if parts[0] != "case" or len(parts) not in (2, 3) or not parts[1].isdigit():
        return None
    return int(parts[1])


def _reply(message, parsed, key, office) -> inbound.Outcome | None:
    case_id = _case_id(key)
    if case_id is None:
        return None  # another domain's reply
    case = Case.objects.select_related("office").filter(pk=case_id).first()
    if case is None:
        return inbound.Outcome(InboundState.TO_SORT, office=office, error=_(
            "The message answers a case that no longer exists."))
    belongs, author = belongs_to(parsed.from_address, case.organisation_id)
    if not belongs:
        return inbound.Outcome(InboundState.REFUSED, office=case.office, error=_(
            "The message answers case %(case)s but comes from another enterprise’s address "
            "(%(address)s).") % {"case": case.pk, "address": parsed.from_address})
    for _hop in range(MERGE_HOPS):
        if case.outcome != Outcome.MERGED or case.merged_into_id is None:
            break
        case = Case.objects.select_related("office").get(pk=case.merged_into_id)
    if not case.is_open:
        return inbound.Outcome(InboundState.TO_SORT, office=case.office, error=_(
            "The message answers case %(case)s, which is closed: reopen it and add the "
            "message, or open a new request from it.") % {"case": case.pk})
    try:
        note = case_note_from_message(message=message, parsed=parsed, case=case, author=author)
    except (ValidationError, PermissionDenied, Case.DoesNotExist) as error:
        return inbound.Outcome(InboundState.TO_SORT, office=case.office, error=_refusal(error))
    return inbound.Outcome(InboundState.PROCESSED, target=f"case-note:{note.pk}",
                           office=case.office)


def _new_request(message, parsed, office) -> inbound.Outcome:
    organisation_id, actor, matched = sender_of(parsed.from_address)
    if organisation_id is None:
        reason = (_("The sender’s address belongs to several enterprises: choose the right "
                    "one.") if matched > 1 else
                  _("The sender’s address is not known as an enterprise’s user or contact."))
        return inbound.Outcome(InboundState.TO_SORT, office=office, error=reason)
    organisation = Organisation.objects.select_related("office").get(pk=organisation_id)
    try:
        case = case_open_from_message(message=message, parsed=parsed,
                                      organisation=organisation, actor=actor)
    except (ValidationError, PermissionDenied) as error:
        return inbound.Outcome(InboundState.TO_SORT, office=office, error=_refusal(error))
    return inbound.Outcome(InboundState.PROCESSED, target=f"case:{case.pk}",
                           office=case.office)
