"""``{% load form_errors %}``: the errors of every form a page was given, for the page's title
and its error summary (``templates/base.html``), whatever names the view gave its forms.

``{% page_errors as page_errors %}`` collects, from the page's context, every bound form,
formset and filter set (its form) that has errors, in the order the view listed them:
one entry per message, with the field's label and the id its link points at (the control, or
the group of checkboxes or radios; none for an error of the whole form). ``base.html`` starts
the ``<title>`` with « Erreur — » when there is any and shows ``includes/error_summary.html``
above the page's content: a list of links to the fields, focused on load (``portal.js``), as
the errors next to each field (``includes/form_fields.html``, Django's ``aria-invalid`` and
``aria-describedby``) say the same thing where the eye is."""

from dataclasses import dataclass

from django import template
from django.forms import BaseForm, BaseFormSet

register = template.Library()


@dataclass(frozen=True)
class PageError:
    label: str
    message: str
    anchor: str


def _form_of(value):
    """A form, a formset or a filter set's form with errors, else None."""
    form = getattr(value, "form", None) if hasattr(value, "filters") else value
    if isinstance(form, BaseForm | BaseFormSet) and form.is_bound:
        return form
    return None


def _anchor(bound_field) -> str:
    if bound_field.is_hidden:
        return ""
    return bound_field.id_for_label or bound_field.auto_id or ""


def _errors_of(form) -> list[PageError]:
    if isinstance(form, BaseFormSet):
        errors = [PageError("", str(message), "") for message in form.non_form_errors()]
        for member in form.forms:
            errors.extend(_errors_of(member))
        return errors
    if not form.errors:
        return []
    errors = [PageError("", str(message), "") for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name not in form.fields:
            continue
        bound_field = form[name]
        errors.extend(PageError(str(bound_field.label or name), str(message),
                                _anchor(bound_field)) for message in messages)
    return errors


@register.simple_tag(takes_context=True)
def page_errors(context) -> list[PageError]:
    seen, errors = set(), []
    for value in context.flatten().values():
        candidates = value if isinstance(value, list | tuple) else [value]
        for candidate in candidates:
            form = _form_of(candidate)
            if form is not None and id(form) not in seen:
                seen.add(id(form))
                errors.extend(_errors_of(form))
    return errors
