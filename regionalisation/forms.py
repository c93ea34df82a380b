"""Forms of the regionalisation pages. A form cleans input; the services decide.

Each page module owns its section below (edit only your own section)."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enterprises.case_forms import MunicipalityField, municipality_label
from enterprises.models import FrenchLevel, Sector, unverified_organisation_ids
from partners.models import Kind, Organisation
from portal.text import fold
from programs.forms import DateInput
from regions.models import Municipality, Region

from .models import MONTREAL_REGION_CODE, Activity, ActivityKind, Opportunity, OpportunityStatus

# --- Opportunities (views/opportunities.py) ---------------------------------------------------

#: The content fields of an opportunity, as ``regionalisation.services`` takes them.
OPPORTUNITY_FORM_FIELDS = (
    "title", "description", "positions", "noc_code", "sector", "french_level", "municipality",
    "start_date", "offers_housing", "offers_moving_costs", "offers_spouse_employment",
    "settlement_details", "expires_on",
)
#: The settlement-help checkboxes, shown together in one fieldset.
SETTLEMENT_HELP_FIELDS = ("offers_housing", "offers_moving_costs", "offers_spouse_employment")


def regional_municipalities():
    """The municipalities a regional job may be in (outside Montréal, represented in the
    register), ordered by region then name: one query, for the input's suggestions."""
    return (Municipality.objects.representable().exclude(region__code=MONTREAL_REGION_CODE)
            .select_related("region").only("name", "code", "region__code", "region__name")
            .order_by("region__code", "name", "code"))


def municipality_suggestions() -> list[tuple[str, str]]:
    """``[(« Name (code) », « 04 Mauricie »), ...]``: the suggestions of the municipality
    input, ordered by region (each says its region), then by name."""
    return [(municipality_label(municipality), str(municipality.region))
            for municipality in regional_municipalities()]


class RegionalMunicipalityField(MunicipalityField):
    """The municipality of work: typed as a name or a 5-digit code, or picked among the
    suggestions (``municipality-list``, grouped by region). Montréal is refused by the
    service, with its message on this field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Municipality of work"))
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("help_text", _(
            "Outside the Montréal region. Type the name and choose a suggestion (the region "
            "follows it), or type the 5-digit geographic code."))
        kwargs.setdefault("widget", forms.TextInput(
            attrs={"list": "municipality-list", "autocomplete": "off"}))
        super().__init__(**kwargs)


def _blank_first(choices):
    return [("", "—"), *choices]


class OpportunityForm(forms.Form):
    """An opportunity's content. Staff creating one also choose the enterprise (among those of
    their territory); the service checks the rest (municipality outside Montréal, served by
    an office, expiry within a year)."""

    enterprise = forms.ModelChoiceField(
        label=_("Employer"), queryset=None, empty_label="—",
        help_text=_("An enterprise of your territory."),
        error_messages={"required": _("Choose the enterprise that offers the jobs."),
                        "invalid_choice": _("Choose an enterprise of your territory.")})
    title = forms.CharField(label=_("Job title"), max_length=200)
    description = forms.CharField(
        label=_("The job and its conditions"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Tasks, schedule, salary, what the candidate needs to know."))
    positions = forms.IntegerField(label=_("Number of positions"), min_value=1, max_value=999,
                                   widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    noc_code = forms.RegexField(
        label=_("NOC 2021 code"), regex=r"^\d{5}$",
        help_text=_("5 digits of the National Occupational Classification 2021, for example "
                    "72410."),
        error_messages={"invalid": _("A NOC 2021 code has 5 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "maxlength": 5}))
    sector = forms.ChoiceField(label=_("Sector"), choices=_blank_first(Sector.choices))
    french_level = forms.ChoiceField(label=_("French level required"),
                                     choices=_blank_first(FrenchLevel.choices))
    municipality = RegionalMunicipalityField()
    start_date = forms.DateField(label=_("Job start date"), widget=DateInput())
    offers_housing = forms.BooleanField(label=_("Help with housing"), required=False)
    offers_moving_costs = forms.BooleanField(label=_("Moving costs paid"), required=False)
    offers_spouse_employment = forms.BooleanField(
        label=_("Help for the spouse to find work"), required=False)
    settlement_details = forms.CharField(
        label=_("Details of the settlement help (optional)"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}))
    expires_on = forms.DateField(
        label=_("Expiry date"), widget=DateInput(),
        help_text=_("The last day the opportunity is on the board, within one year."))

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprises is None:
            del self.fields["enterprise"]
        else:
            self.fields["enterprise"].queryset = enterprises
            # Staff choose the enterprise here: its profile's sector unless they say.
            self.fields["sector"].required = False
            self.fields["sector"].help_text = _("Leave empty for the enterprise's sector.")

    def settlement_fields(self):
        return [self[name] for name in SETTLEMENT_HELP_FIELDS]

    def content_fields(self, names):
        return [self[name] for name in names if name in self.fields]

    def opportunity_fields(self) -> dict:
        """The cleaned content, as keyword arguments of the services."""
        return {name: self.cleaned_data[name] for name in OPPORTUNITY_FORM_FIELDS}


def opportunity_initial(opportunity) -> dict:
    """The edit form's initial values: the opportunity's content."""
    return {name: getattr(opportunity, name) for name in OPPORTUNITY_FORM_FIELDS}


def case_initial(case, positions) -> dict:
    """Prefill an opportunity from a recruitment case's first position, if it has one."""
    first = positions[0] if positions else None
    if first is None:
        return {}
    initial = {"title": first.job_title, "positions": first.count,
               "municipality": first.municipality, "french_level": first.french_level}
    if first.noc_code:
        initial["noc_code"] = first.noc_code
    return initial


