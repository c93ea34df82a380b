import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import Kind, Organisation
from regions.models import Municipality, Region
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def adviser_client(client):
    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    client.force_login(adviser)
    client.user = adviser
    return client


def names(response):
    return [o.name for o in response.context["page"]]


def test_search_ignores_case_and_accents(adviser_client):
    tr = Municipality.objects.get(code="37067")
    OrganisationFactory(name="Trois-Rivières", kind=Kind.LOCAL_MUNICIPALITY,
                        non_profit_kind="", municipality=tr, mrc=None)
    OrganisationFactory(name="Accueil Nicolet")
    for query in ("trois-rivieres", "TROIS RIVIÈRES", "37067"):
        response = adviser_client.get(reverse("partners:directory"), {"q": query})
        assert names(response) == ["Trois-Rivières"], query


def test_filters_combine(adviser_client):
    OrganisationFactory(name="Usine A", kind=Kind.ENTERPRISE, non_profit_kind="")
    OrganisationFactory(name="Organisme B")
    response = adviser_client.get(reverse("partners:directory"),
                                  {"kind": "enterprise", "region": "04",
                                   "office": "trois-rivieres"})
    assert names(response) == ["Usine A"]


def test_an_invalid_filter_value_shows_an_error_not_a_crash(adviser_client):
    response = adviser_client.get(reverse("partners:directory"), {"region": "99"})
    assert response.status_code == 200
    assert response.context["filter"].errors["region"]


def test_sorting_and_pagination(adviser_client, settings):
    settings.DIRECTORY_PAGE_SIZE = 2
    for name in ["Bêta", "alpha", "Gamma"]:
        OrganisationFactory(name=name)
    first = adviser_client.get(reverse("partners:directory"), {"ordering": "-name"})
    assert names(first) == ["Gamma", "Bêta"]
    second = adviser_client.get(reverse("partners:directory"), {"ordering": "-name", "page": 2})
    assert names(second) == ["alpha"]
    assert 'aria-sort="descending"' in first.content.decode()


