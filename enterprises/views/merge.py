"""A case's priority, its similar open requests and merging two cases of one enterprise.

- ``detail_context(request, case)``: what the case page shows of them
  (``templates/enterprises/_case_priority.html`` and ``_case_merged_banner.html``): the
  priority and its form (staff), the enterprise's similar open cases with the way to merge
  them (staff), the case it was merged into (everyone who may see the case), the cases merged
  into it;
- ``case_priority`` (POST): ``services.case_set_priority``;
- ``case_merge`` (GET: the form, POST: ``merging.case_merge``): pick the other case among the
  enterprise's open cases and say which one is kept.

Every case is read through ``Case.objects.for_user``: outside the scope is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import add_service_errors

from .. import duplicates, merging, permissions, services
from ..case_forms import MergeForm, PriorityForm
from ..models import Case, Priority

#: Similar open cases listed at most on a case's page.
SIMILAR_ROWS = 10


def _detail_url(pk, anchor=""):
    return reverse("enterprises:case_detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def merge_candidates(user, case):
    """The cases ``case`` may be merged with: the enterprise's other open cases in the user's
    scope, not merged themselves."""
    return (Case.objects.for_user(user).open()
            .filter(organisation_id=case.organisation_id, merged_into__isnull=True)
            .exclude(pk=case.pk).order_by("-opened_at", "-pk"))


def detail_context(request, case) -> dict:
    user = request.user
    scope = Case.objects.for_user(user)
    staff = permissions.sees_priority(user)
    mergeable = (permissions.can_merge_cases(user) and case.is_open
                 and case.merged_into_id is None)
    similar = []
    if staff and case.is_open and case.merged_into_id is None:
        similar = list(duplicates.similar_cases(
            scope, organisation_id=case.organisation_id, help_kinds=case.help_kinds,
            topics=case.topics, exclude_pk=case.pk)[:SIMILAR_ROWS])
    return {
        "sees_priority": staff,
        "can_set_priority": permissions.can_set_priority(user, case),
        "priority_choices": Priority.choices,
        "similar_cases": similar,
        "can_merge": mergeable and merge_candidates(user, case).exists(),
        # The case it was merged into, when the user may open it (else the number only).
        "merged_into": (scope.filter(pk=case.merged_into_id).only("pk", "subject").first()
                        if case.merged_into_id else None),
        "merged_cases": list(scope.filter(merged_into_id=case.pk).only("pk", "subject")
                             .order_by("pk")),
    }


@login_required
@require_POST
def case_priority(request, pk):
    case = get_object_or_404(Case.objects.for_user(request.user), pk=pk)
    if not permissions.can_set_priority(request.user, case):
        raise PermissionDenied
    form = PriorityForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_set_priority(actor=request.user, case=case,
                                              priority=form.cleaned_data["priority"])
        except Case.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        # The case's page composes this module's part (``casework``): read it when called.
        from .case import render_detail

        return render_detail(request, pk, forms={"priority_form": form})
    messages.success(request, _("The priority of the case is now “%(priority)s”.")
                     % {"priority": case.get_priority_display()})
    return redirect(_detail_url(pk, "priority"))


@login_required
def case_merge(request, pk):
    """Merge this case with another open case of its enterprise (GET: the form)."""
    user = request.user
    case = get_object_or_404(Case.objects.for_user(user).select_related("organisation"), pk=pk)
    if not permissions.can_merge_cases(user):
        raise PermissionDenied
    candidates = merge_candidates(user, case)
    other = request.GET.get("other", "")
    form = MergeForm(request.POST if request.method == "POST" else None, case=case,
                     candidates=candidates,
                     initial={"other": int(other)} if other.isdigit() else None)
    if request.method == "POST" and case.merged_into_id is None and form.is_valid():
        chosen = form.cleaned_data["other"]
        kept, merged = ((case, chosen) if form.cleaned_data["kept"] == "this"
                        else (chosen, case))
        try:
            merging.case_merge(actor=user, kept_id=kept.pk, merged_id=merged.pk,
                               comment=form.cleaned_data["comment"])
        except Case.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(request, _("Case %(merged)s was merged into case %(kept)s.")
                             % {"merged": merged.pk, "kept": kept.pk})
            return redirect(_detail_url(kept.pk, "timeline"))
    merged_into = (Case.objects.for_user(user).filter(pk=case.merged_into_id).first()
                   if case.merged_into_id else None)
    return render(request, "enterprises/case_merge.html", {
        "case": case,
        "form": form,
        "has_candidates": candidates.exists(),
        "merged_into": merged_into,
    })
