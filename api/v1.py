"""Version 1 of the API (``/api/v1/``): partners' and the ministry's systems read their plans,
reports, cases and opportunities, and write what they would otherwise retype.

Every read goes through the same scope as the pages (``for_user``; ``visible_to`` for
opportunities, as their page): out of scope is 404, the same answer as a missing object.
Every write calls the very service the page calls, as the token's person, so it is refused
with the same messages and leaves the same history. Lists are paginated by keys (``after``:
the last id received), in a fixed number of queries whatever the page's length.

The ministry's staff tokens read everything in their scope through the same ``for_user``.
Public figures: ``/figures`` lists the tables administrators published (``opendata/``) and
``/figures/{key}`` gives one, exactly as its public JSON download (same rows, same small-count
rule, same licence); an unpublished table is 404 there too."""

import logging
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger

from enterprises import permissions as enterprise_permissions
from enterprises import services as enterprise_services
from enterprises.models import Case, Position
from opendata.selectors import published_tables
from opendata.tables import both
from opendata.views import published_table, table_document
from partners.models import Kind, Organisation
from portal.workflow import TransitionRefused
from programs import permissions as program_permissions
from programs import services as program_services
from programs.models import (
    ActionPlan,
    Indicator,
    Measure,
    Report,
    ReportStatus,
)
from regionalisation import services as regionalisation_services
from regionalisation.models import Opportunity, OpportunityReferral
from regions.models import Municipality

from . import problems
from .auth import RateLimited, ReadOnlyToken, TokenAuth, TokenRefused, api_view, require_writable

logger = logging.getLogger(__name__)


class Docs(Swagger):
    """Swagger UI from the portal's own static files (django-ninja's copy), under the portal's
    Content-Security-Policy: no CDN, no inline script."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        import json

        return render(request, "api/docs.html", {
            "api": api, "swagger_settings": json.dumps(self.settings)})


DESCRIPTION = f"""
The portal's API for partners' and the ministry's systems.

**Authentication.** Every operation needs a personal token, created on the portal's « API
tokens » page (`/api/jetons/`) and sent as `Authorization: Bearer prt_…`. A token acts as its
person: it sees exactly what that person sees on the pages (out of scope answers 404, like a
missing object) and writes through the same rules. A read-only token cannot write (403).
Requests are limited per token and minute (429 with `Retry-After`).

**Lists** are paginated by keys: pass back `after` (the `next_after` of the previous page).

**Errors** are RFC 9457 problem details (`application/problem+json`): `type`, `title`,
`status`, `detail`, and for a refused input `errors`, one `{{"field", "message"}}` per problem.
Texts are in French, or in English when `Accept-Language` prefers it. Types:

