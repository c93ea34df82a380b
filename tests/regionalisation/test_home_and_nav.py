"""The regionalisation entries of the main menu and of each role's home page: each person
is offered the pages their role opens, and the home page counts only what they may see."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from regionalisation.models import Opportunity, OpportunityFollow
from regions.models import Region
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    ActivityFactory,
    OpportunityFactory,
    OpportunityReferralFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

OPPORTUNITIES = reverse("regionalisation:opportunity_list")
BOARD = reverse("regionalisation:board")
ACTIVITIES = reverse("regionalisation:activity_list")
FOLLOWUP = reverse("regionalisation:followup")
ALL = {OPPORTUNITIES, BOARD, ACTIVITIES, FOLLOWUP}
PLACES = {"tr": ("trois-rivieres", "37067"), "sh": ("shawinigan", "36033"),
          "gat": ("gatineau", "81017")}


@pytest.fixture
def people(world):
    """Every kind of person, keyed by what they are."""
    enterprise = EnterpriseFactory().organisation  # Mauricie, served by Trois-Rivières
    return {
        **world["users"],
        "enterprise": PartnerUserFactory(organisation=enterprise),
        "regionalisation": PartnerUserFactory(organisation=regionalisation_organisation()),
        "municipal": PartnerUserFactory(organisation=OrganisationFactory(municipal=True)),
    }


def _menu(response) -> str:
    html = response.content.decode()
    return html[html.index('<nav class="main-nav"'):html.index("</nav>")]


def _regionalisation_links(response) -> set[str]:
    return {href for href in re.findall(r'href="([^"?]+)', _menu(response)) if href in ALL}


# `partner` and `partner_gatineau` belong to settlement organisations (the world's default).
MENU = {
    "admin": ALL,
    "sit_manager": ALL,
    "adviser": ALL,
    "adviser_gatineau": ALL,
    "enterprise": {OPPORTUNITIES},
    "regionalisation": {BOARD, ACTIVITIES},
    "partner": {BOARD},
    "partner_gatineau": {BOARD},
    "municipal": set(),
}


@pytest.mark.parametrize("kind", sorted(MENU))
def test_the_menu_offers_each_person_the_regionalisation_pages_of_their_role(
        client, people, kind):
    client.force_login(people[kind])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert _regionalisation_links(response) == MENU[kind]


def test_the_menu_labels_are_in_french_by_default(client, people):
    client.force_login(people["admin"])
    menu = _menu(client.get(reverse("home")))
    for label in ("Offres régionales", "Tableau des offres", "Activités de régionalisation",
                  "Suivi de la régionalisation"):
        assert f">{label}</a>" in menu


def test_the_menu_labels_in_english(client, people):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(people["admin"])
    menu = _menu(client.get(reverse("home")))
    for label in ("Regional opportunities", "Opportunity board",
                  "Regionalisation activities", "Regionalisation follow-up"):
        assert f">{label}</a>" in menu


def test_the_menu_costs_no_query_for_staff_and_none_more_for_partners(client, people,
                                                                      django_assert_num_queries):
    """The menu reads only the role and the organisation the header reads anyway."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from regionalisation.context_processors import navigation

    class Request:
        user = people["adviser"]

    with django_assert_num_queries(0):
        navigation(Request())
    partner = people["regionalisation"]
    partner.membership.organisation  # noqa: B018 (what base.html reads)
    Request.user = partner
    with CaptureQueriesContext(connection) as captured:
        assert navigation(Request())["regionalisation_nav"]["activities"]
    assert len(captured) == 0


# --------------------------------------------------------------------------------------------
# Staff home page
# --------------------------------------------------------------------------------------------


def _opportunity(key, **kwargs):
    office_slug, code = PLACES[key]
    served_by = office(office_slug)
    enterprise = EnterpriseFactory(organisation__office=served_by,
                                   organisation__region=served_by.region).organisation
    return OpportunityFactory(enterprise=enterprise, office=served_by,
                              municipality=municipality(code), **kwargs)


#: What each staff member's territory holds among tr, sh and gat.
TERRITORY = {"admin": {"tr", "sh", "gat"}, "sit_manager": {"tr", "sh"}, "adviser": {"tr"},
             "adviser_gatineau": {"gat"}}


@pytest.mark.parametrize("role", sorted(TERRITORY))
def test_staff_see_the_opportunities_awaiting_validation_in_their_territory(client, world,
                                                                           role):
    for key in PLACES:
        _opportunity(key, submitted=True)
        _opportunity(key, submitted=True)
        _opportunity(key, published=True)
        _opportunity(key)  # a draft: not awaiting anyone
    client.force_login(world["users"][role])

    response = client.get(reverse("home"))

    counts = response.context["opportunity_counts"]
    assert counts["awaiting"] == 2 * len(TERRITORY[role])
    assert counts["on_board"] == len(TERRITORY[role])
    assert f'href="{OPPORTUNITIES}?status=submitted"' in response.content.decode()


@pytest.mark.parametrize("role", sorted(TERRITORY))
def test_staff_see_the_activities_of_their_territory_whose_outcomes_are_due(client, world,
                                                                           role):
    mauricie, outaouais = Region.objects.get(code="04"), Region.objects.get(code="07")
    today = timezone.localdate()
    # Ended eight months ago: the 6-month outcomes are due.
    ActivityFactory(regions=[mauricie])
    ActivityFactory(regions=[outaouais])
    recorded = ActivityFactory(regions=[mauricie])
    recorded.promoted.update(settled_6_months=3)
    ActivityFactory(regions=[mauricie], starts_on=today - timedelta(days=30))  # not yet due
    # Ended 13 months ago with the 6-month outcomes recorded: the 12-month ones are due.
    late = ActivityFactory(regions=[outaouais], starts_on=today - timedelta(days=400))
    late.promoted.update(settled_6_months=2)
    client.force_login(world["users"][role])

    response = client.get(reverse("home"))

    expected = {"admin": 3, "sit_manager": 1, "adviser": 1, "adviser_gatineau": 2}[role]
    assert response.context["activities_outcomes_due"] == expected
    assert f'href="{ACTIVITIES}?outcomes_missing=any"' in response.content.decode()


