"""django-filter filter sets of the regionalisation lists. Each page module owns its section
below (edit only your own section)."""

import re
from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from antennes.models import Office
from enterprises.models import FrenchLevel, Sector
from partners.models import Organisation
from portal.scoping import visible_offices
from portal.text import fold
from portal.workspace import ListFilterSet, stable_order
from regions.models import Region

from .models import (
    MONTREAL_REGION_CODE,
    OUTCOME_MONTHS,
    Activity,
    ActivityKind,
    ActivityRegion,
    Opportunity,
    OpportunityStatus,
    SettlementHelp,
    served_regions,
)

# --- Opportunities, the management list (views/opportunities.py) -------------------------------

#: The longest look-ahead of « expiring within N days ».
MAX_EXPIRING_DAYS = 365


class OpportunityFilter(ListFilterSet):
    """The management list of opportunities (and its export, which uses the same filter set,
    so it holds exactly the rows the page lists). Staff get every filter, limited to the
    regions and offices of their territory; an employer filters its own by status and
    title."""

    q = django_filters.CharFilter(label=_("Job title or employer"), method="filter_text",
                                  help_text=_("Accents and capitals are ignored for the "
                                              "employer's name."))
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # A status is a column of the row itself: no join can repeat a row, so no DISTINCT
        # (django-filter's default), which made PostgreSQL sort every wide row of the scope.
        distinct=False, choices=OpportunityStatus.choices,
        widget=forms.CheckboxSelectMultiple)
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="region", queryset=Region.objects.all(),
        to_field_name="code", empty_label=_("All regions"))
    office = django_filters.ModelChoiceFilter(
        label=_("Office"), field_name="office", queryset=Office.objects.order_by("city"),
        to_field_name="slug", empty_label=_("All offices"))
    sector = django_filters.ChoiceFilter(label=_("Sector"), choices=Sector.choices,
                                         empty_label=_("All sectors"))
    french_level = django_filters.ChoiceFilter(
        label=_("French level required"), choices=FrenchLevel.choices,
        empty_label=_("All levels"))
    expiring_within = django_filters.NumberFilter(
        label=_("On the board and expiring within (days)"), method="filter_expiring",
        min_value=0, max_value=MAX_EXPIRING_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1,
                                        "max": MAX_EXPIRING_DAYS}))
    ordering = django_filters.OrderingFilter(
        label=_("Sort by"), empty_label=_("Newest first (default)"),
        fields=(("created_at", "created"), ("expires_on", "expiry"), ("title", "title")),
        # Descending labels are given here: django-filter's own « (descending) » suffix is
        # translated once, at import, in whatever language is active then.
        field_labels={"created_at": _("Creation date"), "expires_on": _("Expiry date"),
                      "title": _("Job title"), "-created": _("Creation date, newest first"),
                      "-expiry": _("Expiry date, latest first"),
                      "-title": _("Job title, Z to A")})

    #: Filters an employer does not need (its own opportunities are in its region).
    STAFF_ONLY = ("region", "office", "sector", "french_level", "expiring_within")

    def __init__(self, *args, staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            for name in self.STAFF_ONLY:
                del self.filters[name]
            return
        user = getattr(self.request, "user", None)
        offices = visible_offices(user)
        self.filters["office"].queryset = Office.objects.filter(
            pk__in=offices.values("pk")).order_by("city")
        self.filters["region"].queryset = Region.objects.filter(
            pk__in=served_regions(user)).order_by("code")

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word)
                                       | Q(enterprise__search_text__contains=fold(word)))
        return queryset

    def filter_expiring(self, queryset, name, value):
        today = timezone.localdate()
        return queryset.filter(status=OpportunityStatus.PUBLISHED, expires_on__gte=today,
                               expires_on__lte=today + timedelta(days=int(value)))

    @property
    def qs(self):
        return stable_order(super().qs, "-created_at")


# --- The board (views/board.py) ----------------------------------------------------------------

