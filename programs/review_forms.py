"""Forms of a plan's page (views/review.py): the comment thread and document uploads. They
only clean input; programs.services decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.files import EXTENSIONS


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
