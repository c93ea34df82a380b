"""CSV/XLSX exports (django-import-export resources), written through
``portal.exports.export_response`` so formulas are neutralised. Each page module owns its
section below."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from enterprises.models import FrenchLevel, Sector

from .models import Activity, ActivityKind, Opportunity, OpportunityStatus

# --- Opportunities (views/opportunities.py) ---------------------------------------------------


def _local_day(value):
    return timezone.localtime(value).date().isoformat() if value else ""


def _number(attribute, column_name):
    return fields.Field(attribute=attribute, column_name=column_name,
                        widget=widgets.IntegerWidget(coerce_to_string=False))


class OpportunityResource(resources.ModelResource):
    """One row per opportunity of the management list. The queryset comes from
    ``OpportunityQuerySet.for_list().with_referral_totals()``: no query per row."""

    id = _number("pk", _("Opportunity"))
    title = fields.Field(attribute="title", column_name=_("Job title"))
    employer = fields.Field(attribute="enterprise__name", column_name=_("Employer"))
    status = fields.Field(column_name=_("Status"))
    positions = _number("positions", _("Number of positions"))
    noc_code = fields.Field(attribute="noc_code", column_name=_("NOC 2021 code"))
    sector = fields.Field(column_name=_("Sector"))
    french_level = fields.Field(column_name=_("French level required"))
    municipality = fields.Field(attribute="municipality__name",
                                column_name=_("Municipality of work"))
    region = fields.Field(column_name=_("Region"))
    office = fields.Field(attribute="office__city", column_name=_("Office"))
    start_date = fields.Field(column_name=_("Job start date"))
    housing = fields.Field(column_name=_("Help with housing"))
    moving_costs = fields.Field(column_name=_("Moving costs paid"))
    spouse_employment = fields.Field(column_name=_("Help for the spouse to find work"))
    expires_on = fields.Field(column_name=_("Expiry date"))
    created_at = fields.Field(column_name=_("Created"))
    published_at = fields.Field(column_name=_("Published on"))
    candidates = _number("total_candidates", _("Candidates presented"))
    interviews = _number("total_interviews", _("Interviews"))
    hires = _number("total_hires", _("Hires"))

    class Meta:
        model = Opportunity
        fields = ("id", "title", "employer", "status", "positions", "noc_code", "sector",
                  "french_level", "municipality", "region", "office", "start_date", "housing",
                  "moving_costs", "spouse_employment", "expires_on", "created_at",
                  "published_at", "candidates", "interviews", "hires")
        export_order = fields

    def export(self, queryset=None, **kwargs):
        # Labels resolved once per export, not once per row (lazy translations are costly).
        self._labels = {name: {k: str(v) for k, v in choices.choices} for name, choices in (
            ("status", OpportunityStatus), ("sector", Sector), ("french", FrenchLevel))}
        self._yes_no = (str(_("no")), str(_("yes")))
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_status(self, opportunity):
        return self._labels["status"].get(opportunity.status, opportunity.status)

    def dehydrate_sector(self, opportunity):
        return self._labels["sector"].get(opportunity.sector, opportunity.sector)

    def dehydrate_french_level(self, opportunity):
        return self._labels["french"].get(opportunity.french_level, opportunity.french_level)

    def dehydrate_region(self, opportunity):
        return str(opportunity.region)

    def dehydrate_start_date(self, opportunity):
        return opportunity.start_date.isoformat()

    def dehydrate_housing(self, opportunity):
        return self._yes_no[opportunity.offers_housing]

    def dehydrate_moving_costs(self, opportunity):
        return self._yes_no[opportunity.offers_moving_costs]

    def dehydrate_spouse_employment(self, opportunity):
        return self._yes_no[opportunity.offers_spouse_employment]

    def dehydrate_expires_on(self, opportunity):
        return opportunity.expires_on.isoformat()

    def dehydrate_created_at(self, opportunity):
        return _local_day(opportunity.created_at)

    def dehydrate_published_at(self, opportunity):
        return _local_day(opportunity.published_at)


# --- Activities (views/activities.py) ---------------------------------------------------------


class ActivityResource(resources.ModelResource):
    """One row per activity: its regions, partners, participants and, for each follow-up, the
    people settled per region (« 04 Mauricie: 5; 05 Estrie: — ») and their total (blank while
    nothing is recorded). The queryset comes from ``Activity.objects.for_list()`` with the
    partners prefetched: no query per row."""

    id = fields.Field(attribute="pk", column_name=_("Activity"),
                      widget=widgets.IntegerWidget(coerce_to_string=False))
    organisation = fields.Field(attribute="organisation__name",
                                column_name=_("Organisation"))
    kind = fields.Field(column_name=_("Type"))
    title = fields.Field(attribute="title", column_name=_("Title of the activity"))
    starts_on = fields.Field(column_name=_("First day"))
    ends_on = fields.Field(column_name=_("Last day"))
    regions = fields.Field(column_name=_("Regions promoted"))
    participants = fields.Field(attribute="participants", column_name=_("Participants"),
                                widget=widgets.IntegerWidget(coerce_to_string=False))
    partner_enterprises = fields.Field(column_name=_("Partner enterprises"))
    partner_municipalities = fields.Field(column_name=_("Partner municipalities"))
    other_partners = fields.Field(attribute="other_partners", column_name=_("Other partners"))
    settled_6_months = fields.Field(column_name=_("Settled after 6 months, by region"))
    settled_6_months_total = fields.Field(column_name=_("Settled after 6 months"),
                                          widget=widgets.IntegerWidget(coerce_to_string=False))
    settled_12_months = fields.Field(column_name=_("Settled after 12 months, by region"))
    settled_12_months_total = fields.Field(
        column_name=_("Settled after 12 months"),
        widget=widgets.IntegerWidget(coerce_to_string=False))

    class Meta:
        model = Activity
        fields = ("id", "organisation", "kind", "title", "starts_on", "ends_on", "regions",
                  "participants", "partner_enterprises", "partner_municipalities",
                  "other_partners", "settled_6_months", "settled_6_months_total",
                  "settled_12_months", "settled_12_months_total")
        export_order = fields

    def export(self, queryset=None, **kwargs):
        # Labels resolved once per export, not once per row (lazy translations are costly).
        self._kinds = {value: str(label) for value, label in ActivityKind.choices}
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_kind(self, activity):
        return self._kinds.get(activity.kind, activity.kind)

    def dehydrate_starts_on(self, activity):
        return activity.starts_on.isoformat()

    def dehydrate_ends_on(self, activity):
        return activity.ends_on.isoformat()

    def dehydrate_regions(self, activity):
        return "; ".join(str(row.region) for row in activity.promoted.all())

    def dehydrate_partner_enterprises(self, activity):
        return "; ".join(org.name for org in activity.partner_enterprises.all())

    def dehydrate_partner_municipalities(self, activity):
        return "; ".join(f"{m.name} ({m.code})" for m in activity.partner_municipalities.all())

    def _settled(self, activity, months):
        return [(row.region, getattr(row, f"settled_{months}_months"))
                for row in activity.promoted.all()]

    def _by_region(self, activity, months):
        return "; ".join(f"{region}: {'—' if value is None else value}"
                         for region, value in self._settled(activity, months))

    def _total(self, activity, months):
        values = [value for _region, value in self._settled(activity, months)
                  if value is not None]
        return sum(values) if values else None

    def dehydrate_settled_6_months(self, activity):
        return self._by_region(activity, 6)

    def dehydrate_settled_6_months_total(self, activity):
        return self._total(activity, 6)

    def dehydrate_settled_12_months(self, activity):
        return self._by_region(activity, 12)

    def dehydrate_settled_12_months_total(self, activity):
        return self._total(activity, 12)
