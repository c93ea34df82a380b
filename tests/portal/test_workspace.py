"""The file lists' shared machinery (portal/workspace.py): every list exports exactly the rows
it shows with the same filters and refuses an invalid filter, bulk assignment only ever hands
the service rows of the list's scope and an adviser the user may give files to, and a list
without assignment has neither the form nor the view."""

import ast
import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from enterprises.models import CaseStatus
from partners.models import Organisation
from portal.workspace import AssignTexts, Column, Workspace
from programs.models import Status
from regionalisation.models import ActivityKind
from regions.models import Region
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.programs import ActionPlanFactory
from tests.factories.regionalisation import ActivityFactory, OpportunityFactory, municipality

pytestmark = pytest.mark.django_db


# --- Every list: the export holds exactly the filtered rows ---------------------------------


def _plans(world):
    orgs = world["orgs"]
    now = timezone.now()

    def plan(org, status, hours):
        return ActionPlanFactory(organisation=org, status=status,
                                 submitted_at=now - timedelta(hours=hours)).pk

    return ([plan(orgs["tr"], Status.SUBMITTED, 1), plan(orgs["tr"], Status.SUBMITTED, 2)],
            [plan(orgs["tr"], Status.IN_REVIEW, 3), plan(orgs["gat"], Status.SUBMITTED, 4),
             ActionPlanFactory(organisation=orgs["tr"]).pk])  # a draft


def _enterprise(world, key):
    served_by = world["offices"][key]
    return EnterpriseFactory(organisation__office=served_by,
                             organisation__region=served_by.region).organisation


def _cases(world):
    tr, gat = _enterprise(world, "tr"), _enterprise(world, "gat")
    return ([CaseFactory(organisation=tr).pk, CaseFactory(organisation=tr).pk],
            [CaseFactory(organisation=tr, status=CaseStatus.IN_PROGRESS,
                         adviser=world["users"]["adviser"]).pk,
             CaseFactory(organisation=gat).pk])


def _opportunities(world):
    tr, gat = _enterprise(world, "tr"), _enterprise(world, "gat")
    return ([OpportunityFactory(enterprise=tr, submitted=True).pk,
             OpportunityFactory(enterprise=tr, submitted=True).pk],
            [OpportunityFactory(enterprise=tr).pk,
             OpportunityFactory(enterprise=gat, municipality=municipality("81017"),
                                office=office("gatineau"), submitted=True).pk])


def _activities(world):
    outaouais = Region.objects.get(code="07")
    return ([ActivityFactory().pk, ActivityFactory().pk],
            [ActivityFactory(kind=ActivityKind.JOB_FAIR).pk,
             ActivityFactory(regions=[outaouais]).pk])  # not a region the adviser serves


#: Each list: its URL names, the setting of its page size, the rows it shows with the filter
#: (and those it must leave out), the filter, and a filter that is not valid.
LISTS = {
    "plans": ("programs:queue", "programs:queue_export", "PLAN_QUEUE_PAGE_SIZE", _plans,
              {"status": "submitted"}, {"status": "nonsense"}),
    "cases": ("enterprises:case_list", "enterprises:case_export", "CASE_LIST_PAGE_SIZE", _cases,
              {"status": "new"}, {"status": "nonsense"}),
    "opportunities": ("regionalisation:opportunity_list", "regionalisation:opportunity_export",
                      "OPPORTUNITY_LIST_PAGE_SIZE", _opportunities, {"status": "submitted"},
                      {"status": "nonsense"}),
    "activities": ("regionalisation:activity_list", "regionalisation:activity_export",
                   "ACTIVITY_LIST_PAGE_SIZE", _activities,
                   {"kind": ActivityKind.INFORMATION_SESSION}, {"kind": "nonsense"}),
}


def _csv_ids(response):
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return [int(row[0]) for row in rows[1:]]


@pytest.mark.parametrize("name", LISTS)
def test_each_list_exports_exactly_the_rows_it_shows(client, world, settings, name):
    list_name, export_name, page_setting, make_rows, params, _invalid = LISTS[name]
    setattr(settings, page_setting, 1)  # the export holds every page, not the one shown
    shown, left_out = make_rows(world)
    client.force_login(world["users"]["adviser"])
    pages = [client.get(reverse(list_name), {**params, "page": n}) for n in (1, 2)]
    listed = [row.pk for page in pages for row in page.context["page"]]
    assert sorted(listed) == sorted(shown)
    assert pages[0].context["page"].paginator.count == len(shown)
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse(export_name, args=[fmt]), params).status_code == 200
    exported = _csv_ids(client.get(reverse(export_name, args=["csv"]), params))
    assert exported == listed  # the same rows, in the list's order
    assert not set(exported) & set(left_out)
    # The page's export links carry its filters.
    body = pages[0].content.decode()
    assert reverse(export_name, args=["csv"]) + "?" in body


