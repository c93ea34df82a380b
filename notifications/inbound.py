"""Mail in: the portal's IMAP mailbox read into ``InboundMessage`` rows, each processed once by
the handler a domain registered, and the signed reply addresses that let a reply find what it
answers. This module knows no domain: ``enterprises.mail`` decides what a message becomes.

Two steps, each its own transaction per message:

1. **Receive** (``poll``). Connect (``imaplib``), select ``INBOUND_EMAIL["FOLDER"]``, list the
   unseen messages by UID, and for each: fetch its size and headers (``BODY.PEEK``: reading
   never flags it); a message bigger than ``MAX_BYTES`` is recorded ``failed`` with its headers
   only and the reason; any other is fetched whole. The row is inserted under its unique
   ``message_key`` (the Message-ID, or ``sha256:`` of the bytes) with the raw bytes in private
   storage, and **committed**; only **then** is the message flagged ``\\Seen`` on the server.
2. **Process** (``process``): the row is locked (``select_for_update(skip_locked=True)``,
   only while it is still ``received``), parsed, handed to the registered handler inside a
   savepoint, and what it became (state, target, office, error, ``processed_at``) is written
   in the same transaction as everything the handler wrote.

Why a poller killed at any line loses nothing and does nothing twice:

- Killed before the insert commits: no row; the message is still unseen on the server, the
  next poll fetches it again. (A raw file written without its row is an orphan, removed by
  ``portal.files.remove_orphan_files``.)
- Killed after the commit, before ``\\Seen``: the next poll fetches it again, the insert hits
  the unique ``message_key`` (checked first, and enforced by the constraint for two pollers
  at once) and the message is only flagged: one row.
- Nothing is ever deleted or expunged on the server, so a message is never lost there either.
- Killed while processing: the transaction that holds the row's lock rolls back, the
  handler's writes (a case, a note, its notifications' outbox rows) with it; the row is
  still ``received`` and is processed by the next run. Committed: the row is no longer
  ``received``, and no run selects it again (the lock is taken with the state in the filter,
  which PostgreSQL re-checks once the holder commits). Emails the handler causes go through
  the notification outbox, owed in that same transaction: sent once, only if it committed.
- Two pollers at once (the Celery task also takes a lock, but correctness does not rest on
  it): the unique key makes one insert win; ``skip_locked`` makes one processor take a row.
- A message that kills its processor every time (a parser blowing up the memory) would
  block nothing but itself: each attempt is counted in a transaction of its own before the
  processing one, and after ``MAX_ATTEMPTS`` the message is ``failed``, raw kept.

A handler exception or a message that cannot be read makes the message ``failed`` with the
reason; its raw bytes stay, for an administrator to look at.

Reply addresses: an email the portal sends about something (a case, to one person) carries
``Reply-To: reponses+<token>@domain`` (``CASE_REPLY_ADDRESS``) and a Message-ID holding the
same token, so a client that drops the Reply-To still answers with the token in In-Reply-To or
References. The token is the key in clear (``case.42.7``) and 80 bits of an HMAC of it
(``django.core.signing``, its own salt, ``SECRET_KEY`` then ``SECRET_KEY_FALLBACKS``), in lower
case, since mail systems may change the case of an address. A message is never matched by
its subject.
"""

import base64
import contextlib
import email
import email.policy
import email.utils
import hashlib
import imaplib
import logging
import re
import secrets
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from . import mailparse
from .models import InboundMessage, InboundState

logger = logging.getLogger(__name__)

#: A message whose processing was started this many times without finishing (its processor
#: killed each time) is ``failed`` rather than tried again.
MAX_ATTEMPTS = 3
#: Rows processed per query when walking the ``received`` ones.
PROCESS_CHUNK = 100


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailboxSettings:
    host: str = ""
    port: int = 993
    user: str = ""
    password: str = ""
    #: "ssl" (IMAPS), "starttls" or "none" (a test server only)
    security: str = "ssl"
    folder: str = "INBOX"
    batch_size: int = 100
    max_bytes: int = 25 * 1024 * 1024

    @classmethod
    def from_settings(cls) -> "MailboxSettings":
        values = {key.lower(): value
                  for key, value in getattr(settings, "INBOUND_EMAIL", {}).items()}
        return cls(**{name: values[name] for name in cls.__dataclass_fields__
                      if name in values})