#: The letters a search ignores the accents of, and the ligatures written out (see
#: ``portal.text.fold``).
_ACCENTED = {"a": "aàâäáãå", "c": "cç", "e": "eéèêë", "i": "iîïíì", "n": "nñ", "o": "oôöóòõ",
             "u": "uùûüú", "y": "yÿý"}
_LIGATURES = {"oe": "œ", "ae": "æ"}
_DASHES = "-\u2011\u2013\u2014\u2212"


def _letter_pattern(char: str) -> str:
    for pair, ligature in _LIGATURES.items():
        if char == ligature:
            return _ligature_pattern(pair)
    if char in _ACCENTED:
        return f"[{_ACCENTED[char]}{_ACCENTED[char].upper()}]"
    if char == "-":
        return f"[{_DASHES}]"
    if char.isalpha():
        return f"[{char}{char.upper()}]"
    return re.escape(char)


def _ligature_pattern(pair: str) -> str:
    ligature = _LIGATURES[pair]
    return (f"(?:{_letter_pattern(pair[0])}{_letter_pattern(pair[1])}"
            f"|[{ligature}{ligature.upper()}])")


def accent_insensitive_pattern(word: str) -> str:
    """A regular expression finding ``word`` (folded: lower case, no accents) whatever the
    accents and capitals of the text: « electricienne » finds « Électricienne », « manoeuvre »
    finds « Manœuvre ». The same expression runs on PostgreSQL (``~``) and SQLite (Django's
    ``REGEXP``), which have no ``unaccent`` without an extension."""
    parts, index = [], 0
    while index < len(word):
        pair = word[index:index + 2]
        if pair in _LIGATURES:
            parts.append(_ligature_pattern(pair))
            index += 2
            continue
        parts.append(_letter_pattern(word[index]))
        index += 1
    return "".join(parts)


#: The board's orders: (key, label, order_by). Ties end on the primary key, so pages never
#: repeat or skip a row.
BOARD_ORDERINGS = [
    ("expiry", _("Expiry date, soonest first"), ("expires_on", "-published_at", "-pk")),
    ("newest", _("Newest first"), ("-published_at", "-pk")),
    ("positions", _("Most positions first"), ("-positions", "expires_on", "-pk")),
]


