"""Forms of the report pages: the adviser's schedule, the partner's report, the adviser's
decision. They clean input only; ``programs.services`` decides."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext_lazy as _

from portal import forms as portal_forms
from portal.money import money

from .forms import AmountField, DateInput
from .models import ReportKind

#: How many progress reports the adviser may schedule at once (blank dates are ignored).
PROGRESS_SLOTS = 6
#: The final report is due this long after the plan ends, by default: the partner needs a few
#: weeks after the last activity to gather the final figures.
FINAL_REPORT_GRACE = timedelta(days=30)


class ReportScheduleForm(forms.Form):
    """Up to ``PROGRESS_SLOTS`` progress report dates and the final report's due date."""

    final_due_on = forms.DateField(
        label=_("Final report due on"), widget=DateInput,
        help_text=_("By default, 30 days after the end of the plan."))

    def __init__(self, *args, plan, **kwargs):
        reports = list(plan.reports.all())
        progress = sorted(r.due_on for r in reports if r.kind == ReportKind.PROGRESS)
        final = next((r for r in reports if r.kind == ReportKind.FINAL), None)
        initial = kwargs.setdefault("initial", {})
        if final is not None:
            initial.setdefault("final_due_on", final.due_on)
        elif plan.ends_on:
            initial.setdefault("final_due_on", plan.ends_on + FINAL_REPORT_GRACE)
        for index, day in enumerate(progress[:PROGRESS_SLOTS], start=1):
            initial.setdefault(f"progress_{index}", day)
        super().__init__(*args, **kwargs)
        for index in range(1, PROGRESS_SLOTS + 1):
            self.fields[f"progress_{index}"] = forms.DateField(
                label=_("Progress report %(number)s") % {"number": index},
                required=False, widget=DateInput)
        # The final date last, after the progress reports it must follow.
        self.order_fields([*(f"progress_{i}" for i in range(1, PROGRESS_SLOTS + 1)),
                           "final_due_on"])

    def progress_fields(self):
        return [self[f"progress_{i}"] for i in range(1, PROGRESS_SLOTS + 1)]

    def progress_dates(self):
        return [self.cleaned_data[f"progress_{i}"] for i in range(1, PROGRESS_SLOTS + 1)
                if self.cleaned_data.get(f"progress_{i}")]


class ReportForm(forms.Form):
    """What the partner says in a report: an overall narrative, then per measure the amount
    spent and what was done, and per indicator the value reached."""

    narrative = forms.CharField(label=_("Overall narrative"), required=False,
                                widget=forms.Textarea(attrs={"rows": 5}),
                                help_text=_("How the plan went overall during the period."))

    def __init__(self, *args, report, measures, **kwargs):
        """``measures``: the plan's measures with their indicators prefetched."""
        self.report = report
        self.measures = measures
        given = {row.measure_id: row for row in report.measure_reports.all()}
        values = {row.indicator_id: row.value for row in report.indicator_results.all()}
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("narrative", report.narrative)
        super().__init__(*args, **kwargs)
        for measure in measures:
            row = given.get(measure.pk)
            amount = self.amount_name(measure)
            asked = sum((line.requested_amount for line in measure.budget_lines.all()),
                        Decimal("0"))
            self.fields[amount] = AmountField(
                label=_("Amount spent ($)"), required=False,
                help_text=_("Asked of the ministry for this measure: %(asked)s. Type the "
                            "amount like 1,234.50.") % {"asked": money(asked)})
            self.fields[amount].summary_label = _("%(measure)s — amount spent") % {
                "measure": measure.title}
            narrative = self.narrative_name(measure)
            self.fields[narrative] = forms.CharField(
                label=_("What was done"), required=False,
                widget=forms.Textarea(attrs={"rows": 4}))
            self.fields[narrative].summary_label = _("%(measure)s — what was done") % {
                "measure": measure.title}
            if row is not None:
                self.initial.setdefault(amount, row.amount_spent)
                self.initial.setdefault(narrative, row.narrative)
            for indicator in measure.indicators.all():
                name = self.indicator_name(indicator)
                self.fields[name] = AmountField(
                    required=False,
                    label=_("%(indicator)s: value reached (%(unit)s)") % {
                        "indicator": indicator.name, "unit": indicator.unit},
                    help_text=_("Target: %(target)s %(unit)s") % {
                        "target": floatformat(indicator.target_value, -2),
                        "unit": indicator.unit})
                self.fields[name].summary_label = _("%(measure)s — %(indicator)s") % {
                    "measure": measure.title, "indicator": indicator.name}
                self.fields[name].indicator = indicator
                if indicator.pk in values:
                    self.initial.setdefault(name, values[indicator.pk])

    @staticmethod
    def amount_name(measure):
        return f"measure_{measure.pk}_amount"

    @staticmethod
    def narrative_name(measure):
        return f"measure_{measure.pk}_narrative"

    @staticmethod
    def indicator_name(indicator):
        return f"indicator_{indicator.pk}_value"

    def sections(self):
        """Per measure: (measure, amount field, narrative field, [(indicator, field)])."""
        return [
            (measure, self[self.amount_name(measure)], self[self.narrative_name(measure)],
             [(indicator, self[self.indicator_name(indicator)])
              for indicator in measure.indicators.all()])
            for measure in self.measures
        ]

    def service_arguments(self):
        """The keyword arguments of ``services.report_save``. A measure left entirely blank is
        not sent (the report then names it as missing when submitted)."""
        data = self.cleaned_data
        measures = {}
        for measure in self.measures:
            amount = data.get(self.amount_name(measure))
            narrative = (data.get(self.narrative_name(measure)) or "").strip()
            if amount is not None or narrative:
                measures[measure.pk] = {"amount_spent": amount, "narrative": narrative}
        indicators = {}
        for measure in self.measures:
            for indicator in measure.indicators.all():
                value = data.get(self.indicator_name(indicator))
                if value is not None:
                    indicators[indicator.pk] = value
        return {"narrative": data.get("narrative") or "", "measures": measures,
                "indicators": indicators}



class ReportMoveForm(portal_forms.MoveForm):
    """What a move of the report's page posts (``report_detail.html`` writes its controls, with
    the ids ``<field>-<status>``: ``comment-changes_requested``); bound again when the move was
    refused for its comment, so the reason shows at the comment and what was typed stays."""

    REFUSAL_FIELDS = {"comment_required": "comment"}

    comment = forms.CharField(label=_("What should the partner change?"), required=False)
