"""The ministry's lists of plans: the territory's queue (filters, sorting, pagination, export,
assignment), the SIT manager's decisions queue and the totals by status, program and region.

Every list starts from ``ActionPlan.objects.for_user(user)`` and leaves drafts out: the ministry
sees a plan once the partner has submitted it. Each page runs a fixed number of queries,
whatever the number of plans."""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.exports import export_response
from portal.pages import page_or_fragment, safe_next
from portal.scoping import assignable_staff

from .. import permissions, services
from ..filters import PlanFilter, TotalsFilter
from ..models import ActionPlan, PlanEvent, Status
from ..resources import PlanResource
from ..workflow import DECISION_STATUSES

ZERO = Decimal("0.00")


def _require_queue(user):
    if not permissions.can_view_queue(user):
        raise PermissionDenied


def _submitted_plans(user):
    """The plans the ministry sees: the user's scope, without the partner's drafts."""
    return ActionPlan.objects.for_user(user).exclude(status=Status.DRAFT)


def _filtered(request):
    return PlanFilter(request.GET or None, queryset=_submitted_plans(request.user).for_list(),
                      request=request)


#: The queue's columns: (ordering key or "" when the column does not sort, header).
SORT_COLUMNS = [
    ("title", gettext_lazy("Action plan")),
    ("organisation", gettext_lazy("Organisation")),
    ("region", gettext_lazy("Region")),
    ("", gettext_lazy("Serving office")),
    ("", gettext_lazy("Program")),
    ("status", gettext_lazy("Status")),
    ("requested_total", gettext_lazy("Asked")),
    ("", gettext_lazy("Adviser")),
    ("submitted_at", gettext_lazy("Submitted on")),
]


def _status_counts(user):
    """How many plans of the scope are in each status (one query), in the workflow's order."""
    counts = dict(_submitted_plans(user).order_by().values_list("status")
                  .annotate(n=Count("pk")).values_list("status", "n"))
    return [(value, label, counts[value]) for value, label in Status.choices if value in counts]


@login_required
def plan_queue(request):
    _require_queue(request.user)
    filterset = _filtered(request)
    page = Paginator(filterset.qs, settings.PLAN_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    without_ordering = query.copy()
    without_ordering.pop("ordering", None)
    can_assign = permissions.can_assign_plans(request.user)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "query_without_ordering": without_ordering.urlencode(),
        "sort_columns": SORT_COLUMNS,
        "current_ordering": request.GET.get("ordering") or PlanFilter.DEFAULT_ORDERING,
        "can_assign": can_assign,
        "advisers": assignable_staff(request.user) if can_assign else [],
        "status_counts": _status_counts(request.user),
        "here": request.get_full_path(),
    }
    return page_or_fragment(request, "programs/queue.html", "results", context)


@login_required
def queue_export(request, fmt):
    _require_queue(request.user)
    filterset = _filtered(request)
    if filterset.is_bound and not filterset.is_valid():
        # An export holds exactly the filtered rows: never a silently wider set.
        return HttpResponseBadRequest(_("The filters are not valid."))
    return export_response(PlanResource(), filterset.qs, fmt, "plans")


@login_required
@require_POST
def queue_assign(request):
    if not permissions.can_assign_plans(request.user):
        raise PermissionDenied
    target = safe_next(request, reverse("programs:queue"))
    chosen = [pk for pk in request.POST.getlist("plan") if pk.isdigit()]
    if not chosen:
        messages.error(request, _("Select at least one plan to assign."))
        return redirect(target)
    # Only plans the ministry sees in this queue: never a partner's draft.
    ids = list(_submitted_plans(request.user).filter(pk__in=chosen).values_list("pk", flat=True))
    choice = "me" if request.POST.get("assign_to_me") else request.POST.get("adviser", "")
    if choice == "me":
        adviser = request.user
    else:
        adviser = (assignable_staff(request.user).filter(pk=choice).first()
                   if choice.isdigit() else None)
        if adviser is None:
            messages.error(request, _("Plans can only be assigned to an adviser or a SIT manager "
                                      "of your territory."))
            return redirect(target)
    try:
        count = services.plans_assign(actor=request.user, plan_ids=ids, adviser=adviser)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(target)
    if count:
        messages.success(request, ngettext(
            "%(count)d plan was assigned to %(name)s.",
            "%(count)d plans were assigned to %(name)s.", count)
            % {"count": count, "name": adviser})
    else:
        messages.info(request, _("No plan was assigned: they were already assigned to %(name)s "
                                 "or are outside the territory.") % {"name": adviser})
    return redirect(target)


def _money(field):
    return Coalesce(Sum(field), Value(ZERO), output_field=DecimalField(max_digits=16,
                                                                       decimal_places=2))


AMOUNTS = {
    "plans": Count("pk"),
    "asked": _money("requested_total"),
    "recommended": _money("recommended_amount"),
    "approved": _money("approved_amount"),
}


@login_required
def decisions(request):
    if not permissions.can_view_decisions(request.user):
        raise PermissionDenied
    recommendation = (PlanEvent.objects.filter(plan=OuterRef("pk"), report__isnull=True,
                                               to_status__in=DECISION_STATUSES)
                      .order_by("-created_at", "-pk"))
    plans = (ActionPlan.objects.for_user(request.user).for_list()
             .filter(status__in=DECISION_STATUSES)
             .annotate(recommended_at=Subquery(recommendation.values("created_at")[:1]),
                       recommendation_comment=Subquery(recommendation.values("comment")[:1]))
             .order_by("recommended_at", "submitted_at", "pk"))
    page = Paginator(plans, settings.PLAN_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    summary = plans.order_by().aggregate(**AMOUNTS)
    return render(request, "programs/decisions.html",
                  {"page": page, "summary": summary, "query": ""})


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