{problems.describe()}
"""

api = NinjaAPI(
    title="Portail des services régionaux d'immigration — API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api:v1",
    auth=TokenAuth(),
    docs=Docs(),
)
api.add_decorator(api_view, mode="view")


# --------------------------------------------------------------------------------------------
# Errors: one shape (problems.py)
# --------------------------------------------------------------------------------------------

BEARER = {"WWW-Authenticate": 'Bearer realm="api"'}


@api.exception_handler(TokenRefused)
def _token_refused(request, exc):
    return problems.problem(exc.slug, exc.detail, headers=BEARER)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problems.problem("unauthenticated", _(
        "Send a personal token: Authorization: Bearer prt_…"), headers=BEARER)


@api.exception_handler(RateLimited)
def _rate_limited(request, exc):
    return problems.problem("too-many-requests", _(
        "Too many requests with this token: try again in %(seconds)s seconds.")
        % {"seconds": exc.retry_after}, headers={"Retry-After": str(exc.retry_after)})


@api.exception_handler(ReadOnlyToken)
def _read_only(request, exc):
    return problems.problem("read-only-token", _("This token is read-only: it cannot write."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return problems.problem("forbidden", str(exc) if str(exc) else _(
        "You may not do this with this object."))


def _not_found(request, exc):
    return problems.problem("not-found", _("Nothing here, or nothing you may see."))


api.exception_handler(Http404)(_not_found)
api.exception_handler(ObjectDoesNotExist)(_not_found)


@api.exception_handler(TransitionRefused)
def _transition_refused(request, exc):
    errors = problems.field_errors(exc)
    return problems.problem("refused", " ".join(e["message"] for e in errors), errors=errors)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = problems.field_errors(exc)
    return problems.problem("invalid-request", " ".join(e["message"] for e in errors),
                            errors=errors)


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc):
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query",
                                                                                "path", "payload")]
        errors.append({"field": ".".join(location) or None, "message": error.get("msg", "")})
    return problems.problem("invalid-request", _("The request does not have the expected "
                                                 "form: see errors."), errors=errors)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    slug = {405: "method-not-allowed", 404: "not-found", 403: "forbidden"}.get(
        exc.status_code, "invalid-request")
    return problems.problem(slug, str(exc))


@api.exception_handler(Exception)
def _server_error(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return problems.problem("server-error", _("Something went wrong on our side."))


# --------------------------------------------------------------------------------------------
# Schemas
# --------------------------------------------------------------------------------------------


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


ERRORS = {401: Problem, 404: Problem, 429: Problem}
WRITE_ERRORS = {**ERRORS, 403: Problem, 422: Problem}


class Ref(Schema):
    id: int
    name: str


class Me(Schema):
    email: str
    role: str
    organisation: Ref | None
    token_name: str
    token_prefix: str
    read_only: bool
    expires_at: datetime


class PlanOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    organisation: Ref
    program: str
    call: str
    fiscal_year: int | None
    starts_on: date | None
    ends_on: date | None
    requested_total: Decimal | None
    approved_amount: Decimal | None
    submitted_at: datetime | None
    decided_at: datetime | None
    url: str


class IndicatorOut(Schema):
    id: int
    measure_id: int
    measure: str
    name: str
    unit: str
    target_value: Decimal | None
    value: Decimal | None = None


class MeasureOut(Schema):
    id: int
    axis: str
    title: str
    starts_on: date
    ends_on: date


class ReportRef(Schema):
    id: int
    kind: str
    due_on: date
    status: str


class PlanDetail(PlanOut):
    objectives: str
    measures: list[MeasureOut]
    indicators: list[IndicatorOut]
    reports: list[ReportRef]


class ReportOut(Schema):
    id: int
    plan: Ref
    organisation: Ref
    kind: str
    due_on: date
    status: str
    status_label: str
    submitted_at: datetime | None
    url: str


class ReportDetail(ReportOut):
    narrative: str
    editable: bool
    indicators: list[IndicatorOut]


class PositionOut(Schema):
    count: int
    job_title: str
    noc_code: str
    municipality: str
    french_level: str


class CaseOut(Schema):
    id: int
    subject: str
    status: str
    status_label: str
    organisation: Ref
    office: str
    help_kinds: list[str]
    topics: list[str]
    channel: str
    priority: str
    opened_at: datetime
    next_follow_up: date | None
    closed_at: datetime | None
    url: str


class CaseDetail(CaseOut):
    description: str
    positions: list[PositionOut]


class OpportunityOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    enterprise: Ref
    municipality: str
    municipality_code: str
    region: str
    positions: int
    noc_code: str
    sector: str
    french_level: str
    start_date: date
    expires_on: date | None
    published_at: datetime | None
    url: str


class OpportunityDetail(OpportunityOut):
    description: str
    offers_housing: bool
    offers_moving_costs: bool
    offers_spouse_employment: bool
    settlement_details: str


class Page(Schema):
    next_after: int | None = Field(None, description="Pass it as `after` for the next page.")
    next: str | None = Field(None, description="The next page's URL, if there is one.")


class PlanPage(Page):
    items: list[PlanOut]


class ReportPage(Page):
    items: list[ReportOut]


class CasePage(Page):
    items: list[CaseOut]


class OpportunityPage(Page):
    items: list[OpportunityOut]


class PageQuery(Schema):
    after: int | None = Field(None, description="The last id of the previous page.")
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class IndicatorValue(Schema):
    indicator_id: int
    value: Decimal | None = Field(None, ge=0, description="null clears the value.")


class ReportValuesIn(Schema):
    values: list[IndicatorValue] = Field(..., description="Values reached, per indicator; the "
                                                          "others are kept.")
    submit: bool = Field(False, description="Then submit the report to the ministry.")


class ReferralIn(Schema):
    candidates: int
    interviews: int
    hires: int


class ReferralOut(ReferralIn):
    opportunity_id: int
    organisation: Ref
    updated_at: datetime


class OpportunityIn(Schema):
    enterprise_id: int | None = Field(None, description="Staff: the enterprise (in your "
                                                        "scope). Employers: omit (your own).")
    case_id: int | None = None
    title: str
    description: str = ""
    positions: int = 1
    noc_code: str
    sector: str | None = Field(None, description="Default: the enterprise's sector.")
    french_level: str
    municipality: str = Field(..., description="The municipality's geographic code.")
    start_date: date
    expires_on: date | None = None
    offers_housing: bool = False
    offers_moving_costs: bool = False
    offers_spouse_employment: bool = False
    settlement_details: str = ""


class PositionIn(Schema):
    count: int = 1
    job_title: str
    noc_code: str = ""
    municipality: str = Field(..., description="The municipality's geographic code.")
    french_level: str


class CaseIn(Schema):
    enterprise_id: int | None = Field(None, description="Staff: the enterprise (in your "
                                                        "scope). Enterprises: omit (your own).")
    subject: str
    help_kinds: list[str]
    topics: list[str]
    description: str
    positions: list[PositionIn] = []
    channel: str | None = Field(None, description="Staff: how the request came (portal, "
                                                  "phone, email, …).")
    other_request: bool = Field(False, description="true: send it even if a similar request "
                                                   "is open.")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _absolute(request, path):
    return request.build_absolute_uri(path)


def _page(request, queryset, query: PageQuery, serialize):
    """One page by keys: the rows after ``query.after`` in id order, in one query."""
    rows = queryset.order_by("pk")
    if query.after is not None:
        rows = rows.filter(pk__gt=query.after)
    rows = list(rows[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    next_after = rows[-1].pk if more else None
    next_url = None
    if next_after is not None:
        params = request.GET.copy()
        params["after"] = str(next_after)
        next_url = _absolute(request, f"{request.path}?{params.urlencode()}")
    return {"items": [serialize(request, row) for row in rows], "next_after": next_after,
            "next": next_url}


def _ref(organisation):
    return {"id": organisation.pk, "name": organisation.name}


def _municipality(code: str, field: str = "municipality"):
    found = Municipality.objects.filter(code=(code or "").strip()).first()
    if found is None:
        raise ValidationError({field: _("Unknown municipality code.")})
    return found


def _enterprise(request, enterprise_id):
    """The enterprise a write is for: the staff's choice in their scope (out of scope: 404),
    an enterprise user's own."""
    user = request.user
    if enterprise_id is None:
        membership = getattr(user, "membership", None)
        organisation = getattr(membership, "organisation", None)
        if organisation is None or organisation.kind != Kind.ENTERPRISE:
            raise ValidationError({"enterprise_id": _("Choose the enterprise.")})
        return organisation
    return get_object_or_404(Organisation.objects.for_user(user).select_related("enterprise"),
                             pk=enterprise_id)


