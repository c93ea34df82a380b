"""The daily journey around support cases (issue 12): an adviser enters a request taken by
phone, starting from the case workspace, the enterprise's record or its organisation page; the
case page says who to call; every list shows the case's subject and open cases by default; the
enterprise reads the adviser's question above its reply box and may withdraw its request,
saying why; late cases count business days."""

import importlib
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises import services
from enterprises.models import Case, CaseEvent, CaseStatus, Outcome
from partners.models import Kind
from portal.business_days import business_days_between
from tests.factories.enterprises import CaseFactory, EnterpriseFactory, valid_neq
from tests.factories.partners import ContactFactory, PartnerUserFactory

from .test_case_pages import detail_url, enterprise_of, move, request_data

pytestmark = pytest.mark.django_db

PICK = reverse("enterprises:case_create")
LIST = reverse("enterprises:case_list")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def shop(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    organisation.enterprise.neq = valid_neq(3_141_592)
    organisation.enterprise.save(update_fields=["neq"])
    return organisation, PartnerUserFactory(organisation=organisation)


@pytest.fixture
def far_shop(world):
    """An enterprise served by Gatineau: outside the Trois-Rivières adviser's territory."""
    organisation = enterprise_of("gatineau", "Bois franc de l’Outaouais")
    organisation.enterprise.neq = valid_neq(2_718_281)
    organisation.enterprise.save(update_fields=["neq"])
    return organisation


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def new_request_links(body):
    return re.findall(r'href="(/entreprises/demandes/nouvelle/[^"]*)"', body)


# --------------------------------------------------------------------------------------------
# 1. An adviser enters a request taken by phone
# --------------------------------------------------------------------------------------------


def test_the_workspace_button_leads_to_finding_the_enterprise_by_its_neq(
        client, world, shop, far_shop):
    organisation, _user = shop
    client.force_login(world["users"]["adviser"])
    assert PICK in new_request_links(html(client.get(LIST)))

    page = html(client.get(PICK))  # was a 404: the form needed ?organisation=
    assert "Type a name or an NEQ to find the enterprise." in page
    neq = organisation.enterprise.neq

    found = client.get(PICK, {"q": f"{neq[:4]} {neq[4:]}"})
    assert list(found.context["rows"]) == [organisation]
    assert f"{PICK}?organisation={organisation.pk}" in html(found)
    # The enterprise of another territory is not found, even by its exact NEQ.
    assert list(client.get(PICK, {"q": far_shop.enterprise.neq}).context["rows"]) == []
    # By name, accents and capitals ignored; htmx gets the results only.
    fragment = html(client.get(PICK, {"q": "usinage LAVIOLETTE"}, HTTP_HX_REQUEST="true"))
    assert fragment.lstrip().startswith('<section id="pick-results"')
    assert "Usinage Laviolette inc." in fragment

    # Then the request itself, with its subject, received by phone.
    response = client.post(f"{PICK}?organisation={organisation.pk}", request_data(
        channel="phone", subject="Recruter deux soudeurs", topics=["integration"],
        **{"positions-0-count": "", "positions-0-job_title": "", "positions-0-noc_code": "",
           "positions-0-municipality": "", "positions-0-french_level": ""}))
    case = Case.objects.get(organisation=organisation)
    assert response.url == detail_url(case)
    assert (case.subject, case.channel) == ("Recruter deux soudeurs", "phone")


def test_only_advisers_and_sit_managers_get_the_enterprise_finder(client, world, shop):
    client.force_login(world["users"]["admin"])
    assert client.get(PICK).status_code == 403
    assert PICK not in new_request_links(html(client.get(LIST)))
    # The enterprise user still gets its own request form.
    client.force_login(shop[1])
    assert html(client.get(PICK)).count('name="subject"') == 1


def test_finding_an_enterprise_runs_the_same_queries_for_3_or_30_matches(client, world):
    client.force_login(world["users"]["adviser"])
    tr = world["offices"]["tr"]

    def count(n):
        for _ in range(n):
            EnterpriseFactory(organisation__office=tr, organisation__region=tr.region,
                              organisation__name="Scierie du Nord")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PICK, {"q": "scierie"}).status_code == 200
        return len(queries)

    assert count(3) == count(27)


