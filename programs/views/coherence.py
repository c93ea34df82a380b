"""The coherence map (which intervention axes the measures cover, region by region) and the list
of the measures behind each of its cells.

Both pages start from the plans the user sees (``ActionPlan.objects.for_user``) without the
partners' drafts, share the same filters (program, fiscal year, plan statuses; the list adds the
cell's region and axis) and run a fixed number of queries whatever the number of measures. The
computations live in ``programs/coherence.py``."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from .. import permissions
from ..coherence import (
    CROWDED_FACTOR,
    FILTER_KEYS,
    CoherenceFilter,
    MeasureFilter,
    build_matrix,
    for_list,
    scoped_measures,
    with_defaults,
)
from ..coherence import ZERO as ZERO_AMOUNT


def _require_staff(user):
    if not permissions.can_view_queue(user):
        raise PermissionDenied


@login_required
def coherence_map(request):
    _require_staff(request.user)
    filterset = CoherenceFilter(with_defaults(request.GET), queryset=scoped_measures(request.user),
                                request=request)
    valid = filterset.is_valid()
    # Invalid filters never widen the map: it shows nothing but the errors.
    measures = filterset.qs if valid else filterset.queryset.none()
    matrix = build_matrix(request.user, measures, list_url=reverse("programs:measure_list"),
                          query=filterset.link_query() if valid else {})
    return render(request, "programs/coherence.html", {
        "filter": filterset,
        "matrix": matrix,
        "crowded_factor": CROWDED_FACTOR,
    })


#: The list's columns: (ordering key or "" when the column does not sort, header).
SORT_COLUMNS = [
    ("", gettext_lazy("Measure")),
    ("axis", gettext_lazy("Intervention axis")),
    ("plan", gettext_lazy("Action plan")),
    ("organisation", gettext_lazy("Organisation")),
    ("", gettext_lazy("Region")),
    ("", gettext_lazy("Plan status")),
    ("start", gettext_lazy("Start")),
    ("", gettext_lazy("Asked ($)")),
]


@login_required
def measure_list(request):
    _require_staff(request.user)
    filterset = MeasureFilter(with_defaults(request.GET),
                              queryset=for_list(scoped_measures(request.user)), request=request)
    valid = filterset.is_valid()
    measures = filterset.qs if valid else filterset.queryset.none()
    page = Paginator(measures, settings.PLAN_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    asked = (filterset.qs.order_by().aggregate(total=Sum("budget_lines__requested_amount"))["total"]
             if valid else None) or ZERO_AMOUNT
    query = request.GET.copy()
    query.pop("page", None)
    without_ordering = query.copy()
    without_ordering.pop("ordering", None)
    map_query = {key: query.getlist(key) for key in FILTER_KEYS if query.getlist(key)}
    return render(request, "programs/measure_list.html", {
        "filter": filterset,
        "page": page,
        "asked": asked,
        "query": query.urlencode(),
        "query_without_ordering": without_ordering.urlencode(),
        "sort_columns": SORT_COLUMNS,
        "current_ordering": request.GET.get("ordering") or MeasureFilter.DEFAULT_ORDERING,
        "map_url": f"{reverse('programs:coherence')}?{urlencode(map_query, doseq=True)}",
    })
