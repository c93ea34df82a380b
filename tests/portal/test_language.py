import pytest
from django.urls import reverse

from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner_client(client):
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))
    return client


def test_french_is_the_default_even_for_an_english_browser(partner_client):
    response = partner_client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="fr-CA">' in body
    assert "Mon organisme" in body
    assert response["Content-Language"] == "fr-ca"


def test_the_language_switch_changes_the_interface_and_remembers_it(partner_client):
    response = partner_client.post(reverse("set_language"),
                                   {"language": "en", "next": reverse("home")})
    assert response.url == reverse("home")
    body = partner_client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in body
    assert "My organisation" in body
    partner_client.post(reverse("set_language"), {"language": "fr-ca", "next": "/"})
    assert "Mon organisme" in partner_client.get(reverse("home")).content.decode()


def test_the_login_page_is_in_french(client):
    body = client.get(reverse("account_login")).content.decode()
    assert "Se connecter" in body and "Mot de passe" in body
    assert "sur invitation" in body
