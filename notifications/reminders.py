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
(``notifications.models.Reminder``). ``send`` inserts the row inside a savepoint and notifies
(the in-portal notification, whose email goes out after commit) only if the insert happened: an
``IntegrityError`` means another run already sent it. So a sweep run twice, or two sweeps at
once on two workers, send each reminder once.

Sweeps walk ids in chunks (``chunks``: ``CHUNK`` rows, one transaction each), so memory stays
flat whatever the number of objects, and a worker killed in the middle loses only its current
chunk, which the next run sends (the chunks before were committed, with their emails enqueued).
The chunk size and a pause after each chunk can be set for one run (``walking``, or the task's
``chunk`` and ``pause`` arguments): tests of the real worker make sweeps small and slow to
kill a worker in the middle of one.
"""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from accounts.models import User

from .models import Reminder
from .services import notify

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


def send(*, recipient: User, kind: str, object_key: str, day: date, notification_kind: str,
         params: dict, url: str) -> bool:
    """Insert the reminder (recipient, kind, object_key, day); notify only if this call
    inserted it. ``kind`` must have been declared (``kinds``)."""
    if not registry.is_kind(kind):
        raise ValueError(f"Unknown reminder kind {kind!r}: declare it with reminders.kinds().")
    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(recipient=recipient, kind=kind,
                                               object_key=object_key, day=day)
    except IntegrityError:
        return False  # already sent, by an earlier run or by a run at the same time
    notify(recipients=[recipient], key=f"reminder:{reminder.pk}", kind=notification_kind,
           params=params, url=url)
    return True


def sent_before(kind: str, object_keys: Iterable[str]) -> dict[tuple[int, str], list[date]]:
    """(recipient id, object key) -> days of the reminders of ``kind`` already sent: a sweep
    looks there for an earlier reminder of the same episode under another key day."""
    sent = defaultdict(list)
    rows = Reminder.objects.filter(kind=kind, object_key__in=list(object_keys)).values_list(
        "recipient_id", "object_key", "day")
    for recipient_id, object_key, day in rows:
        sent[recipient_id, object_key].append(day)
    return sent


def organisation_users(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """Organisation id -> its active users, for reminders addressed to an organisation."""
    users = defaultdict(list)
    for user in User.objects.filter(membership__organisation_id__in=set(organisation_ids),
                                    is_active=True).select_related("membership").order_by("pk"):
        users[user.membership.organisation_id].append(user)
    return users