# --------------------------------------------------------------------------------------------
# The handlers the domains register
# --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a handler made of a message. ``office``: whose message it is (the scope of
    ``InboundMessage.objects.for_user``; None: administrators only)."""

    state: str
    target: str = ""
    error: str = ""
    office: object = None


@dataclass(frozen=True)
class Handler:
    name: str
    function: Callable
    order: int


_HANDLERS: dict[str, Handler] = {}


def handler(name: str, *, order: int = 50):
    """Decorator: ``function(*, message, parsed) -> Outcome | None`` is asked, in ``order``,
    what ``message`` (the locked ``InboundMessage``; ``parsed``: ``mailparse.ParsedMessage``)
    becomes; None lets the next handler answer. It runs inside a savepoint of the transaction
    that records the outcome: an exception undoes its writes and makes the message
    ``failed``. Domains declare theirs in their ``mail`` module, found at startup
    (``NotificationsConfig.ready``)."""
    def register(function):
        known = _HANDLERS.get(name)
        if known and known.function is not function:
            raise ValueError(f"mail handler {name!r} is already registered")
        _HANDLERS[name] = Handler(name, function, order)
        return function
    return register


def handlers() -> list[Handler]:
    return sorted(_HANDLERS.values(), key=lambda h: (h.order, h.name))


# --------------------------------------------------------------------------------------------
# Receiving: one message in, once
# --------------------------------------------------------------------------------------------


def _header_fields(raw: bytes) -> dict:
    """What the row shows before the message is processed, read from the headers only (a
    message the parser cannot read is still listed with what can be read of it)."""
    try:
        headers = email.message_from_bytes(raw, policy=email.policy.default)
        senders = email.utils.getaddresses([str(v) for v in headers.get_all("From", [])])
        name, address = senders[0] if senders else ("", "")
        recipients = email.utils.getaddresses(
            [str(v) for h in ("To", "Cc") for v in headers.get_all(h, [])])
        try:
            sent_at = email.utils.parsedate_to_datetime(str(headers["Date"]))
            if timezone.is_naive(sent_at):
                sent_at = None
        except (TypeError, ValueError, IndexError):
            sent_at = None
        message_ids = re.findall(r"<[^<>\s]+>", str(headers.get("Message-ID", "")))
        return {
            "message_id": message_ids[0] if message_ids else "",
            "from_address": address.lower()[:254], "from_name": name[:200],
            "to_addresses": ", ".join(a.lower() for _n, a in recipients if a)[:1000],
            "subject": " ".join(str(headers.get("Subject", "")).split())[:300],
            "sent_at": sent_at,
        }
    except Exception:  # noqa: BLE001 - a header we cannot read leaves the field empty
        return {"message_id": ""}


def message_key(raw: bytes, message_id: str = "") -> str:
    """The message's identity: its Message-ID, or ``sha256:`` of its bytes (no Message-ID,
    or one too long to store)."""
    if message_id and len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()


def receive(raw: bytes, *, size: int | None = None, too_big: int | None = None
            ) -> InboundMessage | None:
    """Insert ``raw`` as a ``received`` message, once; None if it was already received.

    With ``too_big`` (the limit it exceeds), ``raw`` holds only the headers: the row is
    ``failed`` at once, with the reason. The raw bytes are written to private storage before
    the row; if the insert loses to an earlier one, the file is removed (and if the process
    dies in between, the orphan sweep removes it)."""
    fields = _header_fields(raw)
    key = message_key(raw if too_big is None else raw + str(size).encode(),
                      fields.pop("message_id"))
    if InboundMessage.objects.filter(message_key=key).exists():
        return None
    row = InboundMessage(message_key=key, size=size if size is not None else len(raw),
                         **fields)
    if too_big is not None:
        row.state = InboundState.FAILED
        row.processed_at = timezone.now()
        row.error = _("The message is %(size)s MB, more than the %(limit)s MB the portal reads: "
                      "only its headers were kept. Ask the sender for smaller files or a "
                      "link.") % {"size": f"{row.size / 1048576:.1f}",
                                  "limit": f"{too_big / 1048576:.1f}"}
    row.raw.save("message.eml", ContentFile(raw), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        row.raw.storage.delete(row.raw.name)
        return None
    return row


# --------------------------------------------------------------------------------------------
# Polling the mailbox
# --------------------------------------------------------------------------------------------


def _connect(config: MailboxSettings) -> imaplib.IMAP4:
    if config.security == "ssl":
        imap = imaplib.IMAP4_SSL(config.host, config.port,
                                 ssl_context=ssl.create_default_context(), timeout=60)
    else:
        imap = imaplib.IMAP4(config.host, config.port, timeout=60)
        if config.security == "starttls":
            imap.starttls(ssl.create_default_context())
    imap.login(config.user, config.password)
    return imap


def _check(response, what: str):
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{what}: {status} {data!r}")
    return data


def _literal_and_meta(data) -> tuple[bytes, bytes]:
    """A FETCH answer's literal (the bytes asked for) and the rest (the items around it)."""
    literal, meta = b"", b""
    for part in data:
        if isinstance(part, tuple):
            meta += part[0]
            literal = part[1]
        elif isinstance(part, bytes):
            meta += part
    return literal, meta


