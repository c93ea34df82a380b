"""Forms of a plan's page (views/review.py, views/grids.py): the comment thread, document
uploads, a workflow move and asking a second reviewer. They only clean input;
programs.services decides. A form the page writes by hand (a move, the second reviewer) is
bound again when its post is refused, so each error shows at its control, in the page's error
summary (``base.html``), and what was typed stays."""

from decimal import InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import forms as portal_forms
from portal.files import EXTENSIONS
from portal.money import parse_amount


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message before sending it.")},
    )
    internal = forms.BooleanField(
        label=_("Internal comment (ministry staff only)"), required=False,
        help_text=_("The organisation never reads an internal comment; only the ministry’s "
                    "staff are notified."),
    )

    def __init__(self, *args, internal_allowed=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not internal_allowed:  # a partner's message is always shared
            del self.fields["internal"]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        help_text=_("PDF, DOCX, XLSX or ODT, 10 MB at most. The file is checked by its content."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
        error_messages={"required": _("Choose a file to upload."),
                        "empty": _("The file is empty.")},
    )
    required_document = forms.ModelChoiceField(
        label=_("Required document it answers"), queryset=None, required=False,
        empty_label=_("Another document"),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        documents = plan.call.required_documents.all()
        if documents:
            self.fields["required_document"].queryset = documents
        else:  # the call asks for no document: nothing to choose
            del self.fields["required_document"]


class PlanMoveForm(portal_forms.MoveForm):
    """What a move of the plan's page posts (``programs/_actions.html`` writes its controls,
    with the ids ``<field>-<status>``: ``comment-refused``). The workflow decides; a refusal
    (``TransitionRefused``) goes back to the control its code is about (``add_refusal``)."""

    #: The field each refusal of ``programs.workflow`` is about, by its code (the others, a
    #: move not allowed or a plan incomplete, are about the whole move).
    REFUSAL_FIELDS = {
        "comment_required": "comment",
        "amount_required": "amount", "amount_too_high": "amount",
    }

    amount = forms.CharField(label=_("Amount ($)"), required=False)
    over_envelope_confirmed = forms.BooleanField(
        label=_("I confirm approving beyond the envelope"), required=False)
    comment = forms.CharField(label=_("Comment"), required=False)

    def clean_amount(self):
        """Text that is no number is refused here (the workflow's own words); the amount goes
        to the service as typed, which reads it in the page's language."""
        value = self.cleaned_data["amount"]
        try:
            parse_amount(value)
        except (InvalidOperation, ValueError):
            raise ValidationError(_("The amount must be a number."), code="amount_invalid") \
                from None
        return value

    def field_for(self, error):
        """The envelope's refusal at the confirmation until it is ticked, then at the comment
        that must say why."""
        if error.code == "over_envelope":
            return ("comment" if self.cleaned_data.get("over_envelope_confirmed")
                    else "over_envelope_confirmed")
        return super().field_for(error)


class ReviewRequestForm(forms.Form):
    """Asking a second reviewer (the plan page's « Review grids »; the select's id is
    ``grid-reviewer``): one of the people who may review the plan."""

    reviewer = forms.ModelChoiceField(
        label=_("Reviewer"), queryset=None,
        error_messages={"required": _("Choose who should review the plan."),
                        "invalid_choice": _("Choose who should review the plan.")})

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, auto_id="grid-%s", **kwargs)
        self.fields["reviewer"].queryset = candidates


