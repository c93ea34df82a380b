"""The text of each kind of notification, rendered in the reader's language when shown, and the
groups a person may stop receiving by email.

This app belongs to no domain and knows none: each domain registers its own kinds in its
``notices.py`` module, which ``NotificationsConfig.ready`` discovers (as the admin discovers
``admin.py``)::

    from notifications.messages import group, register

    group("plans", _("Action plans and their reports"), position=10)
    register("plan_status", _("Action plan « %(plan)s »: %(from)s → %(to)s."),
             group="plans", labels={"from": Status, "to": Status})

``labels`` names the parameters whose stored value is a choice (a status, a kind) to show by
its label, translated at display time. ``attachments`` (optional) gives a notification's email
its files: ``attachments(notification) -> [(filename, bytes, mimetype), ...]``, called when the
email is built (a decision's letter); the domain checks there what the recipient may read.
``reply_to`` (optional) lets the recipient answer the email: ``reply_to(notification) -> key
or None`` names what a reply is about (``case:42:7``); the email then carries the signed reply
address and Message-ID of ``notifications.inbound`` and the domain's mail handler reads the
key back from the reply.
Dates travel as ISO strings in ``due`` and ``since`` and are shown in the reader's locale;
amounts as plain numbers in ``amount`` (« 12500.00 »), shown as the reader writes money
(« 12 500,00 $ », « $12,500.00 »: ``portal.money``).
"""

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from portal.money import money


@dataclass(frozen=True)
class NoticeKind:
    text: str
    group: str | None = None
    #: parameter name -> the choices class whose label replaces the stored value
    labels: dict = field(default_factory=dict)
    #: notification -> [(filename, content, mimetype)]: the files its email carries
    attachments: Callable | None = None
    #: notification -> the key a reply to its email is about, or None (no Reply-To)
    reply_to: Callable | None = None


@dataclass
class Group:
    label: str
    position: int
    kinds: list = field(default_factory=list)


_KINDS: dict[str, NoticeKind] = {}
_GROUPS: dict[str, Group] = {}

#: Parameters holding an ISO date, shown in the reader's locale.
DATE_PARAMS = ("due", "since")
#: Parameters holding an amount as a plain number, shown as money in the reader's language
#: (a notification stored before, with its amount already written out, is shown as it is).
MONEY_PARAMS = ("amount",)
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def group(slug: str, label, *, position: int) -> None:
    """Declare a group of kinds a person may stop receiving by email (one checkbox on the
    preferences page, in ``position`` order). Declaring it again changes nothing."""
    _GROUPS.setdefault(slug, Group(label=label, position=position))


def register(kind: str, text, *, group: str | None = None, labels: dict | None = None,
             attachments: Callable | None = None, reply_to: Callable | None = None) -> None:
    """Register the text of ``kind`` (with ``%(name)s`` placeholders filled from the
    notification's params), the email group it belongs to (none: always emailed), the
    parameters to show by their choice label, what files its email carries, and what a reply
    to its email is about (``reply_to``)."""
    if kind in _KINDS and _KINDS[kind].text != text:
        raise ValueError(f"notification kind {kind!r} is already registered")
    _KINDS[kind] = NoticeKind(text=text, group=group, labels=dict(labels or {}),
                              attachments=attachments, reply_to=reply_to)
    if group is not None:
        kinds = _GROUPS[group].kinds
        if kind not in kinds:
            kinds.append(kind)


def registered_kinds() -> dict[str, NoticeKind]:
    return dict(_KINDS)


def kind_groups() -> dict[str, tuple]:
    """slug -> (label, kinds), in the preferences page's order."""
    ordered = sorted(_GROUPS.items(), key=lambda item: (item[1].position, item[0]))
    return {slug: (g.label, tuple(g.kinds)) for slug, g in ordered}


# The groups that span domains: every domain's reminders, and escalations.
group("reminders", _("Reminders (follow-ups, waiting cases, reports due or late, opportunities "
                     "expiring, activity outcomes)"), position=80)
group("escalations", _("Escalations of overdue cases"), position=90)


def attachments(notification) -> list[tuple[str, bytes, str]]:
    """The files the email of ``notification`` carries (none unless its kind says so)."""
    notice = _KINDS.get(notification.kind)
    if notice is None or notice.attachments is None:
        return []
    return list(notice.attachments(notification))


def reply_key(notification) -> str | None:
    """What a reply to the email of ``notification`` is about (none unless its kind says)."""
    notice = _KINDS.get(notification.kind)
    if notice is None or notice.reply_to is None:
        return None
    return notice.reply_to(notification)


def render(kind: str, params: dict) -> str:
    notice = _KINDS.get(kind)
    if notice is None:
        return kind
    values = dict(params)
    for name, choices in notice.labels.items():
        if values.get(name) in choices.values:
            values[name] = choices(values[name]).label
    for name in DATE_PARAMS:
        if isinstance(values.get(name), str):
            with contextlib.suppress(ValueError):
                values[name] = date_format(date.fromisoformat(values[name]), "j F Y")
    for name in MONEY_PARAMS:
        if isinstance(values.get(name), str) and _PLAIN_NUMBER.fullmatch(values[name]):
            values[name] = money(values[name])
    try:
        return str(notice.text) % values
    except (KeyError, TypeError, ValueError):
        return str(notice.text)
