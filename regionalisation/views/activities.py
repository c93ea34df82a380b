"""Regionalisation activities: a Montréal regionalisation organisation records its information
sessions, job fairs, exploratory stays and group visits, the regions they promote, their
partners and participants, then how many people settled in each region 6 and 12 months later.

- The organisation's users list, record, change and delete (until outcomes are recorded) their
  own activities, and record the outcomes of each follow-up from its date on.
- Advisers and SIT managers read the activities in their scope (``Activity.objects.for_user``:
  those of the organisations their offices serve and those promoting a region their offices
  serve); the administrator reads them all. Nobody else sees this part of the portal (403).
- An activity outside the user's scope answers 404 on every page, like a missing one (for
  those who see no activity at all too: the list, the form and the export answer them 403).

The list runs a fixed number of queries whatever the number of activities (the promoted
regions are prefetched); its export holds exactly the filtered rows.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partners.models import Organisation
from portal.forms import add_service_errors
from portal.workspace import Column, Workspace
from regions.models import Municipality

from .. import permissions, services
from ..filters import ActivityFilter
from ..forms import (
    PARTNER_SEARCH_LIMIT,
    ActivityForm,
    ActivityOutcomesForm,
    find_enterprises,
    find_municipalities,
    municipality_choice_label,
)
from ..models import OUTCOME_MONTHS, Activity
from ..resources import ActivityResource

#: The follow-up states shown for each of an activity's outcome dates.
LATER, DUE, RECORDED = "later", "due", "recorded"

#: The two partner pickers of the form: the search's parameter, its finder, how an entry
#: reads.
PICKERS = {
    "enterprises": {"field": "partner_enterprises", "param": "enterprise_q",
                    "find": find_enterprises, "label": lambda org: org.name},
    "municipalities": {"field": "partner_municipalities", "param": "municipality_q",
                       "find": find_municipalities, "label": municipality_choice_label},
}


def _scoped(user):
    return Activity.objects.for_user(user).for_list()


def _with_partners(queryset):
    """The partners' names, prefetched (two queries for any number of activities)."""
    return queryset.prefetch_related(
        Prefetch("partner_enterprises",
                 queryset=Organisation.objects.only("pk", "name").order_by("name", "pk")),
        Prefetch("partner_municipalities",
                 queryset=Municipality.objects.select_related("region").order_by("name")))


def _outcome_states(activity, today):
    """For each follow-up (6, 12 months): its date and whether the outcomes are to record
    later, due (the date has come, some region is missing) or recorded. Reads the prefetched
    promoted regions: no query."""
    rows = list(activity.promoted.all())
    states = []
    for months in OUTCOME_MONTHS:
        due_on = activity.outcome_due_on(months)
        recorded = bool(rows) and all(getattr(row, f"settled_{months}_months") is not None
                                      for row in rows)
        state = RECORDED if recorded else (DUE if due_on <= today else LATER)
        total = sum(getattr(row, f"settled_{months}_months") or 0 for row in rows)
        states.append({"months": months, "due_on": due_on, "state": state,
                       "total": total if recorded else None})
    return states


class ActivityWorkspace(Workspace):
    """The activities of the user's scope: filters and export (no bulk assignment)."""

    url_name = "regionalisation:activity_list"
    export_url_name = "regionalisation:activity_export"
    template = "regionalisation/activity_list.html"
    filterset_class = ActivityFilter
    resource_class = ActivityResource
    export_basename = "activites"
    page_size_setting = "ACTIVITY_LIST_PAGE_SIZE"

    @cached_property
    def today(self):
        return timezone.localdate()

    @property
    def columns(self):
        organisation = (Column("", gettext_lazy("Organisation")),) if self.show_organisation else ()
        return (Column("", gettext_lazy("Activity")), *organisation,
                Column("", gettext_lazy("Dates")), Column("", gettext_lazy("Regions promoted")),
                Column("", gettext_lazy("Participants"), numeric=True),
                Column("", gettext_lazy("Outcomes after 6 months")),
                Column("", gettext_lazy("Outcomes after 12 months")))

    @cached_property
    def show_organisation(self):
        return not permissions.is_regionalisation_user(self.user)

    def may_view(self):
        return permissions.can_view_activities(self.user)

    def scope(self):
        return _scoped(self.user)

    def filterset_kwargs(self):
        return {"today": self.today}

    def export_queryset(self, queryset):
        return _with_partners(queryset)

    def prepare_rows(self, rows):
        for activity in rows:
            activity.outcome_states = _outcome_states(activity, self.today)

    def extra_context(self):
        return {"can_record": permissions.can_record_activity(self.user),
                "show_organisation": self.show_organisation,
                "today": self.today}


@login_required
def activity_list(request):
    return ActivityWorkspace(request).list()


@login_required
def activity_export(request, fmt):
    return ActivityWorkspace(request).export(fmt)


def _get(user, pk, *, change=False):
    """The activity if the user may see it (else 404, whoever asks: an id leaks nothing); to
    change it, the user must be of its organisation (else 403)."""
    activity = get_object_or_404(_with_partners(_scoped(user)), pk=pk)
    if change and not permissions.can_change_activity(user, activity):
        raise PermissionDenied
    return activity


