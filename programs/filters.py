"""Filters of the ministry's lists of plans: the queue (and its export, which uses the very same
filter set, so it holds exactly the rows the page lists) and the totals."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields

from antennes.models import Office, OfficeTerritory
from partners.models import Kind
from portal.scoping import visible_offices
from portal.text import fold
from portal.workspace import ListFilterSet, stable_order
from regions.models import Region

from .models import ActionPlan, Axis, Call, Program, Status, fiscal_year_label

#: The statuses the queue filters on: every one, since a draft is there when its partner asked
#: for help on it (the scope hides the other drafts: ``models.private_drafts``).
QUEUE_STATUSES = Status.choices


def fiscal_year_choices():
    years = Call.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    return [(year, fiscal_year_label(year)) for year in years]


class _ProgramChoiceField(filter_fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name  # in the page's language


class _ProgramChoiceFilter(django_filters.ModelChoiceFilter):
    """Programs by code, named in the page's language."""

    field_class = _ProgramChoiceField

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Program.objects.all())
        kwargs.setdefault("to_field_name", "code")
        super().__init__(**kwargs)


class PlanFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Title or organisation"), method="filter_text",
        help_text=_("Accents and capitals are ignored in organisation names."),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # A status is a column of the row itself: no join can repeat a row, so no DISTINCT
        # (django-filter's default), which made PostgreSQL sort every wide row of the scope.
        distinct=False, choices=QUEUE_STATUSES, widget=forms.CheckboxSelectMultiple,
    )
    program = _ProgramChoiceFilter(label=_("Program"), field_name="call__program",
                                   empty_label=_("All programs"))
    call = django_filters.ModelChoiceFilter(
        label=_("Call for projects"), queryset=Call.objects.select_related("program"),
        empty_label=_("All calls"),
    )
    fiscal_year = django_filters.ChoiceFilter(
        label=_("Fiscal year"), field_name="call__fiscal_year", choices=fiscal_year_choices,
        empty_label=_("All fiscal years"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="organisation__region", queryset=Region.objects.all(),
        to_field_name="code", empty_label=_("All regions"),
    )
    office = django_filters.ModelChoiceFilter(
        label=_("Serving office"), field_name="organisation__office",
        queryset=Office.objects.order_by("city"), to_field_name="slug",
        empty_label=_("All offices"),
    )
    axis = django_filters.ChoiceFilter(label=_("Intervention axis"), choices=Axis.choices,
                                       method="filter_axis", empty_label=_("All axes"))
    kind = django_filters.ChoiceFilter(label=_("Organisation kind"), choices=Kind.choices,
                                       field_name="organisation__kind",
                                       empty_label=_("All kinds"))
    assigned = django_filters.ChoiceFilter(
        label=_("Assigned to"), method="filter_assigned", empty_label=_("Anyone or nobody"),
        choices=[("me", _("Me")), ("nobody", _("Nobody"))],
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Submission date, newest first (default)"),
        fields=(
            ("title", "title"),
            ("organisation__search_text", "organisation"),  # folded: accents do not reorder
            ("status", "status"),
            ("submitted_at", "submitted_at"),
            ("requested_total", "requested_total"),
            ("updated_at", "updated_at"),
            ("organisation__region__code", "region"),
        ),
        field_labels={
            "title": _("Plan title"),
            "organisation__search_text": _("Organisation"),
            "status": _("Status"),
            "submitted_at": _("Submission date"),
            "requested_total": _("Amount asked"),
            "updated_at": _("Last update"),
            "organisation__region__code": _("Region"),
        },
    )

    class Meta:
        model = ActionPlan
        fields = ["q", "status", "program", "call", "fiscal_year", "region", "office", "axis",
                  "kind", "assigned"]

    #: The order when none is chosen: the latest submissions first.
    DEFAULT_ORDERING = "-submitted_at"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        offices = visible_offices(user)
        # Only the offices and regions of the user's territory are offered.
        self.filters["office"].queryset = Office.objects.filter(
            pk__in=offices.values("pk")).order_by("city")
        self.filters["region"].queryset = Region.objects.filter(
            Q(offices__in=offices.values("pk"))
            | Q(pk__in=OfficeTerritory.objects.filter(
                office__in=offices.values("pk")).values("region"))
        ).distinct().order_by("code")

    def filter_text(self, queryset, name, value):
        for raw, folded in zip(value.split(), fold(value).split(), strict=False):
            queryset = queryset.filter(Q(organisation__search_text__contains=folded)
                                       | Q(title__icontains=raw) | Q(title__icontains=folded))
        return queryset

    def filter_axis(self, queryset, name, value):
        return queryset.with_axis(value)

    def filter_assigned(self, queryset, name, value):
        if value == "me":
            return queryset.filter(adviser=self.request.user)
        if value == "nobody":
            return queryset.filter(adviser__isnull=True)
        return queryset

    @property
    def qs(self):
        return stable_order(super().qs, self.DEFAULT_ORDERING)


class TotalsFilter(ListFilterSet):
    """The totals page: one fiscal year and/or one program."""

    fiscal_year = django_filters.ChoiceFilter(
        label=_("Fiscal year"), field_name="call__fiscal_year", choices=fiscal_year_choices,
        empty_label=_("All fiscal years"),
    )
    program = _ProgramChoiceFilter(label=_("Program"), field_name="call__program",
                                   empty_label=_("All programs"))

    class Meta:
        model = ActionPlan
        fields = ["fiscal_year", "program"]