def test_the_enterprise_record_and_its_organisation_page_offer_a_new_request(
        client, world, shop):
    organisation, enterprise_user = shop
    expected = f"{PICK}?organisation={organisation.pk}"
    record = reverse("enterprises:enterprise_detail", args=[organisation.enterprise.pk])
    org_page = reverse("partners:detail", args=[organisation.pk])

    for role in ("adviser", "sit_manager"):
        client.force_login(world["users"][role])
        assert new_request_links(html(client.get(record))) == [expected], role
        assert new_request_links(html(client.get(org_page))) == [expected], role
    # Not on a non-profit's page; not for an administrator, who does not enter requests.
    client.force_login(world["users"]["adviser"])
    non_profit = world["orgs"]["tr"]
    assert non_profit.kind != Kind.ENTERPRISE
    assert new_request_links(html(client.get(reverse("partners:detail",
                                                     args=[non_profit.pk])))) == []
    client.force_login(world["users"]["admin"])
    assert new_request_links(html(client.get(org_page))) == []
    # The enterprise's own user asks for itself.
    client.force_login(enterprise_user)
    assert new_request_links(html(client.get(org_page))) == [PICK]


# --------------------------------------------------------------------------------------------
# 6. Who to call; the subject everywhere; open cases by default
# --------------------------------------------------------------------------------------------


def test_a_request_without_a_subject_is_refused_with_the_message_on_its_field(client, shop):
    organisation, user = shop
    client.force_login(user)
    response = client.post(PICK, request_data(subject="  "))
    assert response.status_code == 200
    assert response.context["form"].errors["subject"] == [
        "Say in one line what the request is about."]
    assert not Case.objects.exists()


def test_the_case_page_tells_staff_who_to_call(client, world, shop):
    organisation, enterprise_user = shop
    organisation.address = "1250, rue Notre-Dame"
    organisation.phone = "819 555-0199"
    organisation.save()
    ContactFactory(organisation=organisation, first_name="Josée", last_name="Bérubé",
                   title="Directrice des ressources humaines", phone="819 555-0123",
                   email="rh@laviolette.example", is_primary=True)
    ContactFactory(organisation=organisation, first_name="Marc", last_name="Tremblay",
                   title="Contremaître", phone="819 555-0456", email="")
    case = CaseFactory(organisation=organisation, subject="Accueillir deux soudeurs")
    client.force_login(world["users"]["adviser"])

    page = html(client.get(detail_url(case)))
    who = page[page.index('id="who-to-call"'):page.index('id="referrals"')]
    for text in ("Josée Bérubé", "Directrice des ressources humaines", "819 555-0123",
                 "rh@laviolette.example", "Marc Tremblay", "Contremaître", "819 555-0456",
                 "1250, rue Notre-Dame", "819 555-0199"):
        assert text in who, text
    assert "Accueillir deux soudeurs" in page[page.index("<h1"):page.index("</h1>")]
    # Personal information: the consultation is in the audit trail.
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS,
                                   object_pk=str(organisation.pk)).exists()
    # The enterprise reads its own request, not the ministry's call sheet.
    client.force_login(enterprise_user)
    assert 'id="who-to-call"' not in html(client.get(detail_url(case)))


def test_every_list_of_cases_shows_the_subject(client, world, shop):
    organisation, enterprise_user = shop
    adviser = world["users"]["adviser"]
    late = CaseFactory(organisation=organisation, subject="Retenir nos soudeurs",
                       status=CaseStatus.ASSIGNED, adviser=adviser,
                       next_follow_up=timezone.localdate() - timedelta(days=3))
    client.force_login(adviser)
    workspace = client.get(LIST)
    assert late in workspace.context["page"]
    sections = {s["key"]: s for s in workspace.context["sections"]}
    assert late in sections["overdue"]["rows"]
    assert html(workspace).count("Retenir nos soudeurs") == 2  # the section and the list
    client.force_login(world["users"]["sit_manager"])
    assert "Retenir nos soudeurs" in html(client.get(reverse("enterprises:case_late")))
    client.force_login(enterprise_user)
    assert "Retenir nos soudeurs" in html(client.get(LIST))