@login_required
def activity_detail(request, pk):
    user = request.user
    activity = _get(user, pk)
    can_change = permissions.can_change_activity(user, activity)
    states = _outcome_states(activity, timezone.localdate())
    promoted = list(activity.promoted.all())
    return render(request, "regionalisation/activity_detail.html", {
        "activity": activity,
        "promoted": promoted,
        "outcome_states": states,
        "can_change": can_change,
        "can_delete": can_change and not _has_outcomes(promoted),
    })


def _has_outcomes(promoted) -> bool:
    return any(row.settled_6_months is not None or row.settled_12_months is not None
               for row in promoted)


def _picker(key, form, request):
    """A partner picker: its ticked entries and, if the user searched, what matched (the
    ticked ones aside)."""
    picker = PICKERS[key]
    chosen = form.chosen(picker["field"])
    text = (request.GET.get(picker["param"]) or "").strip()
    queryset = form.fields[picker["field"]].queryset
    found = (picker["find"](text, queryset=queryset, exclude=[obj.pk for obj in chosen])
             if text else [])
    label = picker["label"]
    return {"key": key, "field": picker["field"], "param": picker["param"], "q": text,
            "searched": bool(text), "limited": len(found) >= PARTNER_SEARCH_LIMIT,
            "chosen": [(obj.pk, label(obj)) for obj in chosen],
            "found": [(obj.pk, label(obj)) for obj in found]}


def _picker_fragment(request):
    """htmx: a picker's ticked entries (the search sends them back) and the search's
    results, which replace the picker's list; its status line says what was found."""
    key = request.GET.get("find")
    if key not in PICKERS:
        raise Http404
    field = PICKERS[key]["field"]
    form = ActivityForm(initial={field: request.GET.getlist(field)}, user=request.user)
    return render(request, "regionalisation/activity_form.html#picker_choices",
                  {"picker": _picker(key, form, request), "oob": True})


def _form_page(request, form, activity=None, status=200):
    context = {"form": form, "activity": activity,
               "pickers": {key: _picker(key, form, request) for key in PICKERS},
               "form_url": request.path}
    return render(request, "regionalisation/activity_form.html", context, status=status)


def _form_request(request, initial):
    """The form of a GET, or only a picker's search results (htmx). Without JavaScript, a
    search reloads the page with its results below the ticked partners."""
    if request.htmx and request.GET.get("find"):
        return None, _picker_fragment(request)
    return ActivityForm(initial=initial, user=request.user), None


@login_required
def activity_create(request):
    user = request.user
    if not permissions.can_record_activity(user):
        raise PermissionDenied
    if request.method == "POST":
        form = ActivityForm(request.POST, user=user)
        if form.is_valid():
            try:
                activity = services.activity_create(actor=user, **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The activity “%(title)s” was recorded.")
                                 % {"title": activity.title})
                return redirect("regionalisation:activity_detail", pk=activity.pk)
        return _form_page(request, form)
    form, fragment = _form_request(request, {})
    return fragment or _form_page(request, form)


@login_required
def activity_edit(request, pk):
    user = request.user
    activity = _get(user, pk, change=True)
    if request.method == "POST":
        form = ActivityForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.activity_update(actor=user, activity_id=activity.pk,
                                         **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The activity was updated."))
                return redirect("regionalisation:activity_detail", pk=activity.pk)
        return _form_page(request, form, activity)
    form, fragment = _form_request(request, ActivityForm.initial_for(activity))
    return fragment or _form_page(request, form, activity)


@login_required
def activity_delete(request, pk):
    user = request.user
    activity = _get(user, pk, change=True)
    promoted = list(activity.promoted.all())
    error = None
    if request.method == "POST":
        try:
            services.activity_delete(actor=user, activity_id=activity.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The activity “%(title)s” was deleted.")
                             % {"title": activity.title})
            return redirect("regionalisation:activity_list")
    elif _has_outcomes(promoted):
        error = _("This activity's outcomes are recorded: it can no longer be deleted.")
    return render(request, "regionalisation/activity_confirm_delete.html",
                  {"activity": activity, "error": error, "promoted": promoted},
                  status=200)


@login_required
def activity_outcomes(request, pk, months):
    user = request.user
    activity = _get(user, pk, change=True)
    if months not in OUTCOME_MONTHS:
        raise Http404
    today = timezone.localdate()
    due_on = activity.outcome_due_on(months)
    promoted = list(activity.promoted.all())
    context = {"activity": activity, "months": months, "due_on": due_on, "form": None,
               "refusal": None, "needs_participants": False}
    if today < due_on:
        context["refusal"] = _(
            "The outcomes after %(months)s months can be recorded from %(date)s.") % {
            "months": months, "date": date_format(due_on, "j F Y")}
    elif activity.participants is None:
        context["refusal"] = _("Record the number of participants first.")
        context["needs_participants"] = True
    if context["refusal"]:
        return render(request, "regionalisation/activity_outcomes.html", context,
                      status=400 if request.method == "POST" else 200)
    form = ActivityOutcomesForm(request.POST or None, promoted=promoted, months=months)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_outcomes_record(actor=user, activity_id=activity.pk,
                                              months=months, settled=form.settled(),
                                              today=today)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The outcomes after %(months)s months were recorded.")
                             % {"months": months})
            return redirect(reverse("regionalisation:activity_detail", args=[activity.pk])
                            + "#outcomes")
    context["form"] = form
    return render(request, "regionalisation/activity_outcomes.html", context)
