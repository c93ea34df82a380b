"""Indicators that add up: the ministry's catalogue of standard indicators, a measure's
indicators chosen from it (or “Other”, counted apart), and the results page adding the
targets and results of the funded plans by catalogue indicator."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs.indicators import indicator_definitions_load
from programs.models import (
    ActionPlan,
    Axis,
    Call,
    Indicator,
    IndicatorDefinition,
    IndicatorResult,
    Measure,
    Report,
    ReportKind,
    ReportStatus,
    Status,
    fiscal_year_of,
)
from tests.factories.partners import OrganisationFactory
from tests.factories.programs import ActionPlanFactory, CallFactory, MeasureFactory, program

pytestmark = pytest.mark.django_db

RESULTS = reverse("programs:results")
THIS_YEAR = fiscal_year_of(timezone.localdate())
CATALOGUE = ["participants-reached", "newcomers-welcomed", "activities-held",
             "intercultural-activities", "people-made-aware", "partners-mobilised",
             "francisation-registrations", "employers-reached", "jobs-filled", "people-settled"]


def definition(code):
    return IndicatorDefinition.objects.get(code=code)


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------


def test_the_catalogue_is_loaded_with_the_reference_data_in_both_languages():
    assert list(IndicatorDefinition.objects.values_list("code", flat=True)) == CATALOGUE
    for row in IndicatorDefinition.objects.all():
        assert row.is_active
        assert all([row.name_fr, row.name_en, row.unit_fr, row.unit_en, row.definition_fr,
                    row.definition_en]), row.code


def test_loading_the_catalogue_again_keeps_what_administrators_changed():
    participants = definition("participants-reached")
    participants.name_fr = "Participantes et participants"
    participants.is_active = False
    participants.save()
    IndicatorDefinition.objects.filter(code="jobs-filled").delete()

    assert indicator_definitions_load() == 1  # only the missing one comes back
    assert indicator_definitions_load() == 0
    participants.refresh_from_db()
    assert (participants.name_fr, participants.is_active) == ("Participantes et participants",
                                                              False)
    assert IndicatorDefinition.objects.filter(code="jobs-filled", is_active=True).exists()


def test_central_administrators_edit_the_catalogue_in_the_admin(client, world):
    participants = definition("participants-reached")
    client.force_login(world["users"]["admin"])
    url = reverse("admin:programs_indicatordefinition_change", args=[participants.pk])
    assert client.get(reverse("admin:programs_indicatordefinition_changelist")).status_code == 200
    response = client.post(url, {
        "code": "participants-reached", "name_fr": "Personnes jointes",
        "name_en": "People reached", "unit_fr": "personnes", "unit_en": "people",
        "definition_fr": "Nouvelle définition.", "definition_en": "New definition.",
        "position": "5", "is_active": "on"})
    assert response.status_code == 302
    participants.refresh_from_db()
    assert (participants.name_en, participants.definition_fr, participants.position) == (
        "People reached", "Nouvelle définition.", 5)
    client.force_login(world["users"]["adviser"])
    assert client.get(url).status_code in (302, 403)


# --------------------------------------------------------------------------------------------
# A measure's indicators
# --------------------------------------------------------------------------------------------


def measure_post(plan, **indicator):
    data = {
        "axis": plan.call.program.axes[0], "title": "Jumelage interculturel",
        "description": "Jumelages entre familles immigrantes et familles d’ici.",
        "starts_on": plan.starts_on.isoformat(), "ends_on": plan.ends_on.isoformat(),
        "indicators-TOTAL_FORMS": "2", "indicators-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-label": "Animation", "lines-0-requested_amount": "1000",
    }
    data.update({f"indicators-0-{key}": value for key, value in indicator.items()})
    return data


def test_a_measure_s_indicator_is_chosen_from_the_catalogue(client, world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    client.force_login(world["users"]["partner"])
    url = reverse("programs:measure_create", args=[plan.pk])
    page = client.get(url).content.decode()
    assert '<option value="participants-reached">Personnes participantes rejointes ' \
           "(personnes)</option>" in page
    assert '<option value="other">' in page
    assert "Nombre de personnes différentes" in page  # the definitions, on the form

    # Whatever name or unit is typed, a catalogue indicator takes the catalogue's.
    response = client.post(url, measure_post(plan, definition="participants-reached",
                                             name="Monde", unit="gens", target_value="40"))
    assert response.status_code == 302
    indicator = Indicator.objects.get(measure__plan=plan)
    assert (indicator.definition.code, indicator.name, indicator.unit,
            indicator.target_value) == ("participants-reached",
                                        "Personnes participantes rejointes", "personnes",
                                        Decimal("40.00"))

    # The edit page shows the choice, and the name fields empty.
    edit = client.get(reverse("programs:measure_update", args=[plan.pk, indicator.measure.pk]))
    assert '<option value="participants-reached" selected>' in edit.content.decode()
    row = edit.context["indicator_formset"].forms[0]
    assert (row["name"].value(), row["unit"].value()) == ("", "")


def test_an_other_indicator_is_named_by_the_partner(client, world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    client.force_login(world["users"]["partner"])
    url = reverse("programs:measure_create", args=[plan.pk])
    response = client.post(url, measure_post(plan, definition="other", name="Familles jumelées",
                                             unit="familles", target_value="12"))
    assert response.status_code == 302
    indicator = Indicator.objects.get(measure__plan=plan)
    assert (indicator.definition, indicator.name, indicator.unit) == (
        None, "Familles jumelées", "familles")
    edit = client.get(reverse("programs:measure_update",
                              args=[plan.pk, indicator.measure.pk])).content.decode()
    assert '<option value="other" selected>' in edit
    assert 'value="Familles jumelées"' in edit


@pytest.mark.parametrize(("indicator", "field", "message"), [
    ({"definition": "other", "target_value": "12"}, "name",
     "Name the other indicator and give its unit."),
    ({"definition": "other", "name": "Kiosques", "target_value": "3"}, "unit",
     "Name the other indicator and give its unit."),
    ({"target_value": "12"}, "definition",
     "Choose an indicator from the list, or “Other” and name it."),
    ({"definition": "made-up", "target_value": "12"}, "definition", "Select a valid choice."),
])
def test_an_indicator_without_a_catalogue_choice_or_a_name_is_refused(client, world, indicator,
                                                                      field, message):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    client.force_login(world["users"]["partner"])
    client.cookies["django_language"] = "en"
    response = client.post(reverse("programs:measure_create", args=[plan.pk]),
                           measure_post(plan, **indicator), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["indicator_formset"].forms[0]
    assert any(message in error for error in form.errors[field]), form.errors
    assert not Measure.objects.filter(plan=plan).exists()


def test_a_deactivated_indicator_is_no_longer_offered_but_stays_on_its_measures(client, world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    measure = MeasureFactory(plan=plan, lines=False)
    jobs = definition("jobs-filled")
    Indicator.objects.create(measure=measure, definition=jobs, name=jobs.name_fr,
                             unit=jobs.unit_fr, target_value=5)
    jobs.is_active = False
    jobs.save()
    client.force_login(world["users"]["partner"])
    new = client.get(reverse("programs:measure_create", args=[plan.pk])).content.decode()
    edit = client.get(reverse("programs:measure_update", args=[plan.pk, measure.pk]))
    assert 'value="jobs-filled"' not in new
    assert '<option value="jobs-filled" selected>' in edit.content.decode()


# --------------------------------------------------------------------------------------------
# The results page
# --------------------------------------------------------------------------------------------


def funded_plan(organisation, status, call, title):
    return ActionPlanFactory(organisation=organisation, status=status, call=call, title=title,
                             submitted_at=timezone.now() - timedelta(days=200))


def indicator(measure, target, code=None, name=None):
    chosen = definition(code) if code else None
    return Indicator.objects.create(
        measure=measure, definition=chosen, name=chosen.name_fr if chosen else name,
        unit=chosen.unit_fr if chosen else "unités", target_value=Decimal(target))


def report(plan, due_on, values, kind=ReportKind.PROGRESS, status=ReportStatus.ACCEPTED):
    made = Report.objects.create(plan=plan, kind=kind, due_on=due_on, status=status)
    IndicatorResult.objects.bulk_create([
        IndicatorResult(report=made, indicator=ind, value=Decimal(value))
        for ind, value in values])
    return made


@pytest.fixture
def results_world(world):
    """Three funded plans in two regions, and plans that must not count.

    - Un (Trois-Rivières, Mauricie 04, PAC 2 this year, in progress):
      measure “intercultural”: participants target 40, activities target 10;
      measure “retention”: participants target 20, an “other” (familles) target 15.
      Accepted progress report (September): participants 10 and 5, activities 3.
      Accepted progress report (December): participants 25 on the first measure only.
      Final report submitted, not accepted: participants 99 (does not count).
      → participants result 25 + 5 = 30, activities 3.
    - Deux (Gatineau municipality, Outaouais 07, PAC 1 this year, approved): measure
      “intercultural”: participants target 100, activities target 5. No report yet.
    - Trois (Shawinigan, Mauricie 04, PAC 2 last year, closed): measure “retention”:
      participants target 60, an “other” (kiosques) target 4. Final report accepted:
      participants 55, kiosques 4.
    - Not counted: a recommended plan (participants 1,000), a refused one (500), a draft (700).
    """
    orgs = world["orgs"]
    gatineau = OrganisationFactory(name="Ville de Gatineau", municipal=True,
                                   office=world["offices"]["gat"])
    pac2 = CallFactory(program=program("pac-2"))
    pac2_last_year = CallFactory(program=program("pac-2"), fiscal_year=THIS_YEAR - 1)
    pac1 = CallFactory(program=program("pac-1"))

    one = funded_plan(orgs["tr"], Status.IN_PROGRESS, pac2, "Plan Un")
    m1 = MeasureFactory(plan=one, axis=Axis.INTERCULTURAL, lines=False)
    m2 = MeasureFactory(plan=one, axis=Axis.RETENTION, lines=False)
    p1, a1 = indicator(m1, 40, "participants-reached"), indicator(m1, 10, "activities-held")
    p2 = indicator(m2, 20, "participants-reached")
    indicator(m2, 15, name="Familles")  # an “other” indicator, no value reported yet
    start = one.starts_on
    report(one, start + timedelta(days=150), [(p1, 10), (p2, 5), (a1, 3)])
    report(one, start + timedelta(days=250), [(p1, 25)])
    report(one, one.ends_on, [(p1, 99), (p2, 99), (a1, 99)], kind=ReportKind.FINAL,
           status=ReportStatus.SUBMITTED)

    two = funded_plan(gatineau, Status.APPROVED, pac1, "Plan Deux")
    m3 = MeasureFactory(plan=two, axis=Axis.INTERCULTURAL, lines=False)
    indicator(m3, 100, "participants-reached")
    indicator(m3, 5, "activities-held")

    three = funded_plan(orgs["sh"], Status.CLOSED, pac2_last_year, "Plan Trois")
    m4 = MeasureFactory(plan=three, axis=Axis.RETENTION, lines=False)
    p4, o2 = indicator(m4, 60, "participants-reached"), indicator(m4, 4, name="Kiosques")
    report(three, three.ends_on, [(p4, 55), (o2, 4)], kind=ReportKind.FINAL)

    for status, target in ((Status.RECOMMENDED, 1000), (Status.REFUSED, 500),
                           (Status.DRAFT, 700)):
        other = funded_plan(orgs["tr"], status, pac2, f"Plan {status}")
        if status == Status.DRAFT:
            ActionPlan.objects.filter(pk=other.pk).update(submitted_at=None)
        measure = MeasureFactory(plan=other, axis=Axis.RETENTION, lines=False)
        indicator(measure, target, "participants-reached")
    return world


def figures(response):
    """{code: (plans, indicators, reported, target, result)} and the others' counts."""
    assert response.status_code == 200
    results = response.context["results"]
    rows = {row.definition.code: (row.plans, row.indicators, row.reported, row.target,
                                  row.result) for row in results.rows if row.indicators}
    others = results.others
    return rows, (others.indicators, others.plans, others.reported), results.plans


