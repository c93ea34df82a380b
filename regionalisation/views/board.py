"""The board of regional opportunities, following them and referral counts.

- The board: the validated, unexpired opportunities (``Opportunity.objects.on_board()``) for
  ministry staff and the users of regionalisation and settlement organisations, with filters,
  sorting, pagination and htmx live filtering; a fixed number of queries whatever the number
  of opportunities.
- Follow / stop following (htmx swaps the button).
- An organisation's referral counts for an opportunity (candidates presented, interviews,
  hires: numbers only, never who).
- ``board_section_context``: what the opportunity's page shows of all this
  (``_board_section.html``): the employer and the territory's staff see every organisation's
  counts with totals; a board organisation sees only its own counts, their form and the
  follow button.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from portal.forms import add_service_errors
from portal.pages import page_or_fragment, paginate, safe_next

from .. import permissions, services
from ..filters import BoardFilter
from ..forms import ReferralForm
from ..models import Opportunity, OpportunityFollow, OpportunityReferral


def _page_size():
    return getattr(settings, "OPPORTUNITY_BOARD_PAGE_SIZE", 25)


def _is_fragment(request):
    return bool(request.htmx) and not request.htmx.history_restore_request


def _organisation_id(user):
    membership = getattr(user, "membership", None) if user.role == Role.PARTNER else None
    return getattr(membership, "organisation_id", None)


def _follows(user) -> bool:
    """Whether the user may follow opportunities at all: a board organisation's user."""
    return permissions.can_view_board(user) and user.role == Role.PARTNER


def _detail_url(pk, anchor=""):
    url = reverse("regionalisation:opportunity_detail", args=[pk])
    return f"{url}#{anchor}" if anchor else url


# --------------------------------------------------------------------------------------------
# The board
# --------------------------------------------------------------------------------------------


@login_required
def board(request):
    user = request.user
    if not permissions.can_view_board(user):
        raise PermissionDenied
    can_follow = _follows(user)
    queryset = Opportunity.objects.on_board(timezone.localdate()).for_list()
    if can_follow:
        queryset = queryset.with_followed(user)
    filterset = BoardFilter(request.GET or None, queryset=queryset, request=request)
    page, query = paginate(request, filterset.qs, _page_size())
    context = {
        "filter": filterset,
        "page": page,
        "query": query,
        "can_follow": can_follow,
        "here": request.get_full_path(),
        "fragment": _is_fragment(request),
    }
    return page_or_fragment(request, "regionalisation/board.html", "results", context)


# --------------------------------------------------------------------------------------------
# Following
# --------------------------------------------------------------------------------------------


