"""Checklists: a case's steps on its page (ticked by advisers and SIT managers, never shown to
the enterprise), the case's classification, and the administrators' pages that define the
checklists. Writes go through ``enterprises.checklists``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import checklists, permissions
from ..casework_forms import ChecklistTemplateForm, ClassifyForm, StepFormSet, step_rows
from ..models import Case, CaseChecklistItem, ChecklistTemplate


def _detail_url(pk, anchor="checklist"):
    return reverse("enterprises:case_detail", args=[pk]) + f"#{anchor}"


def detail_context(request, case) -> dict:
    """The case page's checklist (staff only): its steps, what is left, the classification."""
    user = request.user
    if not permissions.sees_checklists(user):
        return {}
    items = checklists.case_checklist(user, case)
    works = permissions.can_work_checklist(user) and case.is_open
    return {
        "checklist_shown": True,
        "checklist_items": items,
        "checklist_done": sum(1 for item in items if item.done_at),
        "checklist_unticked_required": sum(1 for item in items
                                           if item.required and not item.done_at),
        "checklist_can_tick": works,
        "classify_form": ClassifyForm(initial={"help_kinds": case.help_kinds,
                                               "topics": case.topics},
                                      auto_id="classify_%s") if works else None,
    }


def _messages(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def checklist_item_set(request, pk, item_pk):
    """Tick (``done=1``) or untick (``done=0``) one step."""
    case = get_object_or_404(Case.objects.for_user(request.user), pk=pk)
    if not permissions.can_work_checklist(request.user):
        raise PermissionDenied
    item = get_object_or_404(CaseChecklistItem.objects.for_user(request.user), pk=item_pk,
                             case_id=case.pk)
    done = request.POST.get("done") == "1"
    try:
        item = checklists.checklist_item_set(actor=request.user, item_id=item.pk, done=done)
    except CaseChecklistItem.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        _messages(request, exc)
    else:
        label = item.label_en if request.LANGUAGE_CODE.startswith("en") else item.label_fr
        messages.success(request, (_("“%(step)s” is ticked.") if done
                                   else _("“%(step)s” is no longer ticked."))
                         % {"step": label})
    return redirect(_detail_url(pk))


@login_required
@require_POST
def case_classify(request, pk):
    case = get_object_or_404(Case.objects.for_user(request.user), pk=pk)
    if not permissions.can_work_checklist(request.user):
        raise PermissionDenied
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect(_detail_url(pk))
    before = {item.pk for item in checklists.case_checklist(request.user, case)}
    try:
        case = checklists.case_classify(actor=request.user, case=case,
                                        help_kinds=form.cleaned_data["help_kinds"],
                                        topics=form.cleaned_data["topics"])
    except Case.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        _messages(request, exc)
        return redirect(_detail_url(pk))
    added = len({item.pk for item in checklists.case_checklist(request.user, case)} - before)
    messages.success(request, _("The classification of the case was saved.") + (
        " " + _("Steps added to the checklist: %(count)s.") % {"count": added}
        if added else ""))
    return redirect(_detail_url(pk))


# --------------------------------------------------------------------------------------------
# Administrators: the checklists of each help kind and topic
# --------------------------------------------------------------------------------------------


def _managers_only(request):
    if not permissions.can_manage_checklists(request.user):
        raise PermissionDenied


@login_required
@require_GET
def template_list(request):
    _managers_only(request)
    templates = list(ChecklistTemplate.objects.prefetch_related("steps")
                     .order_by("-is_active", "help_kind", "topic"))
    return render(request, "enterprises/checklist_templates.html", {"templates": templates})


def _template_form(request, template=None):
    _managers_only(request)
    data = request.POST if request.method == "POST" else None
    initial = ({"help_kind": template.help_kind, "topic": template.topic}
               if template else None)
    steps = ([{"id": s.pk, "label_fr": s.label_fr, "label_en": s.label_en,
               "required": s.required, "position": s.position} for s in template.steps.all()]
             if template else None)
    form = ChecklistTemplateForm(data, initial=initial)
    formset = StepFormSet(data, initial=steps, prefix="steps")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            saved = checklists.checklist_template_save(
                actor=request.user, template=template, help_kind=form.cleaned_data["help_kind"],
                topic=form.cleaned_data["topic"], steps=step_rows(formset))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, messages_ in errors.items():
                if field in form.fields:
                    form.add_error(field, messages_)
                elif field == "steps":
                    formset._non_form_errors = formset.error_class(messages_)
                else:
                    form.add_error(None, messages_)
        else:
            messages.success(request, _("The checklist “%(name)s” was saved.")
                             % {"name": str(saved)})
            return redirect("enterprises:checklist_templates")
    return render(request, "enterprises/checklist_template_form.html", {
        "template": template, "form": form, "formset": formset,
    })


@login_required
def template_create(request):
    return _template_form(request)


@login_required
def template_update(request, pk):
    _managers_only(request)
    return _template_form(request, get_object_or_404(ChecklistTemplate, pk=pk))


@login_required
@require_POST
def template_set_active(request, pk):
    _managers_only(request)
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    active = request.POST.get("active") == "1"
    template = checklists.checklist_template_set_active(actor=request.user, template=template,
                                                        active=active)
    messages.success(request, (_("The checklist “%(name)s” is in use again.") if active
                               else _("The checklist “%(name)s” is no longer in use: new "
                                      "cases no longer get it.")) % {"name": str(template)})
    return redirect("enterprises:checklist_templates")