def test_the_workspace_lists_open_cases_unless_closed_ones_are_asked_for(client, world, shop):
    organisation, _user = shop
    open_case = CaseFactory(organisation=organisation, subject="Ouvert")
    closed_case = CaseFactory(organisation=organisation, subject="Fermé", closed=True)
    client.force_login(world["users"]["adviser"])

    response = client.get(LIST)
    assert list(response.context["page"]) == [open_case]
    assert response.context["filter"].form["status"].value() == [
        "new", "assigned", "in_progress", "waiting"]  # the form shows the default ticked
    assert list(client.get(LIST, {"status": "closed"}).context["page"]) == [closed_case]
    # The export holds exactly the rows listed: the open ones by default.
    csv = client.get(reverse("enterprises:case_export", args=["csv"])).content.decode()
    assert "Ouvert" in csv and "Fermé" not in csv


def test_existing_cases_get_a_subject_from_their_help_and_topics():
    migration = importlib.import_module("enterprises.migrations.0004_case_subject")
    assert migration.subject_of(["accompaniment"], ["recruitment", "integration"]) == \
        "Accompagnement : recruter, intégrer"
    assert migration.subject_of([], []) == "Demande"


# --------------------------------------------------------------------------------------------
# 7. The enterprise's side of a case
# --------------------------------------------------------------------------------------------


@pytest.fixture
def waiting_case(world, shop):
    organisation, _user = shop
    adviser = world["users"]["adviser"]
    case = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS,
                       adviser=adviser, first_contact_at=timezone.now())
    services.case_transition(actor=adviser, case_id=case.pk, to=CaseStatus.WAITING,
                             comment="Pouvez-vous nous envoyer la liste des postes ?",
                             next_follow_up=timezone.localdate() + timedelta(days=5))
    return case


def question(body):
    """The text of the “latest question” box, before the reply form."""
    match = re.search(r'id="case-question".*?</div>', body, re.S)
    return match.group(0) if match else ""


def test_the_enterprise_reads_the_advisers_latest_question_above_its_reply_box(
        client, world, shop, waiting_case):
    _organisation, enterprise_user = shop
    adviser = world["users"]["adviser"]
    client.force_login(enterprise_user)
    page = html(client.get(detail_url(waiting_case)))
    assert "Pouvez-vous nous envoyer la liste des postes ?" in question(page)
    assert page.index('id="case-question"') < page.index('name="body"')

    # A later internal note is never the question; a later shared note is.
    services.note_add(actor=adviser, case=waiting_case, body="Client difficile, prudence.")
    page = html(client.get(detail_url(waiting_case)))
    assert "Pouvez-vous nous envoyer" in question(page)
    assert "Client difficile" not in page
    services.note_add(actor=adviser, case=waiting_case, body="Et l’adresse du chantier ?",
                      is_internal=False)
    assert "Et l’adresse du chantier ?" in question(html(client.get(detail_url(waiting_case))))


