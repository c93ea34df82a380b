"""Each role's home page: what the person has to do today, across the domains."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Role
from enterprises import permissions as enterprise_permissions
from enterprises.models import OPEN_CASE_STATUSES, Case, CaseStatus, JoinRequest
from partners.models import MUNICIPAL_KINDS, Kind, Organisation
from portal.scoping import visible_offices
from programs.models import OWED_REPORT_STATUSES, ActionPlan, Report, ReportStatus, Status
from programs.workflow import DECISION_STATUSES
from regionalisation import permissions as regionalisation_permissions
from regionalisation.models import (
    OUTCOME_MONTHS,
    Activity,
    Opportunity,
    OpportunityFollow,
    OpportunityReferral,
    OpportunityStatus,
)


@login_required
def home(request):
    """Each role lands on its own home page."""
    user = request.user
    if user.role == Role.PARTNER:
        return _partner_home(request, user)

    organisations = Organisation.objects.for_user(user)
    per_region = (
        organisations.values("region__code", "region__name")
        .annotate(
            total=Count("pk"),
            municipal=Count("pk", filter=Q(kind__in=MUNICIPAL_KINDS)),
            non_profit=Count("pk", filter=Q(kind=Kind.NON_PROFIT)),
            enterprise=Count("pk", filter=Q(kind=Kind.ENTERPRISE)),
        )
        .order_by("region__code")
    )
    offices = (
        visible_offices(user).select_related("sit", "region")
        .annotate(organisation_count=Count("organisations", distinct=True))
        .order_by("sit__name", "-kind", "city")
    )
    today = timezone.localdate()
    own_offices = user.assignments.select_related("office__sit") if user.role != Role.ADMIN \
        else []
    recent = organisations.for_list().order_by("-created_at", "-pk")[:5]
    return render(request, "hub/home_staff.html", {
        "per_region": per_region,
        "offices": offices,
        "own_offices": own_offices,
        "recent": recent,
        "total": sum(row["total"] for row in per_region),
        "plan_counts": ActionPlan.objects.for_user(user).aggregate(
            to_take=Count("pk", filter=Q(status=Status.SUBMITTED)),
            mine=Count("pk", filter=Q(adviser=user, status__in=[
                Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED])),
            decisions=Count("pk", filter=Q(status__in=DECISION_STATUSES)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
        ),
        **_report_counts(user),
        "case_counts": Case.objects.for_user(user).aggregate(
            due_today=Count("pk", filter=Q(adviser=user, status__in=OPEN_CASE_STATUSES,
                                           next_follow_up=today)),
            overdue=Count("pk", filter=Q(adviser=user, status__in=OPEN_CASE_STATUSES,
                                         next_follow_up__lt=today)),
            unassigned=Count("pk", filter=Q(status=CaseStatus.NEW)),
        ),
        "join_requests_pending": JoinRequest.objects.for_user(user).pending().count(),
        "opportunity_counts": Opportunity.objects.for_user(user).aggregate(
            awaiting=Count("pk", filter=Q(status=OpportunityStatus.SUBMITTED)),
            on_board=Count("pk", filter=Q(status=OpportunityStatus.PUBLISHED,
                                          expires_on__gte=today)),
        ),
        "activities_outcomes_due": _activities_outcomes_due(user, today),
    })


#: How many of an enterprise's open requests its home page lists.
OPEN_CASES_SHOWN = 5


def _partner_home(request, user):
    """A partner's home leads with the first task of its kind of organisation, and shows only
    what applies to that kind:

    - an enterprise asks for help and follows its open requests (no action plans, programs or
      reports: those fund municipal bodies and non-profits);
    - a regionalisation organisation starts from the opportunity board, what it follows and
      its activities whose outcomes are due, then its plans and reports;
    - a municipal body or another non-profit starts from its action plans and reports.
    """
    organisation = (
        Organisation.objects.for_user(user)
        .select_related("region", "office", "mrc", "municipality").first()
    )
    context = {"organisation": organisation}
    if organisation is None:
        return render(request, "hub/home_partner.html", context)
    context.update(_regionalisation_partner(user))
    if organisation.kind == Kind.ENTERPRISE:
        cases = Case.objects.for_user(user).open()
        context.update({
            "leads_with": "help",
            "can_ask_for_help": enterprise_permissions.can_open_case(user, organisation),
            "open_cases": list(cases.order_by("-opened_at", "-pk")[:OPEN_CASES_SHOWN]),
            "open_case_count": cases.count(),
        })
    else:
        context.update({
            "leads_with": "board" if "activities_outcomes_due" in context else "plans",
            "plans": ActionPlan.objects.for_user(user).for_list().order_by("-updated_at")[:5],
            **_report_counts(user),
        })
    return render(request, "hub/home_partner.html", context)


def _report_counts(user):
    today = timezone.localdate()
    return {"report_counts": Report.objects.for_user(user).aggregate(
        late=Count("pk", filter=Q(status__in=OWED_REPORT_STATUSES, due_on__lt=today)),
        due_soon=Count("pk", filter=Q(status__in=OWED_REPORT_STATUSES, due_on__gte=today,
                                      due_on__lte=today + timedelta(days=30))),
        to_review=Count("pk", filter=Q(status=ReportStatus.SUBMITTED)),
    )}


def _activities_outcomes_due(user, today) -> int:
    """Activities in the user's scope with outcomes (6 or 12 months) due and not recorded."""
    due = Q()
    for months in OUTCOME_MONTHS:
        due |= Q(pk__in=Activity.objects.outcomes_missing(months, today).values("pk"))
    return Activity.objects.for_user(user).filter(due).count()


def _regionalisation_partner(user) -> dict:
    """The regionalisation part of a partner's home: an employer's opportunities and the
    referral counts they received; for a board viewer, the board and what the person follows;
    for a regionalisation organisation, its activities whose outcomes are due."""
    today = timezone.localdate()
    context = {}
    if regionalisation_permissions.is_enterprise_user(user):
        own = Opportunity.objects.for_user(user)
        context["employer_counts"] = {
            **own.aggregate(
                published=Count("pk", filter=Q(status=OpportunityStatus.PUBLISHED,
                                               expires_on__gte=today)),
                awaiting=Count("pk", filter=Q(status=OpportunityStatus.SUBMITTED)),
                drafts=Count("pk", filter=Q(status=OpportunityStatus.DRAFT)),
            ),
            **OpportunityReferral.objects.filter(opportunity__in=own.values("pk")).aggregate(
                candidates=Coalesce(Sum("candidates"), 0),
                interviews=Coalesce(Sum("interviews"), 0),
                hires=Coalesce(Sum("hires"), 0)),
        }
    if regionalisation_permissions.can_view_board(user):
        context["board_counts"] = {
            "on_board": Opportunity.objects.on_board(today).count(),
            "followed": OpportunityFollow.objects.filter(
                user=user, opportunity__in=Opportunity.objects.on_board(today).values("pk"),
            ).count(),
        }
    if regionalisation_permissions.is_regionalisation_user(user):
        context["activities_outcomes_due"] = _activities_outcomes_due(user, today)
    return context