def _fetch_one(imap, uid: bytes, config: MailboxSettings, pause: float) -> str:
    header_answer = _check(imap.uid("FETCH", uid, "(RFC822.SIZE BODY.PEEK[HEADER])"),
                           "FETCH header")
    headers, meta = _literal_and_meta(header_answer)
    if not meta:
        return "gone"  # expunged meanwhile
    size = int(re.search(rb"RFC822\.SIZE (\d+)", meta).group(1))
    if size > config.max_bytes:
        row = receive(headers, size=size, too_big=config.max_bytes)
        outcome = "too_big" if row else "already"
    else:
        raw, _meta = _literal_and_meta(_check(imap.uid("FETCH", uid, "(BODY.PEEK[])"),
                                              "FETCH body"))
        row = receive(raw, size=size)
        outcome = "fetched" if row else "already"
    if pause:
        time.sleep(pause)  # tests: a poller killed here has committed, not yet flagged
    _check(imap.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE \\Seen")
    return outcome


def fetch(*, config: MailboxSettings | None = None, pause: float = 0) -> dict:
    """Receive up to ``batch_size`` unseen messages of the mailbox (see the module's
    docstring for the order of commit and flag); how many were fetched, too big, or already
    received. Nothing to do without a host."""
    config = config or MailboxSettings.from_settings()
    counts = {"fetched": 0, "too_big": 0, "already": 0, "gone": 0}
    if not config.host:
        return counts
    imap = _connect(config)
    try:
        _check(imap.select(_quote(config.folder)), "SELECT")
        uids = _check(imap.uid("SEARCH", None, "UNSEEN"), "SEARCH")[0].split()
        for uid in uids[:config.batch_size]:
            counts[_fetch_one(imap, uid, config, pause)] += 1
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()
    return counts


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace(
        "\\", "\\\\").replace('"', '\\"') + '"'


def poll(*, config: MailboxSettings | None = None, pause: float = 0) -> dict:
    """One run of the poller: receive the mailbox's unseen messages, then process every
    message still ``received`` (those just fetched, and any a killed run left). ``pause``
    (tests of a killed poller) waits after each commit, before the step that follows it."""
    counts = fetch(config=config, pause=pause)
    counts.update(process_received(pause=pause))
    return counts


# --------------------------------------------------------------------------------------------
# Processing: once, in the transaction that records it
# --------------------------------------------------------------------------------------------


def _locked(message_id: int) -> InboundMessage | None:
    return (InboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=message_id, state=InboundState.RECEIVED).first())