def test_the_results_add_up_as_computed_by_hand(client, results_world):
    client.force_login(results_world["users"]["admin"])
    rows, others, plans = figures(client.get(RESULTS))
    assert rows == {
        "participants-reached": (3, 4, 3, Decimal("220"), Decimal("85")),  # 40+20+100+60; 30+55
        "activities-held": (2, 2, 1, Decimal("15"), Decimal("3")),
    }
    assert others == (2, 2, 1)  # Familles (no result yet) and Kiosques: counted, not added
    assert plans == 3
    # Every catalogue indicator is listed, even with nothing to add yet.
    response = client.get(RESULTS)
    assert [row.definition.code for row in response.context["results"].rows] == CATALOGUE
    page = response.content.decode()
    row = page.split('id="indicator-participants-reached"')[1].split("</tr>")[0]
    assert '<td class="num" data-figure="target">220</td>' in row
    assert '<td class="num" data-figure="result">85</td>' in row
    assert "39 %" in row  # 85 / 220


def test_without_distinct_on_the_results_are_the_same(client, results_world, monkeypatch):
    """SQLite (the local mode) has no DISTINCT ON: the latest value of each indicator is then
    taken by a window function, with the same figures."""
    from django.db import connection

    client.force_login(results_world["users"]["admin"])
    expected = figures(client.get(RESULTS))
    monkeypatch.setattr(connection.features, "can_distinct_on_fields", False)
    assert figures(client.get(RESULTS)) == expected


