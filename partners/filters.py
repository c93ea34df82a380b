import django_filters
from django.utils.translation import gettext_lazy as _

from antennes.models import Office
from portal.text import fold
from portal.workspace import ListFilterSet
from regions.models import Mrc, Region

from .models import Kind, NonProfitKind, Organisation


class OrganisationFilter(ListFilterSet):
    q = django_filters.CharFilter(
        label=_("Name or code"), method="filter_text",
        help_text=_("Accents and capitals are ignored."),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices,
                                       empty_label=_("All kinds"))
    non_profit_kind = django_filters.ChoiceFilter(
        label=_("Kind of non-profit"), choices=NonProfitKind.choices,
        empty_label=_("All kinds of non-profit"),
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code",
        empty_label=_("All regions"),
    )
    office = django_filters.ModelChoiceFilter(
        label=_("Serving office"), queryset=Office.objects.order_by("city"), to_field_name="slug",
        empty_label=_("All offices"),
    )
    mrc = django_filters.ModelChoiceFilter(
        label=_("MRC"), queryset=Mrc.objects.all(), to_field_name="code",
        empty_label=_("All MRCs"),
    )
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"),
        empty_label=_("Name (default)"),
        fields=(
            ("search_text", "name"),  # folded: case and accents do not change the order
            ("kind", "kind"),
            ("region__code", "region"),
            ("office__city", "office"),
            ("created_at", "created"),
        ),
        field_labels={
            "search_text": _("Name"),
            "kind": _("Kind"),
            "region__code": _("Region"),
            "office__city": _("Serving office"),
            "created_at": _("Date created"),
        },
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "non_profit_kind", "region", "office", "mrc"]

    def filter_text(self, queryset, name, value):
        for word in fold(value).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    @property
    def qs(self):
        # A stable order under every sort, so pages never repeat or skip a row.
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["search_text"]
        return queryset.order_by(*ordering, "pk")
