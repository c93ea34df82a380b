"""A support request and a case's page, seen by each side: the enterprise asks for help, staff
enter a request after a call, the adviser works the case (assign, first contact, notes,
referral, close), and the enterprise sees only what is shared with it (views/case.py)."""

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises import interventions, services
from enterprises.models import (
    Case,
    CaseAttachment,
    CaseNote,
    CaseStatus,
    Referral,
)
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

TROIS_RIVIERES = "Trois-Rivières (37067)"


@pytest.fixture(autouse=True)
def _english(client):
    """Pages in English (the source language), so assertions read the messages as written."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def pdf_upload(name="offre.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
                              content_type="application/pdf")


def enterprise_of(slug, name):
    served_by = office(slug)
    return EnterpriseFactory(organisation__office=served_by,
                             organisation__region=served_by.region,
                             organisation__name=name).organisation


@pytest.fixture
def shop(world):
    """An enterprise of the Mauricie (served by Trois-Rivières) and its user."""
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    return organisation, PartnerUserFactory(organisation=organisation)


@pytest.fixture
def other_shop(world):
    """An enterprise of the Outaouais (served by Gatineau) and its user."""
    organisation = enterprise_of("gatineau", "Bois franc de l’Outaouais")
    return organisation, PartnerUserFactory(organisation=organisation)


def request_data(**overrides):
    data = {
        "subject": "Recruter trois soudeurs",
        "help_kinds": ["accompaniment"],
        "topics": ["recruitment"],
        "description": "Nous cherchons des soudeurs et voulons accueillir des travailleurs.",
        "positions-TOTAL_FORMS": "2", "positions-INITIAL_FORMS": "0",
        "positions-MIN_NUM_FORMS": "0", "positions-MAX_NUM_FORMS": "20",
        "positions-0-count": "3", "positions-0-job_title": "Soudeur-monteur",
        "positions-0-noc_code": "72106", "positions-0-municipality": TROIS_RIVIERES,
        "positions-0-french_level": "basic",
    }
    data.update(overrides)
    return data


def create_url(organisation=None):
    url = reverse("enterprises:case_create")
    return f"{url}?organisation={organisation.pk}" if organisation else url


def detail_url(case):
    return reverse("enterprises:case_detail", args=[case.pk])


def move(client, case, to, follow=False, **data):
    return client.post(reverse("enterprises:case_transition", args=[case.pk, to]), data,
                       follow=follow)


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --------------------------------------------------------------------------------------------
# A new request
# --------------------------------------------------------------------------------------------


def test_an_enterprise_asks_for_recruitment_help_and_its_office_gets_the_case(client, shop):
    organisation, user = shop
    client.force_login(user)
    assert client.get(create_url()).status_code == 200

    response = client.post(create_url(), {**request_data(), "attachments": [pdf_upload()]},
                           follow=True)

    case = Case.objects.get(organisation=organisation)
    assert response.redirect_chain[-1][0] == detail_url(case)
    assert case.status == CaseStatus.NEW
    assert case.office.slug == "trois-rivieres"
    assert case.channel == "portal"
    assert case.next_follow_up is not None and case.next_follow_up > timezone.localdate()
    position = case.positions.get()
    assert (position.count, position.job_title, position.noc_code, position.french_level) == (
        3, "Soudeur-monteur", "72106", "basic")
    assert position.municipality.code == "37067"
    assert case.attachments.get().original_name == "offre.pdf"
    assert any("sent to the office of Trois-Rivières" in m for m in texts(response))
    assert "Soudeur-monteur" in response.content.decode()


def test_recruitment_help_without_a_position_is_refused_with_a_message(client, shop):
    organisation, user = shop
    client.force_login(user)

    response = client.post(create_url(), request_data(**{
        "positions-0-count": "", "positions-0-job_title": "", "positions-0-noc_code": "",
        "positions-0-municipality": "", "positions-0-french_level": ""}))

    assert response.status_code == 200
    assert "For help to recruit, list at least one position." in response.content.decode()
    assert not Case.objects.filter(organisation=organisation).exists()


def test_a_municipality_outside_the_register_is_explained(client, shop):
    organisation, user = shop
    client.force_login(user)

    response = client.post(create_url(), request_data(
        **{"positions-0-municipality": "Ville imaginaire"}))

    assert response.status_code == 200
    assert "No municipality of the register has this name or code" in \
        response.content.decode()
    assert not Case.objects.filter(organisation=organisation).exists()


def test_the_add_a_position_button_returns_the_next_row_and_the_new_count(client, shop):
    client.force_login(shop[1])

    response = client.get(create_url(), {"position_row": "1", "positions-TOTAL_FORMS": "2"},
                          HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert 'name="positions-2-job_title"' in html
    assert 'id="id_positions-TOTAL_FORMS" hx-swap-oob="true"' in html
    assert 'value="3"' in html


def test_staff_enter_a_phone_request_for_an_enterprise_of_their_territory(client, world, shop,
                                                                         other_shop):
    adviser = world["users"]["adviser"]
    client.force_login(adviser)
    organisation = shop[0]
    assert client.get(create_url(organisation)).status_code == 200

    response = client.post(create_url(organisation), request_data(
        channel="phone", topics=["integration"], help_kinds=["information"],
        **{"positions-0-count": "", "positions-0-job_title": "", "positions-0-noc_code": "",
           "positions-0-municipality": "", "positions-0-french_level": ""}))

    case = Case.objects.get(organisation=organisation)
    assert response.url == detail_url(case)
    assert (case.channel, case.created_by, case.status) == ("phone", adviser, CaseStatus.NEW)
    # Another territory's enterprise does not exist for this adviser.
    assert client.get(create_url(other_shop[0])).status_code == 404
    assert client.post(create_url(other_shop[0]), request_data(channel="phone")
                       ).status_code == 404
    assert not Case.objects.filter(organisation=other_shop[0]).exists()


# --------------------------------------------------------------------------------------------
# The adviser works the case; the enterprise sees only what is shared
# --------------------------------------------------------------------------------------------


def test_an_adviser_works_a_case_and_the_enterprise_never_sees_the_internal_note(
        client, world, shop):
    organisation, enterprise_user = shop
    adviser = world["users"]["adviser"]
    case = CaseFactory(organisation=organisation, created_by=enterprise_user)
    follow_up = (timezone.localdate() + timezone.timedelta(days=7)).isoformat()
    client.force_login(adviser)

    page = client.get(detail_url(case)).content.decode()
    assert 'name="adviser"' in page and f'value="{adviser.pk}"' in page

    move(client, case, "assigned", adviser=adviser.pk)
    move(client, case, "in_progress", next_follow_up=follow_up)
    case.refresh_from_db()
    assert (case.status, case.adviser) == (CaseStatus.IN_PROGRESS, adviser)
    assert case.first_contact_at is not None
    assert case.next_follow_up.isoformat() == follow_up

    client.post(reverse("enterprises:note_add", args=[case.pk]),
                {"body": "Dossier délicat : vérifier le permis de travail.", "is_internal": "on"})
    client.post(reverse("enterprises:note_add", args=[case.pk]),
                {"body": "Nous vous avons dirigé vers Services Québec."})
    client.post(reverse("enterprises:referral_add", args=[case.pk]),
                {"target": "emploi_quebec", "note": "Conseillère aux entreprises"})
    referral = Referral.objects.get(case=case)
    client.post(reverse("enterprises:referral_outcome", args=[case.pk, referral.pk]),
                {"outcome": "taken_up"})
    response = move(client, case, "closed", outcome="referred", comment="Aiguillé.")

    case.refresh_from_db()
    referral.refresh_from_db()
    assert response.url == detail_url(case)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "referred")
    assert case.closed_at is not None
    assert (referral.target, referral.outcome) == ("emploi_quebec", "taken_up")
    assert list(CaseNote.objects.filter(case=case).values_list("is_internal", flat=True)
                .order_by("pk")) == [True, False]

    staff_page = client.get(detail_url(case)).content.decode()
    assert "Internal — ministry only" in staff_page
    assert "Shared with the enterprise" in staff_page
    assert "Dossier délicat" in staff_page

    client.force_login(enterprise_user)
    enterprise_page = client.get(detail_url(case)).content.decode()
    assert "Nous vous avons dirigé vers Services Québec." in enterprise_page
    assert "Dossier délicat" not in enterprise_page
    assert "vérifier le permis de travail" not in enterprise_page
    assert "Internal — ministry only" not in enterprise_page
    assert "Referred" in enterprise_page  # the outcome, in text


def test_an_adviser_cannot_assign_someone_outside_the_office(client, world, shop):
    case = CaseFactory(organisation=shop[0])
    client.force_login(world["users"]["adviser"])

    response = move(client, case, "assigned", adviser=world["users"]["adviser_gatineau"].pk)

    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.adviser is None
    assert ('<ul class="errorlist" id="adviser-assigned_error"><li>Choose the adviser who takes '
            "the case.</li>") in response.content.decode()  # at the adviser's list


def test_the_enterprise_replies_to_a_waiting_case_and_the_follow_up_resumes(client, world,
                                                                            shop):
    organisation, enterprise_user = shop
    case = CaseFactory(organisation=organisation, status=CaseStatus.WAITING,
                       adviser=world["users"]["adviser"], waiting_since=timezone.localdate())
    client.force_login(enterprise_user)
    page = client.get(detail_url(case)).content.decode()
    assert "Send the reply" in page
    assert 'name="is_internal"' not in page

    response = client.post(reverse("enterprises:note_add", args=[case.pk]),
                           {"body": "Voici la liste des postes.", "is_internal": "on"},
                           HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"] == detail_url(case) + "#notes"
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    note = CaseNote.objects.get(case=case)
    assert (note.body, note.is_internal, note.author) == ("Voici la liste des postes.", False,
                                                         enterprise_user)


def test_a_staff_note_added_with_htmx_returns_the_notes_partial(client, world, shop):
    case = CaseFactory(organisation=shop[0])
    client.force_login(world["users"]["adviser"])

    response = client.post(reverse("enterprises:note_add", args=[case.pk]),
                           {"body": "Appel fait.", "is_internal": "on"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="notes"')
    assert "Appel fait." in html and "Internal — ministry only" in html


def test_the_enterprise_may_only_withdraw_its_request(client, shop):
    organisation, enterprise_user = shop
    case = CaseFactory(organisation=organisation)
    client.force_login(enterprise_user)

    page = client.get(detail_url(case)).content.decode()
    assert 'value="withdrawn"' in page and 'value="resolved"' not in page
    refused = move(client, case, "closed", outcome="resolved").content.decode()
    assert ('<ul class="errorlist" id="outcome-closed_error"><li>An enterprise may only withdraw '
            "its request.</li>") in refused
    move(client, case, "closed", outcome="withdrawn", comment="Le poste est comblé.")

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "withdrawn")
    assert "This request is closed: you can no longer reply." in \
        client.get(detail_url(case)).content.decode()


# --------------------------------------------------------------------------------------------
# Isolation, documents, query budget
# --------------------------------------------------------------------------------------------


def test_another_enterprise_gets_404_on_the_case_its_notes_and_its_document(client, world,
                                                                            shop, other_shop):
    case = CaseFactory(organisation=shop[0])
    attachment = services.case_attachment_add(actor=world["users"]["adviser"], case=case,
                                              upload=pdf_upload())
    client.force_login(other_shop[1])

    assert client.get(detail_url(case)).status_code == 404
    assert client.post(reverse("enterprises:note_add", args=[case.pk]),
                       {"body": "Intrusion"}).status_code == 404
    assert client.post(reverse("enterprises:note_add", args=[case.pk]), {"body": "Intrusion"},
                       HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(reverse("enterprises:case_attachment_download",
                              args=[case.pk, attachment.pk])).status_code == 404
    assert client.post(reverse("enterprises:case_attachment_upload", args=[case.pk]),
                       {"file": pdf_upload()}).status_code == 404
    assert not CaseNote.objects.filter(case=case).exists()
    assert CaseAttachment.objects.filter(case=case).count() == 1


def test_the_enterprise_downloads_its_document_and_the_access_is_logged(client, shop):
    organisation, enterprise_user = shop
    case = CaseFactory(organisation=organisation)
    client.force_login(enterprise_user)
    client.post(reverse("enterprises:case_attachment_upload", args=[case.pk]),
                {"file": pdf_upload("plan.pdf")})
    attachment = CaseAttachment.objects.get(case=case)

    response = client.get(reverse("enterprises:case_attachment_download",
                                  args=[case.pk, attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert LogEntry.objects.get_for_object(attachment).filter(
        action=LogEntry.Action.ACCESS, actor=enterprise_user).exists()


def _busy_case(organisation, adviser, enterprise_user, size):
    case = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS,
                       adviser=adviser, first_contact_at=timezone.now())
    for i in range(size):
        services.note_add(actor=adviser, case=case, body=f"Note interne {i}")
        services.note_add(actor=adviser, case=case, body=f"Note partagée {i}",
                          is_internal=False)
        services.note_add(actor=enterprise_user, case=case, body=f"Réponse {i}")
        services.referral_add(actor=adviser, case=case, target="emploi_quebec")
        services.case_attachment_add(actor=adviser, case=case, upload=pdf_upload(f"d{i}.pdf"))
        services.case_transition(actor=adviser, case_id=case.pk, to="waiting",
                                 comment=f"Attente {i}",
                                 next_follow_up=timezone.localdate())
        services.case_transition(actor=adviser, case_id=case.pk, to="in_progress")
        interventions.intervention_add(actor=adviser, case=case, kind="phone",
                                       day=timezone.localdate(), duration_minutes=20 + i,
                                       summary=f"Appel {i}")
    return case


@pytest.mark.parametrize("who", ["adviser", "enterprise"])
def test_the_case_page_runs_the_same_queries_for_1_and_12_of_everything(client, world, shop,
                                                                        who):
    organisation, enterprise_user = shop
    adviser = world["users"]["adviser"]
    client.force_login(adviser if who == "adviser" else enterprise_user)

    def queries(size):
        case = _busy_case(organisation, adviser, enterprise_user, size)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(detail_url(case))
        assert response.status_code == 200
        # The adviser's page lists the interventions and their timeline; the enterprise's none.
        assert len(response.context.get("interventions") or []) == (
            size if who == "adviser" else 0)
        return len(captured)

    assert queries(1) == queries(12)


def test_a_referral_note_stays_with_the_ministry(client, world):
    """The note on a referral is for the ministry: the enterprise sees the referral, not it."""
    from enterprises.models import Referral
    from tests.factories.antennes import office
    from tests.factories.enterprises import CaseFactory, EnterpriseFactory
    from tests.factories.partners import PartnerUserFactory

    enterprise = EnterpriseFactory(organisation__office=office("trois-rivieres"))
    case = CaseFactory(organisation=enterprise.organisation)
    Referral.objects.create(case=case, target="emploi_quebec", note="Remarque confidentielle",
                            created_by=world["users"]["adviser"])
    client.force_login(PartnerUserFactory(organisation=enterprise.organisation))
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert "Emploi-Québec" in page
    assert "Remarque confidentielle" not in page
    client.force_login(world["users"]["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert "Remarque confidentielle" in page