@pytest.mark.parametrize(("params", "participants", "activities", "others"), [
    ({"region": "04"}, (2, 3, 3, Decimal("120"), Decimal("85")),
     (1, 1, 1, Decimal("10"), Decimal("3")), (2, 2, 1)),
    ({"region": "07"}, (1, 1, 0, Decimal("100"), Decimal("0")),
     (1, 1, 0, Decimal("5"), Decimal("0")), (0, 0, 0)),
    ({"axis": "retention"}, (2, 2, 2, Decimal("80"), Decimal("60")), None, (2, 2, 1)),
    ({"fiscal_year": THIS_YEAR - 1}, (1, 1, 1, Decimal("60"), Decimal("55")), None, (1, 1, 1)),
    ({"program": "pac-1"}, (1, 1, 0, Decimal("100"), Decimal("0")),
     (1, 1, 0, Decimal("5"), Decimal("0")), (0, 0, 0)),
    ({"region": "04", "axis": "intercultural", "fiscal_year": THIS_YEAR, "program": "pac-2"},
     (1, 1, 1, Decimal("40"), Decimal("25")), (1, 1, 1, Decimal("10"), Decimal("3")),
     (0, 0, 0)),
])
def test_the_filters_narrow_the_totals(client, results_world, params, participants, activities,
                                      others):
    client.force_login(results_world["users"]["admin"])
    rows, other_counts, _plans = figures(client.get(RESULTS, params))
    assert rows.get("participants-reached") == participants
    assert rows.get("activities-held") == activities
    assert other_counts == others


