"""Managing regional opportunities: the list (an employer's own, the ministry's territory) with
filters and an export of exactly the filtered rows, the form to publish one (by the employer,
or by an adviser for an enterprise of the territory, possibly from a recruitment case), its
page with the history and the moves the user may make, changing a draft and moving a
published opportunity's expiry date.

Reads go through ``Opportunity.objects.for_user`` (management) or ``visible_to`` (the page,
which board viewers also read); out of scope answers 404 like a missing id. Writes go through
``regionalisation.services``; their refusals are shown on the form, tied to the field. The
list and the page run a fixed number of queries whatever the number of rows or events."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import STAFF_ROLES
from enterprises.models import Case, Position, unverified_organisation_ids
from partners.models import Kind, Organisation
from portal.forms import add_service_errors
from portal.workflow import choice_label
from portal.workspace import Column, Workspace

from .. import permissions, services
from ..filters import OpportunityFilter
from ..forms import (
    SETTLEMENT_HELP_FIELDS,
    ExtendForm,
    MoveForm,
    OpportunityForm,
    case_initial,
    municipality_suggestions,
    opportunity_initial,
)
from ..models import Opportunity, OpportunityEvent, OpportunityStatus
from ..resources import OpportunityResource
from ..workflow import ADVISERS, OPPORTUNITY_WORKFLOW

#: The « expiring soon » shortcut of the ministry's list, in days.
EXPIRING_SOON_DAYS = 14
#: The form's fields before and after the settlement-help fieldset.
JOB_FIELDS = ("enterprise", "title", "description", "positions", "noc_code", "sector",
              "french_level", "municipality", "start_date")
AFTER_HELP_FIELDS = ("settlement_details", "expires_on")


def _is_staff(user) -> bool:
    return getattr(user, "role", None) in STAFF_ROLES


def _list_url(**params):
    return f"{reverse('regionalisation:opportunity_list')}?{urlencode(params, doseq=True)}"


def _detail_url(pk, anchor=""):
    return (reverse("regionalisation:opportunity_detail", args=[pk])
            + (f"#{anchor}" if anchor else ""))


# --------------------------------------------------------------------------------------------
# The list and its export
# --------------------------------------------------------------------------------------------


def _shortcuts(user, today):
    """The ministry's shortcuts, counted in one query: awaiting validation, and published
    opportunities expiring soon."""
    soon = Q(status=OpportunityStatus.PUBLISHED, expires_on__gte=today,
             expires_on__lte=today + timedelta(days=EXPIRING_SOON_DAYS))
    submitted = Q(status=OpportunityStatus.SUBMITTED)
    # Only the rows either count reads (the (status, expires_on) index finds them), not the
    # whole scope.
    counts = Opportunity.objects.for_user(user).filter(submitted | soon).order_by().aggregate(
        submitted=Count("pk", filter=submitted), soon=Count("pk", filter=soon))
    return [
        {"key": "submitted", "label": OpportunityStatus.SUBMITTED.label,
         "count": counts["submitted"], "url": _list_url(status=OpportunityStatus.SUBMITTED)},
        {"key": "soon", "label": _("On the board, expiring within %(days)s days")
         % {"days": EXPIRING_SOON_DAYS}, "count": counts["soon"],
         "url": _list_url(expiring_within=EXPIRING_SOON_DAYS, ordering="expiry")},
    ]


class OpportunityWorkspace(Workspace):
    """An employer's own opportunities, or those of the ministry's territory: filters and
    export (an opportunity has no adviser: no bulk assignment)."""

    url_name = "regionalisation:opportunity_list"
    export_url_name = "regionalisation:opportunity_export"
    template = "regionalisation/opportunity_list.html"
    filterset_class = OpportunityFilter
    resource_class = OpportunityResource
    export_basename = "opportunities"
    page_size_setting = "OPPORTUNITY_LIST_PAGE_SIZE"
    columns = (
        Column("", gettext_lazy("Job title")),
        Column("", gettext_lazy("Municipality and region")),
        Column("", gettext_lazy("Positions"), numeric=True),
        Column("", gettext_lazy("Status")),
        Column("", gettext_lazy("Expiry date")),
        Column("", gettext_lazy("Candidates presented"), numeric=True),
        Column("", gettext_lazy("Interviews"), numeric=True),
        Column("", gettext_lazy("Hires"), numeric=True),
    )

    def may_view(self):
        return permissions.can_view_opportunities(self.user)

    def scope(self):
        return Opportunity.objects.for_user(self.user)

    def list_queryset(self):
        return self.scope().for_list().with_referral_totals()

    def filterset_kwargs(self):
        return {"staff": _is_staff(self.user)}

    def extra_context(self):
        staff = _is_staff(self.user)
        context = {"staff": staff, "today": timezone.localdate(),
                   "can_create": permissions.can_create_opportunity(self.user)}
        if staff and not self.request.htmx:
            context["shortcuts"] = _shortcuts(self.user, context["today"])
        return context


@login_required
def opportunity_list(request):
    return OpportunityWorkspace(request).list()


@login_required
def opportunity_export(request, fmt):
    return OpportunityWorkspace(request).export(fmt)


# --------------------------------------------------------------------------------------------
# Publishing one, changing a draft
# --------------------------------------------------------------------------------------------


def _own_enterprise(user):
    membership = getattr(user, "membership", None)
    organisation = getattr(membership, "organisation", None)
    if organisation is None or organisation.kind != Kind.ENTERPRISE:
        raise PermissionDenied
    return organisation


def _sector_of(organisation):
    enterprise = getattr(organisation, "enterprise", None)
    return enterprise.sector if enterprise else None


def _form_context(form, **extra):
    return {
        "form": form,
        "job_fields": form.content_fields(JOB_FIELDS),
        "help_fields": form.content_fields(SETTLEMENT_HELP_FIELDS),
        "after_fields": form.content_fields(AFTER_HELP_FIELDS),
        "municipalities": municipality_suggestions(),
        "today": timezone.localdate(),
        **extra,
    }


def _case_for_opportunity(request):
    """The support case named by ``?case=`` (in the user's scope, else 404), with its
    positions, or None."""
    value = request.GET.get("case", "")
    if not value:
        return None, []
    if not value.isdigit():
        raise Http404
    case = get_object_or_404(
        Case.objects.for_user(request.user).select_related("organisation__enterprise")
        .prefetch_related(Prefetch("positions", queryset=Position.objects.select_related(
            "municipality").order_by("pk"))),
        pk=int(value))
    return case, list(case.positions.all())


@login_required
def opportunity_create(request):
    user = request.user
    if not permissions.can_create_opportunity(user):
        raise PermissionDenied
    case, positions = _case_for_opportunity(request)
    enterprises = None
    initial = {}
    if case is not None:
        enterprise = case.organisation
        initial.update(case_initial(case, positions))
    elif _is_staff(user):
        enterprise = None
        enterprises = (Organisation.objects.for_user(user).filter(kind=Kind.ENTERPRISE)
                       .exclude(pk__in=unverified_organisation_ids())
                       .select_related("enterprise").order_by("name", "pk"))
        chosen = request.GET.get("enterprise", "")
        if chosen.isdigit():
            initial["enterprise"] = chosen
    else:
        enterprise = _own_enterprise(user)
    if enterprise is not None and "sector" not in initial:
        initial["sector"] = _sector_of(enterprise)
    form = OpportunityForm(request.POST or None, initial=initial, enterprises=enterprises)
    if request.method == "POST" and form.is_valid():
        employer = enterprise or form.cleaned_data["enterprise"]
        if not form.cleaned_data["sector"]:  # staff left it: the enterprise's own sector
            form.cleaned_data["sector"] = _sector_of(employer) or ""
        try:
            opportunity = services.opportunity_create(
                actor=user, enterprise=employer, case=case, **form.opportunity_fields())
        except Organisation.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The opportunity “%(title)s” was saved as a draft. "
                                        "Submit it for validation when it is ready.")
                             % {"title": opportunity.title})
            if Opportunity.objects.visible_to(user).filter(pk=opportunity.pk).exists():
                return redirect(_detail_url(opportunity.pk))
            # An adviser published a job another office serves: that office validates it.
            messages.info(request, _("The office of %(office)s serves %(municipality)s: its "
                                     "advisers will follow this opportunity.")
                          % {"office": opportunity.office.city,
                             "municipality": opportunity.municipality.name})
            return redirect("regionalisation:opportunity_list")
    return render(request, "regionalisation/opportunity_form.html", _form_context(
        form, enterprise=enterprise, case=case, opportunity=None,
        action=request.get_full_path()))


def _managed(request, pk, queryset=None):
    """An opportunity the user manages (employer or territory), else 404."""
    queryset = queryset if queryset is not None else Opportunity.objects.for_list()
    return get_object_or_404(queryset.for_user(request.user), pk=pk)


def _may_change(user, opportunity) -> bool:
    """Whether the user acts for this opportunity at all (the state rules come after)."""
    return getattr(user, "role", None) in ADVISERS or permissions.is_employer(user, opportunity)


@login_required
def opportunity_edit(request, pk):
    user = request.user
    opportunity = _managed(request, pk)
    if not _may_change(user, opportunity):
        raise PermissionDenied
    if not permissions.can_edit_opportunity(user, opportunity):
        messages.error(request, _("Only a draft can be changed. Ask the adviser to send it "
                                  "back for changes."))
        return redirect(_detail_url(pk))
    form = OpportunityForm(request.POST or None, initial=opportunity_initial(opportunity))
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_update(actor=user, opportunity_id=pk,
                                                      **form.opportunity_fields())
        except Opportunity.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(_detail_url(pk))
    return render(request, "regionalisation/opportunity_form.html", _form_context(
        form, enterprise=opportunity.enterprise, case=None, opportunity=opportunity,
        action=reverse("regionalisation:opportunity_edit", args=[pk])))


# --------------------------------------------------------------------------------------------
# The opportunity's page
# --------------------------------------------------------------------------------------------


def _moves(user, opportunity, move_form=None):
    """The moves of the user's role from the opportunity's status, with the error of the one
    just refused: a ``live`` one is a form (the service would accept it now); a blocked one
    says what is missing and where to do it (``next_step``), with no button."""
    failed = move_form.data.get("to") if move_form is not None else None
    return [{"to": option.to, "move": option.move, "live": option.allowed_now,
             "missing": option.missing, "next_step": option.next_step,
             "danger": option.to == OpportunityStatus.WITHDRAWN,
             "errors": move_form.errors.get("comment") if option.to == failed else None,
             "comment": move_form.data.get("comment", "") if option.to == failed else ""}
            for option in OPPORTUNITY_WORKFLOW.moves_for(user, opportunity)]


def _render_detail(request, pk, *, extend_form=None, move_form=None, referral_form=None,
                   status=200):
    user = request.user
    opportunity = get_object_or_404(
        Opportunity.objects.visible_to(user).for_list().select_related("case", "validated_by"),
        pk=pk)
    manages = permissions.can_manage_opportunity(user, opportunity)
    events = []
    if manages:
        events = list(OpportunityEvent.objects.filter(opportunity_id=opportunity.pk)
                      .select_related("actor").order_by("created_at", "pk"))
        for event in events:
            event.from_label = choice_label(OpportunityStatus, event.from_status)
            event.to_label = choice_label(OpportunityStatus, event.to_status)
    can_extend = manages and permissions.can_extend_opportunity(user, opportunity)
    context = {
        "opportunity": opportunity,
        "manages": manages,
        "events": events,
        "moves": _moves(user, opportunity, move_form) if manages else [],
        "can_edit": manages and permissions.can_edit_opportunity(user, opportunity),
        "can_extend": can_extend,
        "extend_form": (extend_form or ExtendForm(initial={"expires_on": opportunity.expires_on})
                        if can_extend else None),
        "staff": _is_staff(user),
        "case_visible": manages and _is_staff(user) and opportunity.case_id is not None,
        "today": timezone.localdate(),
    }
    from . import board as board_module  # written beside this module (the board's section)

    board_section_context = getattr(board_module, "board_section_context", None)
    if board_section_context is not None:
        context.update(board_section_context(request, opportunity,
                                             referral_form=referral_form))
    return render(request, "regionalisation/opportunity_detail.html", context, status=status)


def render_detail(request, pk, **forms):
    """The opportunity's page with the forms just posted and refused, for the views of its
    other parts (``board``: the referral counts)."""
    return _render_detail(request, pk, **forms)


@login_required
@require_GET
def opportunity_detail(request, pk):
    return _render_detail(request, pk)


@login_required
@require_POST
def opportunity_extend(request, pk):
    user = request.user
    opportunity = _managed(request, pk, Opportunity.objects.all())
    if not _may_change(user, opportunity):
        raise PermissionDenied
    if not permissions.can_extend_opportunity(user, opportunity):
        messages.error(request, _("Only a published opportunity's expiry date can be "
                                  "changed."))
        return redirect(_detail_url(pk))
    form = ExtendForm(request.POST)
    if form.is_valid():
        try:
            opportunity = services.opportunity_extend(
                actor=user, opportunity_id=pk, expires_on=form.cleaned_data["expires_on"])
        except Opportunity.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            errors = exc.error_dict.get("expires_on") if hasattr(exc, "error_dict") else exc
            form.add_error("expires_on", errors or exc)
        else:
            messages.success(request, _("The opportunity is on the board until %(date)s.")
                             % {"date": _day(opportunity.expires_on)})
            return redirect(_detail_url(pk))
    return _render_detail(request, pk, extend_form=form)


@login_required
@require_POST
def opportunity_move(request, pk):
    user = request.user
    opportunity = _managed(request, pk, Opportunity.objects.all())
    status_before = opportunity.status
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This move is not known."))
        return redirect(_detail_url(pk, "actions"))
    try:
        opportunity = services.opportunity_transition(
            actor=user, opportunity_id=pk, to=form.cleaned_data["to"],
            comment=form.cleaned_data["comment"])
    except Opportunity.DoesNotExist:
        raise Http404 from None
    except services.TransitionRefused as exc:
        form.add_error("comment", exc)
        if not any(item["to"] == form.data.get("to") and item["live"]
                   for item in _moves(user, opportunity)):
            for message in exc.messages:
                messages.error(request, message)
        return _render_detail(request, pk, move_form=form)
    messages.success(request, _("The opportunity is now “%(status)s”.")
                     % {"status": opportunity.get_status_display()})
    if (status_before == OpportunityStatus.EXPIRED
            and permissions.can_edit_opportunity(user, opportunity)):
        messages.info(request, _("Check the content and set a new expiry date, then submit "
                                 "it for validation."))
        return redirect("regionalisation:opportunity_edit", pk=pk)
    return redirect(_detail_url(pk))


def _day(value):
    return date_format(value, "j F Y")
