"""Forms of enterprise registration and profiles (views/profile.py). They only clean input;
``enterprises.services`` decides and writes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .case_forms import MunicipalityField
from .models import Enterprise, LegalForm, Nature, Sector, SizeBand
from .neq import parse_neq

NEQ_HELP = _("The Quebec enterprise number: 10 digits, starting with 11, 22, 33 or 88. Spaces "
             "and dashes are ignored.")
MUNICIPALITY_HELP = _("Where the enterprise is: it sets your region and the ministry office "
                      "that serves you. Type the name and choose a suggestion, or type the "
                      "5-digit geographic code.")


def municipality_field():
    return MunicipalityField(
        label=_("Municipality"), max_length=200, help_text=MUNICIPALITY_HELP,
        widget=forms.TextInput(attrs={"list": "municipality-list", "autocomplete": "off"}))


class NeqField(forms.CharField):
    """An NEQ, normalised (spaces and dashes removed); a wrong length, letters or an unknown
    prefix are refused here. The check-digit warning is the service's."""

    def clean(self, value):
        value = super().clean(value)
        return parse_neq(value).value if value else value


class EnterpriseFieldsMixin(forms.Form):
    """The enterprise's own fields, shared by registration and the profile form."""

    neq = NeqField(label=_("NEQ"), max_length=20, help_text=NEQ_HELP,
                   widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    neq_confirmed = forms.BooleanField(label=_("I confirm this NEQ is correct"), required=False)
    name = forms.CharField(label=_("Legal name"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    other_names = forms.CharField(label=_("Other names"), max_length=300, required=False,
                                  help_text=_("Names the enterprise also uses, if any."))
    legal_form = forms.ChoiceField(label=_("Legal form"),
                                   choices=[("", "—"), *LegalForm.choices])
    nature = forms.ChoiceField(label=_("For-profit, non-profit or parapublic"),
                               choices=Nature.choices, widget=forms.RadioSelect)
    sector = forms.ChoiceField(label=_("Sector (NAICS)"), choices=[("", "—"), *Sector.choices])
    naics_code = forms.RegexField(
        label=_("NAICS code"), regex=r"^\d{2,6}$", max_length=6, required=False,
        help_text=_("Optional: 2 to 6 digits, for example 311811 for retail bakeries."),
        error_messages={"invalid": _("A NAICS code has 2 to 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    size_band = forms.ChoiceField(label=_("Number of employees"),
                                  choices=[("", "—"), *SizeBand.choices])
    municipality = municipality_field()
    address = forms.CharField(label=_("Address"), max_length=255,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    phone = forms.CharField(label=_("Phone"), max_length=30,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))

    #: Set by the view when the service answered that the NEQ fails the check: the page then
    #: shows the warning and the confirmation checkbox.
    neq_warning = False

    @property
    def shows_neq_confirmation(self) -> bool:
        return self.neq_warning or bool(self.data.get(self.add_prefix("neq_confirmed")))


class RegistrationForm(EnterpriseFieldsMixin):
    """The person and their enterprise, in one form."""

    first_name = forms.CharField(label=_("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(label=_("Email address"),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password (again)"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    PERSON_FIELDS = ("first_name", "last_name", "email", "password1", "password2")
    ENTERPRISE_FIELDS = ("neq", "neq_confirmed", "name", "other_names", "legal_form", "nature",
                         "sector", "naics_code", "size_band", "municipality", "address",
                         "phone")

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data

    def person_fields(self):
        return [self[name] for name in self.PERSON_FIELDS]

    def enterprise_fields(self):
        return [self[name] for name in self.ENTERPRISE_FIELDS if name != "neq_confirmed"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {name: data[name] for name in self.ENTERPRISE_FIELDS}
        arguments.update(first_name=data["first_name"], last_name=data["last_name"],
                         email=data["email"], password=data["password1"])
        return arguments


class EnterpriseForm(EnterpriseFieldsMixin):
    """An enterprise's profile, for its users and the staff of its territory."""

    FIELDS = ("neq", "neq_confirmed", "name", "other_names", "legal_form", "nature", "sector",
              "naics_code", "size_band", "municipality", "address", "phone")

    def __init__(self, *args, enterprise: Enterprise, **kwargs):
        organisation = enterprise.organisation
        initial = {name: getattr(enterprise, name) for name in (
            "neq", "other_names", "legal_form", "nature", "sector", "naics_code", "size_band")}
        initial.update(name=organisation.name, municipality=organisation.municipality,
                       address=organisation.address, phone=organisation.phone)
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["address"].required = False
        self.fields["phone"].required = False

    def visible_profile_fields(self):
        return [self[name] for name in self.FIELDS if name != "neq_confirmed"]

    def changes(self) -> dict:
        """Only what changed, so an unchanged NEQ is not checked again."""
        return {name: self.cleaned_data[name] for name in self.FIELDS
                if name == "neq_confirmed" or name in self.changed_data}


