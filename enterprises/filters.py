"""Filters of the ministry's list of support cases (and of its export, which uses the very same
filter set, so it holds exactly the rows the page lists).

Help kinds and topics are JSON lists. They are filtered on the list's JSON text, which both
PostgreSQL (``jsonb::text``) and SQLite store as ``["information", "referral"]``: looking for
the value between double quotes matches one whole element, on both databases, in the query
itself (no containment operator, which SQLite lacks)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q, Value, When
from django.utils.translation import gettext_lazy as _

from antennes.models import Office, OfficeTerritory
from portal.scoping import assignable_staff, visible_offices
from portal.text import fold
from portal.workspace import ListFilterSet, stable_order
from regions.models import Region

from .models import Case, CaseStatus, HelpKind, Priority, Sector, SizeBand, Topic


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def json_list_has(field: str, value: str) -> Q:
    """Rows whose JSON list ``field`` holds the string ``value`` (an element, not a part of
    one): portable between PostgreSQL and SQLite."""
    return Q(**{f"{field}__icontains": f'"{value}"'})


def with_status_rank(queryset):
    """Annotate the workflow's order of the status, so "sort by status" reads new, assigned, in
    progress, waiting, closed rather than alphabetically; and the order of the priority (low,
    normal, high, urgent), so "sort by priority" puts the urgent cases first when descending."""
    return queryset.annotate(status_rank=models.Case(
        *[When(status=value, then=Value(rank)) for rank, value in enumerate(CaseStatus.values)],
        default=Value(99), output_field=models.IntegerField()), priority_rank=models.Case(
        *[When(priority=value, then=Value(rank)) for rank, value in enumerate(Priority.values)],
        default=Value(1), output_field=models.IntegerField()))


class CaseFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Enterprise name or NEQ"), method="filter_text",
        help_text=_("Accents and capitals are ignored."),
    )
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # A status is a column of the row itself: no join can repeat a row, so no DISTINCT
        # (django-filter's default), which made PostgreSQL sort every wide row of the scope.
        distinct=False, choices=CaseStatus.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Open cases when no status is ticked: tick “Closed” to see closed "
                    "cases."),
    )
    help_kind = django_filters.ChoiceFilter(
        label=_("Help wanted"), choices=HelpKind.choices, method="filter_help_kind",
        empty_label=_("All kinds of help"),
    )
    topic = django_filters.ChoiceFilter(
        label=_("Topic"), choices=Topic.choices, method="filter_topic",
        empty_label=_("All topics"),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), field_name="priority", choices=Priority.choices,
        empty_label=_("All priorities"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="organisation__region", queryset=Region.objects.all(),
        to_field_name="code", empty_label=_("All regions"),
    )
    office = django_filters.ModelChoiceFilter(
        label=_("Office"), field_name="office", queryset=Office.objects.order_by("city"),
        to_field_name="slug", empty_label=_("All offices"),
    )
    sector = django_filters.ChoiceFilter(
        label=_("Sector"), field_name="organisation__enterprise__sector",
        choices=Sector.choices, empty_label=_("All sectors"),
    )
    size = django_filters.ChoiceFilter(
        label=_("Size"), field_name="organisation__enterprise__size_band",
        choices=SizeBand.choices, empty_label=_("All sizes"),
    )
    opened_from = django_filters.DateFilter(
        label=_("Opened from"), field_name="opened_at", lookup_expr="date__gte",
        widget=DateInput,
    )
    opened_to = django_filters.DateFilter(
        label=_("Opened until"), field_name="opened_at", lookup_expr="date__lte",
        widget=DateInput,
    )
    follow_up_from = django_filters.DateFilter(
        label=_("Next follow-up from"), field_name="next_follow_up", lookup_expr="gte",
        widget=DateInput,
    )
    follow_up_to = django_filters.DateFilter(
        label=_("Next follow-up until"), field_name="next_follow_up", lookup_expr="lte",
        widget=DateInput,
    )
    assigned = django_filters.ChoiceFilter(
        label=_("Assigned to"), method="filter_assigned", empty_label=_("Anyone or nobody"),
        choices=[("me", _("Me")), ("nobody", _("Nobody"))],
    )
    adviser = django_filters.ModelChoiceFilter(
        label=_("Adviser"), field_name="adviser", queryset=get_user_model().objects.none(),
        empty_label=_("All advisers"),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Opening date, newest first (default)"),
        fields=(
            ("opened_at", "opened"),
            ("next_follow_up", "follow_up"),
            ("status_rank", "status"),
            ("organisation__search_text", "enterprise"),  # folded: accents do not reorder
            ("adviser__last_name", "adviser"),
            ("priority_rank", "priority"),
        ),
        field_labels={
            "opened_at": _("Opening date"),
            "next_follow_up": _("Next follow-up"),
            "status_rank": _("Status"),
            "organisation__search_text": _("Enterprise"),
            "adviser__last_name": _("Adviser"),
            "priority_rank": _("Priority"),
        },
    )

    class Meta:
        model = Case
        fields = ["q", "status", "help_kind", "topic", "priority", "region", "office", "sector",
                  "size", "opened_from", "opened_to", "follow_up_from", "follow_up_to", "assigned",
                  "adviser"]

    #: The order when none is chosen: the latest cases first.
    DEFAULT_ORDERING = "-opened_at"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = with_status_rank(self.queryset)
        user = getattr(self.request, "user", None)
        offices = visible_offices(user)
        # Only the offices, regions and advisers of the user's territory are offered.
        self.filters["office"].queryset = Office.objects.filter(
            pk__in=offices.values("pk")).order_by("city")
        self.filters["region"].queryset = Region.objects.filter(
            Q(offices__in=offices.values("pk"))
            | Q(pk__in=OfficeTerritory.objects.filter(
                office__in=offices.values("pk")).values("region"))
        ).distinct().order_by("code")
        self.filters["adviser"].queryset = assignable_staff(user)

    def filter_text(self, queryset, name, value):
        digits = "".join(c for c in value if c.isdigit())
        if digits and not any(c.isalpha() for c in value):
            # An NEQ, whole or in part ("1160 123 456" or "1160123456").
            return queryset.filter(Q(organisation__enterprise__neq__contains=digits)
                                   | Q(organisation__search_text__contains=digits))
        for word in fold(value).split():
            queryset = queryset.filter(organisation__search_text__contains=word)
        return queryset

    def filter_help_kind(self, queryset, name, value):
        return queryset.filter(json_list_has("help_kinds", value))

    def filter_topic(self, queryset, name, value):
        return queryset.filter(json_list_has("topics", value))

    def filter_assigned(self, queryset, name, value):
        if value == "me":
            return queryset.filter(adviser=self.request.user)
        if value == "nobody":
            return queryset.filter(adviser__isnull=True)
        return queryset

    @property
    def qs(self):
        return stable_order(super().qs, self.DEFAULT_ORDERING)
