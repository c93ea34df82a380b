"""Interventions on a case's page (staff only): the list with its total time, the form to record
one, the timeline mixing them with the case's moves, and the pages to change or delete one.
Writes go through ``enterprises.interventions``; the case is read through its scope (outside
it: 404) and an enterprise's user, who may read the case, gets 403 here and never sees an
intervention."""

from datetime import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from portal.forms import add_service_errors

from .. import interventions as services
from .. import permissions
from ..case_forms import DATE_WIDGET
from ..models import Case, HelpKind, Intervention, InterventionKind

#: What the page's timeline places an intervention at when it was entered on another day.
INTERVENTION_TIME = time(12, 0)


class InterventionForm(forms.Form):
    """Cleans the input only: the rules (dates, duration, kinds of help of the case) are the
    service's, whose messages go on these fields."""

    kind = forms.ChoiceField(label=gettext_lazy("Intervention"),
                             choices=[("", "—"), *InterventionKind.choices],
                             error_messages={"required": gettext_lazy(
                                 "Choose the kind of intervention.")})
    help_kind = forms.ChoiceField(label=gettext_lazy("Help given"), required=False)
    day = forms.DateField(label=gettext_lazy("Date"), widget=DATE_WIDGET,
                          error_messages={"required": gettext_lazy(
                              "Give the date of the intervention."),
                              "invalid": gettext_lazy("Give a valid date.")})
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"),
        widget=forms.NumberInput(attrs={"min": 1, "max": services.MAX_MINUTES, "step": 1}),
        error_messages={"required": gettext_lazy("Give the duration in minutes."),
                        "invalid": gettext_lazy("Give the duration as a whole number of "
                                                "minutes.")})
    participants = forms.CharField(label=gettext_lazy("Participants"), max_length=500,
                                   required=False,
                                   help_text=gettext_lazy("Who took part: names and roles."))
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case, current_help_kind="", **kwargs):
        super().__init__(*args, **kwargs)
        values = list(case.help_kinds or [])
        if current_help_kind and current_help_kind not in values:
            values.append(current_help_kind)
        labels = dict(HelpKind.choices)
        self.fields["help_kind"].choices = [(v, labels.get(v, v)) for v in values]
        self.fields["help_kind"].help_text = _("One of the kinds of help the case asks for.")
        today = timezone.localdate()
        self.fields["day"].widget = forms.DateInput(
            attrs={"type": "date", "max": today.isoformat()}, format="%Y-%m-%d")
        if not self.is_bound and not self.initial:
            self.initial = {"day": today, "help_kind": values[0] if values else ""}


def duration_label(minutes: int) -> str:
    """« 45 min », « 1 h 30 min », « 2 h »."""
    hours, rest = divmod(minutes or 0, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": rest}


def _case_url(pk, anchor="interventions"):
    return reverse("enterprises:case_detail", args=[pk]) + f"#{anchor}"


def _when(entry):
    """Where an entry sits on the timeline: a move at its time, an intervention on its day (at
    the time it was entered when that was the same day)."""
    if isinstance(entry, Intervention):
        entered = timezone.localtime(entry.created_at)
        at = entered.time() if entered.date() == entry.day else INTERVENTION_TIME
        return (entry.day, at, 1)
    local = timezone.localtime(entry.created_at)
    return (local.date(), local.time(), 0)


def _decorated(user, case, rows):
    editable = services.still_recordable(case)
    for row in rows:
        row.is_intervention = True
        row.duration_label = duration_label(row.duration_minutes)
        row.can_change = editable and permissions.can_change_intervention(user, row)
    return rows


def detail_context(request, case) -> dict:
    """Staff: the case's interventions (one query), their total, the form to add one and the
    timeline of moves and interventions. The enterprise: nothing (its timeline is the moves)."""
    user = request.user
    if not permissions.can_view_interventions(user):
        return {}
    rows = _decorated(user, case, list(
        Intervention.objects.for_user(user).filter(case_id=case.pk)
        .select_related("adviser").order_by("day", "created_at", "pk")))
    can_add = (permissions.can_record_interventions(user)
               and services.still_recordable(case))
    form = getattr(request, "intervention_form", None)
    if form is None and can_add:
        form = InterventionForm(case=case)
    total = sum(row.duration_minutes for row in rows)
    # The moves are the page's own (prefetched, labelled by views/case.py): no query here.
    timeline = sorted([*case.events.all(), *rows], key=_when)
    return {
        "interventions": rows,
        "interventions_total": duration_label(total),
        "interventions_minutes": total,
        "can_add_intervention": can_add,
        "intervention_form": form,
        "intervention_grace_days": services.CLOSED_CASE_GRACE_DAYS,
        "intervention_closed_for_good": not services.still_recordable(case),
        "timeline": timeline,
    }


def _staff_case(request, pk):
    """The case through the user's scope (404 outside it); 403 for a user who may read the
    case but not its interventions (the enterprise)."""
    case = get_object_or_404(Case.objects.for_user(request.user)
                             .select_related("office", "organisation"), pk=pk)
    if not permissions.can_view_interventions(request.user):
        raise PermissionDenied
    return case


def _intervention(request, case, intervention_pk):
    intervention = get_object_or_404(
        Intervention.objects.for_user(request.user).select_related("adviser"),
        pk=intervention_pk, case_id=case.pk)
    if not permissions.can_change_intervention(request.user, intervention):
        raise PermissionDenied
    return intervention


@login_required
@require_POST
def intervention_add(request, pk):
    case = _staff_case(request, pk)
    if not permissions.can_record_interventions(request.user):
        raise PermissionDenied
    form = InterventionForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.intervention_add(
                actor=request.user, case=case, kind=data["kind"], help_kind=data["help_kind"],
                day=data["day"], duration_minutes=data["duration_minutes"],
                participants=data["participants"], summary=data["summary"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The intervention was recorded."))
            return redirect(_case_url(pk))
    # Show the case's page again with the form's errors on their fields.
    from . import case as case_page

    request.intervention_form = form
    return case_page._render_detail(request, case_page._case_for_page(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def intervention_update(request, pk, intervention_pk):
    case = _staff_case(request, pk)
    intervention = _intervention(request, case, intervention_pk)
    current_help = intervention.help_kind
    if request.method == "POST":
        form = InterventionForm(request.POST, case=case, current_help_kind=current_help)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.intervention_update(
                    actor=request.user, intervention=intervention, kind=data["kind"],
                    help_kind=data["help_kind"], day=data["day"],
                    duration_minutes=data["duration_minutes"],
                    participants=data["participants"], summary=data["summary"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The intervention was changed."))
                return redirect(_case_url(pk))
    else:
        form = InterventionForm(case=case, current_help_kind=current_help, initial={
            field: getattr(intervention, field) for field in
            ("kind", "help_kind", "day", "duration_minutes", "participants", "summary")})
    return render(request, "enterprises/intervention_form.html", {
        "case": case, "intervention": intervention, "form": form,
        "editable": services.still_recordable(case),
        "grace_days": services.CLOSED_CASE_GRACE_DAYS,
    })


@login_required
@require_POST
def intervention_delete(request, pk, intervention_pk):
    case = _staff_case(request, pk)
    intervention = _intervention(request, case, intervention_pk)
    try:
        services.intervention_delete(actor=request.user, intervention=intervention)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The intervention was deleted."))
    return redirect(_case_url(pk))
