from django import forms
from django.utils.translation import gettext_lazy as _

from .models import KIND_GROUPS, EmailMode


class PreferenceForm(forms.Form):
    """How a person is emailed, and which groups of notifications they receive by email."""

    email_mode = forms.ChoiceField(label=_("How do you want to be emailed?"),
                                   choices=EmailMode.choices, widget=forms.RadioSelect)
    groups = forms.MultipleChoiceField(
        label=_("What do you want to receive by email?"), required=False,
        choices=[(slug, label) for slug, (label, _kinds) in KIND_GROUPS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Unchecked kinds are still shown in the portal's notifications."))

    @staticmethod
    def initial_for(preference) -> dict:
        muted = set(preference.muted_kinds)
        return {"email_mode": preference.email_mode,
                "groups": [slug for slug, (_label, kinds) in KIND_GROUPS.items()
                           if not muted.issuperset(kinds)]}

    def muted_kinds(self) -> list[str]:
        chosen = set(self.cleaned_data["groups"])
        return sorted(kind for slug, (_label, kinds) in KIND_GROUPS.items()
                      if slug not in chosen for kind in kinds)
