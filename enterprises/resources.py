"""Spreadsheet export of the ministry's list of support cases (through
portal.exports.export_response, which neutralises spreadsheet formulas)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets

from .models import Case, CaseStatus, HelpKind, Outcome, Priority, Sector, SizeBand, Topic


def _day(value):
    return timezone.localtime(value).date().isoformat() if value else ""


def _days(delta):
    """Whole days of a duration (a case contacted the same day counts 0), or blank."""
    return "" if delta is None else delta.days


class CaseResource(resources.ModelResource):
    """One row per case, the columns a follow-up spreadsheet needs. The queryset comes from
    ``CaseQuerySet.for_list()``: no query per row."""

    id = fields.Field(attribute="pk", column_name=_("Case"),
                      widget=widgets.IntegerWidget(coerce_to_string=False))
    subject = fields.Field(attribute="subject", column_name=_("Subject"))
    enterprise = fields.Field(attribute="organisation__name", column_name=_("Enterprise"))
    neq = fields.Field(column_name=_("NEQ"))
    region = fields.Field(column_name=_("Region"))
    office = fields.Field(attribute="office__city", column_name=_("Office"))
    sector = fields.Field(column_name=_("Sector"))
    size = fields.Field(column_name=_("Size"))
    help_kinds = fields.Field(column_name=_("Help wanted"))
    topics = fields.Field(column_name=_("Topics"))
    status = fields.Field(column_name=_("Status"))
    outcome = fields.Field(column_name=_("Outcome"))
    adviser = fields.Field(column_name=_("Adviser"))
    opened_at = fields.Field(column_name=_("Opened"))
    first_contact_at = fields.Field(column_name=_("First contact"))
    closed_at = fields.Field(column_name=_("Closed"))
    days_to_first_contact = fields.Field(column_name=_("Days to first contact"))
    days_to_close = fields.Field(column_name=_("Days to close"))
    next_follow_up = fields.Field(column_name=_("Next follow-up"))
    priority = fields.Field(column_name=_("Priority"))

    class Meta:
        model = Case
        fields = ("id", "enterprise", "neq", "region", "office", "sector", "size", "help_kinds",
                  "topics", "status", "outcome", "adviser", "opened_at", "first_contact_at",
                  "closed_at", "days_to_first_contact", "days_to_close", "next_follow_up",
                  "priority", "subject")
        export_order = fields

    def export(self, queryset=None, **kwargs):
        # Labels resolved once per export, not once per row (lazy translations are costly).
        self._labels = {name: {k: str(v) for k, v in choices.choices} for name, choices in (
            ("sector", Sector), ("size", SizeBand), ("help", HelpKind), ("topic", Topic),
            ("status", CaseStatus), ("outcome", Outcome), ("priority", Priority))}
        return super().export(queryset=queryset, **kwargs)

    def _label(self, kind, value):
        return self._labels[kind].get(value, value)

    def _enterprise(self, case):
        return getattr(case.organisation, "enterprise", None)

    def dehydrate_neq(self, case):
        enterprise = self._enterprise(case)
        return enterprise.neq if enterprise else ""

    def dehydrate_region(self, case):
        return str(case.organisation.region)

    def dehydrate_sector(self, case):
        enterprise = self._enterprise(case)
        return self._label("sector", enterprise.sector) if enterprise else ""

    def dehydrate_size(self, case):
        enterprise = self._enterprise(case)
        return self._label("size", enterprise.size_band) if enterprise else ""

    def dehydrate_help_kinds(self, case):
        return ", ".join(self._label("help", value) for value in case.help_kinds or [])

    def dehydrate_topics(self, case):
        return ", ".join(self._label("topic", value) for value in case.topics or [])

    def dehydrate_status(self, case):
        return self._label("status", case.status)

    def dehydrate_priority(self, case):
        return self._label("priority", case.priority)

    def dehydrate_outcome(self, case):
        return self._label("outcome", case.outcome) if case.outcome else ""

    def dehydrate_adviser(self, case):
        adviser = case.adviser
        if adviser is None:
            return ""
        return adviser.get_full_name() or adviser.email

    def dehydrate_opened_at(self, case):
        return _day(case.opened_at)

    def dehydrate_first_contact_at(self, case):
        return _day(case.first_contact_at)

    def dehydrate_closed_at(self, case):
        return _day(case.closed_at)

    def dehydrate_days_to_first_contact(self, case):
        return _days(case.time_to_first_contact)

    def dehydrate_days_to_close(self, case):
        return _days(case.time_to_close)

    def dehydrate_next_follow_up(self, case):
        return case.next_follow_up.isoformat() if case.next_follow_up else ""