class BoardFilter(ListFilterSet):
    """Filters of the board of validated opportunities. French level: the level a candidate
    has, so an opportunity matches when the level it needs is at most that one."""

    region = django_filters.ModelChoiceFilter(
        label=_("Region"), field_name="region",
        queryset=Region.objects.exclude(code=MONTREAL_REGION_CODE).order_by("code"),
        to_field_name="code", empty_label=_("All regions"),
    )
    sector = django_filters.ChoiceFilter(
        label=_("Sector"), field_name="sector", choices=Sector.choices,
        empty_label=_("All sectors"),
    )
    occupation = django_filters.CharFilter(
        label=_("Occupation"), method="filter_occupation", max_length=100,
        help_text=_("The start of a NOC code (e.g. 72 or 72106) or words of the job title; "
                    "accents and capitals are ignored."),
    )
    french_level = django_filters.ChoiceFilter(
        label=_("French level needed: at most"), choices=FrenchLevel.choices,
        method="filter_french_level", empty_label=_("Any level"),
        help_text=_("The opportunities a candidate with this level of French can apply to: "
                    "those needing this level or a lower one."),
    )
    settlement_help = django_filters.MultipleChoiceFilter(
        label=_("Settlement help offered"), choices=SettlementHelp.choices,
        widget=forms.CheckboxSelectMultiple, method="filter_settlement_help",
        help_text=_("Only the opportunities offering every help checked."),
    )
    followed = django_filters.BooleanFilter(
        label=_("Only the ones I follow"), method="filter_followed",
        widget=forms.CheckboxInput,
    )
    ordering = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=[(key, label) for key, label, _order in BOARD_ORDERINGS],
        method="filter_ordering", empty_label=None,
    )

    class Meta:
        model = Opportunity
        fields = ["region", "sector", "occupation", "french_level", "settlement_help",
                  "followed", "ordering"]

    DEFAULT_ORDERING = "expiry"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if getattr(user, "role", None) != Role.PARTNER:
            # Only the organisations' users follow opportunities.
            del self.filters["followed"]

    def filter_occupation(self, queryset, name, value):
        text = value.strip()
        words = fold(text).split()
        if not words:
            return queryset
        title = Q()
        for word in words:
            title &= Q(title__regex=accent_insensitive_pattern(word))
        code = "".join(text.split())
        if code.isdigit():
            title |= Q(noc_code__startswith=code)
        return queryset.filter(title)

    def filter_french_level(self, queryset, name, value):
        levels = list(FrenchLevel.values)
        return queryset.filter(french_level__in=levels[:levels.index(value) + 1])

    def filter_settlement_help(self, queryset, name, value):
        return queryset.filter(**dict.fromkeys(value, True))

    def filter_followed(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(follows__user=self.request.user)

    def filter_ordering(self, queryset, name, value):
        return queryset  # applied in ``qs``, after every filter

    @property
    def qs(self):
        queryset = super().qs
        choice = (self.form.cleaned_data.get("ordering") if self.is_bound else None)
        orders = {key: order for key, _label, order in BOARD_ORDERINGS}
        return queryset.order_by(*orders.get(choice or self.DEFAULT_ORDERING,
                                             orders[self.DEFAULT_ORDERING]))


# --- Activities (views/activities.py) ----------------------------------------------------------


class ActivityFilter(ListFilterSet):
    """The list of regionalisation activities (and its export, which uses the same filter set,
    so it holds exactly the rows the page lists). An organisation's users filter their own
    activities; staff also filter by organisation (among those whose activities they see)."""

    kind = django_filters.ChoiceFilter(label=_("Type"), choices=ActivityKind.choices,
                                       empty_label=_("All types"))
    region = django_filters.ModelChoiceFilter(
        label=_("Region promoted"), queryset=Region.objects.exclude(
            code=MONTREAL_REGION_CODE).order_by("code"),
        to_field_name="code", method="filter_region", empty_label=_("All regions"))
    organisation = django_filters.ModelChoiceFilter(
        label=_("Organisation"), field_name="organisation",
        queryset=Organisation.objects.none(), empty_label=_("All organisations"))
    held_from = django_filters.DateFilter(
        label=_("Held on or after"), field_name="ends_on", lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    held_to = django_filters.DateFilter(
        label=_("Held on or before"), field_name="starts_on", lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    outcomes_missing = django_filters.ChoiceFilter(
        label=_("Outcomes missing"), method="filter_outcomes_missing",
        empty_label=_("Recorded or not"),
        choices=[("any", _("At 6 or 12 months")), ("6", _("At 6 months")),
                 ("12", _("At 12 months"))])

    class Meta:
        model = Activity
        fields = ["kind", "region", "organisation", "held_from", "held_to",
                  "outcomes_missing"]

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        user = getattr(self.request, "user", None)
        if getattr(user, "role", None) == Role.PARTNER:
            del self.filters["organisation"]  # their own activities only
        else:
            self.filters["organisation"].queryset = Organisation.objects.filter(
                pk__in=Activity.objects.for_user(user).values("organisation")).order_by(
                "name", "pk")

    def filter_region(self, queryset, name, value):
        return queryset.filter(Exists(ActivityRegion.objects.filter(
            activity=OuterRef("pk"), region=value)))

    def filter_outcomes_missing(self, queryset, name, value):
        months = OUTCOME_MONTHS if value == "any" else [int(value)]
        condition = Q()
        for month in months:
            condition |= Q(pk__in=Activity.objects.outcomes_missing(month, self.today)
                           .values("pk"))
        return queryset.filter(condition)