# --------------------------------------------------------------------------------------------
# Who am I
# --------------------------------------------------------------------------------------------


@api.get("/me", response={200: Me, **ERRORS}, tags=["token"], summary="The token and its person")
def me(request):
    token, user = request.api_token, request.user
    membership = getattr(user, "membership", None)
    return {"email": user.email, "role": user.role,
            "organisation": _ref(membership.organisation) if membership else None,
            "token_name": token.name, "token_prefix": token.display_prefix,
            "read_only": token.read_only, "expires_at": token.expires_at}


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def _plan(request, plan):
    return {
        "id": plan.pk, "title": plan.title, "status": plan.status,
        "status_label": plan.get_status_display(), "organisation": _ref(plan.organisation),
        "program": plan.call.program.code, "call": plan.call.title,
        "fiscal_year": plan.call.fiscal_year, "starts_on": plan.starts_on,
        "ends_on": plan.ends_on, "requested_total": plan.requested_total,
        "approved_amount": plan.approved_amount, "submitted_at": plan.submitted_at,
        "decided_at": plan.decided_at,
        "url": _absolute(request, reverse("programs:plan_detail", args=[plan.pk])),
    }


def _indicator(indicator, value=None):
    return {"id": indicator.pk, "measure_id": indicator.measure_id,
            "measure": indicator.measure.title, "name": indicator.name, "unit": indicator.unit,
            "target_value": indicator.target_value, "value": value}


def _plan_queryset(user):
    return ActionPlan.objects.for_user(user).select_related("organisation", "call__program")


