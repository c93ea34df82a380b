from django import forms
from django.utils.translation import gettext_lazy as _

from .messages import kind_groups
from .models import EmailMode


class PreferenceForm(forms.Form):
    """How a person is emailed, and which groups of notifications they receive by email (the
    groups the domains registered, see ``notifications.messages``)."""

    email_mode = forms.ChoiceField(label=_("How do you want to be emailed?"),
                                   choices=EmailMode.choices, widget=forms.RadioSelect)
    groups = forms.MultipleChoiceField(
        label=_("What do you want to receive by email?"), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Unchecked kinds are still shown in the portal's notifications."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = [(slug, label) for slug, (label, _kinds)
                                         in kind_groups().items()]

    @staticmethod
    def initial_for(preference) -> dict:
        muted = set(preference.muted_kinds)
        return {"email_mode": preference.email_mode,
                "groups": [slug for slug, (_label, kinds) in kind_groups().items()
                           if not muted.issuperset(kinds)]}

    def muted_kinds(self) -> list[str]:
        chosen = set(self.cleaned_data["groups"])
        return sorted(kind for slug, (_label, kinds) in kind_groups().items()
                      if slug not in chosen for kind in kinds)
