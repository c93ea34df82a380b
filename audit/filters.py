import django_filters
from auditlog.models import LogEntry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

#: The models whose history the audit trail shows (app label, model name).
AUDITED_APPS = ("accounts", "antennes", "partners", "regions", "enterprises", "programs")


class LogEntryFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("Done by (email)"), field_name="actor__email",
                                      lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=LogEntry.Action.choices,
                                         empty_label=_("All actions"))
    content_type = django_filters.ModelChoiceFilter(
        label=_("Kind of record"),
        queryset=ContentType.objects.filter(app_label__in=AUDITED_APPS).order_by("model"),
        empty_label=_("All kinds of record"),
    )
    object_repr = django_filters.CharFilter(label=_("Record"), lookup_expr="icontains")
    since = django_filters.DateFilter(label=_("From (date)"), field_name="timestamp",
                                      lookup_expr="date__gte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label=_("To (date)"), field_name="timestamp",
                                      lookup_expr="date__lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = LogEntry
        fields = ["actor", "action", "content_type", "object_repr", "since", "until"]
