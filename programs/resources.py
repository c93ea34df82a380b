"""Spreadsheet exports of the ministry's lists of plans (through portal.exports.export_response,
which neutralises spreadsheet formulas)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from partners.models import Kind

from .models import ActionPlan, Status, fiscal_year_label


def _day(value):
    return timezone.localtime(value).date().isoformat() if value else ""


class PlanResource(resources.ModelResource):
    """The queue's export: one row per plan, the columns a follow-up spreadsheet needs. The
    queryset comes from ``ActionPlanQuerySet.for_list()``: no query per row."""

    id = fields.Field(attribute="pk", column_name=_("Identifier"))
    title = fields.Field(attribute="title", column_name=_("Plan title"))
    organisation = fields.Field(attribute="organisation__name", column_name=_("Organisation"))
    kind = fields.Field(attribute="organisation__kind", column_name=_("Organisation kind"))
    region = fields.Field(attribute="organisation__region", column_name=_("Region"))
    office = fields.Field(attribute="organisation__office__city", column_name=_("Serving office"))
    program = fields.Field(attribute="call__program__code", column_name=_("Program"))
    call = fields.Field(attribute="call__title", column_name=_("Call for projects"))
    fiscal_year = fields.Field(attribute="call__fiscal_year", column_name=_("Fiscal year"))
    status = fields.Field(attribute="status", column_name=_("Status"))
    period = fields.Field(column_name=_("Period"))
    requested_total = fields.Field(attribute="requested_total",
                                   column_name=_("Asked of the ministry ($)"))
    partner_total = fields.Field(attribute="partner_total",
                                 column_name=_("Partner contribution ($)"))
    other_total = fields.Field(attribute="other_total", column_name=_("Other funders ($)"))
    recommended_amount = fields.Field(attribute="recommended_amount",
                                      column_name=_("Amount recommended ($)"))
    approved_amount = fields.Field(attribute="approved_amount",
                                   column_name=_("Amount approved ($)"))
    adviser = fields.Field(column_name=_("Adviser"))
    submitted_at = fields.Field(column_name=_("Submitted"))
    decided_at = fields.Field(column_name=_("Decided"))

    class Meta:
        model = ActionPlan
        fields = ("id", "title", "organisation", "kind", "region", "office", "program", "call",
                  "fiscal_year", "status", "period", "requested_total", "partner_total",
                  "other_total", "recommended_amount", "approved_amount", "adviser",
                  "submitted_at", "decided_at")
        export_order = fields

    def export(self, queryset=None, **kwargs):
        # Labels resolved once per export, not once per row (lazy translations are costly).
        self._kinds = {k: str(v) for k, v in Kind.choices}
        self._statuses = {k: str(v) for k, v in Status.choices}
        self._help_requested = str(_("Help requested"))
        return super().export(queryset=queryset, **kwargs)

    def dehydrate_kind(self, plan):
        return self._kinds.get(plan.organisation.kind, plan.organisation.kind)

    def dehydrate_region(self, plan):
        return str(plan.organisation.region)

    def dehydrate_program(self, plan):
        return plan.call.program.name

    def dehydrate_fiscal_year(self, plan):
        return fiscal_year_label(plan.call.fiscal_year)

    def dehydrate_status(self, plan):
        label = self._statuses.get(plan.status, plan.status)
        if plan.help_requested:
            return f"{label} ({self._help_requested})"
        return label

    def dehydrate_period(self, plan):
        if not (plan.starts_on and plan.ends_on):
            return ""
        return f"{plan.starts_on.isoformat()} – {plan.ends_on.isoformat()}"

    def dehydrate_adviser(self, plan):
        adviser = plan.adviser
        if adviser is None:
            return ""
        return adviser.get_full_name() or adviser.email

    def dehydrate_submitted_at(self, plan):
        return _day(plan.submitted_at)

    def dehydrate_decided_at(self, plan):
        return _day(plan.decided_at)
