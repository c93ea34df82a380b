"""Every email the portal sends carries links that work: absolute, on the portal's public
address (``PORTAL_BASE_URL``), whatever host name the request that caused it came in by, and
also when a Celery task sends it with no request at all."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from notifications import services as notifications
from notifications.models import EmailMode, NotificationPreference
from tests.enterprises.test_profile import form_data
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

PUBLIC = "https://portail.example.gouv.qc.ca"
#: A host the portal also answers to, which must never end up in an email.
OTHER_HOST = "localhost"


@pytest.fixture(autouse=True)
def public_address(settings):
    settings.PORTAL_BASE_URL = PUBLIC


def _links(body: str) -> list[str]:
    links = re.findall(r"https?://\S+", body)
    assert links, body
    return links


def _on_public_address(body: str) -> list[str]:
    """The paths of the email's links, all of which must be on the public address."""
    links = _links(body)
    assert [link for link in links if not link.startswith(f"{PUBLIC}/")] == []
    assert OTHER_HOST not in body
    return [urlsplit(link).path for link in links]


def test_the_registration_confirmation_link_is_on_the_public_address(client, mailoutbox):
    client.post(reverse("enterprises:register"), form_data(), HTTP_HOST=OTHER_HOST)

    email, = mailoutbox
    path = _on_public_address(email.body)[0]
    client.post(path)  # the link confirms the address
    assert EmailAddress.objects.get(email="chantal@boulangerie.example").verified


def test_the_password_reset_link_is_on_the_public_address(client, mailoutbox):
    user = PartnerUserFactory(organisation=OrganisationFactory())

    client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST=OTHER_HOST)

    email, = mailoutbox
    path = _on_public_address(email.body)[0]
    response = client.get(path)  # the link opens the page to choose a new password
    assert response.status_code == 302
    assert "set-password" in response["Location"]


def test_a_reset_for_an_unknown_address_offers_the_enterprise_registration_not_the_closed_signup(
        client, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "personne@inconnu.example"},
                HTTP_HOST=OTHER_HOST)

    email, = mailoutbox
    assert reverse("enterprises:register") in _on_public_address(email.body)
    assert reverse("account_signup") not in email.body


def test_the_invitation_link_is_on_the_public_address(client, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    client.force_login(StaffFactory(role="adviser", offices=[office("trois-rivieres")]))
    organisation = OrganisationFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partners:invite", args=[organisation.pk]),
                    {"email": "partenaire@exemple.example"}, HTTP_HOST=OTHER_HOST)

    email, = mailoutbox
    path, = set(_on_public_address(email.body))
    client.logout()
    assert client.get(path).status_code == 200  # the invitation's page


def _notify(user, key="plan-event:1"):
    return notifications.notify(
        recipients=[user], key=key, kind="plan_status", url="/plans-action/1/#comments",
        params={"plan": "Plan 2026", "organisation": "Accueil", "from": "submitted",
                "to": "in_review"})


def test_a_notification_email_links_to_the_public_address(mailoutbox, world,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the task, after commit
        _notify(world["users"]["partner"])

    email, = mailoutbox
    assert set(_links(email.body)) == {f"{PUBLIC}/plans-action/1/#comments"}


def test_the_daily_digest_links_to_the_public_address(mailoutbox, world):
    user = world["users"]["partner"]
    NotificationPreference.objects.create(user=user, email_mode=EmailMode.DAILY)
    _notify(user)

    assert notifications.email_digest_send(user_id=user.pk, day=timezone.localdate())

    email, = mailoutbox
    assert set(_links(email.body)) == {f"{PUBLIC}/plans-action/1/#comments"}
