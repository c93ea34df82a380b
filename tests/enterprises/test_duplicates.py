"""Similar requests (enterprises/duplicates.py): opening a request like one the enterprise has
open (same kind of help and topic, opened in the last 90 days) shows the form again with a
warning that links to it, and creates nothing until the person confirms it is another
request; a case's page shows staff the enterprise's similar open requests."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from enterprises import merging, services
from enterprises.duplicates import SIMILAR_WITHIN_DAYS
from enterprises.models import Case, CaseStatus
from regions.models import Municipality
from tests.factories.enterprises import CaseFactory
from tests.factories.partners import PartnerUserFactory

from .test_case_pages import create_url, enterprise_of, request_data

pytestmark = pytest.mark.django_db

WARNING = "You already have a similar open request"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def people(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    users = world["users"]
    return {"organisation": organisation,
            "other_organisation": enterprise_of("trois-rivieres", "Boulangerie Saint-Maurice"),
            "enterprise": PartnerUserFactory(organisation=organisation),
            "adviser": users["adviser"], "sit_manager": users["sit_manager"],
            "admin": users["admin"]}


def existing(people, *, days_ago=10, organisation=None, **fields):
    """An open case asking for accompaniment to recruit and to integrate."""
    values = {"help_kinds": ["accompaniment"], "topics": ["recruitment", "integration"],
              "subject": "Recruter des soudeurs", "status": CaseStatus.IN_PROGRESS,
              "adviser": people["adviser"],
              "opened_at": timezone.now() - timedelta(days=days_ago)}
    return CaseFactory(organisation=organisation or people["organisation"],
                       **{**values, **fields})


def cases_of(people):
    return Case.objects.filter(organisation=people["organisation"]).count()


# --------------------------------------------------------------------------------------------
# Opening a request
# --------------------------------------------------------------------------------------------


def test_the_enterprise_is_warned_of_its_similar_open_request_and_confirms(client, people):
    other = existing(people)
    client.force_login(people["enterprise"])
    before = cases_of(people)

    response = client.post(create_url(), request_data())  # accompaniment to recruit

    assert response.status_code == 200
    body = response.content.decode()
    assert WARNING in body
    assert f'href="{reverse("enterprises:case_detail", args=[other.pk])}"' in body
    assert "Recruter des soudeurs" in body and f"no. {other.pk}" in body
    assert "In progress" in body
    assert 'name="other_request"' in body and "This is another request" in body
    assert "The request was not sent" in body
    assert cases_of(people) == before  # nothing created

    # Sent again without ticking the box: still nothing.
    response = client.post(create_url(), request_data())
    assert WARNING in response.content.decode() and cases_of(people) == before

    response = client.post(create_url(), request_data(other_request="on"))
    assert response.status_code == 302
    assert cases_of(people) == before + 1
    assert Case.objects.filter(organisation=people["organisation"]).latest("pk").subject == (
        "Recruter trois soudeurs")


def test_an_adviser_entering_a_phone_request_is_warned_too(client, people):
    other = existing(people)
    client.force_login(people["adviser"])
    url = create_url(people["organisation"])
    response = client.post(url, request_data(channel="phone"))
    body = response.content.decode()
    assert "This enterprise already has a similar open request" in body
    assert reverse("enterprises:case_detail", args=[other.pk]) in body
    assert not Case.objects.filter(subject="Recruter trois soudeurs").exists()
    assert client.post(url, request_data(channel="phone", other_request="on")
                       ).status_code == 302
    assert Case.objects.filter(subject="Recruter trois soudeurs").count() == 1


@pytest.mark.parametrize("case_fields", [
    {"help_kinds": ["information"]},  # same topic, another kind of help
    {"topics": ["retention"]},  # same kind of help, another topic
    {"status": CaseStatus.CLOSED, "outcome": "resolved", "next_follow_up": None,
     "closed_at": timezone.now()},
    {"days_ago": SIMILAR_WITHIN_DAYS + 1},
    {"other_enterprise": True},
])
def test_requests_that_are_not_similar_are_sent_at_once(client, people, case_fields):
    fields = dict(case_fields)
    if fields.pop("other_enterprise", False):
        fields["organisation"] = people["other_organisation"]
    existing(people, **fields)
    client.force_login(people["enterprise"])
    response = client.post(create_url(), request_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.filter(subject="Recruter trois soudeurs").exists()


def test_a_request_opened_within_the_window_is_recent(client, people):
    existing(people, days_ago=SIMILAR_WITHIN_DAYS - 1)
    client.force_login(people["enterprise"])
    assert WARNING in client.post(create_url(), request_data()).content.decode()


def test_a_merged_case_is_not_a_similar_request(people):
    kept = existing(people, help_kinds=["information"])
    merged = existing(people)
    merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)
    # The kept case now holds accompaniment too: it is the similar one, not the merged one.
    with pytest.raises(ValidationError) as exc:
        open_with_warning(people)
    assert exc.value.error_dict["other_request"][0].code == "similar_open_case"


def open_with_warning(people, **kwargs):
    return services.case_create(
        actor=people["enterprise"], organisation=people["organisation"],
        subject="Recruter trois soudeurs", help_kinds=["accompaniment"],
        topics=["recruitment"], description="Besoin", warn_similar=True,
        positions=[{"count": 1, "job_title": "Soudeur",
                    "municipality": Municipality.objects.get(code="37067"),
                    "french_level": "basic"}], **kwargs)


def test_the_service_warns_only_when_asked(people):
    existing(people)
    before = cases_of(people)
    with pytest.raises(ValidationError) as exc:
        open_with_warning(people)
    assert exc.value.error_dict["other_request"][0].code == "similar_open_case"
    assert cases_of(people) == before
    # Without the warning (a request by email, the demo), the case is opened.
    services.case_create(actor=people["enterprise"], organisation=people["organisation"],
                         subject="Autre", help_kinds=["accompaniment"],
                         topics=["integration"], description="Besoin")
    assert cases_of(people) == before + 1


# --------------------------------------------------------------------------------------------
# The case page
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["enterprise", "adviser", "sit_manager", "admin"])
def test_staff_see_the_similar_open_requests_on_the_case_page(client, people, role):
    case = existing(people)
    old_similar = existing(people, days_ago=400, subject="Une vieille demande semblable")
    unlike = existing(people, help_kinds=["information"], subject="Une autre question")
    closed = existing(people, status=CaseStatus.CLOSED, outcome="resolved",
                      next_follow_up=None, closed_at=timezone.now(),
                      subject="Une demande fermée")
    elsewhere = existing(people, organisation=people["other_organisation"],
                         subject="La demande d’une autre entreprise")
    client.force_login(people[role])
    body = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    section = body.split('id="similar-title"')[1].split("</section>")[0] if (
        'id="similar-title"' in body) else ""
    staff = role != "enterprise"
    assert bool(section) == staff
    if not staff:
        return
    assert "Similar open requests" in body
    assert old_similar.subject in section
    for other in (unlike, closed, elsewhere):
        assert other.subject not in section
    merge = reverse("enterprises:case_merge", args=[case.pk]) + f"?other={old_similar.pk}"
    assert (merge in section) == (role in ("adviser", "sit_manager"))