def test_the_htmx_fragment_is_the_results_table_only(adviser_client):
    OrganisationFactory(name="Organisme fragment")
    response = adviser_client.get(reverse("partners:directory"), {"q": "fragment"},
                                  HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "Organisme fragment" in body and "<html" not in body


def test_the_export_holds_exactly_the_filtered_rows_with_formulas_neutralised(adviser_client):
    OrganisationFactory(name="=HYPERLINK(\"http://evil.example\")", phone="+1 819 555-0101")
    OrganisationFactory(name="@SUM(A1)", kind=Kind.ENTERPRISE, non_profit_kind="")
    OrganisationFactory(name="Hors filtre", kind=Kind.ENTERPRISE, non_profit_kind="",
                        email="-x@example.org")
    response = adviser_client.get(reverse("partners:export", args=["csv"]),
                                  {"kind": "non_profit"})
    assert response["Content-Disposition"].startswith('attachment; filename="organisations-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Identifiant", "Nom", "Type"]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil.example\")"]
    assert rows[1][10] == "'+1 819 555-0101"


def test_the_xlsx_export_neutralises_formulas(adviser_client):
    import openpyxl

    OrganisationFactory(name="=1+1")
    response = adviser_client.get(reverse("partners:export", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=2).value == "'=1+1"
    assert sheet.cell(row=2, column=2).data_type == "s"


def test_an_unknown_export_format_is_404(adviser_client):
    assert adviser_client.get("/organisations/export.pdf").status_code == 404


def _directory_queries(client, count):
    Organisation.objects.all().delete()
    for i in range(count):
        organisation = OrganisationFactory(name=f"Organisme {i:03}",
                                           mrc_id=None if i % 2 else None)
        if i % 3 == 0:
            ContactFactory(organisation=organisation)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("partners:directory"), {"ordering": "region"})
    assert response.status_code == 200
    return len(queries)


def test_the_directory_runs_the_same_queries_for_5_and_200_organisations(adviser_client,
                                                                        settings):
    settings.DIRECTORY_PAGE_SIZE = 500  # every row on one page: no hiding behind pagination
    assert _directory_queries(adviser_client, 5) == _directory_queries(adviser_client, 200)


def test_the_export_runs_the_same_queries_for_5_and_200_organisations(adviser_client):
    def queries(count):
        Organisation.objects.all().delete()
        for i in range(count):
            OrganisationFactory(name=f"Organisme {i:03}")
        with CaptureQueriesContext(connection) as captured:
            adviser_client.get(reverse("partners:export", args=["csv"]))
        return len(captured)

    assert queries(5) == queries(200)


def test_staff_create_an_organisation_in_two_clicks_from_the_register(adviser_client):
    fragment = adviser_client.get(reverse("partners:register"), {"q": "louiseville"},
                                  HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="matches"')
    assert "Louiseville" in fragment.content.decode()
    search = adviser_client.get(reverse("partners:register"), {"q": "louiseville"})
    code = next(m.code for m, _existing in search.context["municipalities"]
                if m.name == "Louiseville")
    response = adviser_client.post(reverse("partners:register_create"), {"municipality": code})
    organisation = Organisation.objects.get(municipality__code=code)
    assert response.url == reverse("partners:detail", args=[organisation.pk])
    assert organisation.office.slug == "trois-rivieres"


def test_the_register_picker_hides_unorganised_territories(adviser_client):
    response = adviser_client.get(reverse("partners:register"), {"q": "lac-"})
    designations = {m.designation for m, _e in response.context["municipalities"]}
    assert "Territoire non organisé" not in designations


def test_the_create_form_reports_errors_in_french_and_writes_nothing(adviser_client):
    before = Organisation.objects.count()
    response = adviser_client.post(reverse("partners:create"), {
        "name": "Ville fantôme", "kind": "local_municipality",
        "region": Region.objects.get(code="04").pk, "municipality": "47017"})
    assert response.status_code == 200
    assert "Cette municipalité n’est pas dans la région choisie." in \
        response.context["form"].errors["municipality"]
    assert Organisation.objects.count() == before


def test_an_unknown_municipality_code_is_explained(adviser_client):
    response = adviser_client.post(reverse("partners:create"), {
        "name": "X", "kind": "local_municipality", "region": Region.objects.get(code="04").pk,
        "municipality": "00000"})
    assert response.context["form"].errors["municipality"] == [
        "Aucune municipalité du répertoire n’a ce code."]


def test_staff_edit_an_organisation(adviser_client):
    organisation = OrganisationFactory(name="Ancien nom")
    form = {"name": "Nouveau nom", "kind": "non_profit", "non_profit_kind": "francisation",
            "region": organisation.region.pk, "office": organisation.office.pk}
    response = adviser_client.post(reverse("partners:update", args=[organisation.pk]), form)
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.non_profit_kind) == ("Nouveau nom", "francisation")


def test_the_invitation_page_sends_the_invitation(adviser_client, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    organisation = OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = adviser_client.post(reverse("partners:invite", args=[organisation.pk]),
                                       {"email": "partenaire@exemple.example"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = mailoutbox[0].body.split("http://testserver")[1].split()[0]
    adviser_client.logout()
    page = adviser_client.get(link)
    assert page.status_code == 200
    response = adviser_client.post(link, {"first_name": "Ana", "last_name": "Lima",
                                          "password1": "Un-mot-de-passe-solide-2026",
                                          "password2": "Un-mot-de-passe-solide-2026"})
    assert response.url == reverse("account_login")
    assert organisation.memberships.get().user.email == "partenaire@exemple.example"
    assert adviser_client.get(link).status_code == 404  # used


def test_a_partner_exports_their_own_organisations_contacts(client):
    from tests.factories.partners import PartnerUserFactory

    own = OrganisationFactory()
    ContactFactory(organisation=own, last_name="Tremblay")
    ContactFactory(organisation=OrganisationFactory(), last_name="Ailleurs")
    client.force_login(PartnerUserFactory(organisation=own))
    response = client.get(reverse("partners:contacts_export", args=[own.pk, "xlsx"]))
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Organisme", "Prénom", "Nom de famille")
    assert [r[2] for r in rows[1:]] == ["Tremblay"]
