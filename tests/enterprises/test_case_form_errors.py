"""A refused form on a case's page comes back as the page, with the reason next to the control
that caused it (``aria-invalid``, ``aria-describedby`` to the error), in the error summary at
the top with a link to that control, and « Erreur » first in the title; nothing is written.
Before, each of these sent the adviser back to the page with « Ce champ est obligatoire. » in
the messages at the top, naming no field (issue 17, item 3)."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from enterprises import services
from enterprises.models import CaseAttachment, CaseStatus, Priority, Referral
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(world):
    served_by = office("trois-rivieres")
    organisation = EnterpriseFactory(organisation__office=served_by,
                                     organisation__region=served_by.region).organisation
    return CaseFactory(organisation=organisation, adviser=world["users"]["adviser"],
                       status=CaseStatus.IN_PROGRESS,
                       next_follow_up=timezone.localdate() + timezone.timedelta(days=3))


@pytest.fixture
def adviser(client, world):
    client.force_login(world["users"]["adviser"])
    return world["users"]["adviser"]


def the_error_at(html: str, control_id: str) -> str:
    """The text of the error tied to the control ``control_id`` (or its fieldset), checked to
    be described by it, marked in the summary with a link to it; fails otherwise."""
    error_id = f"{control_id}_error"
    tag = re.search(rf'<[^>]*\bid="{re.escape(control_id)}"[^>]*>', html)
    assert tag, f"no control #{control_id} on the page"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described and error_id in described.group(1).split(), \
        f"#{control_id} is not described by its error"
    error = re.search(rf'<ul class="errorlist" id="{re.escape(error_id)}">(.*?)</ul>', html, re.S)
    assert error, f"no error list #{error_id}"
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert summary and f'href="#{control_id}"' in summary.group(0), "not in the summary"
    assert re.search(r"<title>\s*Erreur — ", html), "the title does not start with « Erreur »"
    return re.sub(r"<[^>]+>", " ", error.group(1)).split()


def test_a_referral_to_a_partner_without_choosing_one_is_refused_at_the_partner(
        client, adviser, case):
    response = client.post(reverse("enterprises:referral_add", args=[case.pk]),
                           {"target": "partner", "note": "À voir"})
    assert response.status_code == 200
    assert " ".join(the_error_at(response.content.decode(), "id_organisation")) == \
        "Choisissez l’organisme partenaire."
    assert not Referral.objects.exists()


def test_a_follow_up_date_that_is_not_one_is_refused_at_the_date(client, adviser, case):
    before = case.next_follow_up
    response = client.post(reverse("enterprises:case_follow_up", args=[case.pk]),
                           {"next_follow_up": "le 40 décembre"})
    html = response.content.decode()
    assert the_error_at(html, "id_next_follow_up")
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="id_next_follow_up"[^>]*>',
                                              html).group(0)
    case.refresh_from_db()
    assert case.next_follow_up == before


def test_a_document_sent_without_a_file_is_refused_at_the_file_box(client, adviser, case):
    response = client.post(reverse("enterprises:case_attachment_upload", args=[case.pk]), {})
    assert " ".join(the_error_at(response.content.decode(), "id_file")) == \
        "Choisissez un fichier à téléverser."
    assert not CaseAttachment.objects.exists()


def test_closing_without_an_outcome_says_so_at_the_outcome_and_keeps_the_comment(
        client, adviser, case):
    response = client.post(reverse("enterprises:case_transition", args=[case.pk, "closed"]),
                           {"outcome": "", "comment": "Entreprise rappelée deux fois."})
    html = response.content.decode()
    assert " ".join(the_error_at(html, "outcome-closed")) == "Choisissez le résultat du dossier."
    assert "Entreprise rappelée deux fois.</textarea>" in html
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_referral_outcome_dated_before_the_referral_is_refused_at_its_date(
        client, adviser, case):
    referral = services.referral_add(actor=adviser, case=case, target="emploi_quebec")
    response = client.post(
        reverse("enterprises:referral_outcome", args=[case.pk, referral.pk]),
        {"outcome": "taken_up",
         "outcome_on": (timezone.localdate() - timezone.timedelta(days=30)).isoformat()})
    assert the_error_at(response.content.decode(), f"referral-{referral.pk}-outcome_on")
    referral.refresh_from_db()
    assert referral.outcome_on is None


def test_a_priority_that_is_not_one_is_refused_at_the_priority(client, world, case):
    client.force_login(world["users"]["sit_manager"])
    response = client.post(reverse("enterprises:case_priority", args=[case.pk]),
                           {"priority": "tres-tres-urgent"})
    assert the_error_at(response.content.decode(), "id_priority")
    case.refresh_from_db()
    assert case.priority == Priority.NORMAL


def test_in_english_the_title_says_error(client, adviser, case):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("enterprises:case_attachment_upload", args=[case.pk]), {})
    html = response.content.decode()
    assert re.search(r"<title>\s*Error — ", html)
    assert "The form has 1 error to correct" in html
