"""The ministry's lists of plans: the territory's queue (filters, sorting, pagination, export,
assignment), the SIT manager's decisions queue and the totals by status, program and region.

Every list starts from ``ActionPlan.objects.for_user(user)``, whose scope leaves out the
partners' private drafts: the ministry sees a plan once the partner has submitted it, or a draft
the partner asked for help on (the queue marks it « help requested »). The decisions and totals
count submitted plans only. Each page runs a fixed number of queries, whatever the number of
plans."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy, ngettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.workspace import AssignTexts, Column, Workspace

from .. import permissions, services
from ..filters import PlanFilter, TotalsFilter
from ..models import ActionPlan, Status
from ..resources import PlanResource

ZERO = Decimal("0.00")


def _require_queue(user):
    if not permissions.can_view_queue(user):
        raise PermissionDenied


def _queue_plans(user):
    """The plans the ministry sees: the user's scope (a draft only when help was asked)."""
    return ActionPlan.objects.for_user(user)


def _submitted_plans(user):
    """The plans the totals count: the user's scope, without drafts."""
    return _queue_plans(user).exclude(status=Status.DRAFT)


#: The queue's columns (the key orders the list; "" when the column does not sort).
COLUMNS = (
    Column("title", gettext_lazy("Action plan")),
    Column("organisation", gettext_lazy("Organisation")),
    Column("region", gettext_lazy("Region")),
    Column("", gettext_lazy("Serving office")),
    Column("", gettext_lazy("Program")),
    Column("status", gettext_lazy("Status")),
    Column("requested_total", gettext_lazy("Asked"), numeric=True),
    Column("", gettext_lazy("Adviser")),
    Column("submitted_at", gettext_lazy("Submitted on")),
)


def _status_counts(user):
    """How many plans of the scope are in each status (one query), in the workflow's order."""
    # COUNT(*), not COUNT(id): the index on the status and the scope's columns answers alone.
    counts = dict(_queue_plans(user).order_by().values_list("status")
                  .annotate(n=Count("*")).values_list("status", "n"))
    return [(value, label, counts[value]) for value, label in Status.choices if value in counts]


class PlanQueue(Workspace):
    """The territory's submitted plans: filters, sorting, export and bulk assignment."""

    url_name = "programs:queue"
    export_url_name = "programs:queue_export"
    assign_url_name = "programs:queue_assign"
    template = "programs/queue.html"
    filterset_class = PlanFilter
    resource_class = PlanResource
    export_basename = "plans"
    page_size_setting = "PLAN_QUEUE_PAGE_SIZE"
    columns = COLUMNS
    default_ordering = PlanFilter.DEFAULT_ORDERING
    selection_field = "plan"
    assign_texts = AssignTexts(
        legend=gettext_lazy("Assign the selected plans"),
        to_me=gettext_lazy("Assign the selected plans to me"),
        none_selected=gettext_lazy("Select at least one plan to assign."),
        refused=gettext_lazy("Plans can only be assigned to an adviser or a SIT manager of "
                             "your territory."),
        assigned=ngettext_lazy("%(count)d plan was assigned to %(name)s.",
                               "%(count)d plans were assigned to %(name)s.", "count"),
        unchanged=gettext_lazy("No plan was assigned: they were already assigned to %(name)s "
                               "or are outside the territory."),
    )

    def may_view(self):
        return permissions.can_view_queue(self.user)

    def scope(self):
        # Only plans the ministry sees: never a partner's draft unless help was asked on it.
        return _queue_plans(self.user)

    def list_queryset(self):
        return self.scope().for_list()

    def may_assign(self):
        return permissions.can_assign_plans(self.user)

    def assign_to(self, ids, adviser):
        return services.plans_assign(actor=self.user, plan_ids=ids, adviser=adviser)

    def extra_context(self):
        if self.request.htmx:  # live filtering replaces the results only, not the counts
            return {}
        return {"status_counts": _status_counts(self.user)}


@login_required
def plan_queue(request):
    return PlanQueue(request).list()


@login_required
def queue_export(request, fmt):
    return PlanQueue(request).export(fmt)


@login_required
@require_POST
def queue_assign(request):
    return PlanQueue(request).assign()


def _money(field):
    return Coalesce(Sum(field), Value(ZERO), output_field=DecimalField(max_digits=16,
                                                                       decimal_places=2))


AMOUNTS = {
    "plans": Count("pk"),
    "asked": _money("requested_total"),
    "recommended": _money("recommended_amount"),
    "approved": _money("approved_amount"),
}


def _program_name(row):
    english = (get_language() or "").startswith("en")
    return row["call__program__name_en"] if english else row["call__program__name_fr"]


@login_required
def totals(request):
    _require_queue(request.user)
    filterset = TotalsFilter(request.GET or None, queryset=_submitted_plans(request.user),
                             request=request)
    plans = filterset.qs.order_by()
    order = {value: index for index, value in enumerate(Status.values)}
    labels = dict(Status.choices)
    by_status = sorted(plans.values("status").annotate(**AMOUNTS), key=lambda r: order[r["status"]])
    for row in by_status:
        row["label"] = labels[row["status"]]
    by_program = list(plans.values("call__program__code", "call__program__name_fr",
                                   "call__program__name_en")
                      .annotate(**AMOUNTS).order_by("call__program__code"))
    for row in by_program:
        row["label"] = _program_name(row)
    by_region = list(plans.values("organisation__region__code", "organisation__region__name")
                     .annotate(**AMOUNTS).order_by("organisation__region__code"))
    for row in by_region:
        row["label"] = f"{row['organisation__region__code']} {row['organisation__region__name']}"
    return render(request, "programs/totals.html", {
        "filter": filterset,
        "tables": [
            ("status", _("By status"), _("Status"), by_status),
            ("program", _("By program"), _("Program"), by_program),
            ("region", _("By region"), _("Region"), by_region),
        ],
        "total": plans.aggregate(**AMOUNTS),
    })
