"""The form renderer of every form of the portal (``FORM_RENDERER``)."""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

#: Django's widget templates that only include ``input.html`` (``checkbox.html`` and the
#: like): what ``FormRenderer`` writes in Python.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "search",
                 "tel", "date", "datetime", "time", "color", "file", "checkbox"))
#: A checkbox or radio of a multiple choice, with its label around it unless told not to.
OPTION_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input_option", "checkbox_option", "radio_option"))
SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    """``{{ value }}`` in a template: localised, then escaped unless already safe."""
    return conditional_escape(localize(template_localtime(value)))


def _attrs(attrs) -> str:
    """Django's ``attrs.html``: ``False`` left out, ``True`` as a bare attribute."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_text(str(value))}"'
        for name, value in attrs.items() if value is not False)


class FormRenderer(DjangoTemplates):
    """Django's own renderer and widget templates (those of ``templates/django/forms/`` found
    first), except that the commonest widgets are written in Python with exactly the markup
    of Django's templates (``tests/portal/test_form_renderer.py`` compares them): the select
    and its options, the ``<input>`` family, and a multiple choice's checkbox or radio. Filter
    forms render a dozen selects and hundreds of options on every list page; through the
    template engine, each option cost an include and a loop over its attributes: the case
    list's filter form took about a sixth of the page's time. A template of the
    same name in ``templates/django/forms/widgets/`` takes precedence over the Python."""

    @cached_property
    def engine(self):
        return self.backend({
            "APP_DIRS": True,
            "DIRS": [Path(settings.BASE_DIR) / "templates",
                     Path(django.forms.__file__).parent / "templates"],
            "NAME": "portalforms",
            "OPTIONS": {},
        })

    @cached_property
    def _overridden(self) -> frozenset:
        """The Python-written templates the project overrides in its own folder."""
        folder = Path(settings.BASE_DIR) / "templates"
        written = (*INPUT_TEMPLATES, *OPTION_INPUT_TEMPLATES, SELECT_TEMPLATE, OPTION_TEMPLATE)
        return frozenset(name for name in written if (folder / name).exists())

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and template_name not in self._overridden:
            if template_name in INPUT_TEMPLATES:
                return mark_safe(self._input(widget))  # noqa: S308  (every part escaped)
            if template_name in OPTION_INPUT_TEMPLATES:
                return mark_safe(self._option_input(widget))  # noqa: S308  (escaped)
            if template_name == SELECT_TEMPLATE and all(
                    option["template_name"] == OPTION_TEMPLATE
                    for _name, options, _index in widget["optgroups"] for option in options):
                return mark_safe(self._select(widget))  # noqa: S308  (every part escaped)
        return super().render(template_name, context, request)

    @staticmethod
    def _input(widget) -> str:
        value = widget["value"]
        shown = "" if value is None else f' value="{_text(str(value))}"'
        return (f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
                f'{shown}{_attrs(widget["attrs"])}>')

    @classmethod
    def _option_input(cls, widget) -> str:
        html = cls._input(widget)
        if not widget["wrap_label"]:
            return html
        for_id = f' for="{_text(widget["attrs"]["id"])}"' if widget["attrs"].get("id") else ""
        return f"<label{for_id}>{html}\n {_text(widget['label'])}</label>"

    @staticmethod
    def _select(widget) -> str:
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            parts.extend(f'\n  <option value="{_text(str(option["value"]))}"'
                         f'{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'
                         for option in options)
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)
