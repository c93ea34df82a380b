"""The opportunity management pages (regionalisation/views/opportunities.py), walked by each
role: the employer publishes and follows its own, the territory's advisers validate them, the
central administrator reads, board viewers read the public part only. Messages are checked in
French, the portal's default language."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from enterprises.models import FrenchLevel, Position, Sector, Topic
from regionalisation.models import Opportunity, OpportunityEvent, OpportunityStatus
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    OpportunityReferralFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

S = OpportunityStatus
TROIS_RIVIERES = "Trois-Rivières (37067)"
LIST = reverse("regionalisation:opportunity_list")
CREATE = reverse("regionalisation:opportunity_create")


def enterprise_of(slug, name, sector=Sector.MANUFACTURING):
    served_by = office(slug)
    return EnterpriseFactory(organisation__office=served_by,
                             organisation__region=served_by.region,
                             organisation__name=name, sector=sector).organisation


@pytest.fixture
def shop(world):
    """An enterprise of the Mauricie (served by Trois-Rivières), in construction, and its
    user."""
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.",
                                 Sector.CONSTRUCTION)
    return organisation, PartnerUserFactory(organisation=organisation)


@pytest.fixture
def other_shop(world):
    """An enterprise of the Outaouais (served by Gatineau) and its user."""
    organisation = enterprise_of("gatineau", "Bois franc de l’Outaouais")
    return organisation, PartnerUserFactory(organisation=organisation)


@pytest.fixture
def regio_user(world):
    return PartnerUserFactory(organisation=regionalisation_organisation())


def gatineau_opportunity(enterprise, **kwargs):
    return OpportunityFactory(enterprise=enterprise, municipality=municipality("81017"),
                              office=office("gatineau"), **kwargs)


def detail_url(opportunity):
    return reverse("regionalisation:opportunity_detail", args=[opportunity.pk])


def edit_url(opportunity):
    return reverse("regionalisation:opportunity_edit", args=[opportunity.pk])


def move(client, opportunity, to, comment="", follow=True):
    return client.post(reverse("regionalisation:opportunity_move", args=[opportunity.pk]),
                       {"to": to, "comment": comment}, follow=follow)


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "title": "Soudeur-monteur ou soudeuse-monteuse",
        "description": "Poste permanent de jour, 40 heures par semaine.",
        "positions": "4", "noc_code": "72106", "sector": Sector.MANUFACTURING,
        "french_level": FrenchLevel.BASIC, "municipality": TROIS_RIVIERES,
        "start_date": (today + timedelta(days=60)).isoformat(),
        "offers_housing": "on", "offers_spouse_employment": "on",
        "settlement_details": "Logement meublé les trois premiers mois.",
        "expires_on": (today + timedelta(days=45)).isoformat(),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def listed(response):
    return {opportunity.pk for opportunity in response.context["page"].object_list}


# --------------------------------------------------------------------------------------------
# The list: each role its scope
# --------------------------------------------------------------------------------------------


@pytest.fixture
def spread(world, shop, other_shop):
    """Opportunities of the Mauricie enterprise (Trois-Rivières, every status but one), of
    another Mauricie enterprise (Shawinigan) and of the Outaouais enterprise (Gatineau)."""
    mine = [OpportunityFactory(enterprise=shop[0]),
            OpportunityFactory(enterprise=shop[0], submitted=True),
            OpportunityFactory(enterprise=shop[0], published=True),
            OpportunityFactory(enterprise=shop[0], expired=True)]
    neighbour = OpportunityFactory(enterprise=enterprise_of("shawinigan", "Meubles Shawi"),
                                   municipality=municipality("36033"),
                                   office=office("shawinigan"), published=True)
    outaouais = gatineau_opportunity(other_shop[0], submitted=True)
    return {"mine": mine, "neighbour": neighbour, "outaouais": outaouais}


def test_an_enterprise_lists_only_its_own_opportunities_in_every_status(client, shop, spread):
    client.force_login(shop[1])
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == {o.pk for o in spread["mine"]}
    html = response.content.decode()
    assert str(S.SUBMITTED.label) in html and str(S.EXPIRED.label) in html
    assert "Trois-Rivières" in html
    # Staff filters (office, region...) are not offered to an employer.
    assert "office" not in response.context["filter"].form.fields


def test_advisers_and_sit_managers_list_their_territory_and_the_admin_everything(
        client, world, spread):
    tr_ids = {o.pk for o in spread["mine"]}
    expected = {
        "adviser": tr_ids,  # Trois-Rivières only
        "sit_manager": tr_ids | {spread["neighbour"].pk},  # the SIT of the Mauricie
        "adviser_gatineau": {spread["outaouais"].pk},
        "admin": tr_ids | {spread["neighbour"].pk, spread["outaouais"].pk},
    }
    for role, ids in expected.items():
        client.force_login(world["users"][role])
        response = client.get(LIST)
        assert response.status_code == 200
        assert listed(response) == ids, role


def test_board_organisations_are_refused_the_management_list_and_its_export(
        client, world, regio_user, spread):
    for user in (regio_user, world["users"]["partner"]):  # regionalisation, settlement
        client.force_login(user)
        assert client.get(LIST).status_code == 403
        assert client.get(reverse("regionalisation:opportunity_export",
                                  args=["csv"])).status_code == 403
        assert client.get(CREATE).status_code == 403


def test_the_adviser_filters_live_and_finds_what_awaits_validation(client, world, spread):
    client.force_login(world["users"]["sit_manager"])
    response = client.get(LIST)
    shortcut = response.context["shortcuts"][0]
    assert shortcut["count"] == 1 and "status=submitted" in shortcut["url"]

    response = client.get(LIST, {"status": "submitted"}, headers={"HX-Request": "true"})
    assert listed(response) == {spread["mine"][1].pk}
    assert b"<html" not in response.content  # only the results fragment

    response = client.get(LIST, {"office": "shawinigan"})
    assert listed(response) == {spread["neighbour"].pk}
    response = client.get(LIST, {"q": "laviolette", "status": ["published", "expired"]})
    assert listed(response) == {spread["mine"][2].pk, spread["mine"][3].pk}
    response = client.get(LIST, {"expiring_within": "30"})
    assert listed(response) == {spread["mine"][2].pk, spread["neighbour"].pk}
    # Only the offices of the manager's territory are offered.
    offices = {o.slug for o in response.context["filter"].filters["office"].queryset}
    assert "gatineau" not in offices and "shawinigan" in offices


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def export_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_export_holds_exactly_the_filtered_rows_and_neutralises_formulas(
        client, world, shop, spread):
    formula = OpportunityFactory(enterprise=shop[0], submitted=True,
                                 title='=HYPERLINK("http://example.com","Soudeur")')
    OpportunityReferralFactory(opportunity=spread["mine"][2], candidates=5, interviews=3,
                               hires=2)
    client.force_login(world["users"]["adviser"])
    url = reverse("regionalisation:opportunity_export", args=["csv"])

    rows = export_rows(client.get(url, {"status": "submitted"}))
    header, body = rows[0], rows[1:]
    assert sorted(int(row[0]) for row in body) == sorted([spread["mine"][1].pk, formula.pk])
    titles = [row[header.index(gettext("Job title"))] for row in body]
    assert "'" + formula.title in titles
    assert not any(title.startswith("=") for title in titles)

    rows = export_rows(client.get(url, {"status": "published"}))
    row = rows[1]
    assert int(row[0]) == spread["mine"][2].pk
    assert row[-3:] == ["5", "3", "2"]

    assert client.get(url, {"status": "nonsense"}).status_code == 400
    xlsx = client.get(reverse("regionalisation:opportunity_export", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")


# --------------------------------------------------------------------------------------------
# Publishing an opportunity
# --------------------------------------------------------------------------------------------


def test_an_enterprise_publishes_a_draft_with_its_sector_proposed(client, shop):
    organisation, user = shop
    client.force_login(user)
    response = client.get(CREATE)
    assert response.status_code == 200
    assert response.context["form"]["sector"].value() == Sector.CONSTRUCTION
    assert "enterprise" not in response.context["form"].fields
    html = response.content.decode()
    assert 'value="Trois-Rivières (37067)"' in html  # a suggestion of the municipality input
    assert "Montréal (66023)" not in html
    assert "<legend>" in html and 'id="id_offers_housing"' in html

    response = client.post(CREATE, form_data(), follow=True)

    opportunity = Opportunity.objects.get(enterprise=organisation)
    assert response.redirect_chain[-1][0] == detail_url(opportunity)
    assert opportunity.status == S.DRAFT
    assert (opportunity.title, opportunity.positions, opportunity.noc_code) == (
        "Soudeur-monteur ou soudeuse-monteuse", 4, "72106")
    assert opportunity.municipality.code == "37067"
    assert opportunity.region.code == "04" and opportunity.office.slug == "trois-rivieres"
    assert (opportunity.offers_housing, opportunity.offers_moving_costs,
            opportunity.offers_spouse_employment) == (True, False, True)
    assert opportunity.created_by == user and opportunity.case is None


@pytest.mark.parametrize("field, value, message", [
    ("municipality", "Montréal (66023)",
     "A regional opportunity is in a municipality outside the Montréal region."),
    ("noc_code", "12A45", "A NOC 2021 code has 5 digits."),
    ("expires_on", "2020-01-31", "The expiry date cannot be in the past."),
])
def test_invalid_input_is_shown_on_its_field_in_french_and_nothing_is_written(
        client, shop, field, value, message):
    client.force_login(shop[1])

    response = client.post(CREATE, form_data(**{field: value}))

    assert response.status_code == 200
    assert not Opportunity.objects.exists()
    errors = response.context["form"].errors[field]
    assert gettext(message) in errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html


def test_the_noc_message_reads_in_french(client, shop):
    client.force_login(shop[1])
    response = client.post(CREATE, form_data(noc_code="12A45"))
    assert response.context["form"].errors["noc_code"] == ["Un code CNP 2021 compte 5 chiffres."]
    response = client.post(CREATE, form_data(title=""))
    assert response.context["form"].errors["title"] == ["Ce champ est obligatoire."]


def test_an_adviser_publishes_for_an_enterprise_of_the_territory_only(
        client, world, shop, other_shop):
    client.force_login(world["users"]["adviser"])
    response = client.get(CREATE)
    choices = set(response.context["form"].fields["enterprise"].queryset)
    assert shop[0] in choices and other_shop[0] not in choices

    response = client.post(CREATE, form_data(enterprise=other_shop[0].pk))
    assert "enterprise" in response.context["form"].errors
    assert not Opportunity.objects.exists()

    response = client.post(CREATE, form_data(enterprise=shop[0].pk, sector=""), follow=True)
    opportunity = Opportunity.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(opportunity)
    assert opportunity.enterprise == shop[0]
    assert opportunity.sector == Sector.CONSTRUCTION  # the enterprise's, left empty
    assert opportunity.created_by == world["users"]["adviser"]


def test_the_admin_reads_but_does_not_publish(client, admin_user, spread):
    client.force_login(admin_user)
    assert client.get(CREATE).status_code == 403
    response = client.get(detail_url(spread["mine"][1]))
    assert response.status_code == 200
    assert response.context["moves"] == []
    assert 'action="' + reverse("regionalisation:opportunity_move",
                                args=[spread["mine"][1].pk]) not in response.content.decode()
    assert move(client, spread["mine"][1], S.PUBLISHED).status_code == 200
    spread["mine"][1].refresh_from_db()
    assert spread["mine"][1].status == S.SUBMITTED
    assert client.get(edit_url(spread["mine"][0])).status_code == 403


@pytest.fixture
def recruitment_case(shop):
    case = CaseFactory(organisation=shop[0], topics=[Topic.RECRUITMENT])
    Position.objects.create(case=case, count=2, job_title="Charpentier-menuisier",
                            noc_code="72310", municipality=municipality("36033"),
                            french_level=FrenchLevel.INTERMEDIATE)
    Position.objects.create(case=case, count=9, job_title="Autre poste",
                            municipality=municipality("37067"), french_level=FrenchLevel.NONE)
    return case


def test_an_adviser_publishes_from_a_recruitment_case_prefilled_from_its_first_position(
        client, world, shop, recruitment_case):
    adviser = world["users"]["sit_manager"]
    client.force_login(adviser)
    case_page = client.get(reverse("enterprises:case_detail", args=[recruitment_case.pk]))
    link = f'{CREATE}?case={recruitment_case.pk}'
    assert link in case_page.content.decode()

    response = client.get(link)
    form = response.context["form"]
    assert "enterprise" not in form.fields
    assert form["title"].value() == "Charpentier-menuisier"
    assert form["positions"].value() == 2
    assert form["noc_code"].value() == "72310"
    assert form["french_level"].value() == FrenchLevel.INTERMEDIATE
    assert 'value="Shawinigan (36033)"' in response.content.decode()
    assert form["sector"].value() == Sector.CONSTRUCTION

    data = form_data(title="Charpentier-menuisier", municipality="Shawinigan (36033)",
                     noc_code="72310", positions="2")
    response = client.post(link, data, follow=True)

    opportunity = Opportunity.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(opportunity)
    assert opportunity.case == recruitment_case and opportunity.enterprise == shop[0]
    assert opportunity.office.slug == "shawinigan"


def test_the_case_link_is_for_advisers_on_recruitment_cases_only(client, world, shop,
                                                                 recruitment_case):
    link = f'{CREATE}?case={recruitment_case.pk}'
    case_url = reverse("enterprises:case_detail", args=[recruitment_case.pk])
    client.force_login(shop[1])
    assert link not in client.get(case_url).content.decode()
    other = CaseFactory(organisation=shop[0], topics=[Topic.INTEGRATION])
    client.force_login(world["users"]["adviser"])
    assert client.get(case_url).status_code == 200
    assert link in client.get(case_url).content.decode()
    assert "?case=" not in client.get(
        reverse("enterprises:case_detail", args=[other.pk])).content.decode()


def test_a_case_outside_the_territory_answers_404(client, world, other_shop):
    case = CaseFactory(organisation=other_shop[0], topics=[Topic.RECRUITMENT])
    client.force_login(world["users"]["adviser"])
    assert client.get(f"{CREATE}?case={case.pk}").status_code == 404
    assert client.post(f"{CREATE}?case={case.pk}", form_data()).status_code == 404
    assert not Opportunity.objects.exists()


# --------------------------------------------------------------------------------------------
# Changing a draft
# --------------------------------------------------------------------------------------------


def test_the_employer_changes_its_draft(client, shop):
    opportunity = OpportunityFactory(enterprise=shop[0])
    client.force_login(shop[1])
    response = client.get(edit_url(opportunity))
    assert response.context["form"]["title"].value() == opportunity.title

    response = client.post(edit_url(opportunity),
                           form_data(title="Soudeur de nuit", positions="6"), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(opportunity)
    opportunity.refresh_from_db()
    assert (opportunity.title, opportunity.positions) == ("Soudeur de nuit", 6)


@pytest.mark.parametrize("state", ["submitted", "published", "filled", "expired",
                                   "withdrawn"])
def test_only_a_draft_can_be_changed(client, shop, state):
    opportunity = OpportunityFactory(enterprise=shop[0], **{state: True})
    client.force_login(shop[1])

    response = client.post(edit_url(opportunity), form_data(title="Changé"), follow=True)

    assert response.redirect_chain[-1][0] == detail_url(opportunity)
    assert texts(response) == [gettext("Only a draft can be changed. Ask the adviser to send "
                                       "it back for changes.")]
    opportunity.refresh_from_db()
    assert opportunity.title != "Changé"
    assert client.get(edit_url(opportunity)).status_code == 302


# --------------------------------------------------------------------------------------------
# Moves through the page
# --------------------------------------------------------------------------------------------


def move_buttons(response):
    return [item["to"] for item in response.context["moves"]]


def test_submit_validate_send_back_fill_and_extend_through_the_page(client, world, shop):
    organisation, employer = shop
    adviser = world["users"]["adviser"]
    opportunity = OpportunityFactory(enterprise=organisation)

    client.force_login(employer)
    page = client.get(detail_url(opportunity))
    assert move_buttons(page) == [S.SUBMITTED, S.WITHDRAWN]
    assert gettext("Submit for validation") in page.content.decode()
    response = move(client, opportunity, S.SUBMITTED)
    opportunity.refresh_from_db()
    assert opportunity.status == S.SUBMITTED
    assert texts(response) == [gettext("The opportunity is now “%(status)s”.")
                               % {"status": S.SUBMITTED.label}]

    client.force_login(adviser)
    page = client.get(detail_url(opportunity))
    assert move_buttons(page) == [S.PUBLISHED, S.DRAFT, S.WITHDRAWN]
    html = page.content.decode()
    assert 'for="comment-draft"' in html and 'id="comment-draft"' in html

    # Sending back needs a comment: the error is on that move's comment, nothing changes.
    response = move(client, opportunity, S.DRAFT, comment="  ")
    assert response.status_code == 200
    item = next(i for i in response.context["moves"] if i["to"] == S.DRAFT)
    assert item["errors"] == [gettext("A comment is required for this step.")]
    assert 'aria-describedby="comment-draft_error"' in response.content.decode()
    opportunity.refresh_from_db()
    assert opportunity.status == S.SUBMITTED

    move(client, opportunity, S.DRAFT, comment="Précisez le salaire horaire.")
    opportunity.refresh_from_db()
    assert opportunity.status == S.DRAFT

    client.force_login(employer)
    page = client.get(detail_url(opportunity))
    assert "Précisez le salaire horaire." in page.content.decode()
    client.post(edit_url(opportunity), form_data(description="27 $ de l'heure."))
    move(client, opportunity, S.SUBMITTED)

    client.force_login(adviser)
    move(client, opportunity, S.PUBLISHED)
    opportunity.refresh_from_db()
    assert opportunity.status == S.PUBLISHED and opportunity.validated_by == adviser

    # The employer moves the expiry date of its published opportunity, then fills it.
    client.force_login(employer)
    page = client.get(detail_url(opportunity))
    assert page.context["can_extend"] and not page.context["can_edit"]
    new_date = timezone.localdate() + timedelta(days=90)
    response = client.post(reverse("regionalisation:opportunity_extend", args=[opportunity.pk]),
                           {"expires_on": new_date.isoformat()}, follow=True)
    opportunity.refresh_from_db()
    assert opportunity.expires_on == new_date
    assert response.redirect_chain[-1][0] == detail_url(opportunity)

    response = client.post(reverse("regionalisation:opportunity_extend", args=[opportunity.pk]),
                           {"expires_on": "2020-01-01"})
    assert response.status_code == 200
    assert response.context["extend_form"].errors["expires_on"] == [
        gettext("The expiry date cannot be in the past.")]
    opportunity.refresh_from_db()
    assert opportunity.expires_on == new_date

    move(client, opportunity, S.FILLED)
    opportunity.refresh_from_db()
    assert opportunity.status == S.FILLED
    history = [(e.from_status, e.to_status, e.actor_id) for e in
               OpportunityEvent.objects.filter(opportunity=opportunity).order_by("pk")]
    assert history == [
        (S.DRAFT, S.SUBMITTED, employer.pk), (S.SUBMITTED, S.DRAFT, adviser.pk),
        (S.DRAFT, S.SUBMITTED, employer.pk), (S.SUBMITTED, S.PUBLISHED, adviser.pk),
        (S.PUBLISHED, S.FILLED, employer.pk)]
    page = client.get(detail_url(opportunity))
    assert len(page.context["events"]) == 5 and page.context["moves"] == []


def test_withdrawing_a_published_opportunity_needs_a_comment(client, shop):
    opportunity = OpportunityFactory(enterprise=shop[0], published=True)
    client.force_login(shop[1])
    response = move(client, opportunity, S.WITHDRAWN)
    assert response.status_code == 200
    opportunity.refresh_from_db()
    assert opportunity.status == S.PUBLISHED
    move(client, opportunity, S.WITHDRAWN, comment="Poste pourvu à l'interne.")
    opportunity.refresh_from_db()
    assert opportunity.status == S.WITHDRAWN


def test_an_expired_opportunity_becomes_a_new_posting_to_complete(client, shop):
    opportunity = OpportunityFactory(enterprise=shop[0], expired=True)
    client.force_login(shop[1])
    response = move(client, opportunity, S.DRAFT)
    assert response.redirect_chain[-1][0] == edit_url(opportunity)
    opportunity.refresh_from_db()
    assert opportunity.status == S.DRAFT
    # The old expiry date is refused until a new one is set.
    response = client.post(edit_url(opportunity),
                           form_data(expires_on=opportunity.expires_on.isoformat()))
    assert response.context["form"].errors["expires_on"]
    client.post(edit_url(opportunity), form_data())
    opportunity.refresh_from_db()
    assert opportunity.expires_on > timezone.localdate()


def test_only_a_published_opportunity_s_expiry_date_is_moved(client, shop):
    opportunity = OpportunityFactory(enterprise=shop[0])
    before = opportunity.expires_on
    client.force_login(shop[1])
    assert not client.get(detail_url(opportunity)).context["can_extend"]
    response = client.post(reverse("regionalisation:opportunity_extend", args=[opportunity.pk]),
                           {"expires_on": (before + timedelta(days=10)).isoformat()},
                           follow=True)
    assert texts(response) == [gettext("Only a published opportunity's expiry date can be "
                                       "changed.")]
    opportunity.refresh_from_db()
    assert opportunity.expires_on == before


def test_a_move_the_role_may_not_make_is_refused_with_a_message(client, shop):
    opportunity = OpportunityFactory(enterprise=shop[0], submitted=True)
    client.force_login(shop[1])
    response = move(client, opportunity, S.PUBLISHED)
    assert response.status_code == 200
    assert texts(response)
    opportunity.refresh_from_db()
    assert opportunity.status == S.SUBMITTED


# --------------------------------------------------------------------------------------------
# The page as a board viewer
# --------------------------------------------------------------------------------------------


def test_a_board_viewer_reads_the_public_fields_only(client, world, regio_user, shop):
    opportunity = OpportunityFactory(enterprise=shop[0], published=True,
                                     offers_moving_costs=True)
    OpportunityEvent.objects.create(opportunity=opportunity, from_status=S.SUBMITTED,
                                    to_status=S.PUBLISHED, actor=world["users"]["adviser"],
                                    comment="Validé après appel à l'employeur.")
    for viewer in (regio_user, world["users"]["adviser_gatineau"]):
        client.force_login(viewer)
        response = client.get(detail_url(opportunity))
        assert response.status_code == 200
        html = response.content.decode()
        assert opportunity.title in html and "72106" in html
        assert str(Sector.MANUFACTURING.label) in html
        assert "Trois-Rivières" in html and "Mauricie" in html
        assert opportunity.expires_on.strftime("%Y-%m-%d") in html
        assert not response.context["manages"]
        assert response.context["moves"] == [] and response.context["events"] == []
        assert 'id="history"' not in html and 'id="actions"' not in html
        assert "Validé après appel" not in html
        assert edit_url(opportunity) not in html
        assert reverse("regionalisation:opportunity_move", args=[opportunity.pk]) not in html

    # The employer (and the territory) manage it: history and moves.
    client.force_login(shop[1])
    html = client.get(detail_url(opportunity)).content.decode()
    assert 'id="history"' in html and "Validé après appel" in html and 'id="actions"' in html


def test_the_history_names_the_portal_for_the_daily_sweep(client, shop):
    opportunity = OpportunityFactory(enterprise=shop[0], expired=True)
    OpportunityEvent.objects.create(opportunity=opportunity, from_status=S.PUBLISHED,
                                    to_status=S.EXPIRED, actor=None)
    client.force_login(shop[1])
    html = client.get(detail_url(opportunity)).content.decode()
    assert gettext("the portal") in html


# --------------------------------------------------------------------------------------------
# Out of scope: 404 for every view
# --------------------------------------------------------------------------------------------

OBJECT_VIEWS = {
    "detail": ("get", "opportunity_detail", {}),
    "edit": ("get", "opportunity_edit", {}),
    "edit_post": ("post", "opportunity_edit", {"title": "x"}),
    "extend": ("post", "opportunity_extend", {"expires_on": "2099-01-01"}),
    "move": ("post", "opportunity_move", {"to": "submitted"}),
}


@pytest.mark.parametrize("view", sorted(OBJECT_VIEWS))
@pytest.mark.parametrize("who", ["adviser", "other_employer", "regionalisation"])
def test_out_of_scope_opportunities_answer_404(client, world, shop, other_shop, regio_user,
                                               view, who):
    method, name, data = OBJECT_VIEWS[view]
    user = {"adviser": world["users"]["adviser"], "other_employer": shop[1],
            "regionalisation": regio_user}[who]
    # A Gatineau draft: outside the Trois-Rivières adviser's territory, another enterprise's,
    # not on the board.
    opportunity = gatineau_opportunity(other_shop[0])
    client.force_login(user)
    url = reverse(f"regionalisation:{name}", args=[opportunity.pk])
    assert getattr(client, method)(url, data).status_code == 404
    missing = reverse(f"regionalisation:{name}", args=[opportunity.pk + 1000])
    assert getattr(client, method)(missing, data).status_code == 404
    opportunity.refresh_from_db()
    assert opportunity.status == S.DRAFT and opportunity.title != "x"


@pytest.mark.parametrize("view", ["edit", "edit_post", "extend", "move"])
def test_board_viewers_cannot_manage_a_published_opportunity(client, regio_user, shop, view):
    method, name, data = OBJECT_VIEWS[view]
    opportunity = OpportunityFactory(enterprise=shop[0], published=True)
    client.force_login(regio_user)
    url = reverse(f"regionalisation:{name}", args=[opportunity.pk])
    assert getattr(client, method)(url, data).status_code == 404


# --------------------------------------------------------------------------------------------
# A fixed number of queries
# --------------------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["adviser", "employer"])
def test_the_list_runs_the_same_number_of_queries_for_3_and_20_rows(client, world, shop,
                                                                     role):
    user = world["users"]["adviser"] if role == "adviser" else shop[1]
    client.force_login(user)

    def grow(n):
        for _ in range(n):
            opportunity = OpportunityFactory(enterprise=shop[0], published=True)
            OpportunityReferralFactory(opportunity=opportunity)

    grow(3)
    client.get(LIST)  # warm the session and the user's membership
    small = _queries(client, LIST)
    grow(17)
    large = _queries(client, LIST)
    assert small == large
    assert len(client.get(LIST).context["page"].object_list) == 20


@pytest.mark.parametrize("role", ["adviser", "employer", "regionalisation"])
def test_the_page_runs_the_same_number_of_queries_for_1_and_12_events(client, world, shop,
                                                                      regio_user, role):
    user = {"adviser": world["users"]["adviser"], "employer": shop[1],
            "regionalisation": regio_user}[role]
    opportunity = OpportunityFactory(enterprise=shop[0], published=True)
    client.force_login(user)

    def grow(n):
        for _ in range(n):
            OpportunityEvent.objects.create(opportunity=opportunity, from_status=S.SUBMITTED,
                                            to_status=S.PUBLISHED,
                                            actor=StaffFactory(offices=[office("trois-rivieres")]))
            OpportunityReferralFactory(opportunity=opportunity)

    grow(1)
    url = detail_url(opportunity)
    client.get(url)
    small = _queries(client, url)
    grow(11)
    large = _queries(client, url)
    assert small == large




def live_move_buttons(response):
    """The moves offered as a button (a form with its hidden “to”)."""
    import re

    return re.findall(r'<input type="hidden" name="to" value="([a-z_]+)">',
                      response.content.decode())


def test_a_move_blocked_by_a_past_expiry_date_says_where_to_fix_it_instead_of_a_button(
        client, world, shop):
    organisation, employer = shop
    adviser = world["users"]["adviser"]
    past = timezone.localdate() - timedelta(days=2)
    draft = OpportunityFactory(enterprise=organisation, expires_on=past)
    submitted = OpportunityFactory(enterprise=organisation, expires_on=past,
                                   status=S.SUBMITTED)

    client.force_login(employer)
    page = client.get(detail_url(draft))
    assert live_move_buttons(page) == [S.WITHDRAWN]
    html = page.content.decode()
    panel = html[html.index('id="actions"'):html.index("</section>", html.index('id="actions"'))]
    assert gettext("Submit for validation") in panel
    assert (gettext("The expiry date (%(date)s) has passed: change it first.")
            % {"date": past.isoformat()}) in panel
    assert f'href="{edit_url(draft)}"' in panel

    client.force_login(adviser)
    page = client.get(detail_url(submitted))
    assert live_move_buttons(page) == [S.DRAFT, S.WITHDRAWN]  # no “Validate and publish”
    html = page.content.decode()
    assert f'href="{detail_url(submitted)}#move-draft-title"' in html
    assert 'id="move-draft-title"' in html
