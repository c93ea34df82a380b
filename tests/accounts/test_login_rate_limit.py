"""The failed-login limit (5 per 5 minutes) counts per account, whatever host name the
request uses: each name the portal answers to gives no extra guesses."""

import pytest
from django.urls import reverse

from tests.factories.accounts import TEST_PASSWORD
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Trop de tentatives de connexion échouées"


def test_six_wrong_passwords_across_two_host_names_are_refused_the_sixth_time(client):
    partner = PartnerUserFactory(organisation=OrganisationFactory())
    hosts = ["testserver", "localhost"]
    for attempt in range(5):
        response = client.post(reverse("account_login"),
                               {"login": partner.email, "password": "wrong-password"},
                               HTTP_HOST=hosts[attempt % 2])
        assert response.status_code == 200
        assert TOO_MANY not in response.content.decode()
    response = client.post(reverse("account_login"),
                           {"login": partner.email, "password": "wrong-password"},
                           HTTP_HOST="localhost")
    assert TOO_MANY in response.content.decode()
    # The right password on a third name is refused as well until the limit expires.
    response = client.post(reverse("account_login"),
                           {"login": partner.email.upper(), "password": TEST_PASSWORD},
                           HTTP_HOST="127.0.0.1")
    assert not response.wsgi_request.user.is_authenticated
    assert TOO_MANY in response.content.decode()
