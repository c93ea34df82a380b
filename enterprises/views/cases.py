"""The workspaces of support cases.

- The ministry's list (advisers, SIT managers, administrators): the adviser's own follow-ups
  (due today, overdue, next 7 days), the unassigned cases of their offices, then every case of
  their territory with filters, sorting, pagination, htmx live filtering, bulk assignment and
  an export of exactly the filtered rows.
- The enterprise's list: its own requests and a button to ask for help.
- The SIT manager's late and unassigned cases, counted by office and by adviser.

Every list starts from ``Case.objects.for_user(user)``; each page runs a fixed number of
queries, whatever the number of cases."""

from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, F, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from partners.models import Kind
from portal.business_days import business_days_between
from portal.pages import page_or_fragment
from portal.workspace import AssignTexts, Column, Workspace

from .. import permissions, services
from ..filters import CaseFilter
from ..models import OPEN_CASE_STATUSES, Case, CaseStatus, HelpKind, Topic
from ..resources import CaseResource
from .mail_pages import to_sort_count

#: Rows shown in each of the adviser's sections (the count says how many there are in all).
SECTION_ROWS = 10
#: Rows in the late-cases page's list of the oldest late cases.
OLDEST_LATE_ROWS = 20
#: Days ahead of the "next 7 days" section.
WEEK_DAYS = 7


def _page_size():
    return getattr(settings, "CASE_LIST_PAGE_SIZE", 25)


#: The list's columns (the key orders the list; "" when the column does not sort).
COLUMNS = (
    Column("enterprise", gettext_lazy("Enterprise")),
    Column("", gettext_lazy("Region and office")),
    Column("", gettext_lazy("Help wanted")),
    Column("status", gettext_lazy("Status")),
    Column("priority", gettext_lazy("Priority")),
    Column("follow_up", gettext_lazy("Next follow-up")),
    Column("adviser", gettext_lazy("Adviser")),
    Column("opened", gettext_lazy("Opened on")),
)


def _labels(case):
    """The case's help kinds and topics, labelled, for the list (no query)."""
    helps, topics = dict(HelpKind.choices), dict(Topic.choices)
    case.help_labels = [helps.get(v, v) for v in case.help_kinds or []]
    case.topic_labels = [topics.get(v, v) for v in case.topics or []]
    return case


def _list_url(**params):
    """The filtered list, e.g. ``_list_url(office="shawinigan", status=["new"])``."""
    return f"{reverse('enterprises:case_list')}?{urlencode(params, doseq=True)}"


def _sections(user, today):
    """The adviser's own open cases by next follow-up, and the unassigned cases of their
    offices: the first rows of each section and its count, in one query."""
    scope = Case.objects.for_user(user).open()
    week_end = today + timedelta(days=WEEK_DAYS)
    mine = Q(adviser=user)
    unassigned = Q(status=CaseStatus.NEW, adviser__isnull=True)
    conditions = {}
    if permissions.can_be_assigned_cases(user):
        conditions.update({
            "today": mine & Q(next_follow_up=today),
            "overdue": mine & Q(next_follow_up__lt=today),
            "week": mine & Q(next_follow_up__gt=today, next_follow_up__lte=week_end),
        })
    if permissions.can_assign_cases(user):
        conditions["unassigned"] = unassigned
    if not conditions:
        return []
    # One query for every section: each row is labelled with its section (they are disjoint:
    # the dates split the adviser's own, nobody's are not theirs), numbered within it and
    # counted, and only the first rows of each are kept.
    section = models.Case(*[When(condition, then=Value(key))
                            for key, condition in conditions.items()],
                          output_field=models.CharField())
    in_order = [F("next_follow_up").asc(), F("opened_at").asc(), F("pk").asc()]
    rows = (scope.filter(reduce(or_, conditions.values())).for_list()
            .annotate(section=section,
                      section_count=Window(Count("pk"), partition_by=F("section")),
                      section_rank=Window(RowNumber(), partition_by=F("section"),
                                          order_by=in_order))
            .filter(section_rank__lte=SECTION_ROWS)
            .order_by("section", "section_rank"))
    by_section, counts = {key: [] for key in conditions}, dict.fromkeys(conditions, 0)
    for case in rows:
        by_section[case.section].append(_labels(case))
        counts[case.section] = case.section_count
    open_statuses = [str(s) for s in OPEN_CASE_STATUSES]
    titles = {
        "today": (_("Due today"), _list_url(assigned="me", status=open_statuses,
                                            follow_up_from=today, follow_up_to=today)),
        "overdue": (_("Overdue"), _list_url(assigned="me", status=open_statuses,
                                            follow_up_to=today - timedelta(days=1),
                                            ordering="follow_up")),
        "week": (_("Next 7 days"), _list_url(assigned="me", status=open_statuses,
                                             follow_up_from=today + timedelta(days=1),
                                             follow_up_to=week_end, ordering="follow_up")),
        "unassigned": (_("Unassigned in my offices"),
                       _list_url(status=CaseStatus.NEW, assigned="nobody",
                                 ordering="follow_up")),
    }
    sections = []
    for key in conditions:
        title, url = titles[key]
        sections.append({"key": key, "title": title, "count": counts[key],
                         "rows": by_section[key], "url": url,
                         "more": counts[key] > len(by_section[key])})
    return sections


