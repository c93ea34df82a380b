"""allauth's emails (address confirmation, new password) speak like the portal's own: Quebec
French first, then the same text in English, no “e-mail” and no greeting from a host name."""

import re

import pytest
from django.urls import reverse

from tests.enterprises.test_profile import form_data
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

FOLLOWS = "(English follows)"


def _sent(mailoutbox):
    email, = mailoutbox
    french, english = email.body.split(FOLLOWS)
    return email, french, english


def _speaks_like_the_portal(email, french, english, *, host):
    assert email.subject.startswith("Portail régionalisation — ")
    assert french.startswith("Bonjour,")
    assert english.strip().startswith("Hello,")
    words = re.sub(r"https?://\S+", "", french)  # a link's path may say "confirm-email"
    assert not re.search(r"e-?mail", words, re.IGNORECASE)
    for text in (email.subject, email.body):
        assert host not in text
        assert "c’est" not in text and "c'est" not in text and "Hello from" not in text
    assert "ministère de l’Immigration, de la Francisation et de l’Intégration" in email.body


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_the_registration_confirmation_is_in_french_then_english(client, mailoutbox, settings,
                                                                 language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # whatever the page's language
    client.post(reverse("enterprises:register"), form_data(), HTTP_HOST="localhost")

    email, french, english = _sent(mailoutbox)
    _speaks_like_the_portal(email, french, english, host="localhost")
    assert "Confirmez votre adresse courriel" in email.subject
    assert "Confirm your email address" in email.subject
    assert "Pour confirmer votre adresse courriel" in french
    assert "To confirm your email address" in english
    link = re.search(r"https?://\S+", french)[0]
    assert link in english  # the same link in both parts


@pytest.mark.parametrize("language", ["fr-ca", "en"])
def test_the_password_reset_is_in_french_then_english(client, mailoutbox, settings, language):
    user = PartnerUserFactory(organisation=OrganisationFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST="localhost")

    email, french, english = _sent(mailoutbox)
    _speaks_like_the_portal(email, french, english, host="localhost")
    assert "Nouveau mot de passe / New password" in email.subject
    assert "Pour choisir un nouveau mot de passe, ouvrez ce lien :" in french
    assert "To choose a new password, open this link:" in english
