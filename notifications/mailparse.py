"""Reading one email: its sender, recipients, text (with the quoted history and the signature
trimmed) and attachments. Pure functions on bytes; the poller (``notifications.inbound``) and
the domains that act on a message (``enterprises.mail``) read messages through them.
"""

import email
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field
from datetime import datetime

#: What a message says when its text cannot be found (an empty or an image-only message).
NO_TEXT = ""


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str


@dataclass
class ParsedMessage:
    message_id: str
    from_address: str
    from_name: str
    #: Every address it was sent to (To, Cc, Delivered-To, X-Original-To), lower case.
    to_addresses: list[str]
    subject: str
    sent_at: datetime | None
    #: Message-IDs it answers (In-Reply-To, then References), newest first.
    in_reply_to: list[str]
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    #: Auto-Submitted / bulk: an automatic reply (out of office), never opens a request.
    automatic: bool = False


class UnreadableMessage(ValueError):
    """The bytes are not an email the portal can read (no sender, broken structure)."""


_TAGS = re.compile(r"<[^>]+>")
_BLOCKS = re.compile(r"</?(p|div|br|tr|li|h[1-6]|blockquote)[^>]*>", re.IGNORECASE)
_DROP = re.compile(r"<(script|style|head)[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)


def html_to_text(markup: str) -> str:
    markup = _DROP.sub("", markup)
    markup = _BLOCKS.sub("\n", markup)
    text = html.unescape(_TAGS.sub("", markup))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


#: A line that starts the quoted history of a reply, in French and English clients.
_QUOTE_HEADERS = [
    re.compile(r"^\s*(Le|On)\s.{0,200}(a écrit|wrote)\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*-{2,}\s*(Original Message|Message d’origine|Message d'origine|"
               r"Message original)\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above the quoted header block
    re.compile(r"^\s*(De|From)\s*:\s.+$", re.IGNORECASE),
]
#: The line that starts a signature (RFC 3676 « -- »), and mobile footers.
_SIGNATURE = [
    re.compile(r"^--\s?$"),
    re.compile(r"^\s*(Envoyé de mon|Sent from my)\s.+$", re.IGNORECASE),
]


#: The start of an attribution line (« Le … a écrit : », « On … wrote: »), which clients wrap
#: over two or three lines when the sender's name and address are long (Gmail does).
_ATTRIBUTION_START = re.compile(r"^\s*(Le|On)\s", re.IGNORECASE)
_ATTRIBUTION_LINES = 3


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    if any(p.match(line) for p in _QUOTE_HEADERS) or any(p.match(line) for p in _SIGNATURE):
        return True
    if _ATTRIBUTION_START.match(line):
        for end in range(index + 2, min(index + _ATTRIBUTION_LINES, len(lines)) + 1):
            if _ATTRIBUTION_START.match(lines[end - 1]):
                break  # the attribution starts there, not here (« On se voit lundi. »)
            if _QUOTE_HEADERS[0].match(" ".join(lines[index:end])):
                return True
    return False


def trim_reply(text: str) -> str:
    """The new text of a reply: everything before the quoted history (« Le … a écrit : »,
    « On … wrote: », also wrapped over up to three lines, « -----Original Message----- »,
    Outlook's « De : / From: » block, lines starting with « > ») and the signature (« -- »,
    « Envoyé de mon iPhone »). Nothing left: the whole text is kept (a note is never empty)."""
    kept = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _starts_history(lines, index):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def _addresses(message, *headers) -> list[str]:
    values = []
    for header in headers:
        values.extend(str(v) for v in message.get_all(header, []))
    return [address.lower() for _name, address in email.utils.getaddresses(values) if address]


def _message_ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def parse(raw: bytes) -> ParsedMessage:
    """``raw`` read as an email; ``UnreadableMessage`` if it has no sender address or its
    structure cannot be walked."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        senders = email.utils.getaddresses([str(v) for v in message.get_all("From", [])])
        name, address = senders[0] if senders else ("", "")
        if "@" not in address:
            raise UnreadableMessage("no sender address")
        try:
            sent_at = email.utils.parsedate_to_datetime(str(message["Date"]))
        except (TypeError, ValueError, IndexError):
            sent_at = None
        body = message.get_body(preferencelist=("plain", "html"))
        text = NO_TEXT
        if body is not None:
            content = body.get_content()
            text = html_to_text(content) if body.get_content_type() == "text/html" else content
        attachments = []
        for part in message.iter_attachments():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            attachments.append(Attachment(filename=part.get_filename() or "piece-jointe",
                                          content=payload,
                                          mimetype=part.get_content_type()))
        references = _message_ids(str(message.get("References", "")))
        auto = str(message.get("Auto-Submitted", "no")).lower()
        precedence = str(message.get("Precedence", "")).lower()
        # Other autoresponders' marks (vacation scripts, some webmails).
        if message.get("X-Autoreply") or message.get("X-Autorespond"):
            auto = "auto-replied"
        return ParsedMessage(
            message_id=(_message_ids(str(message.get("Message-ID", ""))) or [""])[0],
            from_address=address.lower(), from_name=name,
            to_addresses=_addresses(message, "To", "Cc", "Delivered-To", "X-Original-To"),
            subject=" ".join(str(message.get("Subject", "")).split()),
            sent_at=sent_at,
            in_reply_to=_message_ids(str(message.get("In-Reply-To", ""))) + references[::-1],
            text=text.replace("\r\n", "\n").strip(),
            attachments=attachments,
            automatic=auto not in ("", "no") or precedence in ("bulk", "junk", "list"),
        )
    except UnreadableMessage:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is "cannot be read"
        raise UnreadableMessage(f"{type(exc).__name__}: {exc}") from exc