def test_the_enterprise_sees_no_staff_wording_and_withdraws_with_a_reason(
        client, shop, waiting_case):
    _organisation, enterprise_user = shop
    client.force_login(enterprise_user)
    page = html(client.get(detail_url(waiting_case)))
    assert "Resume the follow-up" not in page and "Close the case" not in page
    assert '<select id="outcome-' not in page  # no outcome menu
    assert "Withdraw my request" in page

    refused = html(move(client, waiting_case, "closed", outcome="withdrawn"))
    assert re.search(r'<ul class="errorlist" id="comment-closed_error"><li>Say why you withdraw '
                     r"your request\.</li>", refused)  # at the reason's box
    assert Case.objects.get(pk=waiting_case.pk).status == CaseStatus.WAITING

    move(client, waiting_case, "closed", outcome="withdrawn",
         comment="Nous avons trouvé nos soudeurs.")
    waiting_case.refresh_from_db()
    assert (waiting_case.status, waiting_case.outcome) == (CaseStatus.CLOSED,
                                                           Outcome.WITHDRAWN)
    last = CaseEvent.objects.filter(case=waiting_case).last()
    assert (last.to_status, last.comment, last.actor) == (
        CaseStatus.CLOSED, "Nous avons trouvé nos soudeurs.", enterprise_user)


def test_the_enterprise_resumes_a_waiting_case_by_replying(client, shop, waiting_case):
    _organisation, enterprise_user = shop
    client.force_login(enterprise_user)
    response = client.post(reverse("enterprises:note_add", args=[waiting_case.pk]),
                           {"body": "Voici la liste des postes."}, HTTP_HX_REQUEST="true")
    assert Case.objects.get(pk=waiting_case.pk).status == CaseStatus.IN_PROGRESS
    # The page reloads to show the new status (from the case's page, the redirect to its
    # #notes anchor alone would only scroll).
    assert response["HX-Refresh"] == "true"


# --------------------------------------------------------------------------------------------
# 12. Late cases count business days
# --------------------------------------------------------------------------------------------


def test_late_cases_count_business_days_as_the_escalations_do(client, world, shop):
    organisation, _user = shop
    today = timezone.localdate()
    due = today - timedelta(days=10)  # ten calendar days hold at least one weekend
    case = CaseFactory(organisation=organisation, status=CaseStatus.ASSIGNED,
                       adviser=world["users"]["adviser"], next_follow_up=due)
    client.force_login(world["users"]["sit_manager"])
    response = client.get(reverse("enterprises:case_late"))
    (row,) = [c for c in response.context["oldest"] if c.pk == case.pk]
    assert row.days_late == business_days_between(due, today) <= 8
    assert "Business days late" in html(response)


# --------------------------------------------------------------------------------------------
# No internal note reaches the enterprise: pages, notifications, emails, exports
# --------------------------------------------------------------------------------------------


def test_no_internal_case_note_reaches_an_enterprise_page_email_or_export(
        client, world, shop, django_capture_on_commit_callbacks):
    organisation, enterprise_user = shop
    adviser = world["users"]["adviser"]
    secret = "SECRET-INTERNE-7731"
    case = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS,
                       adviser=adviser, first_contact_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.note_add(actor=adviser, case=case, body=f"{secret} : solvabilité douteuse")
        services.note_add(actor=adviser, case=case, body="Bienvenue !", is_internal=False)
        services.case_transition(actor=adviser, case_id=case.pk, to=CaseStatus.WAITING,
                                 comment="Votre liste de postes, s’il vous plaît.",
                                 next_follow_up=timezone.localdate() + timedelta(days=3))
        services.note_add(actor=adviser, case=case, body=f"{secret} (bis)")

    client.force_login(enterprise_user)
    seen = [html(client.get(url)) for url in (
        detail_url(case), LIST, reverse("notifications:list"))]
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(reverse("enterprises:note_add", args=[case.pk]),
                            {"body": "La voici."}, HTTP_HX_REQUEST="true")
    seen.append(reply.content.decode())
    seen.append(html(client.get(detail_url(case))))
    for fmt in ("csv", "xlsx"):
        export = client.get(reverse("enterprises:case_export", args=[fmt]))
        assert export.status_code in (403, 404)
        seen.append(export.content.decode(errors="replace"))
    assert "Bienvenue !" in seen[0]  # the shared note is there
    for text in seen:
        assert secret not in text
    assert mail.outbox, "the enterprise was told of the shared note and the question"
    for message in mail.outbox:
        assert secret not in message.subject + message.body
        assert all(secret not in str(content) for content, _type in message.alternatives)