class ExtendForm(forms.Form):
    expires_on = forms.DateField(
        label=_("New expiry date"), widget=DateInput(),
        help_text=_("The opportunity stays on the board until this day (one year at most)."),
        error_messages={"required": _("Give the new expiry date."),
                        "invalid": _("Give a valid date.")})


class MoveForm(forms.Form):
    """A status move from the opportunity's page; the workflow decides if it is allowed."""

    to = forms.ChoiceField(choices=OpportunityStatus.choices)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


# --- Board: referral counts (views/board.py) --------------------------------------------------

#: Above any plausible count; keeps the numbers inside the database's integer column.
MAX_REFERRAL_COUNT = 99_999


def _count_field(label, help_text):
    return forms.IntegerField(
        label=label, help_text=help_text, min_value=0, max_value=MAX_REFERRAL_COUNT,
        error_messages={
            "required": _("Enter a number (0 if none)."),
            "invalid": _("Enter a whole number."),
            "min_value": _("A count cannot be negative."),
            "max_value": _("This number is too large."),
        },
        widget=forms.NumberInput(attrs={"min": 0, "step": 1, "inputmode": "numeric",
                                        "class": "count-input"}))


class ReferralForm(forms.Form):
    """One organisation's counts for one opportunity: numbers only, never who. The service
    checks that each count narrows the one before (interviews ≤ candidates, hires ≤
    interviews)."""

    candidates = _count_field(_("Candidates presented"),
                              _("People your organisation presented to the employer."))
    interviews = _count_field(_("Interviews"),
                              _("Of the candidates presented, how many had an interview."))
    hires = _count_field(_("Hires"), _("Of the candidates interviewed, how many were hired."))

    def __init__(self, *args, **kwargs):
        # Its own ids: the opportunity's page holds other forms.
        kwargs.setdefault("auto_id", "id_referral_%s")
        super().__init__(*args, **kwargs)


# --- Activities (views/activities.py) ---------------------------------------------------------

#: How many matches a partner search shows (refine the words to find another one).
PARTNER_SEARCH_LIMIT = 20


def promotable_regions():
    """The 16 regions an activity may promote: every region but Montréal."""
    return Region.objects.exclude(code=MONTREAL_REGION_CODE).order_by("code")


def partner_enterprises(user):
    """The enterprises ``user``'s organisation may see, hence name as partners: the employers
    of the opportunities it sees (the board, what it follows or referred candidates to) and
    the partners of its own activities; never one not confirmed yet. The picker's search and
    the validation of a posted id both read this queryset."""
    seen = (Q(pk__in=Opportunity.objects.visible_to(user).values("enterprise_id"))
            | Q(pk__in=Activity.objects.for_user(user).filter(partner_enterprises__isnull=False)
                .values("partner_enterprises")))
    return (Organisation.objects.filter(kind=Kind.ENTERPRISE).filter(seen)
            .exclude(pk__in=unverified_organisation_ids()).only("pk", "name"))


def partner_municipalities():
    """The register's municipalities outside Montréal, with their region."""
    return (Municipality.objects.representable().exclude(region__code=MONTREAL_REGION_CODE)
            .select_related("region"))


def find_enterprises(text: str, *, queryset, exclude=()):
    """Enterprises of ``queryset`` (``partner_enterprises(user)``) whose name holds every word
    of ``text`` (accents and capitals ignored)."""
    words = fold(text).split()
    if not words:
        return []
    queryset = queryset.exclude(pk__in=list(exclude))
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return list(queryset.order_by("name", "pk")[:PARTNER_SEARCH_LIMIT])


def find_municipalities(text: str, *, queryset, exclude=()):
    """Municipalities of ``queryset`` (outside Montréal) by name or geographic code."""
    return list(queryset.search(text).exclude(pk__in=list(exclude))
                .order_by("name", "code")[:PARTNER_SEARCH_LIMIT])


def municipality_choice_label(municipality) -> str:
    """« Trois-Rivières (37067), Mauricie »: the name, its code and its region."""
    return f"{municipality.name} ({municipality.code}), {municipality.region.name}"


