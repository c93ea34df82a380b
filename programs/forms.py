"""Forms of the partner's side of action plans: creating a plan, its steps, and a measure with
its indicators and budget lines. Forms clean input; ``programs.services`` decides and writes."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import MUNICIPAL_KINDS
from portal.money import amount_input, normalise_amount

from .models import Axis, Call, Characteristic, IndicatorDefinition


class AmountField(forms.DecimalField):
    """An amount as people in Quebec type it: « 1 234,56 », « 1234.56 », « 1 234,56 $ » or
    « 1,234.56 » (``portal.money.normalise_amount``, in the page's language). Never negative.
    Shown back grouped, in the page's language (« 52 000,00 » in French, « 52,000.00 » in
    English): localized here, for money only, rather than by USE_THOUSAND_SEPARATOR, which
    would group years and ids too. Used by the plan, report and instalment forms."""

    default_error_messages = {
        "invalid": _("Enter an amount, for example 1,234.56."),
        "min_value": _("An amount cannot be negative."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(**kwargs)
        self.localize = False

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        for name in ("step", "min", "max"):  # a text input: the browser must not check these
            attrs.pop(name, None)
        attrs.update(inputmode="decimal", autocomplete="off")
        return attrs

    def to_python(self, value):
        if isinstance(value, str):
            value = normalise_amount(value)
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return amount_input(value)
        return value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _check_period(form, start_field="starts_on", end_field="ends_on"):
    starts_on = form.cleaned_data.get(start_field)
    ends_on = form.cleaned_data.get(end_field)
    if starts_on and ends_on and ends_on < starts_on:
        form.add_error(end_field, _("The end must not be before the start."))


class PlanCreateForm(forms.Form):
    call = forms.ModelChoiceField(
        label=_("Call for projects"), queryset=Call.objects.none(),
        empty_label=_("Choose a call for projects"),
        error_messages={"invalid_choice": _("This call for projects is not open, or your "
                                            "organisation is not eligible to it.")})
    title = forms.CharField(label=_("Title of the plan"), max_length=200)
    starts_on = forms.DateField(label=_("Start of the plan"), widget=DateInput(),
                                required=False)
    ends_on = forms.DateField(label=_("End of the plan"), widget=DateInput(), required=False,
                              help_text=_("A plan may span several fiscal years (April 1 to "
                                          "March 31)."))

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = calls
        self.fields["call"].label_from_instance = lambda call: str(call)

    def clean(self):
        data = super().clean()
        _check_period(self)
        return data


class PlanGeneralForm(forms.Form):
    title = forms.CharField(label=_("Title of the plan"), max_length=200)
    starts_on = forms.DateField(label=_("Start of the plan"), widget=DateInput(),
                                required=False)
    ends_on = forms.DateField(label=_("End of the plan"), widget=DateInput(), required=False,
                              help_text=_("A plan may span several fiscal years (April 1 to "
                                          "March 31)."))

    def clean(self):
        data = super().clean()
        _check_period(self)
        return data


class PlanNeedsForm(forms.Form):
    needs_analysis = forms.CharField(label=_("Summary of the needs analysis"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 8}))
    objectives = forms.CharField(label=_("Objectives"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 6}))
    characteristics = forms.MultipleChoiceField(
        label=_("Welcoming-community characteristics the plan addresses"),
        choices=Characteristic.choices, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, municipal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["needs_analysis"]
        field.help_text = (
            _("Required for municipal bodies: your organisation must give it before submitting.")
            if municipal else _("Optional for your organisation, but it helps the adviser."))


class MeasureForm(forms.Form):
    axis = forms.ChoiceField(label=_("Intervention axis"))
    title = forms.CharField(label=_("Title of the measure"), max_length=200)
    description = forms.CharField(label=_("Description"),
                                  widget=forms.Textarea(attrs={"rows": 5}))
    target_groups = forms.CharField(label=_("Target groups"), max_length=300, required=False)
    starts_on = forms.DateField(label=_("Start"), widget=DateInput())
    ends_on = forms.DateField(label=_("End"), widget=DateInput())
    partners_involved = forms.CharField(label=_("Partners involved"), max_length=300,
                                        required=False)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        funded = set(plan.call.program.axes or [])
        self.fields["axis"].choices = [("", _("Choose an axis")),
                                       *[(v, label) for v, label in Axis.choices if v in funded]]
        if plan.starts_on and plan.ends_on:
            help_text = _("Within the plan’s period, from %(start)s to %(end)s.") % {
                "start": plan.starts_on.isoformat(), "end": plan.ends_on.isoformat()}
            self.fields["starts_on"].help_text = help_text
            self.fields["ends_on"].help_text = help_text

    def clean(self):
        data = super().clean()
        _check_period(self)
        plan = self.plan
        for name in ("starts_on", "ends_on"):
            day = data.get(name)
            if day and plan.starts_on and plan.ends_on and not (
                    plan.starts_on <= day <= plan.ends_on):
                self.add_error(name, ValidationError(
                    _("This date is outside the plan’s period (%(start)s to %(end)s)."),
                    params={"start": plan.starts_on.isoformat(), "end": plan.ends_on.isoformat()},
                    code="outside_plan_period"))
        return data


#: The choice of the indicator list that names an indicator outside the catalogue.
OTHER_INDICATOR = "other"


class IndicatorForm(forms.Form):
    """One indicator of a measure: a standard indicator of the ministry's catalogue (its name
    and unit come from the catalogue, so results add up across plans), or « Other », named by
    the partner with its unit (counted apart). A row with a name but no choice is « Other »."""

    definition = forms.ChoiceField(label=_("Indicator"), required=False)
    name = forms.CharField(label=_("Name of the other indicator"), max_length=200,
                           required=False,
                           help_text=_("Only for “Other”: what you will measure."))
    unit = forms.CharField(label=_("Unit of the other indicator"), max_length=50,
                           required=False,
                           help_text=_("Only for “Other”. For example: participants, "
                                       "activities, meetings."))
    target_value = AmountField(label=_("Target value"),
                               help_text=_("In the indicator’s unit."),
                               error_messages={"invalid": _("Enter a number, for example 40."),
                                               "min_value": _("A target cannot be negative.")})

    def __init__(self, *args, definitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = {d.code: d for d in definitions}
        self.fields["definition"].choices = [
            ("", _("Choose an indicator")),
            (_("Ministry’s standard indicators"),
             [(d.code, f"{d.name} ({d.unit})") for d in definitions]),
            (OTHER_INDICATOR, _("Other (name it below)")),
        ]

    def clean(self):
        data = super().clean()
        code = data.get("definition")
        if code and code != OTHER_INDICATOR:
            data.update(definition=self.definitions[code], name="", unit="")
            return data
        if "definition" not in data:
            return data  # an unknown choice: its field already says so
        data["definition"] = None
        if code == OTHER_INDICATOR or data.get("name") or data.get("unit"):
            for name in ("name", "unit"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("Name the other indicator and give its unit."))
        else:
            self.add_error("definition", _("Choose an indicator from the list, or “Other” "
                                           "and name it."))
        return data


def indicator_definitions(measure=None) -> list:
    """The catalogue's indicators a measure may choose: the active ones, and those the measure
    already uses (an indicator deactivated since stays on the measure's form). One query."""
    chosen = Q(indicators__measure=measure) if measure is not None else Q(pk__in=[])
    return list(IndicatorDefinition.objects.filter(Q(is_active=True) | chosen).distinct()
                .order_by("position", "code"))


def measure_indicator_formset(data, measure=None):
    """The measure form's indicator rows (with the measure's own, when it exists)."""
    definitions = indicator_definitions(measure)
    initial = []
    if measure is not None:
        for row in measure.indicators.values("definition__code", "name", "unit",
                                             "target_value"):
            code = row.pop("definition__code")
            initial.append({**row, "definition": code, "name": "", "unit": ""} if code
                           else {**row, "definition": OTHER_INDICATOR})
    formset = IndicatorFormSet(data, initial=initial, prefix="indicators",
                               form_kwargs={"definitions": definitions})
    formset.definitions = definitions
    return formset


class BudgetLineForm(forms.Form):
    label = forms.CharField(label=_("Expense"), max_length=200)
    requested_amount = AmountField(label=_("Amount asked of the ministry ($)"), required=False)
    partner_amount = AmountField(label=_("Partner contribution ($)"), required=False)
    other_amount = AmountField(label=_("Other funders’ amount ($)"), required=False)
    other_funders = forms.CharField(label=_("Other funders"), max_length=200, required=False,
                                    help_text=_("Their names, when another funder contributes."))

    AMOUNTS = ("requested_amount", "partner_amount", "other_amount")

    def clean(self):
        data = super().clean()
        for name in self.AMOUNTS:  # an amount left empty is nothing
            if name in data and data[name] is None:
                data[name] = Decimal("0.00")
        return data


IndicatorFormSet = forms.formset_factory(IndicatorForm, extra=2, can_delete=True)
BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=2, can_delete=True)


def formset_rows(formset) -> list[dict]:
    """The rows a formset keeps: filled in and not marked for deletion."""
    return [{k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")]


def municipal(organisation) -> bool:
    return organisation.kind in MUNICIPAL_KINDS
