"""Review grids' pages (staff only): the reviewer's grid form, one grid read by the plan's
staff, and asking a second reviewer. Writes go through ``programs.grids``; a partner meets a
404 on every one of them, as for a plan outside their scope."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import grids
from ..models import ActionPlan, CriterionKind, PlanReview
from ..review_forms import ReviewRequestForm
from .review import plan_page_with_errors

MEETS_CHOICES = [("yes", gettext_lazy("Met")), ("no", gettext_lazy("Not met"))]


class GridForm(forms.Form):
    """One radio group and one note per active criterion, and the overall comment. The form
    only reads the input; ``programs.grids`` decides what is valid and complete."""

    comment = forms.CharField(label=gettext_lazy("Overall comment"), required=False,
                              max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            if criterion.kind == CriterionKind.ELIGIBILITY:
                choices = MEETS_CHOICES
            else:
                choices = [(str(n), str(n)) for n in range(1, criterion.scale_max + 1)]
            self.fields[f"criterion_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.label, choices=choices, required=False,
                widget=forms.RadioSelect)
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=gettext_lazy("Note (optional)"), required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self):
        """(criterion, answer field, note field) for the template."""
        return [(c, self[f"criterion_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]

    def add_service_errors(self, error):
        """``programs.grids``' refusal at the fields: a criterion's answer by its name; « ... is
        not answered » at the criterion it names (the same words); the rest on the grid."""
        unanswered = {_("“%(criterion)s” is not answered.") % {"criterion": c.label}:
                      f"criterion_{c.pk}" for c in self.criteria}
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
            return
        for message in error.messages:
            self.add_error(unanswered.get(message), message)

    def answers(self) -> dict:
        result = {}
        for criterion in self.criteria:
            value = self.cleaned_data.get(f"criterion_{criterion.pk}") or ""
            note = self.cleaned_data.get(f"note_{criterion.pk}") or ""
            if criterion.kind == CriterionKind.ELIGIBILITY:
                meets = {"yes": True, "no": False}.get(value)
                result[criterion.pk] = grids.Answer(meets=meets, note=note)
            else:
                result[criterion.pk] = grids.Answer(score=int(value) if value else None,
                                                    note=note)
        return result


def _initial(review, criteria) -> dict:
    initial = {"comment": review.comment if review else ""}
    if review is None:
        return initial
    for answer in review.answers.all():
        if answer.meets is not None:
            initial[f"criterion_{answer.criterion_id}"] = "yes" if answer.meets else "no"
        elif answer.score is not None:
            initial[f"criterion_{answer.criterion_id}"] = str(answer.score)
        initial[f"note_{answer.criterion_id}"] = answer.note
    return initial


def _staff_plan(request, pk) -> ActionPlan:
    """The plan through the user's scope; a partner (who never sees a grid) gets a 404."""
    if not grids.can_view_grids(request.user):
        raise Http404
    return get_object_or_404(ActionPlan.objects.for_user(request.user)
                             .select_related("call__program", "organisation", "adviser"), pk=pk)


def _grids_url(plan_pk) -> str:
    return reverse("programs:plan_detail", args=[plan_pk]) + "#grids"


@login_required
@require_http_methods(["GET", "POST"])
def plan_grid(request, pk):
    """The user's own grid on the plan: the plan's adviser opens theirs; a reviewer asked for
    a second opinion fills the one they were asked for."""
    plan = _staff_plan(request, pk)
    review = (PlanReview.objects.for_user(request.user).filter(plan=plan, reviewer=request.user)
              .prefetch_related("answers").first())
    if review is None and not grids.can_start_review(request.user, plan):
        raise PermissionDenied
    if review is not None:
        review.plan = plan
    editable = (grids.can_fill_review(request.user, review) if review is not None
                else grids.can_start_review(request.user, plan))
    criteria = list(plan.call.program.review_criteria.filter(is_active=True)
                    .order_by("position", "pk"))
    form = GridForm(request.POST or None, criteria=criteria,
                    initial=_initial(review, criteria))
    if request.method == "POST" and editable and form.is_valid():
        submit = "submit" in request.POST
        try:
            if review is None:
                review = grids.review_start(actor=request.user, plan_id=plan.pk)
            call = grids.review_submit if submit else grids.review_save
            call(actor=request.user, review_id=review.pk, answers=form.answers(),
                 comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if submit:
                messages.success(request, _("Your review grid is completed."))
                return redirect(_grids_url(plan.pk))
            messages.success(request, _("Your review grid was saved as a draft."))
            return redirect(reverse("programs:plan_grid", args=[plan.pk]))
    elif request.method == "POST" and not editable:
        messages.error(request, _("The review grids of a plan that is “%(status)s” can no "
                                  "longer be changed.") % {"status": plan.get_status_display()})
        return redirect(_grids_url(plan.pk))
    # Refused, the grid comes back (200) with each error at its criterion and in the page's
    # error summary.
    return render(request, "programs/grids/grid_form.html",
                  {"plan": plan, "review": review, "form": form, "editable": editable,
                   "scale_note": grids.DISAGREEMENT_POINTS})


@login_required
@require_GET
def review_detail(request, pk, review_pk):
    """One grid, read by the plan's staff."""
    plan = _staff_plan(request, pk)
    summary = grids.plan_grids(request.user, plan)
    grid = next((g for g in summary.grids if g.review.pk == review_pk), None)
    if grid is None:
        raise Http404
    return render(request, "programs/grids/grid_detail.html",
                  {"plan": plan, "grid": grid, "summary": summary})


@login_required
@require_POST
def review_request(request, pk):
    """Ask a second reviewer (an adviser serving the plan or a manager of its SIT). Refused,
    the plan's page comes back with the reason at the reviewer's list."""
    plan = _staff_plan(request, pk)
    form = ReviewRequestForm(request.POST, candidates=grids.review_candidates(plan))
    if form.is_valid():
        reviewer = form.cleaned_data["reviewer"]
        try:
            grids.review_request(actor=request.user, plan_id=plan.pk, reviewer=reviewer)
        except ActionPlan.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:  # why this person may not review it
            form.add_error("reviewer", exc.messages)
    if form.errors:
        return plan_page_with_errors(request, plan.pk, review_request_form=form)
    messages.success(request, _("%(reviewer)s is asked for a review grid and was notified.")
                     % {"reviewer": reviewer.get_full_name() or reviewer.email})
    return redirect(_grids_url(plan.pk))
