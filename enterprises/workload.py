"""The workload report: time spent and interventions counted by office, adviser, kind of help,
month and kind of intervention, over a period of months, and the detailed rows of its export.

Who sees what (``scope``): a SIT manager the interventions on the cases of their SIT's offices,
an administrator every office's (with a SIT and office filter), an adviser only their own
interventions (their workload, not their colleagues'). Everything is added up in SQL
(``values().annotate()`` with ``Count`` and ``Sum``: two grouping queries feed the page's five
tables, see ``workload``): the page runs the same number of queries whatever the number of
interventions. Months are calendar months of the interventions' days, which are
dates in Quebec's time (America/Montreal), as the advisers entered them.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from antennes.models import Office, Sit
from portal.scoping import visible_offices

from .models import HelpKind, Intervention, InterventionKind

#: The period shown when none is chosen: the last 12 months, this one included.
DEFAULT_MONTHS = 12
#: The longest period one page adds up (its month table has a line per month).
MAX_MONTHS = 180
MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> list[date]:
    """Every first of the month from ``start`` to ``end``, both included."""
    count = (end.year - start.year) * 12 + end.month - start.month
    return [add_months(start, i) for i in range(count + 1)]


def default_period(today: date | None = None) -> tuple[date, date]:
    this_month = (today or timezone.localdate()).replace(day=1)
    return add_months(this_month, 1 - DEFAULT_MONTHS), this_month


def scope(user):
    """The interventions the report adds up for ``user``."""
    interventions = Intervention.objects.for_user(user)
    if getattr(user, "role", None) == Role.ADVISER:
        interventions = interventions.filter(adviser=user)
    return interventions


def hours(minutes) -> Decimal:
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def person_name(first: str, last: str, email: str) -> str:
    return f"{first or ''} {last or ''}".strip() or email or ""


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM (the browser's month picker); cleans to its first day."""

    widget = MonthInput
    default_error_messages = {"invalid": gettext_lazy("Give a month as YYYY-MM, e.g. 2025-04.")}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        match = MONTH_RE.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)


class AdviserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = person_name(obj.first_name, obj.last_name, obj.email)
        return name if obj.is_active else _("%(name)s (no longer active)") % {"name": name}


