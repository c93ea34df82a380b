"""The form renderer of every form of the portal (``FORM_RENDERER``)."""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class FormRenderer(DjangoTemplates):
    """Django's own renderer and widget templates, except those of ``templates/django/forms/``
    found first: the select there writes each option in place instead of including a
    template per option, half the time for the same markup. Filter forms render hundreds of
    options on every list page (regions, offices, MRCs, sectors, sorts)."""

    @cached_property
    def engine(self):
        return self.backend({
            "APP_DIRS": True,
            "DIRS": [Path(settings.BASE_DIR) / "templates",
                     Path(django.forms.__file__).parent / "templates"],
            "NAME": "portalforms",
            "OPTIONS": {},
        })
