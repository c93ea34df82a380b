"""A call's envelope while deciding: what is committed, what waits for a decision, what
remains, in total (``Call.budget``) and for each region (``RegionEnvelope``, optional).

- **committed** (« approved »): the ``approved_amount`` of plans approved, in progress or
  closed, the three statuses a decision to fund leads to (a closed plan's money was spent);
- **waiting** (« recommended »): the ``recommended_amount`` of plans recommended and not yet
  decided. A plan not recommended, refused or withdrawn counts nowhere;
- **remaining**: the envelope less what is committed; **remaining if all approved**: less
  the waiting amounts too; ``after(amount)``: what would remain after approving ``amount``.

The figures cover every plan of the call, whatever the reader's territory: the envelope is
shared by every region, and the check made when a plan is approved (``overruns``) must see
what the other SITs already committed. Only sums leave this module, never a plan.

``call_envelopes(calls)`` reads the figures of any number of calls in two queries (regional
envelopes, then one grouped sum over the plans), whatever the number of plans.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portal.money import money

from .models import ZERO, ActionPlan, Call, RegionEnvelope, Status

#: The statuses whose approved amount is spent from the envelope.
COMMITTED = frozenset({Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED})
#: The statuses whose recommended amount waits for a decision.
WAITING = frozenset({Status.RECOMMENDED})


@dataclass
class Figures:
    """One envelope (a call's total, or a region's part) and what it carries. ``envelope``
    is None for a region the call sets no envelope for: only the sums are known then."""

    envelope: Decimal | None
    approved: Decimal = ZERO
    waiting: Decimal = ZERO
    approved_plans: int = 0
    waiting_plans: int = 0

    @property
    def remaining(self) -> Decimal | None:
        return None if self.envelope is None else self.envelope - self.approved

    @property
    def remaining_if_all_approved(self) -> Decimal | None:
        return None if self.envelope is None else self.remaining - self.waiting

    def after(self, amount) -> Decimal | None:
        """What would remain once ``amount`` more is approved."""
        return None if self.envelope is None else self.remaining - (amount or ZERO)

    def exceeded_by(self, amount) -> bool:
        return self.envelope is not None and self.after(amount) < 0

    def add(self, row):
        self.approved += row["approved"]
        self.waiting += row["waiting"]
        self.approved_plans += row["approved_plans"]
        self.waiting_plans += row["waiting_plans"]


@dataclass
class RegionFigures:
    region_id: int
    label: str
    figures: Figures


@dataclass
class CallEnvelope:
    """A call's figures: its total and, by region id, each region's."""

    call: Call
    total: Figures
    regions: dict[int, RegionFigures] = field(default_factory=dict)

    def region(self, region_id, label="") -> RegionFigures:
        """The region's figures (zero sums, no envelope, when the call has none of it)."""
        return self.regions.get(region_id) or RegionFigures(region_id, label, Figures(None))

    def regions_of(self, regions: Iterable) -> list[RegionFigures]:
        """The figures of these regions (``Region`` rows), by region code."""
        wanted = {region.pk: self.region(region.pk, region_label(region.code, region.name))
                  for region in regions}
        return sorted(wanted.values(), key=lambda r: r.label)


_SUM = DecimalField(max_digits=16, decimal_places=2)


def total_of(field_name, **filters):
    """The sum of a money field (0 when there is no row), for ``aggregate``/``annotate``."""
    return Coalesce(Sum(field_name, filter=Q(**filters) if filters else None), Value(ZERO),
                    output_field=_SUM)


def _sum(field_name, statuses):
    return total_of(field_name, status__in=statuses)


def call_envelopes(calls) -> dict[int, CallEnvelope]:
    """The figures of ``calls`` (Call rows, or a queryset of them), by call id: two queries
    besides the calls' own, whatever the number of plans."""
    calls = list(calls)
    result = {call.pk: CallEnvelope(call, Figures(call.budget)) for call in calls}
    if not result:
        return result
    for envelope in (RegionEnvelope.objects.filter(call_id__in=result)
                     .select_related("region")):
        result[envelope.call_id].regions[envelope.region_id] = RegionFigures(
            envelope.region_id, region_label(envelope.region.code, envelope.region.name),
            Figures(envelope.amount))
    rows = (ActionPlan.objects.filter(call_id__in=result, status__in=COMMITTED | WAITING)
            .order_by()
            .values("call_id", "organisation__region_id", "organisation__region__code",
                    "organisation__region__name")
            .annotate(approved=_sum("approved_amount", COMMITTED),
                      waiting=_sum("recommended_amount", WAITING),
                      approved_plans=Count("pk", filter=Q(status__in=COMMITTED)),
                      waiting_plans=Count("pk", filter=Q(status__in=WAITING))))
    for row in rows:
        envelope = result[row["call_id"]]
        envelope.total.add(row)
        region_id = row["organisation__region_id"]
        if region_id not in envelope.regions:
            envelope.regions[region_id] = RegionFigures(
                region_id, region_label(row["organisation__region__code"],
                                         row["organisation__region__name"]), Figures(None))
        envelope.regions[region_id].figures.add(row)
    return result


def region_label(code, name) -> str:
    """« 04 Mauricie »: a region as the envelope tables name it."""
    return f"{code} {name}" if code else ""


def plan_envelope(plan) -> CallEnvelope:
    """The figures of the plan's call (the plan's ``call`` already read)."""
    return call_envelopes([plan.call])[plan.call_id]


def lock_calls(call_ids) -> None:
    """Lock the calls' rows until the transaction ends: two approvals under the same call
    then check the envelope one after the other, never both against the same figures."""
    list(Call.objects.select_for_update().filter(pk__in=set(call_ids)).order_by("pk")
         .values_list("pk", flat=True))


def overruns(envelope: CallEnvelope, amounts: Mapping[int, Decimal]) -> list[str]:
    """What approving more under this call would exceed: ``amounts`` maps a region id to
    what its plans would add (one plan, or a batch). The call's envelope is checked against
    their total, each region's (when the call sets one) against its own; each envelope
    exceeded is named with its figures. Empty when it all fits."""
    total = sum(amounts.values(), ZERO)
    problems = _overrun(envelope.total, total,
                        _("the call “%(call)s”") % {"call": envelope.call.title})
    for region_id, amount in amounts.items():
        regional = envelope.region(region_id)
        if regional.figures.envelope is not None:
            problems += _overrun(regional.figures, amount,
                                 _("the region “%(region)s”") % {"region": regional.label})
    return problems


def _overrun(figures: Figures, amount, name) -> list[str]:
    if not figures.exceeded_by(amount):
        return []
    return [_("Approving %(amount)s goes beyond the envelope of %(name)s: envelope "
              "%(envelope)s, already approved %(approved)s, remaining %(remaining)s "
              "(%(after)s after this decision).")
            % {"amount": money(amount), "name": name, "envelope": money(figures.envelope),
               "approved": money(figures.approved), "remaining": money(figures.remaining),
               "after": money(figures.after(amount))}]


def batch_amounts(plans) -> dict[int, dict[int, Decimal]]:
    """What approving ``plans`` at their recommended amounts adds, by call id then region
    id (the plans' ``organisation`` already read)."""
    amounts: dict[int, dict[int, Decimal]] = {}
    for plan in plans:
        by_region = amounts.setdefault(plan.call_id, {})
        region_id = plan.organisation.region_id
        by_region[region_id] = by_region.get(region_id, ZERO) + (plan.recommended_amount
                                                                 or ZERO)
    return amounts