# --------------------------------------------------------------------------------------------
# Partner home pages
# --------------------------------------------------------------------------------------------


def test_an_employer_sees_its_own_opportunities_and_the_referral_counts_they_received(
        client, people):
    user = people["enterprise"]
    own = user.membership.organisation
    for status in ("published", "published", "submitted", "filled"):
        OpportunityFactory(enterprise=own, **{status: True})
    OpportunityFactory(enterprise=own)  # a draft
    # Published, but its expiry date has passed: not on the board any more.
    OpportunityFactory(enterprise=own, published=True,
                       expires_on=timezone.localdate() - timedelta(days=1))
    referred = Opportunity.objects.filter(enterprise=own, status="published").first()
    OpportunityReferralFactory(opportunity=referred, candidates=5, interviews=3, hires=1)
    OpportunityReferralFactory(opportunity=referred, candidates=2, interviews=1, hires=1)
    # Another enterprise's opportunities and referrals count for nobody else.
    other = OpportunityFactory(published=True)
    OpportunityFactory(submitted=True)
    OpportunityReferralFactory(opportunity=other, candidates=9, interviews=9, hires=9)
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.context["employer_counts"] == {
        "published": 2, "awaiting": 1, "drafts": 1, "candidates": 7, "interviews": 4,
        "hires": 2}
    html = response.content.decode()
    assert f'href="{reverse("regionalisation:opportunity_create")}"' in html
    assert f'href="{OPPORTUNITIES}?status=published"' in html
    assert f'href="{OPPORTUNITIES}?status=submitted"' in html
    assert "board_counts" not in response.context
    assert "activities_outcomes_due" not in response.context


def test_the_employer_home_page_in_french(client, people):
    user = people["enterprise"]
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert "Mes offres régionales" in html
    assert "Publier une offre régionale" in html


def test_the_employer_home_page_in_english(client, people):
    user = people["enterprise"]
    OpportunityFactory(enterprise=user.membership.organisation, submitted=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert "My regional opportunities" in html
    assert "Publish a regional opportunity" in html


@pytest.mark.parametrize("kind", ["regionalisation", "partner"])
def test_a_board_organisation_sees_the_board_and_what_it_follows(client, people, kind):
    user = people[kind]
    on_board = [_opportunity(key, published=True) for key in PLACES]
    _opportunity("tr", submitted=True)
    _opportunity("gat", published=True, expires_on=timezone.localdate() - timedelta(days=1))
    filled = _opportunity("sh", filled=True)
    OpportunityFollow.objects.create(opportunity=on_board[2], user=user)
    OpportunityFollow.objects.create(opportunity=filled, user=user)  # no longer on the board
    OpportunityFollow.objects.create(opportunity=on_board[0], user=people["partner_gatineau"])
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.context["board_counts"] == {"on_board": 3, "followed": 1}
    html = response.content.decode()
    assert f'href="{BOARD}"' in html
    assert f'href="{BOARD}?followed=on"' in html
    assert "employer_counts" not in response.context


def test_a_regionalisation_organisation_sees_its_own_activities_whose_outcomes_are_due(
        client, people):
    user = people["regionalisation"]
    own = user.membership.organisation
    ActivityFactory(organisation=own)  # eight months ago: 6-month outcomes due
    done = ActivityFactory(organisation=own)
    done.promoted.update(settled_6_months=4)
    ActivityFactory(organisation=own, starts_on=timezone.localdate() - timedelta(days=20))
    ActivityFactory()  # another organisation's
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.context["activities_outcomes_due"] == 1
    assert f'href="{ACTIVITIES}?outcomes_missing=any"' in response.content.decode()


@pytest.mark.parametrize("kind", ["partner", "municipal"])
def test_other_partners_have_no_activity_card(client, people, kind):
    client.force_login(people[kind])
    response = client.get(reverse("home"))
    assert "activities_outcomes_due" not in response.context
    assert f'href="{ACTIVITIES}' not in response.content.decode()
    if kind == "municipal":
        assert "board_counts" not in response.context
        assert f'href="{BOARD}' not in response.content.decode()


@pytest.mark.parametrize(("kind", "url", "current"), [
    ("adviser", OPPORTUNITIES, OPPORTUNITIES),
    ("adviser", BOARD, BOARD),
    ("adviser", ACTIVITIES, ACTIVITIES),
    ("adviser", FOLLOWUP, FOLLOWUP),
    ("enterprise", OPPORTUNITIES, OPPORTUNITIES),
    ("regionalisation", BOARD, BOARD),
    ("regionalisation", ACTIVITIES, ACTIVITIES),
])
def test_the_menu_marks_the_current_regionalisation_page(client, people, kind, url, current):
    client.force_login(people[kind])
    response = client.get(url)
    assert response.status_code == 200
    marked = re.findall(r'<a href="([^"]+)" aria-current="page"', _menu(response))
    assert marked == [current]


def test_a_board_organisation_reading_an_opportunity_is_on_the_board(client, people):
    opportunity = _opportunity("tr", published=True)
    client.force_login(people["regionalisation"])
    response = client.get(reverse("regionalisation:opportunity_detail", args=[opportunity.pk]))
    assert response.status_code == 200
    marked = re.findall(r'<a href="([^"]+)" aria-current="page"', _menu(response))
    assert marked == [BOARD]
