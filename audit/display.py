"""The audit trail as a person reads it (for instance to answer an access request under Law 25):
auditlog stores raw values (field names, choice codes, primary keys, UTC timestamps); this
module turns a page of entries into labelled, local-time, noise-free lines.

- actions in words (created, changed, deleted, viewed);
- fields under their verbose names, choice codes under their labels, yes/no for booleans,
  related rows under their names (one query per related model on the page, whatever the number
  of entries), date-times in Montréal time;
- no noise: auditlog also records, at creation, each reverse relation as
  ``None → app.Model.None`` (the repr of an empty related manager) and fields left empty
  (``None → None``, ``None → ""``); those are dropped, and a change entry holding nothing else
  is noise as a whole (``is_noise_entry``, used to stop writing such entries and to clear them).
"""

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTION_LABELS = {
    LogEntry.Action.CREATE: gettext_lazy("Created"),
    LogEntry.Action.UPDATE: gettext_lazy("Changed"),
    LogEntry.Action.DELETE: gettext_lazy("Deleted"),
    LogEntry.Action.ACCESS: gettext_lazy("Viewed"),
}
ACTION_CHOICES = list(ACTION_LABELS.items())

#: The repr of an empty related manager ("enterprises.CaseAttachment.None").
_MANAGER_REPR = re.compile(r"^\w+\.\w+\.None$")
_BLANK = (None, "None", "", "null", "[]", "{}")


def _blank(value) -> bool:
    return value in _BLANK


def _model_field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def is_noise(model, name, old, new) -> bool:
    """A recorded « change » that says nothing: a reverse relation or many-to-many manager, an
    empty value on both sides, or the same value on both sides."""
    model_field = _model_field(model, name)
    if model_field is not None and (model_field.many_to_many
                                    or (model_field.auto_created and not model_field.concrete)):
        return True
    if _blank(old) and (_blank(new) or (isinstance(new, str) and _MANAGER_REPR.match(new))):
        return True
    return str(old) == str(new)


def meaningful_changes(model, changes) -> dict:
    """The recorded changes without the noise: {field name: (old, new)}, or {field name:
    {"type": "m2m", "operation": ..., "objects": [...]}} for a many-to-many change."""
    kept = {}
    for name, values in (changes or {}).items():
        if isinstance(values, dict):
            if values.get("objects"):
                kept[name] = values
        elif (isinstance(values, list | tuple) and len(values) == 2
              and not is_noise(model, name, values[0], values[1])):
            kept[name] = values
    return kept


def is_noise_entry(entry) -> bool:
    """A change entry whose every recorded change is noise."""
    if entry.action != LogEntry.Action.UPDATE:
        return False
    model = entry.content_type.model_class() if entry.content_type_id else None
    return not meaningful_changes(model, entry.changes_dict)


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class ReadableEntry:
    entry: LogEntry
    when: datetime
    action: str
    kind: str
    record: str
    who: str
    changes: list[Change] = field(default_factory=list)


def local_time(value: datetime) -> datetime:
    return timezone.localtime(value)


def format_local(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i:s")


def _parse_utc(raw: str):
    try:
        parsed = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)  # auditlog stores naive UTC
    return parsed


def _choice_label(model_field, raw):
    choices = getattr(model_field, "flatchoices", None) or getattr(
        getattr(model_field, "base_field", None), "flatchoices", None)
    if not choices:
        return None
    labels = {str(key): label for key, label in choices}
    if raw in labels:
        return str(labels[raw])
    if isinstance(raw, str) and raw.startswith("["):
        try:
            items = json.loads(raw)
        except ValueError:
            return None
        if isinstance(items, list):
            return ", ".join(str(labels.get(str(item), item)) for item in items)
    return None


class _Related:
    """Names of the rows foreign keys point to, fetched once per related model."""

    def __init__(self):
        self.wanted: dict[type, set[str]] = {}
        self.names: dict[tuple[type, str], str] = {}

    def want(self, model_field, raw):
        if _blank(raw):
            return
        self.wanted.setdefault(model_field.related_model, set()).add(str(raw))

    def fetch(self):
        for model, pks in self.wanted.items():
            try:
                rows = model._default_manager.filter(pk__in=list(pks))
                for row in rows:
                    self.names[(model, str(row.pk))] = str(row)
            except (ValueError, TypeError):
                continue

    def name(self, model_field, raw):
        model = model_field.related_model
        return self.names.get((model, str(raw))) or _("%(kind)s no. %(pk)s (deleted)") % {
            "kind": model._meta.verbose_name, "pk": raw}


def _value(model_field, raw, related: _Related) -> str:
    if _blank(raw):
        return _("(empty)")
    if model_field is None:
        return str(raw)
    label = _choice_label(model_field, raw)
    if label is not None:
        return label
    if isinstance(model_field, models.BooleanField):
        return {"True": _("yes"), "False": _("no")}.get(str(raw), str(raw))
    if isinstance(model_field, models.DateTimeField):
        parsed = _parse_utc(str(raw))
        return format_local(parsed) if parsed else str(raw)
    if model_field.many_to_one or model_field.one_to_one:
        return related.name(model_field, raw)
    return str(raw)


def readable(entries) -> list[ReadableEntry]:
    """The entries in words; the related rows named in a fixed number of queries."""
    entries = list(entries)
    related = _Related()
    prepared = []
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        changes = meaningful_changes(model, entry.changes_dict)
        for name, values in changes.items():
            model_field = _model_field(model, name)
            if isinstance(values, dict):
                continue
            old, new = values
            if model_field is not None and (model_field.many_to_one or model_field.one_to_one):
                related.want(model_field, old)
                related.want(model_field, new)
        prepared.append((entry, model, changes))
    related.fetch()
    result = []
    for entry, model, changes in prepared:
        lines = []
        for name, values in changes.items():
            model_field = _model_field(model, name)
            label = str(model_field.verbose_name) if model_field is not None and hasattr(
                model_field, "verbose_name") else name
            label = label[:1].upper() + label[1:]
            if isinstance(values, dict):  # many-to-many: rows added or removed
                operation = {"add": _("added"), "delete": _("removed")}.get(
                    values.get("operation"), str(values.get("operation", "")))
                lines.append(Change(label, operation,
                                    ", ".join(str(o) for o in values.get("objects", []))))
                continue
            old, new = values
            lines.append(Change(label, _value(model_field, old, related),
                                _value(model_field, new, related)))
        kind = str(model._meta.verbose_name) if model else entry.content_type.name
        actor = entry.actor
        who = (actor.email if actor else "") or _("the system")
        result.append(ReadableEntry(
            entry=entry, when=local_time(entry.timestamp),
            action=str(ACTION_LABELS.get(entry.action, entry.get_action_display())),
            kind=kind[:1].upper() + kind[1:], record=entry.object_repr, who=who,
            changes=lines))
    return result
