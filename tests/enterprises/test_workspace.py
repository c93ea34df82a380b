"""The workspaces of support cases: the adviser's sections and the territory's filtered list,
bulk assignment, the export of exactly the filtered rows, the enterprise's own list and the SIT
manager's late and unassigned cases."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.filters import json_list_has
from enterprises.models import Case, CaseStatus, Sector, SizeBand
from regions.models import Region
from tests.factories.enterprises import CaseFactory, EnterpriseFactory, valid_neq
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:case_list")
LATE = reverse("enterprises:case_late")
ASSIGN = reverse("enterprises:case_assign")
CSV = reverse("enterprises:case_export", args=["csv"])


def as_user(client, user):
    client.force_login(user)
    return client


def days(n):
    return timezone.localdate() + timedelta(days=n)


def noon(n):
    """Noon, ``n`` days from today (negative: in the past), in Montréal."""
    return timezone.make_aware(datetime.combine(days(n), time(12)))


def enterprise(name, office, region=None, **kwargs):
    return EnterpriseFactory(organisation__name=name, organisation__office=office,
                             organisation__region=region or office.region, **kwargs).organisation


def case(organisation, opened, status=CaseStatus.NEW, adviser=None, follow_up=2,
         help_kinds=("information",), topics=("integration",), **kwargs):
    if status == CaseStatus.CLOSED:
        kwargs.update(outcome="resolved", closed_at=noon(-1), next_follow_up=None)
    else:
        kwargs["next_follow_up"] = days(follow_up)
    return CaseFactory(organisation=organisation, status=status, adviser=adviser,
                       help_kinds=list(help_kinds), topics=list(topics), opened_at=noon(-opened),
                       **kwargs)


@pytest.fixture
def cases(world):
    """Eight cases that differ on every filter (opened N days ago; follow-up in N days).

    Trois-Rivières (the adviser's office):
      A  Alimentation Côté (Mauricie, retail, 1-4): in progress, adviser, due today, recruit;
      H  same enterprise: waiting, adviser, due in 7 days;
      F  same enterprise: closed, adviser;
      B  Béton Bécancour (Centre-du-Québec, served by Trois-Rivières): assigned, adviser,
         3 days overdue, referral + accompaniment, integration + retention;
      E  Érablière du Cap: new, nobody, in 5 days, recruit;
      G  same enterprise: in progress, adviser, in 10 days.
    Shawinigan (the SIT manager's, not the adviser's):  C  Café Shawinigan: new, nobody.
    Gatineau (another SIT):  D  Distribution Outaouais: waiting, Gatineau adviser, overdue.
    """
    offices, users = world["offices"], world["users"]
    adviser = users["adviser"]
    cote = enterprise("Alimentation Côté", offices["tr"], sector=Sector.RETAIL,
                      size_band=SizeBand.MICRO, neq=valid_neq(4242))
    beton = enterprise("Béton Bécancour", offices["tr"], Region.objects.get(code="17"),
                       neq=valid_neq(777777, prefix="33"))
    erabliere = enterprise("Érablière du Cap", offices["tr"], sector=Sector.AGRICULTURE)
    cafe = enterprise("Café Shawinigan", offices["sh"], sector=Sector.ACCOMMODATION,
                      size_band=SizeBand.SMALL)
    distribution = enterprise("Distribution Outaouais", offices["gat"], sector=Sector.WHOLESALE,
                              size_band=SizeBand.LARGE)
    return {
        "A": case(cote, 10, CaseStatus.IN_PROGRESS, adviser, 0, topics=["recruitment"]),
        "B": case(beton, 20, CaseStatus.ASSIGNED, adviser, -3,
                  help_kinds=["referral", "accompaniment"], topics=["integration", "retention"]),
        "C": case(cafe, 2, topics=["attraction"]),
        "D": case(distribution, 5, CaseStatus.WAITING, users["adviser_gatineau"], -1,
                  help_kinds=["accompaniment"], topics=["reception"]),
        "E": case(erabliere, 1, follow_up=5, topics=["recruitment"]),
        "F": case(cote, 40, CaseStatus.CLOSED, adviser),
        "G": case(erabliere, 15, CaseStatus.IN_PROGRESS, adviser, 10),
        "H": case(cote, 8, CaseStatus.WAITING, adviser, 7),
    }


def keys(cases, response):
    assert response.status_code == 200
    names = {c.pk: key for key, c in cases.items()}
    return [names.get(c.pk, c.pk) for c in response.context["page"]]


# --- The adviser's sections --------------------------------------------------------------


def test_the_advisers_sections_hold_their_own_cases_by_next_follow_up(client, world, cases):
    as_user(client, world["users"]["adviser"])
    sections = {s["key"]: s for s in client.get(LIST).context["sections"]}
    names = {c.pk: key for key, c in cases.items()}
    rows = {key: [names[c.pk] for c in s["rows"]] for key, s in sections.items()}
    assert rows == {"today": ["A"], "overdue": ["B"], "week": ["H"],  # G is in 10 days
                    "unassigned": ["E"]}  # C is Shawinigan's, outside the adviser's offices
    assert {key: s["count"] for key, s in sections.items()} == {
        "today": 1, "overdue": 1, "week": 1, "unassigned": 1}


def test_the_sit_managers_unassigned_section_covers_the_sit(client, world, cases):
    as_user(client, world["users"]["sit_manager"])
    sections = {s["key"]: s for s in client.get(LIST).context["sections"]}
    assert {c.pk for c in sections["unassigned"]["rows"]} == {cases["C"].pk, cases["E"].pk}
    assert sections["today"]["count"] == 0  # no case of their own


def test_a_section_shows_a_few_rows_and_links_to_all_of_its_cases(client, world, cases,
                                                                   monkeypatch):
    monkeypatch.setattr("enterprises.views.cases.SECTION_ROWS", 1)
    as_user(client, world["users"]["adviser"])
    more = case(cases["B"].organisation, 30, CaseStatus.ASSIGNED, world["users"]["adviser"], -9)
    cases["M"] = more
    response = client.get(LIST)
    overdue = next(s for s in response.context["sections"] if s["key"] == "overdue")
    assert (overdue["count"], [c.pk for c in overdue["rows"]], overdue["more"]) == (
        2, [more.pk], True)
    assert overdue["url"].replace("&", "&amp;") in response.content.decode()
    assert keys(cases, client.get(overdue["url"])) == ["M", "B"]  # the oldest follow-up first


# --- Filters -------------------------------------------------------------------------------


#: Ticking every status shows the closed cases too (the default: open cases only).
EVERY_STATUS = ["new", "assigned", "in_progress", "waiting", "closed"]


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["E", "C", "D", "H", "A", "G", "B"]),  # the newest open cases first
    ({"status": "closed"}, ["F"]),  # closed cases are behind the status filter
    ({"status": EVERY_STATUS}, ["E", "C", "D", "H", "A", "G", "B", "F"]),
    ({"status": "new"}, ["E", "C"]),
    ({"status": ["new", "waiting"]}, ["E", "C", "D", "H"]),
    ({"help_kind": "referral"}, ["B"]),
    ({"help_kind": "accompaniment"}, ["D", "B"]),
    ({"topic": "retention"}, ["B"]),
    ({"topic": "recruitment"}, ["E", "A"]),
    ({"topic": "integration"}, ["H", "G", "B"]),
    ({"region": "17"}, ["B"]),
    ({"region": "07"}, ["D"]),
    ({"office": "shawinigan"}, ["C"]),
    ({"office": "trois-rivieres"}, ["E", "H", "A", "G", "B"]),
    ({"sector": Sector.RETAIL}, ["H", "A"]),
    ({"size": SizeBand.LARGE}, ["D"]),
    ({"opened_from": days(-9), "opened_to": days(-3)}, ["D", "H"]),
    ({"follow_up_from": days(0), "follow_up_to": days(7)}, ["E", "C", "H", "A"]),
    ({"follow_up_to": days(-1)}, ["D", "B"]),
    ({"assigned": "nobody"}, ["E", "C"]),
    ({"q": "cote"}, ["H", "A"]),  # the name without its accent
    ({"q": "ALIMENTATION Côté"}, ["H", "A"]),
    ({"q": "erabliere"}, ["E", "G"]),
    ({"q": valid_neq(777777, prefix="33")}, ["B"]),  # the whole NEQ
    ({"q": valid_neq(777777, prefix="33")[:4] + " " + valid_neq(777777, prefix="33")[4:]},
     ["B"]),
    ({"ordering": "follow_up"}, ["B", "D", "A", "C", "E", "H", "G"]),
    ({"ordering": "enterprise", "status": ["new", "assigned"]}, ["B", "C", "E"]),
    # The workflow's order; the same status, the latest entered first.
    ({"ordering": "status", "office": "trois-rivieres", "status": EVERY_STATUS},
     ["E", "B", "G", "A", "H", "F"]),
    ({"ordering": "-follow_up", "status": EVERY_STATUS},
     ["G", "H", "E", "C", "A", "D", "B", "F"]),  # blanks last
])
def test_each_filter_narrows_the_list(client, world, cases, params, expected):
    as_user(client, world["users"]["admin"])
    assert keys(cases, client.get(LIST, params)) == expected


def test_the_adviser_filter_and_assigned_to_me(client, world, cases):
    as_user(client, world["users"]["admin"])
    assert keys(cases, client.get(LIST, {"adviser": world["users"]["adviser_gatineau"].pk})) \
        == ["D"]
    as_user(client, world["users"]["adviser"])
    assert keys(cases, client.get(LIST, {"assigned": "me"})) == ["H", "A", "G", "B"]


def test_help_kinds_and_topics_match_whole_elements_in_the_database(world, cases):
    """The JSON filter runs in SQL on this database (PostgreSQL, and SQLite in development)
    and matches an element of the list, not a piece of another text."""
    assert connection.vendor in ("postgresql", "sqlite")
    found = Case.objects.filter(json_list_has("topics", "retention"))
    assert list(found.values_list("pk", flat=True)) == [cases["B"].pk]
    assert not Case.objects.filter(json_list_has("topics", "retent")).exists()
    assert not Case.objects.filter(json_list_has("help_kinds", "integration")).exists()


def test_an_adviser_sees_only_their_territory(client, world, cases):
    as_user(client, world["users"]["adviser"])
    response = client.get(LIST)
    assert keys(cases, response) == ["E", "H", "A", "G", "B"]  # open cases: F is closed
    body = response.content.decode()
    assert "Café Shawinigan" not in body and "Distribution Outaouais" not in body
    # The filters only offer the adviser's own office, and their SIT manager sees the SIT.
    assert [o.slug for o in response.context["filter"].form.fields["office"].queryset] == [
        "trois-rivieres"]
    as_user(client, world["users"]["sit_manager"])
    assert keys(cases, client.get(LIST)) == ["E", "C", "H", "A", "G", "B"]


def test_the_list_shows_its_columns_sortable_and_answers_htmx_with_the_results(
        client, world, cases):
    as_user(client, world["users"]["adviser"])
    body = client.get(LIST, {"ordering": "-follow_up"}).content.decode()
    assert 'aria-sort="descending"' in body
    assert reverse("enterprises:case_detail", args=[cases["A"].pk]) in body
    assert world["users"]["adviser"].get_full_name() in body
    assert reverse("enterprises:case_export", args=["xlsx"]) + "?ordering=-follow_up" in body
    fragment = client.get(LIST, {"q": "erabliere"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="results"')
    assert "Érablière du Cap" in fragment and "<html" not in fragment
    assert "Alimentation Côté" not in fragment


# --- Enterprise users ------------------------------------------------------------------------


def test_an_enterprise_user_sees_only_its_own_cases(client, world, cases):
    user = PartnerUserFactory(organisation=cases["A"].organisation)
    as_user(client, user)
    response = client.get(LIST)
    assert {c.pk for c in response.context["page"]} == {cases[k].pk for k in "AFH"}
    body = response.content.decode()
    assert reverse("enterprises:case_create") in body
    assert reverse("enterprises:case_detail", args=[cases["B"].pk]) not in body
    assert reverse("enterprises:case_list") in body  # the main menu's entry
    for url in (CSV, reverse("enterprises:case_export", args=["xlsx"]), LATE):
        assert client.get(url).status_code == 403
    assert client.post(ASSIGN, {"case": cases["A"].pk, "adviser": "me"}).status_code == 403


def test_a_partner_that_is_not_an_enterprise_has_no_case_list(client, world):
    as_user(client, world["users"]["partner"])
    assert client.get(LIST).status_code == 403
    assert reverse("enterprises:case_list") not in client.get(reverse("home")).content.decode()


# --- Bulk assignment -------------------------------------------------------------------------


def messages_of(response):
    return [m.level_tag for m in response.context["messages"]]


def test_bulk_assign_assigns_the_cases_in_scope(client, world, cases):
    adviser = world["users"]["adviser"]
    as_user(client, adviser)
    back = LIST + "?status=new&office=trois-rivieres"
    response = client.post(ASSIGN, {"case": [cases["E"].pk, cases["C"].pk, cases["B"].pk],
                                    "adviser": adviser.pk, "next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert messages_of(response) == ["success"]
    for c in cases.values():
        c.refresh_from_db()
    assert (cases["E"].adviser, cases["E"].status) == (adviser, CaseStatus.ASSIGNED)
    assert cases["C"].adviser is None  # Shawinigan: outside the adviser's territory
    assert cases["B"].adviser == adviser


def test_assign_to_me(client, world, cases):
    manager = world["users"]["sit_manager"]
    as_user(client, manager)
    client.post(ASSIGN, {"case": [cases["C"].pk], "assign_to_me": "1", "adviser": ""})
    cases["C"].refresh_from_db()
    assert (cases["C"].adviser, cases["C"].status) == (manager, CaseStatus.ASSIGNED)


def test_assigning_to_an_adviser_of_another_territory_is_refused(client, world, cases):
    users = world["users"]
    as_user(client, users["adviser"])
    response = client.post(ASSIGN, {"case": [cases["E"].pk],
                                    "adviser": users["adviser_gatineau"].pk})
    # The list again, the reason at the adviser's list, not a message at the top.
    assert response.status_code == 200 and messages_of(response) == []
    assert 'id="bulk-adviser_error"' in response.content.decode()
    # The SIT manager sees both offices, but the Trois-Rivières adviser does not serve
    # Shawinigan: the service refuses, and the list says so in the assignment's fieldset.
    as_user(client, users["sit_manager"])
    response = client.post(ASSIGN, {"case": [cases["C"].pk, cases["E"].pk],
                                    "adviser": users["adviser"].pk})
    refusal = response.content.decode().split('id="bulk-case_error">')[1].split("</ul>")[0]
    assert str(cases["C"].pk) in refusal
    for key in "CE":
        cases[key].refresh_from_db()
        assert cases[key].adviser is None


def test_an_administrator_reads_but_does_not_assign(client, world, cases):
    as_user(client, world["users"]["admin"])
    assert client.get(LIST).context["can_assign"] is False
    assert client.post(ASSIGN, {"case": [cases["E"].pk], "adviser": "me"}).status_code == 403


# --- Export ---------------------------------------------------------------------------------


def export_rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_holds_exactly_the_filtered_rows_with_formulas_neutralised(
        client, world, cases):
    evil = case(enterprise('=HYPERLINK("http://evil.example")', world["offices"]["tr"]), 0)
    as_user(client, world["users"]["adviser"])
    params = {"status": ["new", "in_progress"]}
    response = client.get(CSV, params)
    assert response["Content-Disposition"].startswith('attachment; filename="cases-')
    rows = export_rows(response)
    page_ids = [c.pk for c in client.get(LIST, params).context["page"]]
    assert [int(row[0]) for row in rows[1:]] == page_ids == [
        evil.pk, cases["E"].pk, cases["A"].pk, cases["G"].pk]  # not Shawinigan's C
    assert len(rows[0]) == 20  # the priority before the subject
    assert a_subject_is_last(rows, cases)
    assert rows[1][1] == "'=HYPERLINK(\"http://evil.example\")"
    a = rows[3]
    assert a[1:3] == ["Alimentation Côté", valid_neq(4242)]
    assert a[15] == "" and a[17] == days(0).isoformat()  # not contacted yet; due today


def a_subject_is_last(rows, cases):
    """The export's last column is the case's subject."""
    by_id = {str(c.pk): c.subject for c in cases.values()}
    listed = [row for row in rows[1:] if row[0] in by_id]
    return listed and all(row[-1] == by_id[row[0]] for row in listed)


def test_the_export_counts_the_days_to_first_contact_and_to_close(client, world, cases):
    opened = timezone.now() - timedelta(days=40)
    Case.objects.filter(pk=cases["F"].pk).update(
        opened_at=opened, first_contact_at=opened + timedelta(days=2, hours=3),
        closed_at=opened + timedelta(days=35, hours=1))
    as_user(client, world["users"]["admin"])
    rows = export_rows(client.get(CSV, {"status": "closed"}))
    assert [row[0] for row in rows[1:]] == [str(cases["F"].pk)]
    assert rows[1][15:18] == ["2", "35", ""]


def test_the_xlsx_export_holds_the_same_rows(client, world, cases):
    import openpyxl

    as_user(client, world["users"]["admin"])
    response = client.get(reverse("enterprises:case_export", args=["xlsx"]),
                          {"help_kind": "accompaniment"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        cases["D"].pk, cases["B"].pk]


def test_an_invalid_filter_never_widens_the_export(client, world, cases):
    as_user(client, world["users"]["adviser"])
    assert client.get(CSV, {"office": "gatineau"}).status_code == 400


# --- The SIT manager's late cases ------------------------------------------------------------


def test_the_late_cases_are_counted_by_office_and_adviser_as_by_hand(client, world, cases):
    users = world["users"]
    cafe = cases["C"].organisation
    cases["S1"] = case(cafe, 12, CaseStatus.IN_PROGRESS, users["sit_manager"], -4)
    cases["S2"] = case(cafe, 6, follow_up=-2)  # new, nobody, late
    as_user(client, users["sit_manager"])
    response = client.get(LATE)
    assert response.status_code == 200
    context = response.context
    by_office = {row["office__slug"]: (row["late"], row["unassigned"])
                 for row in context["by_office"]}
    # Trois-Rivières: B late, E unassigned. Shawinigan: S1, S2 late; C, S2 unassigned.
    # Gatineau's late D is another SIT's.
    assert by_office == {"trois-rivieres": (1, 1), "shawinigan": (2, 2)}
    by_adviser = {row["adviser"]: (row["open"], row["late"]) for row in context["by_adviser"]}
    assert by_adviser == {users["adviser"].pk: (4, 1),  # A, B, G, H open; B late
                          users["sit_manager"].pk: (1, 1),
                          None: (3, 1)}  # C, E, S2 nobody took; S2 late
    assert context["totals"] == {"late": 3, "unassigned": 3}
    assert [c.pk for c in context["oldest"]] == [cases[k].pk for k in ("S1", "B", "S2")]
    body = response.content.decode()
    assert body.count("<caption>") == 2 and '<th scope="row">' in body
    assert "Distribution Outaouais" not in body
    # Each count links to the list filtered on exactly those cases.
    shawinigan = next(r for r in context["by_office"] if r["office__slug"] == "shawinigan")
    assert sorted(keys(cases, client.get(shawinigan["late_url"]))) == ["S1", "S2"]
    assert sorted(keys(cases, client.get(shawinigan["unassigned_url"]))) == ["C", "S2"]
    adviser_row = next(r for r in context["by_adviser"] if r["adviser"] == users["adviser"].pk)
    assert keys(cases, client.get(adviser_row["late_url"])) == ["B"]
    assert sorted(keys(cases, client.get(adviser_row["open_url"]))) == ["A", "B", "G", "H"]


def test_only_sit_managers_and_administrators_see_the_late_cases(client, world, cases):
    as_user(client, world["users"]["adviser"])
    assert client.get(LATE).status_code == 403
    as_user(client, world["users"]["admin"])
    response = client.get(LATE)
    assert response.context["totals"] == {"late": 2, "unassigned": 2}  # B, D; C, E


# --- Query budgets ----------------------------------------------------------------------------


def _seed(world, count):
    """``count`` open cases of the Trois-Rivières territory, written in bulk: a third each due
    today, overdue and later, half of them the adviser's."""
    Case.objects.all().delete()
    tr = world["offices"]["tr"]
    orgs = [enterprise("Alpha inc.", tr), OrganisationFactory(enterprise=True, office=tr)]
    adviser, creator = world["users"]["adviser"], world["users"]["admin"]
    statuses = [CaseStatus.IN_PROGRESS, CaseStatus.WAITING, CaseStatus.ASSIGNED]
    Case.objects.bulk_create([
        Case(organisation=orgs[i % 2], office=tr, created_by=creator,
             adviser=adviser if i % 2 else None,
             status=statuses[i % 3] if i % 2 else CaseStatus.NEW,
             help_kinds=["information"], topics=["recruitment"], description="Besoin",
             next_follow_up=days(i % 3 - 1), opened_at=noon(-(i % 30)))
        for i in range(count)])


def _queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("params", [
    {}, {"status": ["new", "in_progress", "waiting"], "topic": "recruitment", "region": "04",
         "q": "alpha", "ordering": "adviser"},
])
def test_the_list_runs_the_same_queries_for_5_and_100_cases(client, world, settings, params):
    settings.CASE_LIST_PAGE_SIZE = 200  # every row on one page: no hiding behind pagination
    as_user(client, world["users"]["adviser"])
    _seed(world, 5)
    few, response = _queries(client, LIST, params)
    assert len(response.context["page"]) == (5 if not params else 3)
    _seed(world, 100)
    many, response = _queries(client, LIST, params)
    assert len(response.context["page"]) == (100 if not params else 50)
    assert many == few


def test_the_export_runs_the_same_queries_for_5_and_100_cases(client, world):
    as_user(client, world["users"]["adviser"])
    _seed(world, 5)
    few, _response = _queries(client, CSV, {"topic": "recruitment"})
    _seed(world, 100)
    many, response = _queries(client, CSV, {"topic": "recruitment"})
    assert many == few
    assert len(export_rows(response)) == 101