def process(message_id: int, *, pause: float = 0) -> str | None:
    """Process one ``received`` message; its new state, or None if it is not ``received``
    (done already) or another processor holds it. See the module's docstring."""
    with transaction.atomic():
        message = _locked(message_id)
        if message is None:
            return None
        if message.attempts >= MAX_ATTEMPTS:
            outcome = Outcome(InboundState.FAILED, office=message.office, error=_(
                "Processing this message stopped %(n)s times before it could finish.")
                % {"n": message.attempts})
            _record(message, outcome)
            return outcome.state
        message.attempts += 1
        message.save(update_fields=["attempts"])
    with transaction.atomic():
        message = _locked(message_id)
        if message is None:
            return None
        outcome = _outcome(message)
        if pause:
            time.sleep(pause)  # tests: a processor killed here rolls everything back
        _record(message, outcome)
    return outcome.state


def _read_raw(message: InboundMessage) -> bytes:
    with message.raw.open("rb") as stored:
        return stored.read()


def _outcome(message: InboundMessage) -> Outcome:
    try:
        raw = _read_raw(message)
        if len(raw) < message.size:  # too big when received: only its headers were kept
            return Outcome(InboundState.FAILED, office=message.office, error=message.error or _(
                "Only the headers of this message were kept: it cannot be processed."))
        parsed = mailparse.parse(raw)
    except (mailparse.UnreadableMessage, OSError, ValueError) as error:
        return Outcome(InboundState.FAILED, office=message.office,
                       error=_("The message cannot be read: %(error)s") % {"error": error})
    for each in handlers():
        try:
            with transaction.atomic():
                result = each.function(message=message, parsed=parsed)
        except Exception as error:  # noqa: BLE001 - any handler failure is recorded
            logger.exception("Inbound message %s: handler %s failed", message.pk, each.name)
            return Outcome(InboundState.FAILED, office=message.office,
                           error=_("Processing failed: %(error)s")
                           % {"error": f"{type(error).__name__}: {error}"})
        if result is not None:
            return result
    return Outcome(InboundState.TO_SORT, office=message.office,
                   error=_("No part of the portal takes this message."))


def _record(message: InboundMessage, outcome: Outcome) -> None:
    if outcome.state not in InboundState.values or outcome.state == InboundState.RECEIVED:
        raise ValueError(f"a message cannot become {outcome.state!r}")
    message.state = outcome.state
    message.target = outcome.target[:60]
    message.error = outcome.error[:500]
    message.office = outcome.office
    message.processed_at = timezone.now()
    message.save(update_fields=["state", "target", "error", "office", "processed_at"])


