"""Forms of the checklists and of the ready answers (views/checklists.py, views/answers.py).
They only clean input; ``enterprises.checklists`` and ``enterprises.answers`` decide and
write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .answers import localized
from .checklists import MAX_STEPS
from .models import HelpKind, ReadyAnswer, Topic

LANGUAGES = [("fr", _("French")), ("en", _("English"))]


# --------------------------------------------------------------------------------------------
# Checklists
# --------------------------------------------------------------------------------------------


class ChecklistTemplateForm(forms.Form):
    help_kind = forms.ChoiceField(label=_("Help kind"), choices=[("", "—"), *HelpKind.choices],
                                  error_messages={"required": _("Choose the help kind.")})
    topic = forms.ChoiceField(label=_("Topic"), choices=[("", "—"), *Topic.choices],
                              error_messages={"required": _("Choose the topic.")})


class StepForm(forms.Form):
    """One step of a checklist; ``id`` is the existing step's (empty for a new one)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label_fr = forms.CharField(label=_("Step (French)"), max_length=200, required=False)
    label_en = forms.CharField(label=_("Step (English)"), max_length=200, required=False)
    required = forms.BooleanField(label=_("Required to close as resolved"), required=False,
                                  initial=True)
    position = forms.IntegerField(label=_("Order"), min_value=0, max_value=999,
                                  required=False,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    def clean(self):
        data = super().clean()
        if (self.has_changed() and not self.errors
                and bool(data.get("label_fr")) != bool(data.get("label_en"))):
            raise ValidationError(_("Give the step in French and in English."))
        return data

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("id") and not data.get("label_fr") and not data.get("label_en")


StepFormSet = forms.formset_factory(StepForm, extra=5, max_num=MAX_STEPS, validate_max=True,
                                    can_delete=True)


def step_rows(formset) -> list[dict]:
    """The steps the formset keeps, in the form's order (blank extra rows and deleted ones
    left out)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or form.is_blank():
            continue
        rows.append({"id": data.get("id"), "label_fr": data.get("label_fr", ""),
                     "label_en": data.get("label_en", ""),
                     "required": bool(data.get("required")),
                     "position": data.get("position")})
    return rows


class ClassifyForm(forms.Form):
    """Staff set the kinds of help and the topics of a case (an emailed request has none)."""

    help_kinds = forms.MultipleChoiceField(
        label=_("Help wanted"), choices=HelpKind.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of help.")})
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one topic.")})


# --------------------------------------------------------------------------------------------
# Ready answers
# --------------------------------------------------------------------------------------------


class ReadyAnswerForm(forms.Form):
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200,
                               error_messages={"required": _("Give the title in French.")})
    title_en = forms.CharField(label=_("Title (English)"), max_length=200,
                               error_messages={"required": _("Give the title in English.")})
    body_fr = forms.CharField(label=_("Answer (French)"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": _("Write the answer in French.")})
    body_en = forms.CharField(label=_("Answer (English)"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 8}),
                              error_messages={"required": _("Write the answer in English.")})
    topic = forms.ChoiceField(label=_("Topic"), required=False,
                              choices=[("", _("Any topic")), *Topic.choices])
    help_kind = forms.ChoiceField(label=_("Help kind"), required=False,
                                  choices=[("", _("Any kind of help")), *HelpKind.choices])


class LibraryFilterForm(forms.Form):
    q = forms.CharField(label=_("Words"), max_length=200, required=False,
                        help_text=_("Searched in the titles and the answers, in French and in "
                                    "English."))
    topic = forms.ChoiceField(label=_("Topic"), required=False,
                              choices=[("", _("All topics")), *Topic.choices],
                              help_text=_("Answers for any topic are listed too."))
    help_kind = forms.ChoiceField(label=_("Help kind"), required=False,
                                  choices=[("", _("All kinds of help")), *HelpKind.choices])
    order = forms.ChoiceField(label=_("Sort by"), required=False,
                              choices=[("title", _("Title")), ("uses", _("Most used first"))])
    inactive = forms.BooleanField(label=_("Include answers out of use"), required=False)

    def __init__(self, *args, managers: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not managers:
            del self.fields["inactive"]


class AnswerPickForm(forms.Form):
    """An adviser picks a ready answer to start a note from, in the enterprise's language or
    the other one."""

    answer = forms.ModelChoiceField(label=_("Ready answer"), queryset=ReadyAnswer.objects.none(),
                                    empty_label="—",
                                    error_messages={"required": _("Choose a ready answer."),
                                                    "invalid_choice": _(
                                                        "This ready answer is no longer in "
                                                        "use: choose another one.")})
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES,
                                 widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        field.queryset = ReadyAnswer.objects.filter(is_active=True).order_by("topic", "pk")
        field.label_from_instance = _answer_label


def _answer_label(answer) -> str:
    """« Recruit — The PRIIME programme », in the reader's language."""
    title = localized(answer, "title")
    return f"{answer.get_topic_display()} — {title}" if answer.topic else title


def ready_answer_choice(value):
    """The answer a note starts from (its hidden field): None when empty; an answer in use, or
    the refusal."""
    if value in (None, ""):
        return None
    answer = (ReadyAnswer.objects.filter(pk=int(value), is_active=True).first()
              if str(value).isdigit() else None)
    if answer is None:
        raise ValidationError(_("This ready answer is no longer in use: choose another one."))
    return answer
