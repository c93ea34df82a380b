"""Forms of a support request and of a case's page (views/case.py). They only clean input;
``enterprises.services`` decides and writes."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from antennes.models import Office
from partners.models import MUNICIPAL_KINDS, Kind, Organisation
from portal import files
from portal import forms as portal_forms
from portal.text import fold
from regions.models import Municipality

from .casework_forms import AnswerPickForm, ready_answer_choice
from .models import (
    Channel,
    FrenchLevel,
    HelpKind,
    Outcome,
    Priority,
    ReferralOutcome,
    ReferralTarget,
    Topic,
)

#: Ways staff receive a request (the portal is the enterprise's own).
STAFF_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.EMAIL, Channel.MEETING)]
MAX_FILES = 5
MAX_POSITIONS = 20
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def municipality_label(municipality) -> str:
    """How a municipality reads in the input and its suggestions: « Trois-Rivières (37067) »."""
    return f"{municipality.name} ({municipality.code})"


class MunicipalityField(forms.CharField):
    """A municipality of the register typed as its name, its 5-digit code, or a suggestion
    « Name (code) » of the page's list. Returns the Municipality."""

    default_error_messages = {
        "unknown": _("No municipality of the register has this name or code. Choose one of the "
                     "suggestions, or type its 5-digit geographic code."),
        "ambiguous": _("Several municipalities have this name: choose one of the suggestions, "
                       "which give the code."),
    }

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = re.search(r"\((\d{5})\)\s*$", value) or re.fullmatch(r"\s*(\d{5})\s*", value)
        if match:
            found = list(Municipality.objects.filter(code=match.group(1)))
        else:
            found = list(Municipality.objects.filter(search_name=fold(value))[:2])
        if not found:
            raise ValidationError(self.error_messages["unknown"], code="unknown")
        if len(found) > 1:
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
        return found[0]

    def prepare_value(self, value):
        if isinstance(value, Municipality):
            return municipality_label(value)
        return value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several documents in one input, each checked by its content (``portal.files``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(
            attrs={"accept": ",".join(files.EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_FILES:
            raise ValidationError(_("Attach %(max)s documents at most.") % {"max": MAX_FILES})
        cleaned = [single(upload, initial) for upload in uploads]
        errors = []
        for upload in cleaned:
            try:
                files.check_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class CaseRequestForm(forms.Form):
    """A request for support. Staff also say how they received it."""

    channel = forms.ChoiceField(label=_("Request received by"), choices=STAFF_CHANNELS,
                                widget=forms.RadioSelect, initial=Channel.PHONE)
    subject = forms.CharField(
        label=_("Subject"), max_length=200,
        help_text=_("One line that says what the request is about, for example “Recruit two "
                    "welders”."),
        error_messages={"required": _("Say in one line what the request is about.")})
    help_kinds = forms.MultipleChoiceField(
        label=_("Help wanted"), choices=HelpKind.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Information: answers to your questions. Referral: we direct you to the "
                    "right service or partner. Accompaniment: an adviser follows your steps."),
        error_messages={"required": _("Choose at least one kind of help.")})
    topics = forms.MultipleChoiceField(
        label=_("About immigrant workers, you want to"), choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For help to recruit, list the positions to fill below."),
        error_messages={"required": _("Choose at least one topic.")})
    description = forms.CharField(
        label=_("Describe your needs"), max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Describe your needs in a few words.")})
    attachments = MultipleFileField(
        label=_("Documents (optional)"), required=False,
        help_text=_("PDF, DOCX, XLSX or ODT, 10 MB at most each, 5 documents at most. Files "
                    "are checked by their content."))
    #: Shown with the warning of a similar open request (``enterprises.duplicates``): the
    #: request is sent only once this is ticked.
    other_request = forms.BooleanField(
        label=_("This is another request"), required=False,
        help_text=_("Tick this box only if this request is not the one already open."))

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            del self.fields["channel"]


class EnterpriseSearchForm(forms.Form):
    """The adviser looks for the enterprise a request is for, by name or NEQ."""

    q = forms.CharField(label=_("Enterprise name or NEQ"), max_length=200, required=False,
                        help_text=_("Accents and capitals are ignored."))


class PositionForm(forms.Form):
    count = forms.IntegerField(label=_("Number of positions"), min_value=1, max_value=999,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    job_title = forms.CharField(label=_("Job title"), max_length=200)
    noc_code = forms.RegexField(
        label=_("NOC code (optional)"), regex=r"^\d{5}$", required=False,
        help_text=_("5 digits of the National Occupational Classification 2021, for example "
                    "72410."),
        error_messages={"invalid": _("A NOC 2021 code has 5 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "maxlength": 5}))
    municipality = MunicipalityField(
        label=_("Municipality of work"), max_length=200,
        help_text=_("Type the name and choose a suggestion, or type the 5-digit geographic "
                    "code."),
        widget=forms.TextInput(attrs={"list": "municipality-list", "autocomplete": "off"}))
    french_level = forms.ChoiceField(label=_("French level required"),
                                     choices=[("", "—"), *FrenchLevel.choices])


PositionFormSet = forms.formset_factory(PositionForm, extra=2, max_num=MAX_POSITIONS,
                                        validate_max=True)


def position_rows(formset) -> list[dict]:
    """The positions a formset holds: the rows filled in."""
    return [dict(form.cleaned_data) for form in formset.forms if form.cleaned_data]


# --------------------------------------------------------------------------------------------
# A case's page
# --------------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Your note"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": _("Write the note before adding it.")})
    is_internal = forms.BooleanField(
        label=_("Internal note — ministry only (untick to share it with the enterprise)"),
        required=False, initial=True)

    #: Staff: the ready answer the note starts from (``casework_forms``; counts one use).
    ready_answer = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        #: Staff pick a ready answer to start from (templates/enterprises/_note_answer_pick.html).
        self.pick = None
        if not staff:
            del self.fields["is_internal"]
            del self.fields["ready_answer"]
            self.fields["body"].label = _("Your reply")
            self.fields["body"].error_messages["required"] = _("Write your reply before "
                                                               "sending it.")
        else:
            self.pick = AnswerPickForm(prefix="pick")

    def clean_ready_answer(self):
        return ready_answer_choice(self.cleaned_data.get("ready_answer"))


class FollowUpForm(forms.Form):
    next_follow_up = forms.DateField(label=_("Next follow-up"), widget=DATE_WIDGET,
                                     error_messages={"required": _("Give a date."),
                                                     "invalid": _("Give a valid date.")})


class MoveForm(portal_forms.MoveForm):
    """What a move of the case page posts (``_case_actions.html`` writes its controls)."""

    #: The field each refusal of ``enterprises.workflow`` is about, by its code.
    REFUSAL_FIELDS = {
        "adviser_required": "adviser", "adviser_outside": "adviser",
        "outcome_required": "outcome", "outcome_not_allowed": "outcome",
        "outcome_merged": "outcome",
        "reason_required": "comment", "comment_required": "comment",
        "checklist_reason_required": "comment",
        "follow_up_required": "next_follow_up", "follow_up_past": "next_follow_up",
    }

    adviser = forms.CharField(label=_("Adviser who takes the case"), required=False)
    outcome = forms.CharField(label=_("Outcome"), required=False)
    next_follow_up = forms.DateField(label=_("Next follow-up"), required=False,
                                     widget=DATE_WIDGET,
                                     error_messages={"invalid": _("Give a valid date.")})
    comment = forms.CharField(label=_("Comment"), required=False)


class DiscardForm(forms.Form):
    """Why an email is set aside (``mail_sorting.mail_discard`` checks it); bound again when
    refused, so the reason shows at the box (id ``discard-reason``)."""

    reason = forms.CharField(label=_("Why do you discard it?"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="discard-%s", **kwargs)


#: How many partners a referral search shows (a word more narrows it to the one sought).
REFERRAL_PARTNER_LIMIT = 20


def referral_partners(user):
    """The partner organisations ``user`` may refer an enterprise to: the non-profits and
    municipal bodies of their scope. The search and the validation of a posted id both read
    it, so an organisation outside the scope is refused like an unknown one."""
    return (Organisation.objects.for_user(user)
            .filter(kind__in=[Kind.NON_PROFIT, *MUNICIPAL_KINDS]).only("pk", "name"))


def find_referral_partners(user, text: str) -> tuple[list, bool]:
    """The partners of ``referral_partners(user)`` whose name or code holds every word of
    ``text`` (accents and capitals ignored), at most ``REFERRAL_PARTNER_LIMIT`` by name, and
    whether more matched."""
    words = fold(text).split()
    if not words:
        return [], False
    queryset = referral_partners(user)
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    found = list(queryset.order_by("name", "pk")[:REFERRAL_PARTNER_LIMIT + 1])
    return found[:REFERRAL_PARTNER_LIMIT], len(found) > REFERRAL_PARTNER_LIMIT


class ReferralForm(forms.Form):
    """A referral of the case's enterprise. The partner is never offered as one list of the
    whole directory (thousands of organisations in a territory, a page that grows with it):
    the page shows the results of a search (``find_referral_partners``) as radio buttons of
    this field's name."""

    target = forms.ChoiceField(label=_("Referred to"), choices=ReferralTarget.choices,
                               widget=forms.RadioSelect, initial=ReferralTarget.EMPLOI_QUEBEC)
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=Organisation.objects.none(), required=False,
        help_text=_("When you refer to a partner organisation: search it by name, then "
                    "choose it."),
        error_messages={"invalid_choice": _("Choose a partner organisation of your territory "
                                            "among the search results.")})
    office = forms.ModelChoiceField(
        label=_("Office"), queryset=Office.objects.none(), required=False, empty_label="—",
        help_text=_("When you refer to another office of the ministry."))
    referred_on = forms.DateField(label=_("Referred on"), required=False, widget=DATE_WIDGET,
                                  help_text=_("Today if left empty."))
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False,
                           help_text=_("Seen by the ministry only, not by the enterprise."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = referral_partners(user)
        self.fields["office"].queryset = (Office.objects.filter(is_active=True)
                                          .only("pk", "city").order_by("city"))


class ReferralOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome of the referral"),
                                choices=ReferralOutcome.choices)
    outcome_on = forms.DateField(label=_("On"), required=False, widget=DATE_WIDGET,
                                 help_text=_("Today if left empty."))


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        help_text=_("PDF, DOCX, XLSX or ODT, 10 MB at most. The file is checked by its content."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(files.EXTENSIONS)}),
        error_messages={"required": _("Choose a file to upload."),
                        "empty": _("The file is empty.")})


def outcome_choices(user_is_enterprise: bool):
    """The outcomes the close move offers (« merged » is the merge's own: never offered)."""
    if user_is_enterprise:
        return [(Outcome.WITHDRAWN.value, Outcome.WITHDRAWN.label)]
    return [(value, label) for value, label in Outcome.choices if value != Outcome.MERGED]


# --------------------------------------------------------------------------------------------
# Priority and merging (views/merge.py)
# --------------------------------------------------------------------------------------------


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices,
                                 error_messages={"required": _("Choose the priority."),
                                                 "invalid_choice": _("Choose the priority.")})


def case_choice_label(case) -> str:
    """« No. 42 — Recruit two welders (in progress, opened on 3 March 2025) »."""
    return _("No. %(number)s — %(subject)s (%(status)s, opened on %(opened)s)") % {
        "number": case.pk, "subject": case.subject, "status": case.get_status_display(),
        "opened": date_format(timezone.localdate(case.opened_at))}


class MergeForm(forms.Form):
    """Merge this case and another open case of the same enterprise: which other one, and
    which of the two is kept (the other is closed as « merged »)."""

    other = forms.ModelChoiceField(
        label=_("The other case"), queryset=None, empty_label="—",
        error_messages={"required": _("Choose the other case."),
                        "invalid_choice": _("Choose one of the enterprise’s open cases.")})
    kept = forms.ChoiceField(
        label=_("Which case is kept?"), widget=forms.RadioSelect,
        error_messages={"required": _("Say which case is kept."),
                        "invalid_choice": _("Say which case is kept.")})
    comment = forms.CharField(
        label=_("Comment (optional)"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Written in the history of both cases."))
    confirm = forms.BooleanField(
        label=_("I understand that the other case is closed as “merged” and that everything "
                "it holds moves to the case kept. This cannot be undone."),
        error_messages={"required": _("Tick the box to confirm the merge.")})

    def __init__(self, *args, case, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = candidates
        self.fields["other"].label_from_instance = case_choice_label
        choices = [("other", _("Keep the other case: this case (no. %(number)s) is closed as "
                               "merged.") % {"number": case.pk})]
        if case.is_open:  # the case kept must be open
            choices.insert(0, ("this", _("Keep this case (no. %(number)s): the other one is "
                                         "closed as merged.") % {"number": case.pk}))
        self.fields["kept"].choices = choices
        self.fields["kept"].initial = choices[0][0]