def process_received(*, pause: float = 0, chunk: int = PROCESS_CHUNK) -> dict:
    """Process every ``received`` message, oldest first; state -> how many became it."""
    counts: dict[str, int] = {}
    last = 0
    while True:
        ids = list(InboundMessage.objects.filter(state=InboundState.RECEIVED, pk__gt=last)
                   .order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return counts
        for message_id in ids:
            state = process(message_id, pause=pause)
            if state is not None:
                counts[state] = counts.get(state, 0) + 1
        last = ids[-1]


# --------------------------------------------------------------------------------------------
# Reply addresses and their signed tokens
# --------------------------------------------------------------------------------------------

REPLY_SALT = "notifications.inbound.reply"
#: A key: lower-case words separated by colons (``case:42:7``).
_KEY = re.compile(r"[a-z0-9-]+(?::[a-z0-9-]+)*")
#: The longest local part an address may have (RFC 5321).
LOCAL_PART_MAX = 64


class BadReplyToken(ValueError):
    """A message carries a reply token the portal did not sign (altered or forged)."""


def _reply_parts() -> tuple[str, str] | None:
    address = getattr(settings, "CASE_REPLY_ADDRESS", "") or ""
    if "@" not in address:
        return None
    local, domain = address.lower().rsplit("@", 1)
    return local, domain


def _signature(key: str, secret) -> str:
    signer = signing.Signer(key=secret, salt=REPLY_SALT)
    digest = signing.b64_decode(signer.signature(key).encode())
    return base64.b32encode(digest[:10]).decode().lower()  # 16 characters, 80 bits


def reply_token(key: str) -> str:
    """``case:42:7`` -> ``case.42.7.<signature>``: a local part's worth of characters."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"a reply key is lower-case words and colons, not {key!r}")
    return f"{key.replace(':', '.')}.{_signature(key, settings.SECRET_KEY)}"


def _key_of(token: str) -> str | None:
    """The key a token signs, or None if it was not signed with one of the portal's keys."""
    body, _dot, signature = token.lower().rpartition(".")
    key = body.replace(".", ":")
    if not body or not _KEY.fullmatch(key):
        return None
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        if constant_time_compare(signature, _signature(key, secret)):
            return key
    return None


def reply_address(key: str) -> str | None:
    """The address a reply about ``key`` goes to (``reponses+<token>@domain``); None when
    ``CASE_REPLY_ADDRESS`` is not set."""
    parts = _reply_parts()
    if parts is None:
        return None
    local, domain = parts
    local_part = f"{local}+{reply_token(key)}"
    if len(local_part) > LOCAL_PART_MAX:
        raise ValueError(f"the reply address of {key!r} is too long for an address")
    return f"{local_part}@{domain}"


def reply_message_id(key: str) -> str | None:
    """A new Message-ID carrying the token of ``key`` (``<token+unique@domain>``), for a
    client that answers without using the Reply-To; None without ``CASE_REPLY_ADDRESS``."""
    parts = _reply_parts()
    if parts is None:
        return None
    return f"<{reply_token(key)}+{secrets.token_hex(8)}@{parts[1]}>"


def _address_tokens(addresses: Iterable[str], local: str, domain: str) -> list[str]:
    tokens = []
    for address in addresses:
        mailbox, _at, host = address.lower().strip().rpartition("@")
        if host == domain and mailbox.startswith(local + "+"):
            tokens.append(mailbox[len(local) + 1:])
    return tokens


def _reference_tokens(message_ids: Iterable[str], domain: str) -> list[str]:
    tokens = []
    for message_id in message_ids:
        mailbox, _at, host = message_id.strip("<> ").lower().rpartition("@")
        if host == domain and "+" in mailbox:
            tokens.append(mailbox.rpartition("+")[0])
    return tokens


def read_reply_key(addresses: Iterable[str], in_reply_to: Iterable[str]) -> str | None:
    """The key a message answers, read from the reply address it was sent to (To, Cc,
    Delivered-To...) or, failing that, from the portal's Message-IDs it answers (In-Reply-To,
    then References); None if it carries no token (a new message).

    Raises ``BadReplyToken`` when a token was altered or forged: any token in the addresses
    that the portal did not sign (or two naming different keys), or, with none in the
    addresses, no valid one among the referenced Message-IDs."""
    parts = _reply_parts()
    if parts is None:
        return None
    local, domain = parts
    in_addresses = _address_tokens(addresses, local, domain)
    if in_addresses:
        keys = {_key_of(token) for token in in_addresses}
        if None in keys or len(keys) != 1:
            raise BadReplyToken("reply address")
        return keys.pop()
    referenced = _reference_tokens(in_reply_to, domain)
    for token in referenced:
        key = _key_of(token)
        if key is not None:
            return key
    if referenced:
        raise BadReplyToken("references")
    return None


@dataclass
class ReplyHeaders:
    """What an outgoing email carries so that its reply finds ``key``."""

    reply_to: list[str] = field(default_factory=list)
    headers: dict = field(default_factory=dict)


def reply_headers(key: str | None) -> ReplyHeaders:
    """Reply-To and Message-ID of an email a reply to which is about ``key`` (nothing when
    ``key`` is None or no reply address is set)."""
    try:
        address = reply_address(key) if key else None
    except ValueError:
        logger.warning("No reply address for %r: the key does not fit an address", key)
        address = None
    if address is None:
        return ReplyHeaders()
    return ReplyHeaders(reply_to=[address], headers={"Message-ID": reply_message_id(key)})
