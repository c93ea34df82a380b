"""The reminder engine: reminders sent exactly once, by sweeps the domain apps register.

It belongs to no domain. Each domain app declares, in its own ``<app>/reminders.py``, the
kinds of reminder it sends and the sweeps that send them::

    from notifications import reminders

    class ReminderKind(models.TextChoices):
        REPORT_DUE = "report_due", _("Action-plan report due")

    reminders.kinds(ReminderKind)

    @reminders.sweep("reports", order=40)
    def sweep_reports(day: date) -> dict: ...

The modules are found with ``autodiscover_modules("reminders")`` the first time the registry
is read, so this module never imports a domain app; the daily task
(``notifications.tasks.daily_reminders``) runs every registered sweep in ``order`` and merges
what they return (an ``int`` counted under the sweep's name, or a dict of counts).

Every reminder has a natural key (recipient, kind, object, day) under a unique constraint
(``notifications.models.Reminder``). A sweep hands ``send_many`` the reminders of a chunk that
are due; it inserts them in one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (per thousand
rows: ``notifications.services.insert_new``), which returns exactly the rows inserted now, and
notifies the recipients of those rows only, in bulk (``notifications.services.notify_count``:
the in-portal notification, keyed ``reminder:<id>``, whose email is owed in its row and
enqueued after commit). A row already there was sent by an earlier run, or by a run at the
same time (PostgreSQL makes the second insert wait for the first transaction, then skip the
row). So a sweep run twice, or two sweeps at once on two workers, send each reminder once;
and a chunk costs a handful of statements whatever the number of its reminders.

Sweeps walk ids in chunks (``chunks``: ``CHUNK`` rows, one transaction each, the reminders and
their notifications included), so memory stays flat whatever the number of objects, and a
worker killed in the middle loses only its current chunk, which the next run sends (the chunks
before were committed, with their emails owed). The chunk size and a pause after each chunk
can be set for one run (``walking``, or the task's ``chunk`` and ``pause`` arguments): tests of
the real worker make sweeps small and slow to kill a worker in the middle of one.

What a sweep needs per row is read per chunk (``sent_before``, ``organisation_user_ids``) or
once per run (``url_maker``: a link for every row at the cost of one ``reverse``).
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from accounts.models import User

from .models import Reminder
from .services import Notice, insert_new, notify_count

MONTREAL = ZoneInfo("America/Montreal")
#: Rows walked per query and per transaction.
CHUNK = 500
#: Seconds to wait after each chunk (none in production).
PAUSE = 0.0

# (chunk, pause) of the run in progress, when it set them (``walking``).
_walk: ContextVar[tuple[int | None, float | None]] = ContextVar("reminder_walk",
                                                                default=(None, None))


def today_in_montreal() -> date:
    return timezone.localtime(timezone.now(), MONTREAL).date()


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    name: str
    function: Callable[[date], int | dict]
    #: Sweeps run by increasing order (then name): a sweep that must see the effects of
    #: another (expired opportunities before those expiring) has a larger one.
    order: int


class Registry:
    """The sweeps and reminder kinds the domain apps declared in their ``reminders`` modules
    (found on first use)."""

    def __init__(self, *, discover: bool = True):
        self._sweeps: dict[str, Sweep] = {}
        self._kinds: dict[str, str] = {}
        self._discovered = not discover

    def _discover(self):
        if not self._discovered:
            autodiscover_modules("reminders")
            self._discovered = True

    def sweep(self, name: str, *, order: int):
        """Decorator: run ``function(day)`` in the daily sweep under ``name``."""
        def register(function):
            self.register(name, function, order=order)
            return function
        return register

    def register(self, name: str, function: Callable[[date], int | dict], *, order: int):
        known = self._sweeps.get(name)
        if known and known.function is not function:
            raise ImproperlyConfigured(f"Two reminder sweeps are named {name!r}.")
        self._sweeps[name] = Sweep(name, function, order)

    def kinds(self, choices):
        """Declare reminder kinds: a ``TextChoices`` class or ``(value, label)`` pairs."""
        for value, label in getattr(choices, "choices", choices):
            if self._kinds.get(value, label) != label:
                raise ImproperlyConfigured(f"The reminder kind {value!r} is declared twice.")
            self._kinds[value] = label

    def sweeps(self) -> list[Sweep]:
        self._discover()
        return sorted(self._sweeps.values(), key=lambda sweep: (sweep.order, sweep.name))

    def kind_choices(self) -> list[tuple[str, str]]:
        self._discover()
        return sorted(self._kinds.items())

    def kind_label(self, kind: str) -> str:
        self._discover()
        return self._kinds.get(kind, kind)

    def is_kind(self, kind: str) -> bool:
        self._discover()
        return kind in self._kinds

    def run(self, day: date) -> dict:
        """Every sweep of ``day``, in order; how many reminders (or expiries) each made now."""
        counts = {}
        for sweep in self.sweeps():
            result = sweep.function(day)
            result = result if isinstance(result, dict) else {sweep.name: result}
            if counts.keys() & result.keys():
                raise ImproperlyConfigured(
                    f"The sweep {sweep.name!r} counts {sorted(counts.keys() & result.keys())} "
                    "again.")
            counts.update(result)
        return counts


#: The portal's registry; the module functions below are its methods.
registry = Registry()
sweep = registry.sweep
register = registry.register
kinds = registry.kinds
kind_choices = registry.kind_choices
kind_label = registry.kind_label


def daily_sweep(day: date, *, chunk: int | None = None, pause: float | None = None) -> dict:
    """Every registered sweep of ``day``, walking ``chunk`` rows at a time with ``pause``
    seconds after each (``CHUNK`` and ``PAUSE`` by default)."""
    with walking(chunk=chunk, pause=pause):
        return registry.run(day)


# --------------------------------------------------------------------------------------------
# What sweeps use
# --------------------------------------------------------------------------------------------


@contextmanager
def walking(*, chunk: int | None = None, pause: float | None = None):
    """Within the block, ``chunks`` walks ``chunk`` rows at a time and waits ``pause`` seconds
    after each chunk (the module's ``CHUNK`` and ``PAUSE`` where left ``None``)."""
    token = _walk.set((chunk, pause))
    try:
        yield
    finally:
        _walk.reset(token)


def chunks(queryset, fields: Iterable[str], *, key: str = "pk") -> Iterator[list[tuple]]:
    """The rows of ``queryset`` (``values_list(*fields)``, the first field being ``key``), a
    chunk at a time by increasing ``key``, each chunk in its own transaction. ``queryset`` may
    be grouped (``values(key).annotate(...)``): the walk is by group."""
    chunk, pause = _walk.get()
    size = chunk or CHUNK
    pause = PAUSE if pause is None else pause
    fields = tuple(fields)
    last = 0
    while True:
        rows = list(queryset.filter(**{f"{key}__gt": last}).order_by(key)
                    .values_list(*fields)[:size])
        if not rows:
            return
        with transaction.atomic():
            yield rows
        last = rows[-1][0]
        if pause:
            time.sleep(pause)


class Due(NamedTuple):
    """A reminder a sweep found due: its recipient, the object and day of its key, and the
    params and link of its notification."""

    recipient_id: int
    object_key: str
    day: date
    params: dict
    url: str


def send_many(*, kind: str, notification_kind: str, items: Iterable[Due]) -> int:
    """Insert the reminders (recipient, ``kind``, object key, day) of ``items`` and notify
    (``notification_kind``) the recipients of exactly those this call inserted, an inactive
    recipient excepted; return how many it inserted. One ``INSERT`` for the reminders and one
    for their notifications, in one transaction (the chunk's): a reminder is never recorded
    without its notification. ``kind`` must have been declared (``kinds``)."""
    if not registry.is_kind(kind):
        raise ValueError(f"Unknown reminder kind {kind!r}: declare it with reminders.kinds().")
    due = {(item.recipient_id, item.object_key, item.day): item for item in items}
    with transaction.atomic(savepoint=False):
        inserted = insert_new(
            Reminder,
            [{"recipient_id": recipient_id, "object_key": object_key, "day": day}
             for recipient_id, object_key, day in due],
            unique=("recipient_id", "kind", "object_key", "day"), shared={"kind": kind},
            returning=("id", "recipient_id", "object_key", "day"))
        notify_count(Notice(recipient_id, f"reminder:{pk}", notification_kind,
                            due[recipient_id, object_key, day].params,
                            due[recipient_id, object_key, day].url)
                     for pk, recipient_id, object_key, day in inserted)
    return len(inserted)


def sent_before(kind: str, object_keys: Iterable[str]) -> dict[tuple[int, str], list[date]]:
    """(recipient id, object key) -> days of the reminders of ``kind`` already sent: a sweep
    looks there for an earlier reminder of the same episode under another key day."""
    sent = defaultdict(list)
    rows = Reminder.objects.filter(kind=kind, object_key__in=list(object_keys)).values_list(
        "recipient_id", "object_key", "day")
    for recipient_id, object_key, day in rows:
        sent[recipient_id, object_key].append(day)
    return sent


def organisation_user_ids(organisation_ids: Iterable[int]) -> dict[int, list[int]]:
    """Organisation id -> the ids of its active users, for reminders addressed to an
    organisation."""
    users = defaultdict(list)
    for organisation_id, user_id in (
            User.objects.filter(membership__organisation_id__in=set(organisation_ids),
                                is_active=True)
            .order_by("pk").values_list("membership__organisation_id", "pk")):
        users[organisation_id].append(user_id)
    return users


#: Numbers reversed in the place of a route's arguments by ``url_maker`` (no route of the
#: portal contains them otherwise).
_URL_MARKERS = (7_391_046_825, 7_391_046_826, 7_391_046_827)


def url_maker(viewname: str, arity: int = 1) -> Callable[..., str]:
    """A function of ``arity`` integers that returns ``reverse(viewname, args=[...])``, at the
    cost of one ``reverse`` for every row of a sweep: the route is reversed once with marker
    numbers for its arguments, which become the fields of a format string. For routes whose
    arguments are integers (``<int:pk>``), which reverse to their digits."""
    markers = [str(marker) for marker in _URL_MARKERS[:arity]]
    template = reverse(viewname, args=markers).replace("{", "{{").replace("}", "}}")
    for position, marker in enumerate(markers):
        if template.count(marker) != 1:
            raise ImproperlyConfigured(f"The route {viewname!r} does not reverse its "
                                       f"argument {position} to its digits.")
        template = template.replace(marker, f"{{{position}}}")
    return template.format