@pytest.mark.parametrize(("role", "participants", "plans"), [
    ("admin", (Decimal("220"), Decimal("85")), 3),
    ("sit_manager", (Decimal("120"), Decimal("85")), 2),  # the Mauricie: Un and Trois
    ("adviser", (Decimal("60"), Decimal("30")), 1),  # Trois-Rivières: Un only
    ("adviser_gatineau", (Decimal("100"), Decimal("0")), 1),  # Gatineau: Deux only
])
def test_each_role_adds_only_the_plans_of_its_territory(client, results_world, role,
                                                        participants, plans):
    client.force_login(results_world["users"][role])
    rows, _others, counted = figures(client.get(RESULTS))
    assert rows["participants-reached"][3:] == participants
    assert counted == plans


@pytest.mark.parametrize("role", ["partner", "partner_gatineau"])
def test_partners_do_not_see_the_ministry_s_results(client, results_world, role):
    client.force_login(results_world["users"][role])
    assert client.get(RESULTS).status_code == 403
    assert client.get(reverse("programs:results_export", args=["csv"])).status_code == 403
    assert reverse("programs:results") not in client.get(reverse("home")).content.decode()


def test_the_export_holds_the_page_s_figures(client, results_world):
    client.force_login(results_world["users"]["sit_manager"])
    response = client.get(reverse("programs:results_export", args=["csv"]), {"region": "04"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="resultats-')
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_code = {line[0]: line for line in lines[1:]}
    assert set(by_code) == {*CATALOGUE, ""}
    assert by_code["participants-reached"][3:9] == ["2", "3", "3", "120.00", "85.00", "71"]
    assert by_code["activities-held"][3:8] == ["1", "1", "1", "10.00", "3.00"]
    assert by_code[""][3:6] == ["2", "2", "1"]  # the other indicators: counted only
    xlsx = client.get(reverse("programs:results_export", args=["xlsx"]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_results_menu_entry_is_for_staff(client, results_world):
    client.force_login(results_world["users"]["adviser"])
    page = client.get(RESULTS).content.decode()
    assert f'<a href="{RESULTS}" aria-current="page">' in page


# --------------------------------------------------------------------------------------------
# A constant number of queries
# --------------------------------------------------------------------------------------------


def add_funded_plans(count, organisation, call, creator):
    """``count`` in-progress plans, each with two measures, two catalogue indicators, an
    “other” one and an accepted report giving every value, written in bulk."""
    participants, activities = definition("participants-reached"), definition("activities-held")
    plans = ActionPlan.objects.bulk_create([
        ActionPlan(organisation=organisation, call=call, title=f"Plan en lot {i}",
                   status=Status.IN_PROGRESS, created_by=creator, starts_on=date(2026, 4, 1),
                   ends_on=date(2027, 3, 31), submitted_at=timezone.now())
        for i in range(count)])
    measures = Measure.objects.bulk_create([
        Measure(plan=plan, axis=axis, title="Mesure", description="Activités.",
                starts_on=plan.starts_on, ends_on=plan.ends_on)
        for plan in plans for axis in (Axis.INTERCULTURAL, Axis.RETENTION)])
    indicators = Indicator.objects.bulk_create([
        Indicator(measure=measure, definition=chosen, name=name, unit="u", target_value=10)
        for measure in measures
        for chosen, name in ((participants, "P"), (activities, "A"), (None, "Autre"))])
    reports = Report.objects.bulk_create([
        Report(plan=plan, kind=ReportKind.PROGRESS, due_on=date(2026, 10, 1),
               status=ReportStatus.ACCEPTED) for plan in plans])
    report_of = {report.plan_id: report for report in reports}
    plan_of = {measure.pk: measure.plan_id for measure in measures}
    IndicatorResult.objects.bulk_create([
        IndicatorResult(report=report_of[plan_of[ind.measure_id]], indicator=ind, value=7)
        for ind in indicators])


def count_queries(client, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(RESULTS, params)
    assert response.status_code == 200
    return len(captured), response.context["results"]


@pytest.mark.parametrize("params", [{}, {"region": "04", "axis": "retention",
                                         "fiscal_year": THIS_YEAR, "program": "pac-2"}])
def test_the_results_page_runs_as_many_queries_for_300_plans_as_for_3(client, results_world,
                                                                     params):
    client.force_login(results_world["users"]["sit_manager"])
    few, before = count_queries(client, params)
    call = Call.objects.filter(program__code="pac-2", fiscal_year=THIS_YEAR).first()
    add_funded_plans(297, results_world["orgs"]["tr"], call, results_world["users"]["admin"])
    many, after = count_queries(client, params)
    assert after.plans == before.plans + 297  # the new plans are counted...
    assert many == few  # ...with the same queries
