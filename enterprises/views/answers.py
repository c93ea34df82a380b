"""The library of ready answers (staff read it; central administrators and SIT managers write
and retire answers), and the case page's « start from a ready answer »: the answer's text in
the enterprise's language (or the other) fills the note box, by htmx or, without JavaScript,
by reloading the case page with the note form filled in. Writes go through
``enterprises.answers``."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import answers, permissions
from ..case_forms import NoteForm
from ..casework_forms import AnswerPickForm, LibraryFilterForm, ReadyAnswerForm
from ..models import Case, ReadyAnswer
from . import case as case_views

PAGE_SIZE = 25


def _readers_only(request):
    if not permissions.can_read_answers(request.user):
        raise PermissionDenied


def _managers_only(request):
    if not permissions.can_manage_answers(request.user):
        raise PermissionDenied


@login_required
@require_GET
def answer_library(request):
    """Search and filter the answers; each with its use count, sortable by most used."""
    _readers_only(request)
    managers = permissions.can_manage_answers(request.user)
    form = LibraryFilterForm(request.GET or None, managers=managers)
    data = form.cleaned_data if form.is_valid() else {}
    rows = answers.library(request.user, words=data.get("q", ""),
                           topic=data.get("topic", ""), help_kind=data.get("help_kind", ""),
                           order=data.get("order") or "title",
                           include_inactive=bool(data.get("inactive")))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])
    return render(request, "enterprises/answer_library.html", {
        "form": form, "page": page, "answers": list(page.object_list), "query": query,
        "can_manage": managers, "filtered": any(data.values()),
    })


def _answer_form(request, answer=None):
    _managers_only(request)
    initial = ({name: getattr(answer, name) for name in answers.ANSWER_FIELDS}
               if answer else None)
    form = ReadyAnswerForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = answers.ready_answer_save(actor=request.user, answer=answer,
                                              **form.cleaned_data)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(request, _("The ready answer “%(title)s” was saved.")
                             % {"title": answers.localized(saved, "title")})
            return redirect("enterprises:answer_library")
    return render(request, "enterprises/answer_form.html", {"form": form, "answer": answer})


@login_required
def answer_create(request):
    return _answer_form(request)


@login_required
def answer_update(request, pk):
    _managers_only(request)
    return _answer_form(request, get_object_or_404(ReadyAnswer, pk=pk))


@login_required
@require_POST
def answer_set_active(request, pk):
    _managers_only(request)
    answer = get_object_or_404(ReadyAnswer, pk=pk)
    active = request.POST.get("active") == "1"
    answer = answers.ready_answer_set_active(actor=request.user, answer=answer, active=active)
    title = answers.localized(answer, "title")
    messages.success(request, (_("“%(title)s” is in use again.") if active
                               else _("“%(title)s” is no longer in use.")) % {"title": title})
    return redirect("enterprises:answer_library")


# --------------------------------------------------------------------------------------------
# A case's note, started from a ready answer
# --------------------------------------------------------------------------------------------


@login_required
@require_GET
def note_answer(request, pk):
    """The chosen answer's text in the chosen language, for the note box: with htmx, the box
    itself and the note's hidden ``ready_answer`` (out of band), unticking « internal » (an
    answer is for the enterprise); without, the case's page with the note form filled in."""
    case = get_object_or_404(Case.objects.for_user(request.user), pk=pk)
    if not (permissions.can_read_answers(request.user)
            and permissions.can_add_note(request.user, case)):
        raise PermissionDenied
    pick = AnswerPickForm(request.GET, prefix="pick")
    if pick.is_valid():
        answer, language = pick.cleaned_data["answer"], pick.cleaned_data["language"]
        form = NoteForm(staff=True, initial={"body": answers.localized(answer, "body", language),
                                             "ready_answer": answer.pk, "is_internal": False})
        form.pick = pick
    else:
        if request.htmx:  # the browser asks for an answer first; one retired meanwhile
            return HttpResponse(status=204)
        form = NoteForm(staff=True)
        form.pick = pick
    if request.htmx:
        response = render(request, "enterprises/_note_answer_fill.html", {
            # The note box takes the focus: the adviser edits the answer next.
            "body": form["body"].as_widget(attrs={"data-take-focus": ""}),
            "ready_answer": form["ready_answer"].as_widget(attrs={"hx-swap-oob": "true"}),
            "is_internal": form["is_internal"].as_widget(attrs={"hx-swap-oob": "true"}),
        })
        patch_vary_headers(response, ("HX-Request",))
        return response
    response = case_views._render_detail(request, case_views._case_for_page(request, pk),
                                         note_form=form)
    patch_vary_headers(response, ("HX-Request",))
    return response