class WorkloadFilterForm(forms.Form):
    """The report's filters. Unbound months default to the last 12 months; the defaults are
    written into the form's data, so the page shows them and the export uses them."""

    month_from = MonthField(label=gettext_lazy("From (month)"), required=False,
                            help_text=gettext_lazy("YYYY-MM, included."))
    month_to = MonthField(label=gettext_lazy("To (month)"), required=False,
                          help_text=gettext_lazy("YYYY-MM, included."))
    sit = forms.ModelChoiceField(label=gettext_lazy("SIT"), queryset=Sit.objects.none(),
                                 required=False, to_field_name="slug",
                                 empty_label=gettext_lazy("All SITs"))
    office = forms.ModelChoiceField(label=gettext_lazy("Office"),
                                    queryset=Office.objects.none(), required=False,
                                    to_field_name="slug", empty_label=gettext_lazy("All offices"))
    adviser = AdviserChoiceField(label=gettext_lazy("Adviser"), queryset=User.objects.none(),
                                 required=False, empty_label=gettext_lazy("All advisers"))
    help_kind = forms.ChoiceField(label=gettext_lazy("Help given"), required=False,
                                  choices=[("", gettext_lazy("All kinds of help")),
                                           *HelpKind.choices])

    def __init__(self, data=None, *, user, today: date | None = None):
        start, end = default_period(today)
        values = {name: data.get(name) for name in self.base_fields} if data else {}
        values = {name: value for name, value in values.items() if value}
        values.setdefault("month_from", start.strftime("%Y-%m"))
        values.setdefault("month_to", end.strftime("%Y-%m"))
        super().__init__(values)
        self.user = user
        role = getattr(user, "role", None)
        self.fields["office"].queryset = visible_offices(user).order_by("city")
        if role == Role.ADMIN:
            self.fields["sit"].queryset = Sit.objects.order_by("name")
        else:
            del self.fields["sit"]
        if role == Role.ADVISER:
            del self.fields["adviser"]  # their own figures only
        else:
            self.fields["adviser"].queryset = (
                User.objects.filter(role__in=[Role.ADVISER, Role.SIT_MANAGER],
                                    assignments__office__in=visible_offices(user).values("pk"))
                .distinct().order_by("last_name", "first_name", "email"))

    def clean(self):
        data = super().clean()
        start, end = data.get("month_from"), data.get("month_to")
        if start and end:
            if end < start:
                self.add_error("month_to", _("The last month comes before the first one."))
            elif len(months_between(start, end)) > MAX_MONTHS:
                self.add_error("month_to", _("Choose a period of at most %(years)d years.")
                               % {"years": MAX_MONTHS // 12})
        return data


@dataclass
class Line:
    """One line of a table: what it counts (``key``, ``label``), interventions and minutes."""

    key: object
    label: str
    count: int = 0
    minutes: int = 0

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass
class Workload:
    start: date
    end: date
    total: Line
    by_office: list[Line] = field(default_factory=list)
    by_adviser: list[Line] = field(default_factory=list)
    by_help_kind: list[Line] = field(default_factory=list)
    by_month: list[Line] = field(default_factory=list)
    by_kind: list[Line] = field(default_factory=list)


def filtered(user, cleaned: dict):
    """The interventions of ``user``'s report that the cleaned filters select, unordered."""
    start, end = cleaned["month_from"], cleaned["month_to"]
    interventions = scope(user).filter(day__gte=start, day__lt=add_months(end, 1))
    if cleaned.get("sit"):
        interventions = interventions.filter(case__office__sit=cleaned["sit"])
    if cleaned.get("office"):
        interventions = interventions.filter(case__office=cleaned["office"])
    if cleaned.get("adviser"):
        interventions = interventions.filter(adviser=cleaned["adviser"])
    if cleaned.get("help_kind"):
        interventions = interventions.filter(help_kind=cleaned["help_kind"])
    return interventions.order_by()


FIGURES = {"count": Count("pk"), "minutes": Sum("duration_minutes")}


def _add_up(rows, key, label) -> dict:
    """Add up aggregate rows (a few hundred at most) into one ``Line`` per ``key(row)``."""
    lines = {}
    for row in rows:
        line = lines.setdefault(key(row), Line(key=key(row), label=label(row)))
        line.count += row["count"]
        line.minutes += row["minutes"] or 0
    return lines


def _choice_lines(lines: dict, choices) -> list[Line]:
    """One line per choice, in the choices' order, zeros included."""
    return [Line(key=value, label=str(label), count=lines[value].count,
                 minutes=lines[value].minutes) if value in lines
            else Line(key=value, label=str(label)) for value, label in choices]


def workload(user, cleaned: dict) -> Workload:
    """The report's tables, from two aggregate queries whatever the number of interventions
    (and two naming the offices and advisers found):
    by office and adviser (a line per adviser and office they worked in), and by kind of help,
    kind of intervention and month (at most 3 × 5 × the months of the period). Each table and
    the total add up these few lines; grouping in two passes rather than one query per table
    reads the interventions twice instead of six times (bench/workload_report.py)."""
    interventions = filtered(user, cleaned)
    start, end = cleaned["month_from"], cleaned["month_to"]
    # Grouped on ids (a hash aggregate: grouping on the names made PostgreSQL sort every
    # row), then named with one query for the offices and one for the advisers.
    people = list(interventions.values("case__office", "adviser").annotate(**FIGURES)
                  .order_by())
    kinds = list(interventions.annotate(month=TruncMonth("day"))
                 .values("help_kind", "kind", "month").annotate(**FIGURES).order_by())
    office_names = dict(Office.objects.filter(pk__in={r["case__office"] for r in people})
                        .values_list("pk", "city"))
    names = {u.pk: u for u in User.objects.filter(pk__in={r["adviser"] for r in people})
             .only("first_name", "last_name", "email")}
    offices = _add_up(people, lambda r: r["case__office"],
                      lambda r: office_names.get(r["case__office"], ""))
    advisers = _add_up(people, lambda r: r["adviser"],
                       lambda r: person_name(names[r["adviser"]].first_name,
                                             names[r["adviser"]].last_name,
                                             names[r["adviser"]].email))
    months = _add_up(kinds, lambda r: r["month"], lambda r: r["month"].strftime("%Y-%m"))
    surnames = {pk: (u.last_name, u.first_name) for pk, u in names.items()}
    total = Line(key=None, label=_("Total"), count=sum(r["count"] for r in people),
                 minutes=sum(r["minutes"] or 0 for r in people))
    return Workload(
        start=start, end=end, total=total,
        by_office=sorted(offices.values(), key=lambda line: (line.label, line.key)),
        by_adviser=sorted(advisers.values(),
                          key=lambda line: (*surnames[line.key], line.label, line.key)),
        by_help_kind=_choice_lines(_add_up(kinds, lambda r: r["help_kind"], str),
                                   HelpKind.choices),
        by_kind=_choice_lines(_add_up(kinds, lambda r: r["kind"], str),
                              InterventionKind.choices),
        by_month=[months.get(month) or Line(key=month, label=month.strftime("%Y-%m"))
                  for month in months_between(start, end)],
    )


def detailed_rows(user, cleaned: dict) -> list[dict]:
    """The export's lines: interventions and minutes by month × office × adviser × kind of
    help, in that order (one aggregate query on ids, one naming the offices, one the
    advisers), each as {month, office, adviser, help_kind, count, minutes}."""
    rows = list(filtered(user, cleaned).annotate(month=TruncMonth("day"))
                .values("month", "case__office", "adviser", "help_kind")
                .annotate(**FIGURES).order_by())
    offices = dict(Office.objects.filter(pk__in={r["case__office"] for r in rows})
                   .values_list("pk", "city"))
    people = {u.pk: u for u in User.objects.filter(pk__in={r["adviser"] for r in rows})
              .only("first_name", "last_name", "email")}
    lines = [{"month": r["month"], "office": offices.get(r["case__office"], ""),
              "adviser": person_name(people[r["adviser"]].first_name,
                                     people[r["adviser"]].last_name,
                                     people[r["adviser"]].email),
              "surname": (people[r["adviser"]].last_name, people[r["adviser"]].first_name,
                          r["adviser"]),
              "help_kind": r["help_kind"], "count": r["count"], "minutes": r["minutes"] or 0}
             for r in rows]
    lines.sort(key=lambda line: (line["month"], line["office"], line["surname"],
                                 line["help_kind"]))
    return lines