class CaseWorkspace(Workspace):
    """Every case of the territory: filters, sorting, export and bulk assignment, below the
    adviser's own sections."""

    url_name = "enterprises:case_list"
    export_url_name = "enterprises:case_export"
    assign_url_name = "enterprises:case_assign"
    template = "enterprises/case_list.html"
    filterset_class = CaseFilter
    resource_class = CaseResource
    export_basename = "cases"
    page_size_setting = "CASE_LIST_PAGE_SIZE"
    columns = COLUMNS
    default_ordering = "-opened"
    selection_field = "case"
    adviser_filter = "adviser"
    assign_texts = AssignTexts(
        legend=gettext_lazy("Assign the selected cases"),
        to_me=gettext_lazy("Assign the selected cases to me"),
        none_selected=gettext_lazy("Select at least one case to assign."),
        refused=gettext_lazy("Cases can only be assigned to an adviser or a SIT manager of "
                             "your territory."),
        assigned=ngettext_lazy("%(count)d case was assigned to %(name)s.",
                               "%(count)d cases were assigned to %(name)s.", "count"),
        unchanged=gettext_lazy("No case was assigned: they were already assigned to %(name)s, "
                               "closed or outside your territory."),
    )

    def may_view(self):
        return permissions.can_view_cases(self.user)

    @cached_property
    def filterset(self):
        """The list, its count and its export show open cases unless the request names
        statuses (closed cases: tick « Closed »). The default is written into the filter's
        data, so the form shows it ticked and the export holds exactly the rows listed."""
        data = self.request.GET.copy()
        if not data.getlist("status"):
            data.setlist("status", [str(s) for s in OPEN_CASE_STATUSES])
        return self.filterset_class(data, queryset=self.list_queryset(), request=self.request,
                                    **self.filterset_kwargs())

    def scope(self):
        return Case.objects.for_user(self.user)

    def list_queryset(self):
        return self.scope().for_list()

    def prepare_rows(self, rows):
        for case in rows:
            _labels(case)

    def may_assign(self):
        return permissions.can_assign_cases(self.user)

    def assign_to(self, ids, adviser):
        return services.cases_assign(actor=self.user, case_ids=ids, adviser=adviser)

    def extra_context(self):
        today = timezone.localdate()
        context = {"today": today}
        if not self.request.htmx:
            context["sections"] = _sections(self.user, today)
            context["can_enter_requests"] = permissions.can_enter_requests(self.user)
            context["can_view_late"] = permissions.can_view_late_cases(self.user)
            context["can_view_workload"] = permissions.can_view_workload(self.user)
            if permissions.can_sort_mail(self.user):  # one count query
                context["mail_to_sort"] = to_sort_count(self.user)
        return context