@pytest.mark.parametrize("name", LISTS)
def test_each_list_refuses_to_export_with_an_invalid_filter(client, world, name):
    list_name, export_name, _setting, make_rows, _params, invalid = LISTS[name]
    make_rows(world)
    client.force_login(world["users"]["adviser"])
    assert client.get(reverse(export_name, args=["csv"]), invalid).status_code == 400
    assert client.get(reverse(list_name), invalid).status_code == 200  # the form says why


@pytest.mark.parametrize("name", LISTS)
def test_each_list_answers_htmx_with_its_results_only(client, world, name):
    list_name, *_rest = LISTS[name]
    client.force_login(world["users"]["adviser"])
    body = client.get(reverse(list_name), HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="results">') and "<html" not in body


@pytest.mark.parametrize("name", LISTS)
def test_each_list_refuses_a_partner_that_may_not_see_it(client, world, name):
    list_name, export_name, *_rest = LISTS[name]
    client.force_login(world["users"]["partner"])  # a non-profit: none of these lists
    assert client.get(reverse(export_name, args=["csv"])).status_code == 403


# --- Bulk assignment and its absence ----------------------------------------------------------


@pytest.mark.parametrize(("name", "make_rows"), [("plans", _plans), ("cases", _cases)])
def test_lists_with_advisers_have_the_bulk_form_and_their_rows_belong_to_it(client, world,
                                                                           name, make_rows):
    list_name = LISTS[name][0]
    shown, _left_out = make_rows(world)
    client.force_login(world["users"]["adviser"])
    response = client.get(reverse(list_name))
    body = response.content.decode()
    assert response.context["can_assign"] is True
    assert 'id="bulk-assign"' in body
    assert f'id="select-{shown[0]}" form="bulk-assign"' in body
    assert 'name="assign_to_me"' in body


@pytest.mark.parametrize("name", ["opportunities", "activities"])
def test_a_list_without_assignment_has_no_assign_form(client, world, name):
    list_name, _export, _setting, make_rows, *_rest = LISTS[name]
    make_rows(world)
    client.force_login(world["users"]["adviser"])
    response = client.get(reverse(list_name))
    body = response.content.decode()
    assert len(response.context["page"]) > 0
    assert response.context["can_assign"] is False
    assert 'id="bulk-assign"' not in body and 'form="bulk-assign"' not in body
    assert "queue-assign-one" not in body and 'name="adviser"' not in body


TEXTS = AssignTexts(
    legend="Assign the selected organisations", to_me="Assign them to me",
    none_selected="Nothing ticked.", refused="Not an adviser of your territory.",
    assigned=ngettext_lazy("%(count)d organisation to %(name)s.",
                           "%(count)d organisations to %(name)s.", "count"),
    unchanged="Nothing changed for %(name)s.")


class Organisations(Workspace):
    """A workspace over the scoped organisations, whose "service" records what it was given."""

    url_name = "home"
    assign_url_name = "home"
    selection_field = "organisation"
    assign_texts = TEXTS
    columns = (Column("name", "Name"), Column("", "Office"))

    calls: list

    def may_view(self):
        return True

    def scope(self):
        return Organisation.objects.for_user(self.user)

    def may_assign(self):
        return self.user.role != "admin"

    def assign_to(self, ids, adviser):
        self.calls.append((sorted(ids), adviser))
        if getattr(self, "refusal", None):
            raise ValidationError(self.refusal)
        return len(ids)

    def list(self, assign_form=None):
        """The list shown again after a refused assignment: what it is given to show."""
        self.shown_again = {"form": assign_form, "query": self.request.GET.urlencode()}
        return HttpResponse("the list again")


def _post(user, data, workspace_class=Organisations, **attributes):
    request = RequestFactory().post("/assign/", data)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    workspace = workspace_class(request)
    workspace.calls = []
    for key, value in attributes.items():
        setattr(workspace, key, value)
    workspace.shown_again = None
    response = workspace.assign()
    return workspace, response, [(m.level_tag, str(m)) for m in get_messages(request)]


def _refused(workspace) -> dict:
    """Why the list was shown again with the form (its errors by field), if it was."""
    assert workspace.shown_again is not None, "the assignment was not refused"
    return {name: list(errors) for name, errors in workspace.shown_again["form"].errors.items()}


def test_bulk_assign_hands_the_service_only_ids_of_the_lists_scope(world):
    adviser, orgs = world["users"]["adviser"], world["orgs"]
    ids = [orgs["tr"].pk, orgs["sh"].pk, orgs["gat"].pk, 999999]
    workspace, response, said = _post(
        adviser, {"organisation": [*ids, "x"], "adviser": adviser.pk})
    # The adviser serves Trois-Rivières only: Shawinigan's, Gatineau's and a missing id
    # never reach the service.
    assert workspace.calls == [([orgs["tr"].pk], adviser)]
    assert said == [("success", f"1 organisation to {adviser}.")]
    assert (response.status_code, response["Location"]) == (302, reverse("home"))


def test_bulk_assign_of_ids_all_outside_the_scope_changes_nothing(world):
    adviser = world["users"]["adviser"]
    workspace, _response, said = _post(
        adviser, {"organisation": [world["orgs"]["gat"].pk], "assign_to_me": "1"})
    assert workspace.calls == [([], adviser)]
    assert said == [("info", f"Nothing changed for {adviser}.")]


def test_bulk_assign_refuses_an_adviser_the_user_may_not_give_files_to(world):
    users = world["users"]
    for choice in (users["adviser_gatineau"].pk, users["admin"].pk, "someone", ""):
        workspace, response, said = _post(
            users["adviser"], {"organisation": [world["orgs"]["tr"].pk], "adviser": choice})
        assert workspace.calls == []
        # The list comes back with the reason at the adviser's list, not as a message.
        assert _refused(workspace) == {"adviser": [TEXTS.refused]}
        assert (response.status_code, said) == (200, [])


def test_bulk_assign_to_me_and_to_an_adviser_of_the_territory(world):
    users, orgs = world["users"], world["orgs"]
    manager = users["sit_manager"]  # sees Trois-Rivières and Shawinigan
    workspace, _response, _said = _post(
        manager, {"organisation": [orgs["tr"].pk, orgs["sh"].pk], "adviser": "me"})
    assert workspace.calls == [(sorted([orgs["tr"].pk, orgs["sh"].pk]), manager)]
    workspace, _response, said = _post(
        manager, {"organisation": [orgs["tr"].pk, orgs["sh"].pk], "assign_to_me": "",
                  "adviser": users["adviser"].pk})
    assert workspace.calls == [(sorted([orgs["tr"].pk, orgs["sh"].pk]), users["adviser"])]
    assert said == [("success", f"2 organisations to {users['adviser']}.")]


def test_bulk_assign_without_a_ticked_row_says_so_at_the_form(world):
    workspace, _response, said = _post(world["users"]["adviser"], {"adviser": "me"})
    assert workspace.calls == [] and said == []
    assert _refused(workspace) == {"organisation": ["Nothing ticked."]}


def test_the_services_refusal_is_shown_on_the_list_as_it_was(world):
    adviser = world["users"]["adviser"]
    back = "/somewhere/?status=new"
    workspace, response, said = _post(
        adviser, {"organisation": [world["orgs"]["tr"].pk], "adviser": "me", "next": back},
        refusal="Not theirs.")
    assert said == [] and response.status_code == 200
    assert _refused(workspace) == {"__all__": ["Not theirs."]}
    assert workspace.shown_again["query"] == "status=new"  # its filters, from ``next``
    assert workspace.shown_again["form"].chosen == {str(world["orgs"]["tr"].pk)}
    _workspace, response, _said = _post(
        adviser, {"organisation": [world["orgs"]["tr"].pk], "adviser": "me",
                  "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")  # never off the site


def test_a_user_who_may_not_assign_is_refused(world):
    with pytest.raises(PermissionDenied):
        _post(world["users"]["admin"], {"organisation": [world["orgs"]["tr"].pk],
                                        "adviser": "me"})


class ReadOnlyOrganisations(Organisations):
    assign_url_name = ""
    assign_texts = None

    def may_assign(self):
        return True  # even so: this list has no assignment


def test_a_workspace_without_assignment_refuses_the_assign_view(world):
    request = RequestFactory().get("/")
    request.user = world["users"]["adviser"]
    assert ReadOnlyOrganisations(request).can_assign is False
    with pytest.raises(PermissionDenied):
        _post(world["users"]["adviser"], {"organisation": [world["orgs"]["tr"].pk],
                                          "adviser": "me"}, ReadOnlyOrganisations)


# --- The foundation stays below the domains ---------------------------------------------------


def test_the_workspace_module_imports_no_domain_app():
    source = (django_settings.BASE_DIR / "portal" / "workspace.py").read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"programs", "enterprises", "regionalisation", "hub"}
