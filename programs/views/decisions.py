"""The SIT manager's decisions: the plans of the territory waiting for a decision (recommended
or not recommended), grouped by call with each call's envelope (committed, waiting, remaining,
in total and for the regions of the plans listed), and batch approval: select recommended
plans, see their total against the envelope, approve them at their recommended amounts in one
action (``services.plans_approve_batch``).

Central administrators read the page; approving belongs to the roles the workflow lets approve
(``permissions.can_approve_plans``). Every plan is read through ``for_user``: an id outside
the scope answers 404. The page runs a fixed number of queries, whatever the number of plans.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from .. import envelopes, permissions, services
from ..models import ZERO, ActionPlan, Call, PlanEvent, Status
from ..workflow import DECISION_STATUSES

#: The plan statuses whose page shows the envelope to staff.
ENVELOPE_STATUSES = frozenset({Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.APPROVED})


def _waiting_plans(user):
    """The scope's plans waiting for a decision, each with its latest recommendation (when
    and the adviser's comment), grouped by call (the call closing first first), the oldest
    recommendation first within a call."""
    recommendation = (PlanEvent.objects.filter(plan=OuterRef("pk"), report__isnull=True,
                                               to_status__in=DECISION_STATUSES)
                      .order_by("-created_at", "-pk"))
    return (ActionPlan.objects.for_user(user).for_list()
            .filter(status__in=DECISION_STATUSES)
            .annotate(recommended_at=Subquery(recommendation.values("created_at")[:1]),
                      recommendation_comment=Subquery(recommendation.values("comment")[:1]))
            .order_by("call__closes_at", "call_id", "recommended_at", "submitted_at", "pk"))


def _groups(plans, figures):
    """The page's plans by call, each group with its call's figures and the figures of the
    regions of its plans; each recommended plan with what would remain after approving it."""
    groups = {}
    for plan in plans:
        envelope = figures[plan.call_id]
        group = groups.setdefault(plan.call_id, {"envelope": envelope, "plans": [],
                                                 "regions": []})
        group["plans"].append(plan)
        if plan.status == Status.RECOMMENDED:
            amount = plan.recommended_amount or ZERO
            plan.after_total = envelope.total.after(amount)
            plan.after_region = envelope.region(plan.organisation.region_id).figures.after(amount)
    for group in groups.values():
        group["regions"] = group["envelope"].regions_of(
            plan.organisation.region for plan in group["plans"])
    return list(groups.values())


@login_required
def decisions(request):
    user = request.user
    if not permissions.can_view_decisions(user):
        raise PermissionDenied
    plans = _waiting_plans(user)
    page = Paginator(plans, settings.PLAN_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    calls = (Call.objects.filter(pk__in=plans.order_by().values("call_id"))
             .select_related("program").order_by("closes_at", "pk"))
    figures = envelopes.call_envelopes(calls)
    summary = plans.order_by().aggregate(plans=Count("pk"),
                                         asked=envelopes.total_of("requested_total"),
                                         recommended=envelopes.total_of("recommended_amount"))
    return render(request, "programs/decisions/page.html", {
        "page": page,
        "groups": _groups(page, figures),
        "envelopes": list(figures.values()),
        "summary": summary,
        "can_approve": permissions.can_approve_plans(user),
        "query": "",
    })


def _selected_ids(values) -> list[int]:
    ids = []
    for value in values:
        value = value.strip()
        if not value.isdigit():
            raise Http404
        ids.append(int(value))
    return sorted(set(ids))


def _selection(user, ids):
    """The selected plans, read through the scope (404 when one is not in it), and the
    envelope of each call they fall under, before and after approving them."""
    plans = list(ActionPlan.objects.for_user(user).for_list().filter(pk__in=ids)
                 .order_by("call__closes_at", "call_id", "pk"))
    if len(plans) != len(ids):
        raise Http404
    figures = envelopes.call_envelopes({plan.call_id: plan.call for plan in plans}.values())
    amounts = envelopes.batch_amounts(p for p in plans if p.status == Status.RECOMMENDED)
    calls = []
    for call_id, envelope in figures.items():
        chosen = [plan for plan in plans if plan.call_id == call_id]
        added = amounts.get(call_id, {})
        selected = sum(added.values(), ZERO)
        regions = [
            {"region": regional, "selected": added.get(regional.region_id, ZERO),
             "after": regional.figures.after(added.get(regional.region_id, ZERO))}
            for regional in envelope.regions_of(plan.organisation.region for plan in chosen)]
        calls.append({"envelope": envelope, "plans": chosen, "selected": selected,
                      "after": envelope.total.after(selected), "regions": regions,
                      "problems": envelopes.overruns(envelope, added)})
    return plans, calls


@login_required
@require_http_methods(["GET", "POST"])
def decisions_batch(request):
    """The confirmation step of a batch approval (GET: the selection from the decisions page)
    and the approval itself (POST)."""
    user = request.user
    data = request.POST if request.method == "POST" else request.GET
    ids = _selected_ids(data.getlist("plan"))
    # Outside the scope is a 404, whoever asks, like a plan that does not exist.
    if ActionPlan.objects.for_user(user).filter(pk__in=ids).count() != len(ids):
        raise Http404
    if not permissions.can_approve_plans(user):
        raise PermissionDenied
    if not ids:
        messages.error(request, _("Select at least one recommended plan to approve."))
        return redirect("programs:decisions")
    comment = data.get("comment", "")
    errors = []
    if request.method == "POST":
        try:
            approved = services.plans_approve_batch(
                actor=user, plan_ids=ids, comment=comment,
                confirm_over_envelope=data.get("over_envelope_confirmed") == "1")
        except ActionPlan.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, ngettext(
                "%(count)d plan was approved at its recommended amount.",
                "%(count)d plans were approved at their recommended amounts.",
                len(approved)) % {"count": len(approved)})
            return redirect("programs:decisions")
    plans, calls = _selection(user, ids)
    not_recommended = [plan for plan in plans if plan.status != Status.RECOMMENDED]
    return render(request, "programs/decisions/batch.html", {
        "plans": plans,
        "calls": calls,
        "total": sum((plan.recommended_amount or ZERO for plan in plans
                      if plan.status == Status.RECOMMENDED), ZERO),
        "over": any(call["problems"] for call in calls),
        "not_recommended": not_recommended,
        "errors": errors,
        "comment": comment,
        "confirmed": data.get("over_envelope_confirmed") == "1",
        "back": reverse("programs:decisions"),
    }, status=400 if errors else 200)


def plan_envelope(user, plan):
    """The envelope box of a plan's page: for staff, when the plan waits for a decision or
    was approved; the figures of its call, of its region, and what would remain after
    approving the amount the decision form starts from. None otherwise."""
    if not permissions.can_view_queue(user) or plan.status not in ENVELOPE_STATUSES:
        return None
    envelope = envelopes.plan_envelope(plan)
    region = plan.organisation.region
    regional = envelope.region(region.pk, envelopes.region_label(region.code, region.name))
    amount = None
    if plan.status != Status.APPROVED:
        amount = (plan.recommended_amount if plan.recommended_amount is not None
                  else plan.requested_total)
    return {
        "envelope": envelope,
        "region": regional,
        "regions": [regional],
        "amount": amount,
        "after_total": envelope.total.after(amount) if amount is not None else None,
        "after_region": regional.figures.after(amount) if amount is not None else None,
        "problems": envelopes.overruns(envelope, {region.pk: amount}) if amount else [],
    }