@api.get("/plans", response={200: PlanPage, **ERRORS}, tags=["plans"],
         summary="Action plans in scope")
def plan_list(request, query: Query[PageQuery], status: str | None = None):
    plans = _plan_queryset(request.user)
    if status:
        plans = plans.filter(status=status)
    return _page(request, plans, query, _plan)


@api.get("/plans/{plan_id}", response={200: PlanDetail, **ERRORS}, tags=["plans"],
         summary="An action plan, its measures, indicators and reports")
def plan_detail(request, plan_id: int):
    plan = get_object_or_404(_plan_queryset(request.user), pk=plan_id)
    measures = list(Measure.objects.filter(plan=plan).order_by("position", "pk"))
    indicators = Indicator.objects.filter(measure__plan=plan).select_related("measure")
    return {
        **_plan(request, plan), "objectives": plan.objectives,
        "measures": [{"id": m.pk, "axis": m.axis, "title": m.title, "starts_on": m.starts_on,
                      "ends_on": m.ends_on} for m in measures],
        "indicators": [_indicator(i) for i in indicators.order_by("measure__position", "pk")],
        "reports": [{"id": r.pk, "kind": r.kind, "due_on": r.due_on, "status": r.status}
                    for r in plan.reports.order_by("due_on", "pk")],
    }


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


def _report(request, report):
    return {
        "id": report.pk, "plan": {"id": report.plan_id, "name": report.plan.title},
        "organisation": _ref(report.plan.organisation), "kind": report.kind,
        "due_on": report.due_on, "status": report.status,
        "status_label": report.get_status_display(), "submitted_at": report.submitted_at,
        "url": _absolute(request, reverse("programs:report_detail",
                                          args=[report.plan_id, report.pk])),
    }


def _report_queryset(user):
    return Report.objects.for_user(user).select_related("plan", "plan__organisation")


@api.get("/reports", response={200: ReportPage, **ERRORS}, tags=["reports"],
         summary="Reports in scope: those still owed (default), or all")
def report_list(request, query: Query[PageQuery], owed: bool = True):
    reports = _report_queryset(request.user)
    if owed:
        reports = reports.owed()
    return _page(request, reports, query, _report)


def _report_detail(request, report):
    values = {row.indicator_id: row.value for row in report.indicator_results.all()}
    indicators = (Indicator.objects.filter(measure__plan_id=report.plan_id)
                  .select_related("measure").order_by("measure__position", "measure_id", "pk"))
    return {**_report(request, report), "narrative": report.narrative,
            "editable": program_permissions.can_edit_report(request.user, report),
            "indicators": [_indicator(i, values.get(i.pk)) for i in indicators]}


def _scoped_report(request, report_id):
    return get_object_or_404(_report_queryset(request.user).prefetch_related(
        "indicator_results", Prefetch("measure_reports")), pk=report_id)


@api.get("/reports/{report_id}", response={200: ReportDetail, **ERRORS}, tags=["reports"],
         summary="A report, with each indicator's target and value reached")
def report_detail(request, report_id: int):
    return _report_detail(request, _scoped_report(request, report_id))


@api.put("/reports/{report_id}/values", response={200: ReportDetail, **WRITE_ERRORS},
         tags=["reports"], summary="Set a report's values per indicator (then submit it)")
def report_values(request, report_id: int, payload: ReportValuesIn):
    """The values reached, per indicator of the plan; the report's other values, amounts
    spent and narratives are kept. The same service as the report's page
    (``programs.services.report_save``, then ``report_transition`` to submit): a report
    that is not the partner's to edit is refused (403); a submission missing parts is
    refused with the page's messages (422), the values staying saved as a draft."""
    require_writable(request)
    report = _scoped_report(request, report_id)
    known = set(Indicator.objects.filter(measure__plan_id=report.plan_id)
                .values_list("pk", flat=True))
    unknown = {f"values.{n}.indicator_id": _("This indicator is not one of the plan’s.")
               for n, row in enumerate(payload.values) if row.indicator_id not in known}
    if unknown:
        raise ValidationError(unknown)
    indicators = {row.indicator_id: row.value for row in report.indicator_results.all()}
    indicators.update({row.indicator_id: row.value for row in payload.values})
    measures = {row.measure_id: {"amount_spent": row.amount_spent, "narrative": row.narrative}
                for row in report.measure_reports.all()}
    program_services.report_save(actor=request.user, report=report, narrative=report.narrative,
                                 measures=measures, indicators=indicators)
    if payload.submit:
        program_services.report_transition(actor=request.user, report_id=report.pk,
                                           to=ReportStatus.SUBMITTED)
    return _report_detail(request, _scoped_report(request, report_id))