def _follow_response(request, opportunity, followed, *, message="", error=""):
    context = {"follow_opportunity": opportunity, "followed": followed,
               "follow_next": safe_next(request, _detail_url(opportunity.pk)),
               "follow_compact": request.POST.get("compact") == "1",
               "follow_message": message, "follow_error": error, "follow_oob": True}
    response = render(request, "regionalisation/_follow_button.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def opportunity_follow(request, pk):
    """Follow (``follow=1``, the default) or stop following (``follow=0``)."""
    user = request.user
    opportunity = get_object_or_404(Opportunity.objects.visible_to(user), pk=pk)
    if not _follows(user):
        raise PermissionDenied
    follow = request.POST.get("follow", "1") != "0"
    target = safe_next(request, _detail_url(pk))
    try:
        followed = services.opportunity_follow(actor=user, opportunity_id=pk, follow=follow)
    except Opportunity.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if request.htmx:
            followed = OpportunityFollow.objects.filter(opportunity=opportunity,
                                                        user=user).exists()
            return _follow_response(request, opportunity, followed, error=error)
        messages.error(request, error)
        return redirect(target)
    message = (_("You follow this opportunity: you will be told when it is filled, withdrawn "
                 "or expires.") if followed
               else _("You no longer follow this opportunity."))
    if request.htmx:
        return _follow_response(request, opportunity, followed, message=message)
    messages.success(request, message)
    return redirect(target)


# --------------------------------------------------------------------------------------------
# Referral counts
# --------------------------------------------------------------------------------------------


def _own_referral(user, opportunity):
    organisation_id = _organisation_id(user)
    if organisation_id is None:
        return None
    return (OpportunityReferral.objects.for_user(user)
            .filter(opportunity=opportunity, organisation_id=organisation_id).first())


def _referral_form(user, opportunity):
    """The form filled with the organisation's current counts (zeros when none)."""
    own = _own_referral(user, opportunity)
    initial = {name: getattr(own, name, 0) for name in ("candidates", "interviews", "hires")}
    return ReferralForm(initial=initial), own


@login_required
@require_POST
def referral_record(request, pk):
    """Set the user's organisation's counts for the opportunity. htmx: the form again, with
    its errors tied to the fields or a confirmation; otherwise back to the opportunity's
    page with a message."""
    user = request.user
    opportunity = get_object_or_404(Opportunity.objects.visible_to(user), pk=pk)
    if not permissions.can_refer_to(user, opportunity):
        raise PermissionDenied
    form = ReferralForm(request.POST)
    recorded = None
    if form.is_valid():
        try:
            recorded = services.referral_record(actor=user, opportunity_id=pk,
                                                **form.cleaned_data)
        except Opportunity.DoesNotExist:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
    if request.htmx:
        if recorded is not None:
            form = ReferralForm(initial={"candidates": recorded.candidates,
                                         "interviews": recorded.interviews,
                                         "hires": recorded.hires})
        response = render(request, "regionalisation/_referral_form.html", {
            "board_opportunity": opportunity,
            "referral_form": form,
            "referral_recorded": recorded is not None,
            "referral_fragment": True,
        })
        patch_vary_headers(response, ("HX-Request",))
        return response
    if recorded is None:
        # The opportunity's page composes this module's section: read it when called.
        from .opportunities import render_detail

        return render_detail(request, pk, referral_form=form)
    messages.success(request, _("Your organisation's counts were saved."))
    return redirect(_detail_url(pk, "referrals"))


# --------------------------------------------------------------------------------------------
# The opportunity page's section
# --------------------------------------------------------------------------------------------


def board_section_context(request, opportunity, *, referral_form=None) -> dict:
    """What ``regionalisation/_board_section.html`` needs on the opportunity's page, in at
    most four queries whatever the number of organisations:

    - the employer and the ministry's staff: a table of the counts of each referring
      organisation they may see (``OpportunityReferral.objects.for_user``: every organisation
      for the employer and the territory's staff; for other staff, the organisations their
      offices serve), with totals;
    - a board organisation: its own counts and their form (never another organisation's),
      and the follow button;
    - ``referral_form``: the counts just posted and refused, shown again with their errors.
    """
    user = request.user
    context = {
        "board_section": True,
        "board_opportunity": opportunity,
        "referral_table": False,
        "referral_rows": [],
        "referral_totals": None,
        "referral_manager": False,
        "can_record_referrals": False,
        "referral_form": None,
        "referral_own": None,
        "show_follow": False,
        "followed": False,
        "follow_next": request.get_full_path(),
    }
    if user.is_ministry_staff or permissions.is_employer(user, opportunity):
        rows = list(OpportunityReferral.objects.for_user(user).filter(opportunity=opportunity)
                    .select_related("organisation").order_by("organisation__name", "pk"))
        context.update(
            referral_table=True, referral_rows=rows,
            referral_manager=permissions.can_manage_opportunity(user, opportunity),
            referral_totals={name: sum(getattr(row, name) for row in rows)
                             for name in ("candidates", "interviews", "hires")})
    if permissions.can_refer_to(user, opportunity):
        form, own = _referral_form(user, opportunity)
        context.update(can_record_referrals=True, referral_form=referral_form or form,
                       referral_own=own)
    if _follows(user):
        followed = getattr(opportunity, "is_followed", None)
        if followed is None:
            followed = OpportunityFollow.objects.filter(opportunity=opportunity,
                                                        user=user).exists()
        context.update(
            followed=followed,
            show_follow=followed or permissions.can_follow_opportunity(user, opportunity))
    return context
