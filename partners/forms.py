from django import forms
from django.utils.translation import gettext_lazy as _

from antennes.models import Office
from regions.models import Mrc, Municipality

from .models import Contact, Organisation


class OrganisationForm(forms.ModelForm):
    municipality = forms.ModelChoiceField(
        label=_("Municipality (geographic code)"),
        queryset=Municipality.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Five digits, for example 37067 for Trois-Rivières. To find a municipality "
                    "by name, use “Add from the register”."),
        error_messages={"invalid_choice": _("No municipality of the register has this code.")},
    )
    mrc = forms.ModelChoiceField(label=_("MRC"), queryset=Mrc.objects.all(), required=False)
    office = forms.ModelChoiceField(
        label=_("Serving office"),
        queryset=Office.objects.filter(is_active=True).select_related("sit"),
        required=False,
        help_text=_("Leave empty to use the office whose territory covers the organisation."),
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "non_profit_kind", "region", "mrc", "municipality", "office",
                  "email", "phone", "website", "address"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"}),
                   "phone": forms.TextInput(attrs={"autocomplete": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.municipality_id:
            self.initial["municipality"] = self.instance.municipality.code


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "title", "email", "phone", "is_primary"]
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "off"})}


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person to invite"))


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    last_name = forms.CharField(label=_("Last name"), max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password (again)"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class RegisterSearchForm(forms.Form):
    q = forms.CharField(label=_("Municipality or MRC: name or code"), max_length=100,
                        required=False)