# --------------------------------------------------------------------------------------------
# Support cases
# --------------------------------------------------------------------------------------------


def _case(request, case):
    return {
        "id": case.pk, "subject": case.subject, "status": case.status,
        "status_label": case.get_status_display(), "organisation": _ref(case.organisation),
        "office": case.office.city if case.office_id else "", "help_kinds": case.help_kinds,
        "topics": case.topics, "channel": case.channel, "priority": case.priority,
        "opened_at": case.opened_at, "next_follow_up": case.next_follow_up,
        "closed_at": case.closed_at,
        "url": _absolute(request, reverse("enterprises:case_detail", args=[case.pk])),
    }


def _case_queryset(user):
    return Case.objects.for_user(user).select_related("organisation", "office")


@api.get("/cases", response={200: CasePage, **ERRORS}, tags=["cases"],
         summary="Support cases in scope")
def case_list(request, query: Query[PageQuery], open: bool = False):  # noqa: A002
    cases = _case_queryset(request.user)
    if open:
        cases = cases.open()
    return _page(request, cases, query, _case)


def _case_detail(request, case):
    positions = Position.objects.filter(case=case).select_related("municipality").order_by("pk")
    return {**_case(request, case), "description": case.description,
            "positions": [{"count": p.count, "job_title": p.job_title, "noc_code": p.noc_code,
                           "municipality": p.municipality.code, "french_level": p.french_level}
                          for p in positions]}


@api.get("/cases/{case_id}", response={200: CaseDetail, **ERRORS}, tags=["cases"],
         summary="A support case and its positions")
def case_detail(request, case_id: int):
    return _case_detail(request, get_object_or_404(_case_queryset(request.user), pk=case_id))


@api.post("/cases", response={201: CaseDetail, **WRITE_ERRORS}, tags=["cases"],
          summary="Send a support request")
def case_create(request, payload: CaseIn):
    """The same service as the request form (``enterprises.services.case_create``): the case
    goes to the office serving the enterprise. A similar open request is refused
    (``other_request``) unless ``other_request`` is true."""
    require_writable(request)
    organisation = _enterprise(request, payload.enterprise_id)
    if not enterprise_permissions.can_open_case(request.user, organisation):
        raise PermissionDenied
    positions = [{"count": p.count, "job_title": p.job_title, "noc_code": p.noc_code,
                  "municipality": _municipality(p.municipality, f"positions.{n}.municipality"),
                  "french_level": p.french_level} for n, p in enumerate(payload.positions)]
    case = enterprise_services.case_create(
        actor=request.user, organisation=organisation, subject=payload.subject,
        help_kinds=payload.help_kinds, topics=payload.topics, description=payload.description,
        positions=positions, channel=payload.channel or "portal",
        warn_similar=not payload.other_request)
    return Status(201, _case_detail(request, get_object_or_404(_case_queryset(request.user),
                                                               pk=case.pk)))


# --------------------------------------------------------------------------------------------
# Regional opportunities
# --------------------------------------------------------------------------------------------


def _opportunity(request, opportunity):
    return {
        "id": opportunity.pk, "title": opportunity.title, "status": opportunity.status,
        "status_label": opportunity.get_status_display(),
        "enterprise": _ref(opportunity.enterprise),
        "municipality": opportunity.municipality.name,
        "municipality_code": opportunity.municipality.code,
        "region": opportunity.region.code if opportunity.region_id else "",
        "positions": opportunity.positions, "noc_code": opportunity.noc_code,
        "sector": opportunity.sector, "french_level": opportunity.french_level,
        "start_date": opportunity.start_date, "expires_on": opportunity.expires_on,
        "published_at": opportunity.published_at,
        "url": _absolute(request, reverse("regionalisation:opportunity_detail",
                                          args=[opportunity.pk])),
    }


def _opportunity_queryset(user):
    return Opportunity.objects.visible_to(user).select_related("enterprise", "municipality",
                                                               "region")


@api.get("/opportunities", response={200: OpportunityPage, **ERRORS}, tags=["opportunities"],
         summary="Regional opportunities: those you manage, and the board if you see it")
