"""The retention engine: personal information kept no longer than the periods administrators
set (Quebec's Law 25), by rules the domain apps register.

It belongs to no domain. Each domain declares, in its own ``<app>/retention.py``, what of its
personal information is past its period and how to forget it::

    from retention import engine as retention
    from retention.models import Kind

    def closed_case_notes(cutoff):
        return CaseNote.objects.filter(case__status="closed", case__closed_at__lt=cutoff)

    @retention.rule(Kind.NOTES, "case_notes", candidates=closed_case_notes, order=30)
    def delete_case_notes(rows) -> int:
        ...

``candidates(cutoff)`` is every row past the period and not yet forgotten (``cutoff`` is now
minus the kind's period, ``RetentionSettings``); the decorated function deletes or anonymises
the rows of one chunk and says how many. Because a forgotten row is no longer a candidate,
running the job twice changes nothing the second time, and a run stopped in the middle (the
worker killed) leaves committed chunks done and the rest for the next run.

The modules are found with ``autodiscover_modules("retention")`` the first time the registry
is read; the accounts rule (former users) is the engine's own (``retention.users``), since
accounts sits below it. The job (``run``; the monthly task ``retention.tasks.apply_retention``;
``manage.py apply_retention [--dry-run]``) walks each rule's candidates in chunks of ``CHUNK``
ids, one transaction per chunk, with django-auditlog's per-row logging switched off (a deletion
entry would copy the very text being forgotten into the audit trail); the run's report
(``RetentionRun``) is created at the end, and its creation is the audit trail's entry.

Copies the audit trail holds of what is forgotten are redacted with ``forget_in_audit``.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import Kind, RetentionRun, RetentionSettings

logger = logging.getLogger(__name__)

#: Ids walked per query and per transaction.
CHUNK = 500
#: What replaces a forgotten value in the audit trail (stored data, not a translated text).
REDACTED = "[effacé]"


@dataclass(frozen=True)
class Rule:
    kind: str
    name: str
    candidates: Callable[[datetime], QuerySet]
    forget: Callable[[QuerySet], int]
    order: int

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.name}"


class Registry:
    """The rules the domain apps declared in their ``retention`` modules (found on first
    use)."""

    def __init__(self, *, discover: bool = True):
        self._rules: dict[str, Rule] = {}
        self._discovered = not discover

    def _discover(self):
        if not self._discovered:
            from . import users  # noqa: F401  (the accounts rule: accounts is below us)

            autodiscover_modules("retention")
            self._discovered = True

    def rule(self, kind: str, name: str, *, candidates: Callable[[datetime], QuerySet],
             order: int = 50):
        """Decorator: ``function(rows)`` forgets the rows of one chunk of
        ``candidates(cutoff)`` and returns how many it deleted or anonymised."""
        if kind not in Kind.values:
            raise ImproperlyConfigured(f"Unknown retention kind {kind!r}.")

        def register(function):
            key = f"{kind}.{name}"
            known = self._rules.get(key)
            if known and known.forget is not function:
                raise ImproperlyConfigured(f"Two retention rules are named {key!r}.")
            self._rules[key] = Rule(kind, name, candidates, function, order)
            return function
        return register

    def rules(self) -> list[Rule]:
        self._discover()
        return sorted(self._rules.values(), key=lambda rule: (rule.order, rule.key))


#: The portal's registry.
registry = Registry()
rule = registry.rule


def settings_in_force() -> RetentionSettings:
    """The periods administrators set, or the defaults while they set none (nothing is
    written: a dry run changes nothing)."""
    return RetentionSettings.objects.filter(pk=1).first() or RetentionSettings(pk=1)


def cutoffs(now: datetime, settings: RetentionSettings) -> dict[str, datetime]:
    """kind -> the moment before which its information is past its period."""
    return {kind: now - relativedelta(months=settings.months(kind)) for kind in Kind.values}


def pending(*, now: datetime | None = None) -> dict[str, int]:
    """"kind.rule" -> how many rows the job would forget now (nothing is changed)."""
    limits = cutoffs(now or timezone.now(), settings_in_force())
    return {rule.key: _ids(rule.candidates(limits[rule.kind])).count()
            for rule in registry.rules()}


def run(*, now: datetime | None = None, chunk: int | None = None) -> RetentionRun:
    """Apply every rule; the report of the run (stored, and logged in the audit trail)."""
    started = timezone.now()
    now = now or started
    settings = settings_in_force()
    limits = cutoffs(now, settings)
    counts = {}
    with disable_auditlog():
        for each in registry.rules():
            counts[each.key] = _walk(each, limits[each.kind], chunk or CHUNK)
    report = RetentionRun.objects.create(
        started_at=started, finished_at=timezone.now(),
        periods={kind: settings.months(kind) for kind in Kind.values},
        counts=counts, total=sum(counts.values()))
    logger.info("Retention run %s: %s", report.pk, counts)
    return report


def _ids(queryset: QuerySet) -> QuerySet:
    return queryset.order_by("pk").values_list("pk", flat=True).distinct()


def _walk(each: Rule, cutoff: datetime, size: int) -> int:
    done = 0
    last = None
    while True:
        candidates = each.candidates(cutoff)
        ids = _ids(candidates if last is None else candidates.filter(pk__gt=last))
        ids = list(ids[:size])
        if not ids:
            return done
        with transaction.atomic():
            # Re-read through the rule's filter: a row changed since is left alone.
            done += each.forget(each.candidates(cutoff).filter(pk__in=ids))
        last = ids[-1]


# --------------------------------------------------------------------------------------------
# What rules use
# --------------------------------------------------------------------------------------------


def forget_in_audit(model, pks: Iterable, *, fields: Iterable[str] | None = None) -> int:
    """Redact the audit trail's copies of ``model`` rows ``pks``: with ``fields``, the values
    of those fields in each entry's changes; without, the entry's description and every value
    (the row itself was deleted). The entries stay (who did what, when). Returns how many
    entries changed."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    entries = LogEntry.objects.filter(content_type=content_type,
                                      object_pk__in=[str(pk) for pk in pks])
    if fields is None:
        return entries.exclude(object_repr=REDACTED).update(
            object_repr=REDACTED, changes={}, changes_text="", serialized_data=None,
            additional_data=None)
    fields = set(fields)
    changed = 0
    for entry in entries.only("pk", "changes"):
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        scrubbed = {name: (_redact(values) if name in fields else values)
                    for name, values in changes.items()}
        if scrubbed != changes:
            LogEntry.objects.filter(pk=entry.pk).update(changes=scrubbed)
            changed += 1
    return changed


