"""What every app's forms share."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError, renames: dict | None = None) -> set[str]:
    """A service's ``ValidationError`` on ``form``, so the page shows it where it belongs: each
    field's messages at that field (its name changed by ``renames`` when the form calls it
    otherwise) when the form has it, the rest on the whole form. Returns the errors' codes, for
    a view that reacts to one (a warning to confirm). Views call it when a service refuses
    what the form sent, then show the form again: its errors at its fields, listed in the
    page's summary (``portal.templatetags.form_errors``)."""
    renames = renames or {}
    codes = set()
    items = (error.error_dict.items() if hasattr(error, "error_dict")
             else [(None, error.error_list)])
    for name, errors in items:
        name = renames.get(name, name)
        codes.update(item.code for item in errors if item.code)
        form.add_error(name if name in form.fields else None, errors)
    return codes


class MoveForm(forms.Form):
    """What a workflow move posts from a page whose template writes the move's controls itself,
    with the ids ``<field>-<status>`` (``comment-closed``): bound again when the move was
    refused, so each reason shows at its control and what was typed stays. A domain's form
    names its fields and, in ``REFUSAL_FIELDS``, the field each refusal code of its workflow
    (``TransitionRefused``) is about; a code it does not name is about the whole move."""

    REFUSAL_FIELDS: dict[str, str] = {}

    def __init__(self, *args, to, **kwargs):
        super().__init__(*args, auto_id=f"%s-{to}", **kwargs)
        self.to = to

    def field_for(self, error: ValidationError) -> str | None:
        """The field a refusal is about (None: the whole move)."""
        return self.REFUSAL_FIELDS.get(error.code)

    def add_refusal(self, refusal: ValidationError) -> None:
        """The service's refusal, each reason at its field."""
        for error in refusal.error_list:
            self.add_error(self.field_for(error), error)

    @property
    def has_field_errors(self) -> bool:
        return any(name in self.fields for name in self.errors)

    @staticmethod
    def place(context: dict, forms: dict | None) -> dict:
        """A page's context with the forms a refused post bound again: a ``move_form`` goes
        to its move's controls (``context["moves"]``, the items ``Workflow.moves_for`` gave,
        each with its ``to``) and stays in the context as ``move_form``, so that the error
        summary lists it even when the move is no longer offered; the other forms are added
        under their names."""
        posted = dict(forms or {})
        move_form = posted.pop("move_form", None)
        if move_form is not None:
            for item in context["moves"]:
                if item["to"] == move_form.to:
                    item["form"] = move_form
            context["move_form"] = move_form
        context.update(posted)
        return context
