"""One workflow engine for every status a domain app moves: plans, reports, cases, opportunities.

An app describes its workflow as data in ``<app>/workflow.py``: a table ``{(from, to): Move}``
saying, for each move, the roles that may make it (plain strings), what it needs of its inputs
or of the object (``Need``), the checks the object must pass (guards) and the fields it sets
(effects). A ``Workflow`` holds that table with the model, the history-row writer and the
notification task, and does the rest once:

- ``workflow.apply(actor=..., obj_id=..., to=..., now=..., **inputs)`` makes a move: inside
  ``transaction.atomic()`` it re-reads the row through the actor's scope with a row lock (every
  row for the system actor ``None``), does nothing when the object already has the status,
  refuses a move the table does not have or that the actor may not make (``not_allowed``),
  then what the move needs (its own code each: ``comment_required``, ``amount_required``...)
  and its guards (``incomplete``, every problem named at once), saves the fields with
  ``update_fields``, writes one history row and its notifications, in the same transaction;
- ``workflow.moves_for(user, obj, now)`` answers a page: the moves the user's role may make
  from the object's status, each with ``allowed_now``, what is ``missing`` (the same state
  needs and guards ``apply`` checks, computed only when asked) and the ``next_step`` that
  gives what is missing (a label and a link, from the move's ``next_step``). A page offers a
  live button only for a move that is ``allowed_now``; a blocked one is shown with what is
  missing and where to do it, never as a button ``apply`` would refuse.

A refusal raises ``TransitionRefused`` (a ``ValidationError`` whose message says why) and
leaves the database as it was. This module knows no domain app: roles and statuses are plain
strings, and everything about a model comes in as callables.
"""

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone


class TransitionRefused(ValidationError):
    """A status move that is not allowed now; the message says why."""


def require(allowed: bool) -> None:
    """Refuse (403) what the actor may not do."""
    if not allowed:
        raise PermissionDenied


def choice_label(choices, value):
    """The label of ``value`` in a ``TextChoices`` class; the value itself when unknown."""
    try:
        return choices(value).label
    except ValueError:
        return value


# --------------------------------------------------------------------------------------------
# A move and what it needs
# --------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One try at a move: what needs, effects, the history writer and follow-ups read."""

    obj: Any
    actor: Any
    role: Any
    to: str
    move: "Move"
    now: datetime
    today: date
    comment: str = ""
    #: The move's other inputs, by name (an amount, an outcome, an adviser, a date...).
    inputs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        self.from_status = self.obj.status

    def history(self) -> dict:
        """The fields every history row has: from, to, who, the comment and when."""
        return {"from_status": self.from_status, "to_status": self.to, "actor": self.actor,
                "comment": self.comment, "created_at": self.now}


#: A need's check: ``None`` when the attempt gives what the move needs, else the refusal.
Check = Callable[[Attempt], TransitionRefused | None]
#: A guard: what keeps the object from making the move now, each problem named.
Guard = Callable[[Any, datetime], list]
#: An effect: the fields (name -> value) the move sets besides the status.
Effect = Callable[[Attempt], dict]


@dataclass(frozen=True)
class Need:
    """Something a move asks for, named (``Move.needs_<name>`` says whether it asks for it):
    ``check`` returns the refusal, with its message and code, when the attempt lacks it."""

    name: str
    check: Check
    #: The check reads only the object and the day, not the inputs: ``moves_for`` reports it.
    about_state: bool = False


@dataclass(frozen=True)
class Move:
    """One (from, to) entry of a workflow's table."""

    roles: frozenset
    label: str
    needs: tuple[Need, ...] = ()
    guards: tuple[Guard, ...] = ()
    effects: tuple[Effect, ...] = ()
    #: What follows the move in the same transaction, once its history row is written
    #: (accepting the final report closes the plan).
    then: Callable[[Attempt], None] | None = None
    #: Where the user gives what a blocked move is missing: ``next_step(user, obj)`` returns
    #: ``(label, url)`` or None (the missing step is done elsewhere, or not by this user).
    next_step: Callable[[Any, Any], tuple[str, str] | None] | None = None

    def __getattr__(self, name):
        # ``move.needs_comment``, ``move.needs_amount``...: whether the move has the need so
        # named (templates show the matching field; tests read the table this way).
        if name.startswith("needs_"):
            return any(need.name == name.removeprefix("needs_") for need in self.needs)
        raise AttributeError(name)


def comment_needed(message) -> Need:
    """The move needs a comment (its text after stripping); ``message`` says so."""

    def check(attempt):
        if not attempt.comment:
            return TransitionRefused(str(message), code="comment_required")
        return None

    return Need("comment", check)


def stamp(field_name: str) -> Effect:
    """An effect that sets ``field_name`` to the time of the move."""

    def effect(attempt):
        return {field_name: attempt.now}

    return effect


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------


def _role(actor):
    return getattr(actor, "role", None)


