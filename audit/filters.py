import django_filters
from auditlog.models import LogEntry
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from portal.workspace import ListFilterSet

from .display import ACTION_CHOICES

#: The models whose history the audit trail shows (app label, model name).
AUDITED_APPS = ("accounts", "antennes", "partners", "regions", "enterprises", "programs",
                "regionalisation", "notifications")


def entries_about_person(queryset, email: str):
    """The entries concerning the person with this email address (for an access request under
    Law 25):

    - the entries about their user account (``accounts.User`` rows with this email);
    - the entries about the partner contacts recorded with this email, at creation or by a
      later change (found through the trail itself, so a contact whose email changed since is
      still found, and a deleted one too);
    - the entries they made themselves, as the actor (what they changed and consulted).
    """
    email = email.strip()
    if not email:
        return queryset
    users = list(User.objects.filter(email__iexact=email).values_list("pk", flat=True))
    user_type = ContentType.objects.get_for_model(User)
    contact_rows = (LogEntry.objects.filter(content_type__app_label="partners",
                                            content_type__model="contact",
                                            changes__email__icontains=f'"{email}"')
                    .values("object_pk"))
    return queryset.filter(
        Q(content_type=user_type, object_pk__in=[str(pk) for pk in users])
        | Q(actor_id__in=users)
        | Q(content_type__app_label="partners", content_type__model="contact",
            object_pk__in=contact_rows))


class LogEntryFilter(ListFilterSet):
    person = django_filters.CharFilter(
        label=_("Person concerned (email)"), method="filter_person",
        help_text=_("Their user account, the partner contacts recorded with this address, and "
                    "what they did themselves."))
    actor = django_filters.CharFilter(label=_("Done by (email)"), field_name="actor__email",
                                      lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ACTION_CHOICES,
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
        fields = ["person", "actor", "action", "content_type", "object_repr", "since", "until"]

    def filter_person(self, queryset, name, value):
        return entries_about_person(queryset, value)