@login_required
def case_list(request):
    if not permissions.can_view_cases(request.user):
        return _enterprise_case_list(request)
    return CaseWorkspace(request).list()


def _enterprise_case_list(request):
    """An enterprise user's own requests (the scope is their organisation)."""
    user = request.user
    if user.role != Role.PARTNER:
        raise PermissionDenied
    membership = getattr(user, "membership", None)
    organisation = membership.organisation if membership else None
    if organisation is None or organisation.kind != Kind.ENTERPRISE:
        raise PermissionDenied
    cases = Case.objects.for_user(user).order_by("-opened_at", "-pk")
    page = Paginator(cases, _page_size()).get_page(request.GET.get("page"))
    context = {
        "organisation": organisation,
        "page": page,
        "query": "",
        "can_open": permissions.can_open_case(user, organisation),
    }
    return page_or_fragment(request, "enterprises/case_list_enterprise.html", "results",
                            context)


@login_required
def case_export(request, fmt):
    return CaseWorkspace(request).export(fmt)


@login_required
@require_POST
def case_assign(request):
    return CaseWorkspace(request).assign()


@login_required
def case_late(request):
    """Late cases (open, next follow-up passed) and unassigned cases of the manager's scope,
    counted by office and by adviser with aggregate queries, and the oldest late cases."""
    user = request.user
    if not permissions.can_view_late_cases(user):
        raise PermissionDenied
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    scope = Case.objects.for_user(user).open().order_by()
    late = Q(next_follow_up__lt=today)
    unassigned = Q(status=CaseStatus.NEW, adviser__isnull=True)
    open_statuses = [str(s) for s in OPEN_CASE_STATUSES]

    by_office = list(scope.filter(late | unassigned)
                     .values("office__slug", "office__city")
                     .annotate(late=Count("pk", filter=late),
                               unassigned=Count("pk", filter=unassigned))
                     .order_by("office__city"))
    for row in by_office:
        row["late_url"] = _list_url(office=row["office__slug"], status=open_statuses,
                                    follow_up_to=yesterday, ordering="follow_up")
        row["unassigned_url"] = _list_url(office=row["office__slug"], status=CaseStatus.NEW,
                                          assigned="nobody")

    by_adviser = list(scope.values("adviser", "adviser__first_name", "adviser__last_name",
                                   "adviser__email")
                      .annotate(open=Count("pk"), late=Count("pk", filter=late))
                      .order_by("adviser__last_name", "adviser__first_name", "adviser"))
    for row in by_adviser:
        if row["adviser"] is None:
            row["name"] = _("Nobody (unassigned)")
            who = {"assigned": "nobody"}
        else:
            row["name"] = (f"{row['adviser__first_name']} {row['adviser__last_name']}".strip()
                           or row["adviser__email"])
            who = {"adviser": row["adviser"]}
        row["open_url"] = _list_url(status=open_statuses, **who)
        row["late_url"] = _list_url(status=open_statuses, follow_up_to=yesterday,
                                    ordering="follow_up", **who)
    # The cases nobody took come last: the table reads the advisers' workload first.
    by_adviser.sort(key=lambda row: row["adviser"] is None)

    totals = scope.aggregate(late=Count("pk", filter=late),
                             unassigned=Count("pk", filter=unassigned))
    oldest = list(scope.filter(late).for_list().order_by("next_follow_up", "opened_at", "pk")
                  [:OLDEST_LATE_ROWS])
    for case in oldest:
        # Counted as the escalations count them (enterprises/reminders.py): business days.
        case.days_late = business_days_between(case.next_follow_up, today)
    return render(request, "enterprises/case_late.html", {
        "by_office": by_office,
        "by_adviser": by_adviser,
        "totals": totals,
        "oldest": oldest,
        "today": today,
        "late_url": _list_url(status=open_statuses, follow_up_to=yesterday,
                              ordering="follow_up"),
        "unassigned_url": _list_url(status=CaseStatus.NEW, assigned="nobody"),
    })
