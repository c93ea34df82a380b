"""A partner's home page leads with the first task of its kind of organisation and shows
nothing that does not apply to that kind: an enterprise asks for help and follows its open
requests; a municipal body or a non-profit works on its action plans and reports; a
regionalisation organisation starts from the opportunity board and its activities."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory
from tests.factories.programs import ActionPlanFactory
from tests.factories.regionalisation import regionalisation_organisation

pytestmark = pytest.mark.django_db

HOME = reverse("home")
ASK_FOR_HELP = reverse("enterprises:case_create")
MY_REQUESTS = reverse("enterprises:case_list")
PLANS = reverse("programs:plan_list")
PROGRAMS = reverse("programs:program_list")
REPORTS = reverse("programs:report_list")
BOARD = reverse("regionalisation:board")
ACTIVITIES = reverse("regionalisation:activity_list")


def _organisation(kind):
    return {
        "enterprise": lambda: EnterpriseFactory().organisation,
        "municipal": lambda: OrganisationFactory(municipal=True),
        "non_profit": lambda: OrganisationFactory(),  # a settlement organisation
        "regionalisation": regionalisation_organisation,
    }[kind]()


def _main(response) -> str:
    """The page's own content, without the menu (which the base layout owns)."""
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<main id="main"'):html.index("</main>")]


def _links(html) -> set[str]:
    return set(re.findall(r'href="([^"?#]+)', html))


def _first_task(html) -> str:
    """The id of the first section heading of the page."""
    first = re.search(r'<h2 id="([^"]+)"', html)
    return first[1] if first else ""


@pytest.fixture
def home_of(client):
    def home(kind):
        user = PartnerUserFactory(organisation=_organisation(kind))
        client.force_login(user)
        return user, _main(client.get(HOME))
    return home


#: kind: (its first section, links it must offer, links it must never offer), for a new
#: organisation (no plan, request or opportunity yet).
HOMES = {
    "enterprise": ("help-title", {ASK_FOR_HELP, MY_REQUESTS}, {PLANS, PROGRAMS, REPORTS}),
    "municipal": ("plans-title", {PROGRAMS, REPORTS}, {ASK_FOR_HELP, MY_REQUESTS,
                                                              BOARD, ACTIVITIES}),
    "non_profit": ("plans-title", {PROGRAMS, REPORTS, BOARD}, {ASK_FOR_HELP,
                                                                      MY_REQUESTS,
                                                                      ACTIVITIES}),
    "regionalisation": ("board-title", {BOARD, ACTIVITIES, PROGRAMS, REPORTS},
                        {ASK_FOR_HELP, MY_REQUESTS}),
}


@pytest.mark.parametrize("kind", sorted(HOMES))
def test_each_partner_home_leads_with_its_own_first_task(home_of, kind):
    first, offered, never = HOMES[kind]
    _, html = home_of(kind)
    assert _first_task(html) == first
    links = _links(html)
    assert offered <= links
    assert not never & links


def test_a_new_enterprise_is_offered_to_ask_for_help_before_anything_else(home_of):
    _, html = home_of("enterprise")
    headings = [m.start() for m in re.finditer("<h2", html)]
    assert headings[0] < html.index(f'href="{ASK_FOR_HELP}"') < headings[1]
    assert "No open request." in html or "Aucune demande en cours." in html
    assert "action plan" not in html.lower() and "plan d’action" not in html.lower()


def test_an_enterprise_sees_its_own_open_requests_and_only_those(home_of, client):
    user, _ = home_of("enterprise")
    own = user.membership.organisation
    open_cases = [CaseFactory(organisation=own), CaseFactory(organisation=own,
                                                             status="in_progress")]
    closed = CaseFactory(organisation=own, closed=True)
    elsewhere = CaseFactory()  # another enterprise's

    response = client.get(HOME)

    html = _main(response)
    assert [c.pk for c in response.context["open_cases"]] == [c.pk for c in
                                                              reversed(open_cases)]
    assert response.context["open_case_count"] == 2
    for case in open_cases:
        assert f'href="{reverse("enterprises:case_detail", args=[case.pk])}"' in html
    for case in (closed, elsewhere):
        assert reverse("enterprises:case_detail", args=[case.pk]) not in html


@pytest.mark.parametrize("kind", ["municipal", "non_profit", "regionalisation"])
def test_organisations_that_are_not_enterprises_are_never_offered_to_ask_for_help(home_of,
                                                                                kind):
    _, html = home_of(kind)
    assert ASK_FOR_HELP not in html
    assert "Demander de l’aide" not in html and "Ask for help" not in html


def test_a_regionalisation_organisation_finds_its_plans_after_its_board(home_of, client):
    user, _ = home_of("regionalisation")
    plan = ActionPlanFactory(organisation=user.membership.organisation)
    html = _main(client.get(HOME))
    plan_link = f'href="{reverse("programs:plan_detail", args=[plan.pk])}"'
    assert html.index(f'href="{BOARD}"') < html.index(f'href="{ACTIVITIES}') < html.index(
        plan_link)


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


def test_the_enterprise_home_runs_the_same_queries_for_1_and_12_open_requests(home_of,
                                                                             client):
    user, _ = home_of("enterprise")
    CaseFactory(organisation=user.membership.organisation)
    few = _queries(client)
    for _ in range(11):
        CaseFactory(organisation=user.membership.organisation)
    assert _queries(client) == few


@pytest.mark.parametrize("kind", ["municipal", "regionalisation"])
def test_the_plans_home_runs_the_same_queries_for_1_and_8_plans(home_of, client, kind):
    user, _ = home_of(kind)
    ActionPlanFactory(organisation=user.membership.organisation)
    few = _queries(client)
    for _ in range(7):
        ActionPlanFactory(organisation=user.membership.organisation)
    assert _queries(client) == few



@pytest.mark.parametrize(("kind", "files_plans"), [
    ("enterprise", False), ("municipal", True), ("non_profit", True)])
def test_the_main_menu_offers_action_plans_and_reports_only_to_those_who_file_them(
        client, kind, files_plans):
    client.force_login(PartnerUserFactory(organisation=_organisation(kind)))
    html = client.get(HOME).content.decode()
    start = html.index('<nav class="main-nav"')
    menu = _links(html[start:html.index("</nav>", start)])
    assert (PLANS in menu, REPORTS in menu) == (files_plans, files_plans)
    assert (MY_REQUESTS in menu) == (not files_plans)