class ActivityForm(forms.Form):
    """An activity of the user's organisation. The service checks the rest: regions outside
    Montréal, the last day not before the first, partner enterprises being enterprises.

    The partner fields are never rendered whole (the directory holds thousands of
    enterprises): the page lists the ticked partners (``chosen``) and the results of a search
    (``find_enterprises``, ``find_municipalities``) as checkboxes of the same name. The
    enterprises offered and accepted are those the user may see (``partner_enterprises``): an
    id posted from outside is refused like an unknown one."""

    kind = forms.ChoiceField(
        label=_("Type of activity"), choices=ActivityKind.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of activity.")})
    title = forms.CharField(label=_("Title of the activity"), max_length=200)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(
        label=_("Last day"), required=False, widget=DateInput,
        help_text=_("Leave empty for a one-day activity."))
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions promoted"), queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one region the activity promotes.")})
    partner_enterprises = forms.ModelMultipleChoiceField(
        label=_("Partner enterprises"), required=False, queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Search by name the employers you see on the board or your activities' "
                    "partners, then tick them. Untick one to remove it. Name the others under "
                    "“Other partners”."),
        error_messages={"invalid_choice": _("Choose enterprises you see on the board or in "
                                            "your activities."),
                        "invalid_pk_value": _("Choose enterprises you see on the board or in "
                                              "your activities.")})
    partner_municipalities = forms.ModelMultipleChoiceField(
        label=_("Partner municipalities"), required=False,
        queryset=Municipality.objects.none(), widget=forms.CheckboxSelectMultiple,
        help_text=_("Search the municipalities outside Montréal by name or geographic code, "
                    "then tick them. Untick one to remove it."),
        error_messages={"invalid_choice": _("Choose municipalities outside Montréal."),
                        "invalid_pk_value": _("Choose municipalities outside Montréal.")})
    other_partners = forms.CharField(
        label=_("Other partners"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Regional organisations, chambers of commerce, schools..."))
    participants = forms.IntegerField(
        label=_("Number of participants"), required=False, min_value=0, max_value=100000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Leave empty until the activity is held."))

    #: The fields shown one by one (the others are groups: radio buttons, checkboxes, pickers).
    TEXT_FIELDS = ("title", "starts_on", "ends_on", "description")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = promotable_regions()
        self.fields["partner_enterprises"].queryset = partner_enterprises(user)
        self.fields["partner_municipalities"].queryset = partner_municipalities()

    @classmethod
    def initial_for(cls, activity) -> dict:
        """The form's values for an existing activity."""
        initial = {name: getattr(activity, name) for name in (
            "kind", "title", "starts_on", "ends_on", "description", "other_partners",
            "participants")}
        initial["regions"] = [promoted.region_id for promoted in activity.promoted.all()]
        initial["partner_enterprises"] = [o.pk for o in activity.partner_enterprises.all()]
        initial["partner_municipalities"] = [
            m.pk for m in activity.partner_municipalities.all()]
        return initial

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and not cleaned.get("ends_on") \
                and "ends_on" not in self.errors:
            cleaned["ends_on"] = cleaned["starts_on"]  # a one-day activity
        return cleaned

    def chosen(self, name) -> list:
        """The partners ticked in the form (``partner_enterprises`` or
        ``partner_municipalities``), as objects, for the page to list them ticked."""
        values = self[name].value() or []
        pks = {int(value) for value in (getattr(v, "pk", v) for v in values)
               if str(value).isdigit()}
        if not pks:
            return []
        return list(self.fields[name].queryset.filter(pk__in=pks).order_by("name", "pk"))

    def service_fields(self) -> dict:
        """The cleaned values, as ``activity_create`` / ``activity_update`` take them."""
        data = self.cleaned_data
        return {
            "regions": list(data["regions"]),
            "partner_enterprises": list(data["partner_enterprises"]),
            "partner_municipalities": list(data["partner_municipalities"]),
            **{name: data[name] for name in ("kind", "title", "starts_on", "ends_on",
                                             "description", "participants",
                                             "other_partners")},
        }


class ActivityOutcomesForm(forms.Form):
    """How many participants lived in each promoted region ``months`` months after the
    activity: one number per region. The service checks the date and that the total does not
    exceed the participants."""

    def __init__(self, *args, promoted, months: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.months = months
        for row in promoted:
            self.fields[f"region_{row.region_id}"] = forms.IntegerField(
                label=_("People who settled in %(region)s") % {"region": row.region.name},
                min_value=0, max_value=100000,
                initial=getattr(row, f"settled_{months}_months"),
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={"required": _("Give the number of people who settled in "
                                              "this region (0 if nobody).")})

    def settled(self) -> dict[int, int]:
        """``{region_id: number}`` as ``activity_outcomes_record`` takes it."""
        return {int(name.removeprefix("region_")): value
                for name, value in self.cleaned_data.items()}
