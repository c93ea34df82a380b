"""The ministry's file lists ("workspaces"), written once: a filtered, sorted, paginated list of
the user's scope that htmx refreshes in place, an export of exactly the filtered rows, and,
where files have an adviser, bulk assignment.

A list declares what is its own in a small subclass of :class:`Workspace` (its filter set, its
scope, its export resource, the service that assigns and the messages it shows); its views stay
plain functions in the domain's ``views`` module, each one line::

    class PlanQueue(Workspace):
        url_name = "programs:queue"
        export_url_name = "programs:queue_export"
        ...

    @login_required
    def plan_queue(request):
        return PlanQueue(request).list()

The workspace declares the table's columns; the page template keeps its rows (a named
partial) and takes the rest from ``templates/includes/workspace.html``: the filter form, and the
results htmx replaces (count, export links, table with its sortable headers, pagination,
bulk-assign form), plus a row's checkbox and "assign to me" button.

This module is part of the foundation: it knows no domain app (the layering rule)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import F
from django.forms import ModelChoiceField
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django_filters import fields as filter_fields

from portal.exports import export_response
from portal.pages import page_or_fragment, paginate, safe_next
from portal.scoping import assignable_staff


class ListedChoices(filter_fields.ModelChoiceIterator):
    """The options of a filter's model choice list, read with one plain query.

    Django reads them with ``queryset.iterator()``, which on PostgreSQL outside a transaction
    opens a server-side cursor ``WITH HOLD`` (declare, fetch, close, and the rows copied when
    the statement ends) for a list of 25 offices: the case list's filter form took 14 ms with
    its three such lists, 6 ms without (``bench/lists.py``'s database). The lists offered are
    short (offices, regions, advisers, programs); each rendering reads them afresh."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if getattr(self.field, "null_label", None) is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ListFilterSet(django_filters.FilterSet):
    """The filter set of every list: its model choice lists read by :class:`ListedChoices`."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            for field in form.fields.values():
                if isinstance(field, ModelChoiceField):
                    field.iterator = ListedChoices
                    field.widget.choices = field.choices
        return self._form


def stable_order(queryset, default: str):
    """``queryset`` in the order its filter set chose (``default`` when none), then by
    descending primary key: every list's one order, so pages never repeat or skip a row.

    Blanks (no follow-up date, nobody assigned) come last in both directions, on PostgreSQL and
    SQLite alike; only a column that can be blank says so (``NULLS LAST``), because PostgreSQL
    walks an index in the list's order only when the order matches the index's: a descending
    sort on a column that is never blank stays a plain ``DESC`` and uses the index on it."""
    ordering = list(queryset.query.order_by) or [default]
    terms = []
    for name in ordering:
        descending = name.startswith("-")
        path = name.lstrip("-")
        expression = F(path)
        if not _may_be_null(queryset, path):
            terms.append(expression.desc() if descending else expression.asc())
        else:
            terms.append(expression.desc(nulls_last=True) if descending
                         else expression.asc(nulls_last=True))
    return queryset.order_by(*terms, "-pk")


def _may_be_null(queryset, path: str) -> bool:
    """Whether the lookup ``path`` (``"adviser__last_name"``) can be blank on a row of
    ``queryset``: some field on the way is nullable. An annotation may be."""
    model = queryset.model
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True
        if field.null or not field.concrete:
            return True
        model = field.related_model or model
    return False


class Column(NamedTuple):
    """A column of a list's table: its ordering key ("" when it does not sort the list), its
    header and whether it holds numbers (aligned right)."""

    key: str
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class AssignTexts:
    """What a list's bulk assignment says, in its own words (lazy translations).

    ``assigned`` is an ``ngettext_lazy(..., "count")`` formatted with ``count`` and ``name``
    (the adviser); ``unchanged`` is formatted with ``name``; the others are shown as they are."""

    #: The bulk form's legend and main button ("Assign the selected plans").
    legend: str
    #: The bulk form's second button ("Assign the selected plans to me").
    to_me: str
    #: Nothing was ticked.
    none_selected: str
    #: The chosen person is not among the advisers the user may give files to.
    refused: str
    assigned: str
    #: The service changed nothing (already theirs, closed, outside the territory).
    unchanged: str


class AssignForm(forms.Form):
    """The bulk-assign form under a list, as posted: what it chose (the ticked rows, the
    adviser) and, when the assignment is refused, why, at the field it concerns; the list is
    shown again with it (ids ``bulk-<field>``: the form's fieldset and its adviser list)."""

    adviser = forms.CharField(label=_("Adviser"), required=False)

    def __init__(self, data, *, workspace):
        super().__init__(data, auto_id="bulk-%s")
        self.selection_field = workspace.selection_field
        self.fields[self.selection_field] = forms.CharField(
            label=workspace.assign_texts.legend, required=False)

    @property
    def chosen(self) -> set[str]:
        return set(self.data.getlist(self.selection_field))

    @property
    def selection_errors(self) -> list:
        """What is wrong with the rows chosen, or with the whole assignment."""
        return [*self.non_field_errors(), *self.errors.get(self.selection_field, [])]


class Workspace:
    """One file list for one request. Subclasses set the attributes and override the hooks
    marked "hook"; :meth:`list`, :meth:`export` and :meth:`assign` are the three views."""

    #: URL names: the list (filter form, "clear the filters", way back after assigning), the
    #: export (it takes the format, csv or xlsx) and the bulk assignment ("": none).
    url_name: str = ""
    export_url_name: str = ""
    assign_url_name: str = ""
    #: The page template and the partial an htmx request gets.
    template: str = ""
    partial: str = "results"
    filterset_class = None
    #: The import-export resource of the export, and the file name's start ("plans-2025-…").
    resource_class = None
    export_basename: str = ""
    #: The setting holding the page size, and the size when it is not set.
    page_size_setting: str = ""
    default_page_size: int = 25
    #: The table's columns (:class:`Column`; those with a key sort the list), and the ordering
    #: used when the request names none.
    columns: tuple = ()
    default_ordering: str = ""
    #: The POST field carrying the ids of the ticked rows ("plan", "case").
    selection_field: str = ""
    assign_texts: AssignTexts | None = None
    #: The filter offering the same people as the bulk-assignment form ("adviser"), whose
    #: options are then read once for both; "" when the list has none.
    adviser_filter: str = ""

    def __init__(self, request):
        self.request = request
        self.user = request.user

    # --- Hooks ------------------------------------------------------------------------------

    def may_view(self) -> bool:
        """Hook: whether the user may open the list and its export."""
        raise NotImplementedError

    def scope(self):
        """Hook: the rows of the user's scope this list shows (a queryset); only these may be
        assigned from it."""
        raise NotImplementedError

    def list_queryset(self):
        """Hook: the scope with what the table and the export read (``for_list()``)."""
        return self.scope()

    def filterset_kwargs(self) -> dict:
        """Hook: the filter set's own keyword arguments (``staff=...``, ``today=...``)."""
        return {}

    def export_queryset(self, queryset):
        """Hook: the filtered rows as the export reads them (extra prefetches)."""
        return queryset

    def prepare_rows(self, rows) -> None:
        """Hook: annotate the page's rows in Python (labels, states), without a query."""

    def extra_context(self) -> dict:
        """Hook: what the page shows besides the list (shortcuts, counts, permissions)."""
        return {}

    def may_assign(self) -> bool:
        """Hook: whether the user may assign files of this list (False: no bulk form)."""
        return False

    def assign_to(self, ids: list[int], adviser) -> int:
        """Hook: give the files ``ids`` (all in :meth:`scope`) to ``adviser`` through the
        domain's service; return how many changed hands. A ``ValidationError`` is shown."""
        raise NotImplementedError

    # --- Shared parts -------------------------------------------------------------------------

    @property
    def assigns(self) -> bool:
        """Whether this list has bulk assignment at all."""
        return bool(self.assign_url_name and self.assign_texts)

    @cached_property
    def can_assign(self) -> bool:
        return self.assigns and self.may_assign()

    def require_view(self) -> None:
        if not self.may_view():
            raise PermissionDenied

    def page_size(self) -> int:
        return getattr(settings, self.page_size_setting, self.default_page_size)

    @cached_property
    def filterset(self):
        return self.filterset_class(self.request.GET or None, queryset=self.list_queryset(),
                                    request=self.request, **self.filterset_kwargs())

    def _sorting(self) -> dict:
        """The sort links' query (the filters, no page, no ordering) and the ordering now."""
        if not any(column.key for column in self.columns):
            return {}
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("ordering", None)
        return {
            "query_without_ordering": query.urlencode(),
            "current_ordering": self.request.GET.get("ordering") or self.default_ordering,
        }

    # --- Views --------------------------------------------------------------------------------

    def list(self, assign_form=None):
        """The page, or its results only for htmx's live filtering; with ``assign_form``, the
        bulk assignment just refused, its reasons at its fields and its rows still ticked."""
        self.require_view()
        page, query = paginate(self.request, self.filterset.qs, self.page_size())
        self.prepare_rows(page.object_list)
        advisers = list(assignable_staff(self.user)) if self.can_assign else []
        if advisers and self.adviser_filter:
            # The options shown (the field still validates a choice against its queryset).
            field = self.filterset.form.fields[self.adviser_filter]
            field.widget.choices = [("", field.empty_label),
                                    *((person.pk, field.label_from_instance(person))
                                      for person in advisers)]
        context = {
            "workspace": self,
            "filter": self.filterset,
            "page": page,
            "query": query,
            "can_assign": self.can_assign,
            "advisers": advisers,
            "here": self.request.get_full_path(),
            "column_count": len(self.columns) + (1 if self.can_assign else 0),
            "assign_form": assign_form,
            "assign_chosen": assign_form.chosen if assign_form else set(),
            **self._sorting(),
        }
        context.update(self.extra_context())
        return page_or_fragment(self.request, self.template, self.partial, context)

    def export(self, fmt: str):
        """Exactly the rows the list shows with these filters (every page), as CSV or XLSX."""
        self.require_view()
        filterset = self.filterset
        if filterset.is_bound and not filterset.is_valid():
            # An export holds exactly the filtered rows: never a silently wider set.
            return HttpResponseBadRequest(_("The filters are not valid."))
        rows = self.export_queryset(filterset.qs)
        if not rows.query.order_by:
            # The model's default ordering, said out loud: import-export walks a prefetching
            # queryset without one by primary key, not in the list's order.
            rows = rows.order_by(*(rows.model._meta.ordering or ["pk"]))
        return export_response(self.resource_class(), rows, fmt, self.export_basename)

    def chosen_adviser(self):
        """Whom the form gives the files to: the user ("assign to me"), or one of the advisers
        they may give files to; None otherwise."""
        post = self.request.POST
        choice = "me" if post.get("assign_to_me") else post.get("adviser", "")
        if choice == "me":
            return self.user
        if not choice.isdigit():
            return None
        return assignable_staff(self.user).filter(pk=choice).first()

    def _list_again(self, target: str, form):
        """The list the form was sent from (its filters, sort and page, read from ``next``),
        with the refused form: a page, not a redirect, so its errors are where it is."""
        self.request.GET = QueryDict(target.partition("?")[2])
        self.__dict__.pop("filterset", None)
        return self.list(assign_form=form)

    def assign(self):
        """Bulk assignment (POST): the ticked rows of the user's scope to the chosen adviser,
        then back to the list as it was (``next``, if it stays on this site)."""
        if not self.can_assign:
            raise PermissionDenied
        request, texts = self.request, self.assign_texts
        target = safe_next(request, reverse(self.url_name))
        form = AssignForm(request.POST, workspace=self)
        chosen = [pk for pk in request.POST.getlist(self.selection_field) if pk.isdigit()]
        if not chosen:
            form.add_error(self.selection_field, texts.none_selected)
        adviser = self.chosen_adviser()
        if adviser is None:
            form.add_error("adviser", texts.refused)
        if not form.errors:
            # Only rows this list shows the user: an id outside it never reaches the service.
            ids = list(self.scope().filter(pk__in=chosen).values_list("pk", flat=True))
            try:
                count = self.assign_to(ids, adviser)
            except ValidationError as exc:
                form.add_error(None, exc)
        if form.errors:
            return self._list_again(target, form)
        if count:
            messages.success(request, texts.assigned % {"count": count, "name": adviser})
        else:
            messages.info(request, texts.unchanged % {"name": adviser})
        return redirect(target)