def _redact(values):
    if isinstance(values, list | tuple):
        return [value if value in (None, "", "None") else REDACTED for value in values]
    return REDACTED


def delete_documents(rows: QuerySet) -> int:
    """Delete stored documents (``portal.models.StoredDocument`` rows) and, once the deletion
    is committed, their files; the audit trail's copies of their names are redacted."""
    documents = list(rows)
    if not documents:
        return 0
    model = type(documents[0])
    pks = [document.pk for document in documents]
    files = [document.file for document in documents if document.file]
    model.objects.filter(pk__in=pks).delete()
    forget_in_audit(model, pks)

    def remove_files():
        for file in files:
            file.storage.delete(file.name)
    transaction.on_commit(remove_files)
    return len(pks)


def delete_rows(rows: QuerySet) -> int:
    """Delete the rows and redact the audit trail's copies of them."""
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return 0
    model = rows.model
    model.objects.filter(pk__in=pks).delete()
    forget_in_audit(model, pks)
    return len(pks)


def blank_fields(rows: QuerySet, fields: Iterable[str]) -> int:
    """Empty the text ``fields`` of the rows (kept for their history) and redact those fields
    in the audit trail's copies."""
    fields = list(fields)
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return 0
    rows.model.objects.filter(pk__in=pks).update(**dict.fromkeys(fields, ""))
    forget_in_audit(rows.model, pks, fields=fields)
    return len(pks)


def removed(model, kind_cutoff: datetime) -> QuerySet:
    """The audit trail's deletion entries of ``model`` rows removed before ``kind_cutoff`` and
    not yet redacted: the candidates of a rule forgetting what the trail kept of them."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return LogEntry.objects.filter(content_type=content_type, action=LogEntry.Action.DELETE,
                                   timestamp__lt=kind_cutoff).exclude(object_repr=REDACTED)


def forget_removed(entries: QuerySet) -> int:
    """Forget what the audit trail kept of rows removed long ago (``removed``'s entries)."""
    done = 0
    by_type: dict[int, list[str]] = {}
    for content_type_id, object_pk in entries.values_list("content_type_id", "object_pk"):
        by_type.setdefault(content_type_id, []).append(object_pk)
    for content_type_id, pks in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        forget_in_audit(model, pks)
        done += len(set(pks))
    return done
