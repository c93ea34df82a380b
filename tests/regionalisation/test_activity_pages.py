"""The pages of regionalisation activities, as each role sees them.

The people: two Montréal regionalisation organisations (“Horizon” promotes the Mauricie,
“Passerelle” the Estrie), advisers of Trois-Rivières (Mauricie), Montréal and Gatineau, the
SIT manager of Sherbrooke (whose SIT serves the Estrie and the Mauricie), the central
administrator, and users who have no business with activities: an enterprise, a settlement
organisation of Trois-Rivières and a municipal body.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from regionalisation.models import Activity, ActivityKind, ActivityRegion
from regions.models import Region
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    ActivityFactory,
    OpportunityFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

LIST = reverse("regionalisation:activity_list")
CREATE = reverse("regionalisation:activity_create")


def csv_url():
    return reverse("regionalisation:activity_export", args=["csv"])


def region(code):
    return Region.objects.get(code=code)


def detail(activity):
    return reverse("regionalisation:activity_detail", args=[activity.pk])


def edit(activity):
    return reverse("regionalisation:activity_edit", args=[activity.pk])


def delete(activity):
    return reverse("regionalisation:activity_delete", args=[activity.pk])


def outcomes(activity, months):
    return reverse("regionalisation:activity_outcomes", args=[activity.pk, months])


def on_board(**kwargs):
    """An enterprise with a published opportunity: one a regionalisation organisation sees,
    hence may pick as a partner (tests/regionalisation/test_activity_picker.py)."""
    enterprise = EnterpriseFactory(**kwargs).organisation
    OpportunityFactory(enterprise=enterprise, published=True)
    return enterprise


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def people(db):
    horizon = regionalisation_organisation(name="Horizon Régions")
    passerelle = regionalisation_organisation(name="Passerelle Estrie")
    return {
        "horizon_org": horizon,
        "passerelle_org": passerelle,
        "horizon": PartnerUserFactory(organisation=horizon),
        "passerelle": PartnerUserFactory(organisation=passerelle),
        "adviser_mauricie": StaffFactory(role="adviser", offices=[office("trois-rivieres")]),
        "adviser_montreal": StaffFactory(role="adviser", offices=[office("montreal")]),
        "adviser_gatineau": StaffFactory(role="adviser", offices=[office("gatineau")]),
        "sit_manager": StaffFactory(role="sit_manager", offices=[office("sherbrooke")]),
        "admin": StaffFactory(role="admin"),
        "enterprise": PartnerUserFactory(organisation=EnterpriseFactory().organisation),
        "settlement": PartnerUserFactory(organisation=OrganisationFactory()),
        "municipal": PartnerUserFactory(organisation=OrganisationFactory(municipal=True)),
    }


@pytest.fixture
def activities(people):
    day = timezone.localdate() - timedelta(days=200)
    mauricie = ActivityFactory(organisation=people["horizon_org"],
                               title="Séance Mauricie", starts_on=day, ends_on=day,
                               regions=[region("04")])
    estrie = ActivityFactory(organisation=people["passerelle_org"],
                             kind=ActivityKind.EXPLORATORY_STAY, title="Séjour Estrie",
                             starts_on=day + timedelta(days=10),
                             ends_on=day + timedelta(days=12), regions=[region("05")])
    return {"mauricie": mauricie, "estrie": estrie}


#: Who sees which activity (by title) on the list and on the detail page.
SEES = {
    "horizon": {"Séance Mauricie"},
    "passerelle": {"Séjour Estrie"},
    "adviser_mauricie": {"Séance Mauricie"},  # it promotes the Mauricie
    "adviser_montreal": {"Séance Mauricie", "Séjour Estrie"},  # Montréal's organisations
    "adviser_gatineau": set(),
    "sit_manager": {"Séance Mauricie", "Séjour Estrie"},  # its SIT serves both regions
    "admin": {"Séance Mauricie", "Séjour Estrie"},
}
OUTSIDERS = ["enterprise", "settlement", "municipal"]


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_role_lists_the_activities_of_its_scope(client, people, activities, who):
    client.force_login(people[who])

    response = client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    for activity in activities.values():
        assert (activity.title in html) is (activity.title in SEES[who])


@pytest.mark.parametrize("who", sorted(SEES))
def test_each_role_reads_the_detail_of_an_activity_of_its_scope_only(client, people,
                                                                    activities, who):
    client.force_login(people[who])

    for activity in activities.values():
        response = client.get(detail(activity))
        assert response.status_code == (200 if activity.title in SEES[who] else 404)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_users_without_activities_are_refused_every_page(client, people, activities, who):
    """403 on the pages, and 404 on an activity's pages, like an activity that does not
    exist: its id leaks nothing."""
    client.force_login(people[who])
    activity = activities["mauricie"]

    for url in (LIST, CREATE, csv_url()):
        assert client.get(url).status_code == 403, url
    for url in (detail(activity), edit(activity), delete(activity), outcomes(activity, 6)):
        assert client.get(url).status_code == 404, url
    assert client.post(delete(activity)).status_code == 404
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, activities):
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_another_organisation_gets_404_on_every_page_of_an_activity(client, people,
                                                                   activities):
    client.force_login(people["passerelle"])
    activity = activities["mauricie"]

    for url in (detail(activity), edit(activity), delete(activity), outcomes(activity, 6),
                outcomes(activity, 12)):
        assert client.get(url).status_code == 404, url
    assert client.post(delete(activity)).status_code == 404
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_an_adviser_outside_the_scope_gets_404(client, people, activities):
    client.force_login(people["adviser_gatineau"])
    activity = activities["mauricie"]

    for url in (detail(activity), edit(activity), delete(activity), outcomes(activity, 6)):
        assert client.get(url).status_code == 404, url


def test_staff_read_but_never_change_activities(client, people, activities):
    activity = activities["mauricie"]
    for who in ("adviser_mauricie", "adviser_montreal", "sit_manager", "admin"):
        client.force_login(people[who])
        html = client.get(detail(activity)).content.decode()
        assert edit(activity) not in html
        assert client.get(CREATE).status_code == 403
        for url in (edit(activity), delete(activity), outcomes(activity, 6)):
            assert client.get(url).status_code == 403, (who, url)
        assert client.post(delete(activity)).status_code == 403
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_an_unknown_follow_up_is_not_found(client, people, activities):
    client.force_login(people["horizon"])

    assert client.get(outcomes(activities["mauricie"], 3)).status_code == 404


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_newest_first_with_dates_regions_participants_and_follow_ups(
        client, people):
    today = timezone.localdate()
    organisation = people["horizon_org"]
    old = ActivityFactory(organisation=organisation, title="Salon ancien",
                          kind=ActivityKind.JOB_FAIR,
                          starts_on=today - timedelta(days=400),
                          ends_on=today - timedelta(days=400), participants=50,
                          regions=[region("04"), region("05")])
    old.promoted.update(settled_6_months=4)
    recent = ActivityFactory(organisation=organisation, title="Séance récente",
                             starts_on=today - timedelta(days=10),
                             ends_on=today - timedelta(days=10), participants=20)
    future = ActivityFactory(organisation=organisation, title="Visite à venir",
                             kind=ActivityKind.GROUP_VISIT,
                             starts_on=today + timedelta(days=30),
                             ends_on=today + timedelta(days=31), participants=None)
    client.force_login(people["horizon"])

    html = english(client).get(LIST).content.decode()

    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    titles = [re.search(r'<a href="[^"]+">([^<]+)</a>', row).group(1) for row in rows]
    assert titles == ["Visite à venir", "Séance récente", "Salon ancien"]
    by_title = dict(zip(titles, rows, strict=True))
    assert "Group visit" in by_title["Visite à venir"]
    assert "not recorded" in by_title["Visite à venir"]  # no participants yet
    six = (future.ends_on + relativedelta(months=6)).strftime("%-d %B %Y")
    assert f"to record from {six}" in by_title["Visite à venir"]
    recent_six = (recent.ends_on + relativedelta(months=6)).strftime("%-d %B %Y")
    assert f"to record from {recent_six}" in by_title["Séance récente"]
    assert "Mauricie, Estrie" in by_title["Salon ancien"]
    assert "recorded" in by_title["Salon ancien"]  # 6 months: recorded, 8 settled
    assert "settled: 8" in by_title["Salon ancien"]
    assert ">due<" in by_title["Salon ancien"]  # 12 months: due, not recorded
    assert "Job fair" in by_title["Salon ancien"]


def test_the_filters_narrow_the_list(client, people, activities):
    client.force_login(people["admin"])
    mauricie, estrie = activities["mauricie"], activities["estrie"]
    estrie.promoted.update(settled_6_months=2)

    def titles(**params):
        html = client.get(LIST, params).content.decode()
        return {a.title for a in (mauricie, estrie) if a.title in html}

    assert titles() == {mauricie.title, estrie.title}
    assert titles(region="04") == {mauricie.title}
    assert titles(kind=ActivityKind.EXPLORATORY_STAY) == {estrie.title}
    assert titles(organisation=people["horizon_org"].pk) == {mauricie.title}
    assert titles(outcomes_missing="6") == {mauricie.title}
    assert titles(outcomes_missing="any") == {mauricie.title}
    assert titles(held_from=estrie.starts_on.isoformat()) == {estrie.title}
    assert titles(held_to=mauricie.ends_on.isoformat()) == {mauricie.title}


def test_an_organisation_does_not_filter_by_organisation(client, people, activities):
    client.force_login(people["horizon"])

    html = client.get(LIST).content.decode()

    assert 'name="organisation"' not in html
    assert "Passerelle Estrie" not in html


def test_the_organisation_filter_offers_only_organisations_in_scope(client, people,
                                                                   activities):
    client.force_login(people["adviser_mauricie"])

    html = client.get(LIST).content.decode()

    assert "Horizon Régions" in html
    assert "Passerelle Estrie" not in html


def test_the_list_is_paginated_and_keeps_its_filters(client, people, settings):
    settings.ACTIVITY_LIST_PAGE_SIZE = 2
    for n in range(3):
        ActivityFactory(organisation=people["horizon_org"], title=f"Séance {n}",
                        starts_on=timezone.localdate() - timedelta(days=n + 1))
    client.force_login(people["horizon"])

    first = client.get(LIST, {"region": "04"}).content.decode()
    second = client.get(LIST, {"region": "04", "page": 2}).content.decode()

    assert "Séance 0" in first and "Séance 1" in first and "Séance 2" not in first
    assert "?region=04&amp;page=2" in first
    assert "Séance 2" in second and "Séance 0" not in second


def test_live_filtering_returns_only_the_results(client, people, activities):
    client.force_login(people["admin"])

    response = client.get(LIST, {"region": "05"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html
    assert "Séjour Estrie" in html
    assert "Séance Mauricie" not in html


def test_the_list_runs_the_same_queries_for_3_and_for_30_activities(client, people):
    organisation = people["horizon_org"]
    enterprise = EnterpriseFactory().organisation

    def add(n):
        for _ in range(n):
            activity = ActivityFactory(organisation=organisation,
                                       regions=[region("04"), region("05")])
            activity.partner_enterprises.add(enterprise)
            activity.partner_municipalities.add(municipality("37067"))

    def queries(user, url):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    add(3)
    few = {who: (queries(people[who], LIST), queries(people[who], csv_url()))
           for who in ("horizon", "adviser_montreal")}
    add(27)
    many = {who: (queries(people[who], LIST), queries(people[who], csv_url()))
            for who in ("horizon", "adviser_montreal")}
    assert few == many


# --- The export -----------------------------------------------------------------------------


def read_csv(response):
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_holds_exactly_the_filtered_rows_with_regions_and_settled_figures(
        client, people, activities):
    mauricie = activities["mauricie"]
    ActivityRegion.objects.create(activity=mauricie, region=region("05"))
    mauricie.promoted.filter(region__code="04").update(settled_6_months=5)
    mauricie.promoted.filter(region__code="05").update(settled_6_months=2)
    mauricie.partner_enterprises.add(EnterpriseFactory(
        organisation__name="=Fonderie Laviolette").organisation)
    mauricie.partner_municipalities.add(municipality("37067"))
    client.force_login(people["adviser_montreal"])

    with_filter = read_csv(english(client).get(csv_url(), {"region": "04"}))
    everything = read_csv(client.get(csv_url()))

    assert len(everything) == 2
    assert len(with_filter) == 1
    row = with_filter[0]
    assert row["Activity"] == str(mauricie.pk)
    assert row["Organisation"] == "Horizon Régions"
    assert row["Type"] == "Information session"
    assert row["Title of the activity"] == "Séance Mauricie"
    assert row["First day"] == mauricie.starts_on.isoformat()
    assert row["Regions promoted"] == "04 Mauricie; 05 Estrie"
    assert row["Participants"] == "40"
    assert row["Partner enterprises"] == "'=Fonderie Laviolette"  # never a formula
    assert row["Partner municipalities"] == "Trois-Rivières (37067)"
    assert row["Settled after 6 months, by region"] == "04 Mauricie: 5; 05 Estrie: 2"
    assert row["Settled after 6 months"] == "7"
    assert row["Settled after 12 months, by region"] == "04 Mauricie: —; 05 Estrie: —"
    assert row["Settled after 12 months"] == ""


def test_the_export_is_in_french_by_default_and_in_xlsx(client, people, activities):
    client.force_login(people["horizon"])

    rows = read_csv(client.get(csv_url()))
    xlsx = client.get(reverse("regionalisation:activity_export", args=["xlsx"]))

    assert [row["Organisme"] for row in rows] == ["Horizon Régions"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2
    assert "Séance Mauricie" in [cell.value for cell in sheet[2]]


def test_an_invalid_filter_refuses_the_export(client, people, activities):
    client.force_login(people["admin"])

    assert client.get(csv_url(), {"region": "99"}).status_code == 400


# --- Recording, changing, deleting ----------------------------------------------------------


def form_data(**overrides):
    today = timezone.localdate()
    data = {"kind": ActivityKind.JOB_FAIR, "title": "Salon des régions",
            "starts_on": (today + timedelta(days=15)).isoformat(),
            "ends_on": (today + timedelta(days=16)).isoformat(),
            "description": "", "regions": [region("04").pk, region("05").pk],
            "other_partners": "", "participants": ""}
    data.update(overrides)
    return data


def test_the_form_offers_the_16_regions_outside_montreal_in_a_fieldset(client, people):
    EnterpriseFactory(organisation__name="Fonderie Laviolette")
    client.force_login(people["horizon"])

    html = english(client).get(CREATE).content.decode()

    fieldset = re.search(r"<fieldset[^>]*>\s*<legend>Regions promoted.*?</fieldset>", html,
                         re.S).group(0)
    regions = re.findall(r'name="regions" value="(\d+)"', fieldset)
    assert len(regions) == len(re.findall(r'name="regions"', html)) == 16
    assert str(region("06").pk) not in regions
    assert "04 Mauricie" in fieldset
    for legend in ("Type of activity", "Partner enterprises", "Partner municipalities"):
        assert re.search(rf"<fieldset[^>]*>\s*<legend>{legend}", html), legend
    # The directory is searched, not listed: no enterprise until the user looks for one.
    assert 'name="partner_enterprises"' not in html
    assert "Fonderie Laviolette" not in html


def test_an_organisation_records_an_activity(client, people):
    client.force_login(people["horizon"])
    employer = on_board(organisation__name="Fonderie Laviolette")

    response = client.post(CREATE, form_data(
        partner_enterprises=[employer.pk],
        partner_municipalities=[municipality("37067").pk]))

    activity = Activity.objects.get(title="Salon des régions")
    assert response.status_code == 302
    assert response["Location"] == detail(activity)
    assert activity.organisation == people["horizon_org"]
    assert activity.participants is None
    assert sorted(activity.promoted.values_list("region__code", flat=True)) == ["04", "05"]
    assert list(activity.partner_enterprises.all()) == [employer]
    page = client.get(detail(activity)).content.decode()
    assert "Fonderie Laviolette" in page
    assert "Trois-Rivières" in page


def test_a_one_day_activity_needs_no_last_day(client, people):
    client.force_login(people["horizon"])

    client.post(CREATE, form_data(ends_on=""))

    activity = Activity.objects.get(title="Salon des régions")
    assert activity.ends_on == activity.starts_on


def test_the_form_errors_are_in_french_and_tied_to_their_fields(client, people):
    client.force_login(people["horizon"])
    today = timezone.localdate()

    response = client.post(CREATE, form_data(
        title="", regions=[], starts_on=today.isoformat(),
        ends_on=(today - timedelta(days=1)).isoformat()))

    html = response.content.decode()
    assert response.status_code == 200
    assert not Activity.objects.exists()
    assert re.search(r'id="id_title_error"><li>Ce champ est obligatoire.</li>', html)
    assert 'aria-describedby="id_title_error"' in html
    assert re.search(r'<fieldset[^>]*aria-describedby="[^"]*id_regions_error"', html)
    assert re.search(r'id="id_regions_error"><li>Choisissez au moins une région que '
                     r"l’activité fait connaître.</li>", html)


def test_the_service_refusals_show_on_their_fields(client, people):
    client.force_login(people["horizon"])
    today = timezone.localdate()

    response = client.post(CREATE, form_data(starts_on=today.isoformat(),
                                             ends_on=(today - timedelta(days=1)).isoformat()))

    html = response.content.decode()
    assert response.status_code == 200
    assert not Activity.objects.exists()
    assert re.search(r'id="id_ends_on_error"><li>Le dernier jour ne peut pas précéder le '
                     r"premier.</li>", html)
    assert re.search(r'<input[^>]*name="ends_on"[^>]*aria-describedby="[^"]*id_ends_on_error',
                     html)


def test_a_montreal_municipality_or_a_non_enterprise_cannot_be_a_partner(client, people):
    client.force_login(people["horizon"])
    settlement = OrganisationFactory(name="Accueil Trois-Rivières")

    response = client.post(CREATE, form_data(
        partner_enterprises=[settlement.pk],
        partner_municipalities=[municipality("66023").pk]))

    html = response.content.decode()
    assert not Activity.objects.exists()
    assert 'id="id_partner_enterprises_error"' in html
    assert 'id="id_partner_municipalities_error"' in html


def test_the_enterprise_search_shows_names_only_and_keeps_the_ticked_ones(client, people):
    client.force_login(people["horizon"])
    laviolette = on_board(organisation__name="Fonderie Laviolette",
                          organisation__email="rh@laviolette.example")
    chosen = on_board(organisation__name="Bois Francs Nicolet")
    OrganisationFactory(name="Laviolette Accueil")  # not an enterprise

    response = client.get(CREATE, {"find": "enterprises", "enterprise_q": "laviolette",
                                   "partner_enterprises": [chosen.pk]},
                          HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert re.search(rf'name="partner_enterprises" value="{chosen.pk}"[^>]*checked', html)
    assert re.search(rf'name="partner_enterprises" value="{laviolette.pk}" '
                     rf'id="found-enterprises-{laviolette.pk}">', html)
    assert f'<label for="found-enterprises-{laviolette.pk}">Fonderie Laviolette</label>' in html
    assert "Laviolette Accueil" not in html
    assert "rh@laviolette.example" not in html
    assert 'hx-swap-oob="innerHTML:#picker-enterprises-status"' in html


def test_the_municipality_search_leaves_montreal_out(client, people):
    client.force_login(people["horizon"])

    html = client.get(CREATE, {"find": "municipalities", "municipality_q": "montr"},
                      HTTP_HX_REQUEST="true").content.decode()
    by_code = client.get(CREATE, {"find": "municipalities", "municipality_q": "37067"},
                         HTTP_HX_REQUEST="true").content.decode()

    assert "Montréal (66023)" not in html
    assert "Trois-Rivières (37067), Mauricie" in by_code


def test_a_search_without_javascript_reloads_the_form_with_its_results(client, people):
    client.force_login(people["horizon"])
    on_board(organisation__name="Fonderie Laviolette")

    response = client.get(CREATE, {"find": "enterprises", "enterprise_q": "fonderie"})

    html = response.content.decode()
    assert "<html" in html
    assert "Fonderie Laviolette" in html


def test_the_organisation_changes_its_activity(client, people, activities):
    activity = activities["mauricie"]
    activity.promoted.update(settled_6_months=3)
    client.force_login(people["horizon"])

    form = client.get(edit(activity)).content.decode()
    assert 'value="Séance Mauricie"' in form
    response = client.post(edit(activity), form_data(
        title="Séance Mauricie et Outaouais", kind=ActivityKind.INFORMATION_SESSION,
        starts_on=activity.starts_on.isoformat(), ends_on=activity.ends_on.isoformat(),
        participants="40", regions=[region("04").pk, region("07").pk]))

    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.title == "Séance Mauricie et Outaouais"
    rows = {row.region.code: row.settled_6_months for row in activity.promoted.all()}
    assert rows == {"04": 3, "07": None}


def test_a_change_below_the_people_already_counted_is_refused(client, people, activities):
    activity = activities["mauricie"]
    activity.promoted.update(settled_6_months=12)
    client.force_login(people["horizon"])

    response = client.post(edit(activity), form_data(
        starts_on=activity.starts_on.isoformat(), ends_on=activity.ends_on.isoformat(),
        participants="5", regions=[region("04").pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "12 personnes établies après 6 mois, c’est plus que les 5 participants." \
        in html
    activity.refresh_from_db()
    assert activity.participants == 40


def test_the_organisation_deletes_an_activity_after_confirming(client, people, activities):
    activity = activities["mauricie"]
    client.force_login(people["horizon"])

    confirm = client.get(delete(activity))
    assert confirm.status_code == 200
    assert Activity.objects.filter(pk=activity.pk).exists()
    response = client.post(delete(activity))

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert not Activity.objects.filter(pk=activity.pk).exists()


def test_an_activity_with_outcomes_cannot_be_deleted(client, people, activities):
    activity = activities["mauricie"]
    activity.promoted.update(settled_6_months=3)
    client.force_login(people["horizon"])
    message = "Les résultats de cette activité sont inscrits : elle ne peut plus être supprimée."

    confirm = client.get(delete(activity)).content.decode()
    refused = client.post(delete(activity)).content.decode()
    page = client.get(detail(activity)).content.decode()

    assert message in confirm.replace("&#x27;", "'")
    assert 'type="submit" class="button button--danger"' not in confirm
    assert message in refused.replace("&#x27;", "'")
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert delete(activity) not in page


# --- Outcomes -------------------------------------------------------------------------------


def test_outcomes_are_refused_before_their_date_with_the_date(client, people):
    ends_on = timezone.localdate() - timedelta(days=30)
    activity = ActivityFactory(organisation=people["horizon_org"], starts_on=ends_on,
                               ends_on=ends_on)
    due_on = ends_on + relativedelta(months=6)
    client.force_login(people["horizon"])

    page = client.get(outcomes(activity, 6)).content.decode()
    refused = client.post(outcomes(activity, 6), {f"region_{region('04').pk}": "3"})

    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]
    french = f"{due_on.day} {months[due_on.month - 1]} {due_on.year}"
    assert f"Les résultats après 6 mois peuvent être inscrits à compter du {french}." in page
    assert 'name="region_' not in page
    assert refused.status_code == 400
    assert activity.promoted.get().settled_6_months is None


def test_outcomes_need_the_participants_first(client, people):
    ends_on = timezone.localdate() - timedelta(days=200)
    activity = ActivityFactory(organisation=people["horizon_org"], starts_on=ends_on,
                               ends_on=ends_on, participants=None)
    client.force_login(people["horizon"])

    page = client.get(outcomes(activity, 6)).content.decode()

    assert "Inscrivez d’abord le nombre de participants." in page
    assert edit(activity) in page


def test_the_organisation_records_the_outcomes_per_region(client, people):
    ends_on = timezone.localdate() - timedelta(days=400)
    activity = ActivityFactory(organisation=people["horizon_org"], starts_on=ends_on,
                               ends_on=ends_on, participants=20,
                               regions=[region("04"), region("05")])
    mauricie, estrie = region("04").pk, region("05").pk
    client.force_login(people["horizon"])

    form = english(client).get(outcomes(activity, 6)).content.decode()
    assert "People who settled in Mauricie" in form
    assert "People who settled in Estrie" in form
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)

    too_many = client.post(outcomes(activity, 6), {f"region_{mauricie}": "15",
                                                   f"region_{estrie}": "6"})
    missing = client.post(outcomes(activity, 6), {f"region_{mauricie}": "15"})
    assert too_many.status_code == 200
    assert ("21 personnes établies après 6 mois, c’est plus que les 20 participants."
            in too_many.content.decode())
    assert f'id="id_region_{estrie}_error"' in missing.content.decode()
    assert f'aria-describedby="id_region_{estrie}_error"' in missing.content.decode()

    six = client.post(outcomes(activity, 6), {f"region_{mauricie}": "9",
                                              f"region_{estrie}": "3"})
    twelve = client.post(outcomes(activity, 12), {f"region_{mauricie}": "8",
                                                  f"region_{estrie}": "4"})

    assert six.status_code == 302 and twelve.status_code == 302
    rows = {row.region.code: (row.settled_6_months, row.settled_12_months)
            for row in activity.promoted.all()}
    assert rows == {"04": (9, 8), "05": (3, 4)}
    page = client.get(detail(activity)).content.decode()
    assert re.search(r"<th scope=\"row\">Mauricie</th>\s*<td class=\"num\">9</td>\s*"
                     r"<td class=\"num\">8</td>", page)
    again = client.get(outcomes(activity, 6)).content.decode()
    assert f'name="region_{mauricie}" value="9"' in again
