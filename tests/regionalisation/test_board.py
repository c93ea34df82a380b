"""The board of regional opportunities: who sees it, only validated and unexpired
opportunities, every filter, sorting, pagination, htmx live filtering, following, and the
same number of queries for 10 and for 500 opportunities (page and htmx fragment)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.models import FrenchLevel, Sector
from partners.models import NonProfitKind
from regionalisation.models import Opportunity, OpportunityFollow, OpportunityStatus
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    OpportunityReferralFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db

BOARD = reverse("regionalisation:board")
HTMX = {"HX-Request": "true"}


def follow_url(opportunity):
    return reverse("regionalisation:opportunity_follow", args=[opportunity.pk])


def detail_url(opportunity):
    return reverse("regionalisation:opportunity_detail", args=[opportunity.pk])


def days(n):
    return timezone.localdate() + timedelta(days=n)


@pytest.fixture
def people(world):
    """Who may see the board (staff, a regionalisation organisation, a settlement
    organisation) and who may not (an enterprise, a municipal body, a francisation
    provider)."""
    return {
        "adviser": world["users"]["adviser"],
        "admin": world["users"]["admin"],
        "adviser_montreal": StaffFactory(role="adviser", offices=[office("montreal")]),
        "regionalisation": PartnerUserFactory(organisation=regionalisation_organisation()),
        "settlement": PartnerUserFactory(organisation=OrganisationFactory(
            non_profit_kind=NonProfitKind.SETTLEMENT)),
        "enterprise": PartnerUserFactory(organisation=EnterpriseFactory().organisation),
        "municipal": PartnerUserFactory(organisation=OrganisationFactory(municipal=True)),
        "francisation": PartnerUserFactory(organisation=OrganisationFactory(
            non_profit_kind=NonProfitKind.FRANCISATION)),
    }


def titles(response):
    return [opportunity.title for opportunity in response.context["page"]]


def row_of(html, text):
    """The table row holding ``text``."""
    at = html.index(text)
    return html[html.rindex("<tr>", 0, at):html.index("</tr>", at)]


def published(title, **kwargs):
    return OpportunityFactory(published=True, title=title, **kwargs)


# --------------------------------------------------------------------------------------------
# Who, and which opportunities
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [
    ("adviser", 200), ("admin", 200), ("adviser_montreal", 200), ("regionalisation", 200),
    ("settlement", 200), ("enterprise", 403), ("municipal", 403), ("francisation", 403),
])
def test_who_may_see_the_board(client, people, who, status):
    client.force_login(people[who])
    assert client.get(BOARD).status_code == status
    assert client.get(BOARD, headers=HTMX).status_code == status


def test_the_board_needs_a_login(client):
    response = client.get(BOARD)
    assert response.status_code == 302
    assert "login" in response["Location"] or "connexion" in response["Location"]


def test_only_validated_unexpired_opportunities_are_on_the_board(client, people):
    on_board = published("Publiée")
    last_day = published("Dernier jour", expires_on=days(0))
    published("Publiée mais échue hier", expires_on=days(-1))
    OpportunityFactory(title="Brouillon")
    OpportunityFactory(submitted=True, title="Soumise")
    OpportunityFactory(filled=True, title="Pourvue")
    OpportunityFactory(expired=True, title="Expirée")
    OpportunityFactory(withdrawn=True, title="Retirée")
    for who in ("regionalisation", "settlement", "adviser", "adviser_montreal"):
        client.force_login(people[who])
        response = client.get(BOARD)
        assert sorted(titles(response)) == sorted([on_board.title, last_day.title]), who
        html = response.content.decode()
        for hidden in ("Brouillon", "Soumise", "Pourvue", "Expirée", "Retirée", "échue hier"):
            assert hidden not in html


def test_each_row_shows_what_an_organisation_needs(client, people):
    opportunity = published(
        "Électromécanicien", enterprise=EnterpriseFactory(
            organisation__name="Usinage Mauricie").organisation,
        positions=4, noc_code="72410", french_level=FrenchLevel.BASIC, offers_housing=True,
        offers_moving_costs=True, offers_spouse_employment=False,
        start_date=days(40), expires_on=days(20))
    client.force_login(people["regionalisation"])
    html = client.get(BOARD).content.decode()
    row = row_of(html, "Électromécanicien")
    assert detail_url(opportunity) in row
    assert "Usinage Mauricie" in row
    assert "Trois-Rivières" in row and "Mauricie" in row
    assert ">4<" in row and "72410" in row
    assert str(FrenchLevel.BASIC.label) in row
    assert "Logement" in row or "logement" in row
    assert f'datetime="{days(40).isoformat()}"' in row
    assert f'datetime="{days(20).isoformat()}"' in row
    assert "Suivre" in row  # not followed yet: the button, no mark
    assert "✓" not in row


def test_the_table_is_accessible(client, people):
    published("Soudeur")
    client.force_login(people["regionalisation"])
    html = client.get(BOARD).content.decode()
    assert html.count("<h1>") == 1
    assert '<caption id="board-caption">' in html
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert 'id="board-count" class="board-count" role="status"' in html
    assert "Offres trouvées : 1" in html
    for name in ("region", "sector", "occupation", "french_level", "ordering"):
        assert f'for="id_{name}"' in html


# --------------------------------------------------------------------------------------------
# Filters, sorting, pagination
# --------------------------------------------------------------------------------------------


def test_filter_by_region(client, people):
    published("À Trois-Rivières")
    gatineau = municipality("81017")
    published("À Gatineau", municipality=gatineau, region=gatineau.region,
              office=office("gatineau"))
    client.force_login(people["regionalisation"])
    assert titles(client.get(BOARD, {"region": "07"})) == ["À Gatineau"]
    assert titles(client.get(BOARD, {"region": "04"})) == ["À Trois-Rivières"]
    html = client.get(BOARD).content.decode()
    assert 'value="06"' not in html  # Montréal is not a regional choice


def test_filter_by_sector(client, people):
    published("Usine", sector=Sector.MANUFACTURING)
    published("Ferme", sector=Sector.AGRICULTURE)
    client.force_login(people["settlement"])
    assert titles(client.get(BOARD, {"sector": Sector.AGRICULTURE})) == ["Ferme"]


@pytest.mark.parametrize("text, expected", [
    ("72", {"Soudeuse", "Électricienne"}),
    ("721", {"Soudeuse"}),
    ("72106", {"Soudeuse"}),
    ("7 2 1", {"Soudeuse"}),
    ("electricienne", {"Électricienne"}),
    ("ÉLECTRICIENNE", {"Électricienne"}),
    ("électricienne", {"Électricienne"}),
    ("préposé bénéficiaires", {"Préposé aux bénéficiaires"}),
    ("PREPOSE", {"Préposé aux bénéficiaires"}),
    ("manoeuvre", {"Manœuvre en construction", "Manoeuvre de chantier"}),
    ("MANŒUVRE", {"Manœuvre en construction", "Manoeuvre de chantier"}),
    ("manœuvre chantier", {"Manoeuvre de chantier"}),
    ("Boulanger", set()),
    ("électricien.ne", set()),  # a dot is a dot, not "any character"
])
def test_filter_by_occupation_code_prefix_or_title(client, people, text, expected):
    published("Soudeuse", noc_code="72106")
    published("Électricienne", noc_code="72200")
    published("Préposé aux bénéficiaires", noc_code="33102")
    published("Manœuvre en construction", noc_code="75110")
    published("Manoeuvre de chantier", noc_code="75119")
    client.force_login(people["regionalisation"])
    assert set(titles(client.get(BOARD, {"occupation": text}))) == expected


@pytest.mark.parametrize("level, expected", [
    (FrenchLevel.NONE, {"none"}),
    (FrenchLevel.BASIC, {"none", "basic"}),
    (FrenchLevel.INTERMEDIATE, {"none", "basic", "intermediate"}),
    (FrenchLevel.ADVANCED, {"none", "basic", "intermediate", "advanced"}),
])
def test_filter_by_french_level_needed_at_most(client, people, level, expected):
    for value in FrenchLevel.values:
        published(value, french_level=value)
    client.force_login(people["regionalisation"])
    assert set(titles(client.get(BOARD, {"french_level": level}))) == expected


def test_the_french_level_filter_says_at_most(client, people):
    client.force_login(people["regionalisation"])
    html = client.get(BOARD).content.decode()
    assert "Niveau de français exigé : au plus" in html


def test_filter_by_settlement_help_requires_every_checked_help(client, people):
    published("Rien", offers_housing=False)
    published("Logement", offers_housing=True)
    published("Logement et déménagement", offers_housing=True, offers_moving_costs=True)
    published("Tout", offers_housing=True, offers_moving_costs=True,
              offers_spouse_employment=True)
    client.force_login(people["regionalisation"])
    assert set(titles(client.get(BOARD, {"settlement_help": ["offers_housing"]}))) == {
        "Logement", "Logement et déménagement", "Tout"}
    assert set(titles(client.get(BOARD, {"settlement_help": [
        "offers_housing", "offers_moving_costs"]}))) == {"Logement et déménagement", "Tout"}
    assert titles(client.get(BOARD, {"settlement_help": [
        "offers_spouse_employment"]})) == ["Tout"]
    # An unknown value is an error on the field, not a wider list.
    response = client.get(BOARD, {"settlement_help": ["offers_car"]})
    assert response.context["filter"].errors


def test_filter_only_the_ones_i_follow(client, people):
    user = people["regionalisation"]
    followed = published("Suivie")
    published("Pas suivie")
    OpportunityFollow.objects.create(opportunity=followed, user=user)
    # A colleague's follow is the colleague's.
    colleague = PartnerUserFactory(organisation=user.membership.organisation)
    OpportunityFollow.objects.create(opportunity=Opportunity.objects.get(title="Pas suivie"),
                                     user=colleague)
    client.force_login(user)
    assert titles(client.get(BOARD, {"followed": "on"})) == ["Suivie"]
    assert len(titles(client.get(BOARD))) == 2
    html = client.get(BOARD).content.decode()
    assert "✓" in row_of(html, ">Suivie</a>")
    assert "✓" not in row_of(html, ">Pas suivie</a>")


def test_staff_have_no_follow_filter_nor_button(client, people):
    published("Soudeur")
    client.force_login(people["adviser"])
    response = client.get(BOARD)
    assert "followed" not in response.context["filter"].form.fields
    assert follow_url(Opportunity.objects.get()) not in response.content.decode()


def test_sorting(client, people):
    now = timezone.now()
    published("A", expires_on=days(30), positions=2, published_at=now - timedelta(days=3))
    published("B", expires_on=days(5), positions=1, published_at=now - timedelta(days=2))
    published("C", expires_on=days(60), positions=9, published_at=now - timedelta(days=1))
    client.force_login(people["regionalisation"])
    assert titles(client.get(BOARD)) == ["B", "A", "C"]  # expiry, soonest first
    assert titles(client.get(BOARD, {"ordering": "expiry"})) == ["B", "A", "C"]
    assert titles(client.get(BOARD, {"ordering": "newest"})) == ["C", "B", "A"]
    assert titles(client.get(BOARD, {"ordering": "positions"})) == ["C", "A", "B"]


def _seed(count, *, follower=None, referrer=None):
    """``count`` published opportunities of several employers and places, in bulk."""
    enterprises = [EnterpriseFactory().organisation for _ in range(3)]
    places = [(municipality("37067"), office("trois-rivieres")),
              (municipality("81017"), office("gatineau")),
              (municipality("43027"), office("sherbrooke"))]
    creator = StaffFactory(role="adviser", mfa=False)
    now = timezone.now()
    levels, sectors = FrenchLevel.values, Sector.values
    rows = Opportunity.objects.bulk_create([
        Opportunity(enterprise=enterprises[i % 3], title=f"Poste {i:04}", positions=1 + i % 7,
                    noc_code=f"{72100 + i % 50}", sector=sectors[i % len(sectors)],
                    french_level=levels[i % 4], municipality=places[i % 3][0],
                    region=places[i % 3][0].region, office=places[i % 3][1],
                    start_date=days(30), offers_housing=i % 2 == 0,
                    offers_moving_costs=i % 3 == 0, offers_spouse_employment=i % 5 == 0,
                    expires_on=days(1 + i % 90), status=OpportunityStatus.PUBLISHED,
                    created_by=creator, submitted_at=now, published_at=now,
                    validated_by=creator)
        for i in range(count)])
    if follower is not None:
        OpportunityFollow.objects.bulk_create([
            OpportunityFollow(opportunity=o, user=follower) for o in rows[::3]])
    if referrer is not None:
        for opportunity in rows[:2]:
            OpportunityReferralFactory(opportunity=opportunity,
                                       organisation=referrer.membership.organisation)
    return rows


def test_pagination_keeps_the_filters(client, people, settings):
    settings.OPPORTUNITY_BOARD_PAGE_SIZE = 25
    _seed(60)
    client.force_login(people["regionalisation"])
    first = client.get(BOARD)
    assert len(first.context["page"]) == 25
    assert first.context["page"].paginator.count == 60
    in_mauricie = client.get(BOARD, {"region": "04"})
    assert in_mauricie.context["page"].paginator.count == 20
    second = client.get(BOARD, {"page": 2, "ordering": "positions"})
    assert second.context["page"].number == 2
    html = second.content.decode()
    assert "ordering=positions&amp;page=1" in html and "ordering=positions&amp;page=3" in html
    pages = [titles(client.get(BOARD, {"page": n, "ordering": "positions"})) for n in (1, 2, 3)]
    every = [title for page in pages for title in page]
    assert len(every) == len(set(every)) == 60  # no row repeated or skipped


def test_the_default_page_size_is_25(client, people):
    _seed(30)
    client.force_login(people["regionalisation"])
    response = client.get(BOARD)
    assert len(response.context["page"]) == 25
    assert len(client.get(BOARD, {"page": 2}).context["page"]) == 5


# --------------------------------------------------------------------------------------------
# htmx
# --------------------------------------------------------------------------------------------


def test_the_form_filters_live_with_htmx(client, people):
    published("Soudeur")
    client.force_login(people["regionalisation"])
    html = client.get(BOARD).content.decode()
    assert f'hx-get="{BOARD}"' in html and 'hx-push-url="true"' in html
    assert 'hx-target="#results"' in html


def test_the_htmx_fragment_is_the_results_and_the_count(client, people):
    published("Soudeur")
    gatineau = municipality("81017")
    published("Cuisinier", municipality=gatineau, region=gatineau.region,
              office=office("gatineau"))
    client.force_login(people["regionalisation"])
    response = client.get(BOARD, {"region": "07"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>" not in html and "<form method=\"get\"" not in html
    assert 'id="results"' in html and "Cuisinier" in html and "Soudeur" not in html
    assert 'hx-swap-oob="innerHTML:#board-count"' in html
    assert "Offres trouvées : 1" in html
    assert "HX-Request" in response["Vary"]
    # The whole page (no htmx) has the live region once, outside the results.
    page = client.get(BOARD, {"region": "07"}).content.decode()
    assert "hx-swap-oob" not in page and page.count('id="board-count"') == 1


# --------------------------------------------------------------------------------------------
# Query budget
# --------------------------------------------------------------------------------------------


def _queries(client, params=None, headers=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(BOARD, params or {}, headers=headers)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("who", ["regionalisation", "adviser"])
@pytest.mark.parametrize("params", [
    {}, {"region": "04", "french_level": "advanced", "settlement_help": ["offers_housing"],
         "occupation": "poste", "ordering": "positions"},
])
@pytest.mark.parametrize("headers", [None, HTMX], ids=["page", "fragment"])
def test_the_board_runs_the_same_queries_for_10_and_500_opportunities(
        client, people, settings, who, params, headers):
    settings.OPPORTUNITY_BOARD_PAGE_SIZE = 1000  # every row on one page: nothing hidden
    user = people[who]
    kwargs = {"follower": user, "referrer": user} if who == "regionalisation" else {}
    client.force_login(user)
    _seed(10, **kwargs)
    few, response = _queries(client, params, headers)
    small = len(response.context["page"])
    assert small >= 1
    _seed(490, **kwargs)
    many, response = _queries(client, params, headers)
    assert len(response.context["page"]) > small
    if not params:
        assert len(response.context["page"]) == 500
    assert many == few


# --------------------------------------------------------------------------------------------
# Following
# --------------------------------------------------------------------------------------------


def test_follow_twice_is_one_row_and_unfollow_removes_it(client, people):
    user = people["regionalisation"]
    opportunity = published("Soudeur")
    client.force_login(user)
    for _ in range(2):
        response = client.post(follow_url(opportunity), {"follow": "1", "next": BOARD})
        assert response.status_code == 302 and response["Location"] == BOARD
    assert OpportunityFollow.objects.filter(opportunity=opportunity, user=user).count() == 1
    response = client.post(follow_url(opportunity), {"follow": "0", "next": BOARD},
                           follow=True)
    assert not OpportunityFollow.objects.filter(opportunity=opportunity).exists()
    assert "Vous ne suivez plus cette offre." in response.content.decode()


def test_follow_with_htmx_swaps_the_button(client, people):
    user = people["settlement"]
    opportunity = published("Soudeur")
    client.force_login(user)
    response = client.post(follow_url(opportunity), {"follow": "1", "compact": "1"},
                           headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="follow-{opportunity.pk}"' in html and "✓" in html
    assert 'name="follow" value="0"' in html  # the button now stops following
    assert "<html" not in html
    assert OpportunityFollow.objects.filter(opportunity=opportunity, user=user).exists()
    response = client.post(follow_url(opportunity), {"follow": "0"}, headers=HTMX)
    html = response.content.decode()
    assert 'name="follow" value="1"' in html and "✓" not in html
    assert not OpportunityFollow.objects.exists()


def test_follow_goes_back_only_to_this_site(client, people):
    opportunity = published("Soudeur")
    client.force_login(people["regionalisation"])
    response = client.post(follow_url(opportunity), {"next": "https://evil.example/"})
    assert response["Location"] == detail_url(opportunity)


def test_following_what_is_not_on_the_board_is_refused(client, people):
    """A filled opportunity the organisation referred candidates to stays visible to it, but
    it is no longer on the board: it cannot be followed."""
    user = people["regionalisation"]
    filled = OpportunityFactory(filled=True, title="Pourvue")
    OpportunityReferralFactory(opportunity=filled,
                               organisation=user.membership.organisation)
    client.force_login(user)
    response = client.post(follow_url(filled), {"next": BOARD}, follow=True)
    assert "Seule une offre au tableau peut être suivie." in response.content.decode()
    response = client.post(follow_url(filled), headers=HTMX)
    assert response.status_code == 200
    assert "Seule une offre au tableau peut être suivie." in response.content.decode()
    assert not OpportunityFollow.objects.exists()


@pytest.mark.parametrize("state", ["draft", "submitted", "withdrawn", "expired_unseen"])
def test_following_out_of_scope_is_404(client, people, state):
    kwargs = {"expired": True} if state == "expired_unseen" else (
        {} if state == "draft" else {state: True})
    opportunity = OpportunityFactory(**kwargs)  # another enterprise's, never seen
    client.force_login(people["regionalisation"])
    assert client.post(follow_url(opportunity)).status_code == 404
    assert client.post(follow_url(opportunity), headers=HTMX).status_code == 404
    assert client.post(follow_url(opportunity), {"follow": "0"}).status_code == 404
    assert not OpportunityFollow.objects.exists()


@pytest.mark.parametrize("who, status", [("adviser", 403), ("enterprise", 404),
                                         ("municipal", 404)])
def test_who_cannot_follow(client, people, who, status):
    opportunity = published("Soudeur")
    client.force_login(people[who])
    assert client.post(follow_url(opportunity)).status_code == status
    assert not OpportunityFollow.objects.exists()


def test_the_employer_cannot_follow_its_own(client, people):
    user = people["enterprise"]
    opportunity = published("Soudeur", enterprise=user.membership.organisation)
    client.force_login(user)
    assert client.post(follow_url(opportunity)).status_code == 403


def test_follow_needs_post(client, people):
    opportunity = published("Soudeur")
    client.force_login(people["regionalisation"])
    assert client.get(follow_url(opportunity)).status_code == 405