def opportunity_list(request, query: Query[PageQuery], status: str | None = None):
    opportunities = _opportunity_queryset(request.user)
    if status:
        opportunities = opportunities.filter(status=status)
    return _page(request, opportunities, query, _opportunity)


def _opportunity_detail(request, opportunity):
    return {**_opportunity(request, opportunity), "description": opportunity.description,
            "offers_housing": opportunity.offers_housing,
            "offers_moving_costs": opportunity.offers_moving_costs,
            "offers_spouse_employment": opportunity.offers_spouse_employment,
            "settlement_details": opportunity.settlement_details}


@api.get("/opportunities/{opportunity_id}", response={200: OpportunityDetail, **ERRORS},
         tags=["opportunities"], summary="A regional opportunity")
def opportunity_detail(request, opportunity_id: int):
    return _opportunity_detail(request, get_object_or_404(
        _opportunity_queryset(request.user), pk=opportunity_id))


@api.post("/opportunities", response={201: OpportunityDetail, **WRITE_ERRORS},
          tags=["opportunities"], summary="Save an opportunity as a draft")
def opportunity_create(request, payload: OpportunityIn):
    """The same service as the opportunity form
    (``regionalisation.services.opportunity_create``): a draft, to submit for validation on
    the portal."""
    require_writable(request)
    enterprise = _enterprise(request, payload.enterprise_id)
    case = None
    if payload.case_id is not None:
        case = get_object_or_404(Case.objects.for_user(request.user), pk=payload.case_id)
    fields = payload.dict(exclude={"enterprise_id", "case_id"})
    fields["municipality"] = _municipality(payload.municipality)
    if not fields.get("sector"):
        profile = getattr(enterprise, "enterprise", None)
        fields["sector"] = (profile.sector if profile else "") or ""
    opportunity = regionalisation_services.opportunity_create(
        actor=request.user, enterprise=enterprise, case=case, **fields)
    return Status(201, _opportunity_detail(request, Opportunity.objects.select_related(
        "enterprise", "municipality", "region").get(pk=opportunity.pk)))


@api.put("/opportunities/{opportunity_id}/referral", response={200: ReferralOut,
                                                               **WRITE_ERRORS},
         tags=["opportunities"], summary="Set your organisation's referral counts")
def referral_record(request, opportunity_id: int, payload: ReferralIn):
    """Candidates presented, interviews and hires (counts only) of your organisation, by the
    same service as the opportunity's page (``regionalisation.services.referral_record``)."""
    require_writable(request)
    get_object_or_404(_opportunity_queryset(request.user), pk=opportunity_id)
    try:
        referral = regionalisation_services.referral_record(
            actor=request.user, opportunity_id=opportunity_id, candidates=payload.candidates,
            interviews=payload.interviews, hires=payload.hires)
    except ValidationError as exc:
        if getattr(exc, "code", None) == "not_allowed":  # the page answers 403 here too
            raise PermissionDenied(exc.messages[0]) from None
        raise
    referral = OpportunityReferral.objects.select_related("organisation").get(pk=referral.pk)
    return {"opportunity_id": referral.opportunity_id, "organisation": _ref(
        referral.organisation), "candidates": referral.candidates,
        "interviews": referral.interviews, "hires": referral.hires,
        "updated_at": referral.updated_at}


# --------------------------------------------------------------------------------------------
# Public figures (the same published tables as /donnees-ouvertes/)
# --------------------------------------------------------------------------------------------


class FigureTableRef(Schema):
    key: str
    title: dict[str, str]
    computed_at: datetime
    fictitious: bool
    url: str
    csv: str


@api.get("/figures", response={200: list[FigureTableRef], **ERRORS}, tags=["figures"],
         summary="The public figures' published tables")
def figure_list(request):
    return [{"key": shown.key, "title": both(shown.spec.title),
             "computed_at": shown.table.computed_at, "fictitious": shown.table.includes_demo,
             "url": _absolute(request, reverse("api:v1:figure_table", args=[shown.key])),
             "csv": _absolute(request, reverse("opendata:table_csv", args=[shown.key]))}
            for shown in published_tables()]


@api.get("/figures/{key}", response={200: dict, **ERRORS}, tags=["figures"],
         summary="A published table of the public figures, as its public JSON download",
         url_name="figure_table")
def figure_table(request, key: str):
    return table_document(published_table(key))