class MoveOption:
    """A move a page may offer: ``to``, ``move``, and (checked when first read) ``missing``,
    what keeps it from succeeding now, and ``allowed_now``."""

    def __init__(self, workflow: "Workflow", attempt: Attempt):
        self.workflow = workflow
        self.attempt = attempt
        self.to = attempt.to
        self.move = attempt.move

    def __repr__(self):
        return f"<MoveOption {self.attempt.from_status} -> {self.to}>"

    @cached_property
    def missing(self) -> list[str]:
        attempt = self.attempt
        problems = []
        for need in (*self.move.needs, *self.workflow.checks):
            refusal = need.check(attempt) if need.about_state else None
            if refusal is not None:
                problems += refusal.messages
        problems += [str(problem) for guard in self.move.guards
                     for problem in guard(attempt.obj, attempt.now)]
        return problems

    @property
    def allowed_now(self) -> bool:
        return not self.missing

    @cached_property
    def next_step(self) -> tuple[str, str] | None:
        """``(label, url)`` of the page where the user gives what is missing, when the move
        is blocked and its table says where; else None."""
        if self.allowed_now or self.move.next_step is None:
            return None
        return self.move.next_step(self.attempt.actor, self.attempt.obj)


@dataclass(frozen=True, kw_only=True)
class Workflow:
    """A model's workflow: its table and how to read, record and announce a move."""

    model: type
    #: The ``TextChoices`` of the status field (labels for the refusal messages).
    statuses: type
    table: Mapping[tuple[str, str], Move]
    #: Writes the history row: ``record(attempt, update) -> row`` (``update``: the fields set).
    record: Callable[[Attempt, dict], Any]
    #: Writes the notifications of each history row (``notify(row.pk)``, a task run in place),
    #: in the move's transaction: the move, its history row and its notices (with the emails
    #: they owe, in the outbox) commit together or not at all, and no broker stands between a
    #: decision and its notice (only the email's sending goes through it, and the outbox
    #: recovers a lost one).
    notify: Any
    #: The refusal of a move that is not allowed, with ``%(from)s`` and ``%(to)s``.
    not_allowed: str
    #: The actor's role as the table names it (default: ``actor.role``).
    role_of: Callable[[Any], Any] = _role
    #: An extra condition on the actor and the object for any move (else ``not_allowed``).
    may_move: Callable[[Any, Any], bool] | None = None
    #: Needs every move has, checked after the move's own.
    checks: tuple[Need, ...] = ()
    #: Related rows read with the locked object.
    select_related: tuple[str, ...] = ()
    #: A context manager factory entered with the actor around the write (the audit trail's).
    context: Callable[[Any], Any] = lambda actor: nullcontext()

    def status_label(self, value):
        return choice_label(self.statuses, value)

    # ----------------------------------------------------------------------------------------

    def moves_for(self, user, obj, now=None) -> list[MoveOption]:
        """The moves ``user``'s role may make from ``obj``'s status, in the table's order (none
        for the system actor ``None``, which has no page)."""
        if user is None:
            return []
        now = now or timezone.now()
        role = self.role_of(user)
        options = [MoveOption(self, self._attempt(obj, user, role, to, move, now, None, "", {}))
                   for (frm, to), move in self.table.items()
                   if frm == obj.status and role in move.roles]
        if options and self.may_move is not None and not self.may_move(user, obj):
            return []
        return options

    def apply(self, *, actor, obj_id, to: str, now=None, today: date | None = None,
              comment: str = "", **inputs):
        """Move the object ``obj_id`` (read through ``actor``'s scope) to ``to``; see the
        module's docstring. ``today`` (default: the date of ``now``) is the day date checks
        use. Returns the object (unchanged when it already had the status)."""
        now = now or timezone.now()
        with transaction.atomic(), self.context(actor):
            obj = self._locked(actor, obj_id)
            if obj.status == to:
                return obj
            move = self.table.get((obj.status, to))
            attempt = self._attempt(obj, actor, self.role_of(actor), to, move, now, today,
                                    (comment or "").strip(), inputs)
            if (move is None or attempt.role not in move.roles
                    or (self.may_move is not None and not self.may_move(actor, obj))):
                raise TransitionRefused(
                    self.not_allowed % {"from": self.status_label(obj.status),
                                        "to": self.status_label(to)},
                    code="not_allowed")
            for need in (*move.needs, *self.checks):
                refusal = need.check(attempt)
                if refusal is not None:
                    raise refusal
            problems = [problem for guard in move.guards for problem in guard(obj, now)]
            if problems:  # each problem named, each with the code
                raise TransitionRefused([ValidationError(problem, code="incomplete")
                                         for problem in problems])
            update = {"status": to}
            for effect in move.effects:
                update.update(effect(attempt))
            for name, value in update.items():
                setattr(obj, name, value)
            obj.save(update_fields=[*update, *self._touched_fields])
            row = self.record(attempt, update)
            self.notify(row.pk)
            if move.then is not None:
                move.then(attempt)
        return obj

    # ----------------------------------------------------------------------------------------

    @staticmethod
    def _attempt(obj, actor, role, to, move, now, today, comment, inputs) -> Attempt:
        return Attempt(obj=obj, actor=actor, role=role, to=to, move=move, now=now,
                       today=today or timezone.localdate(now), comment=comment, inputs=inputs)

    def _locked(self, actor, obj_id):
        manager = self.model.objects
        queryset = manager.all() if actor is None else manager.for_user(actor)
        queryset = queryset.select_for_update(of=("self",))
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        obj = queryset.filter(pk=obj_id).first()
        if obj is None:
            raise self.model.DoesNotExist
        return obj

    @cached_property
    def _touched_fields(self) -> list[str]:
        """``auto_now`` fields (``updated_at``): saved with every move."""
        return [f.name for f in self.model._meta.concrete_fields if getattr(f, "auto_now", False)]
