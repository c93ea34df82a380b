from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The expiry offered by default.
DEFAULT_LIFETIME_DAYS = 90


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80,
                           help_text=_("What the token is for, e.g. the system that uses it."))
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("One year at most. The token stops working at the end of this day."))
    read_only = forms.BooleanField(
        label=_("Read only (the token cannot change anything)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "expires_on", timezone.localdate() + timedelta(days=DEFAULT_LIFETIME_DAYS))

    def expires_at(self):
        """The end of the chosen day, in the portal's time zone."""
        day = self.cleaned_data["expires_on"] + timedelta(days=1)
        return timezone.make_aware(datetime(day.year, day.month, day.day))
