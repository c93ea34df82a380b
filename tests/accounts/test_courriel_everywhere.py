"""A French reader of the sign-in, sign-up, new-password and address pages, of their error
messages and of the account emails reads « courriel », never « e-mail » or « email ».

allauth's own French catalogue says « adresse e-mail »; the portal's catalogue (LOCALE_PATHS)
takes precedence for the same msgid. Each page is walked as a person would: shown, sent empty
or wrong, sent right; what it shows (text, labels, placeholders, titles, buttons, messages) and
what it emails are read."""

import re
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

#: « e-mail », « E-mail », « email », « emails », « e‑mail » (no-break hyphen), « mail » alone.
ANGLICISM = re.compile(r"\be[-\u2011]?mails?\b|(?<![\w@.-])mails?\b", re.IGNORECASE)
#: What may say « email » without being French text: addresses and links.
NOT_WORDS = re.compile(r"\S*@\S*|https?://\S+")
#: Attributes a person reads (or hears from a screen reader).
READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}


class _Reader(HTMLParser):
    """The words of a page a person reads: text outside scripts and styles, the attributes above,
    and the value of buttons."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        self.words += [value for name, value in attrs.items()
                       if name in READ_ATTRIBUTES and value]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.words.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


def read(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return " ".join(" ".join(reader.words).split())


def anglicisms(text: str) -> list[str]:
    return ANGLICISM.findall(NOT_WORDS.sub(" ", text))


def assert_says_courriel(response, *, must_say=None):
    assert response.status_code == 200, response.status_code
    text = read(response.content.decode())
    assert not anglicisms(text), (anglicisms(text), text)
    if must_say:
        assert must_say in text, text
    return text


def assert_email_says_courriel(email):
    """The French half of a bilingual email: its subject before « / », its body before
    « (English follows) »."""
    subject = email.subject.split(" / ")[0]
    french = email.body.split("(English follows)")[0]
    for text in (subject, french):
        assert not anglicisms(text), (anglicisms(text), text)


@pytest.fixture
def partner():
    return PartnerUserFactory(organisation=OrganisationFactory())


def test_the_sign_in_page_and_its_errors_say_courriel(client, partner):
    assert_says_courriel(client.get(reverse("account_login")), must_say="Courriel")
    empty = client.post(reverse("account_login"), {"login": "", "password": ""})
    assert_says_courriel(empty, must_say="Ce champ est obligatoire")
    wrong = client.post(reverse("account_login"),
                        {"login": partner.email, "password": "pas le bon mot de passe"})
    assert_says_courriel(wrong, must_say="adresse courriel ou le mot de passe")


def test_the_closed_sign_up_page_says_courriel(client):
    assert_says_courriel(client.get(reverse("account_signup")))


def test_the_new_password_pages_and_emails_say_courriel(client, partner, mailoutbox):
    url = reverse("account_reset_password")
    assert_says_courriel(client.get(url), must_say="adresse courriel")
    bad = client.post(url, {"email": "pas une adresse"})
    assert_says_courriel(bad)
    assert not mailoutbox

    done = client.post(url, {"email": partner.email}, follow=True)
    assert_says_courriel(done)
    client.post(url, {"email": "personne.inconnue@exemple.qc.ca"})
    assert len(mailoutbox) == 2  # the new-password link, and « no account at this address »
    for email in mailoutbox:
        assert_email_says_courriel(email)

    expired = client.get(reverse("account_reset_password_from_key",
                                 kwargs={"uidb36": "zz", "key": "pas-une-cle"}), follow=True)
    assert_says_courriel(expired)


def test_the_address_pages_their_errors_messages_and_emails_say_courriel(client, partner,
                                                                         mailoutbox):
    client.force_login(partner)
    url = reverse("account_email")
    assert_says_courriel(client.get(url), must_say="adresse courriel")

    already = client.post(url, {"action_add": "", "email": partner.email})
    assert_says_courriel(already, must_say="adresse courriel")
    remove_primary = client.post(url, {"action_remove": "", "email": partner.email}, follow=True)
    assert_says_courriel(remove_primary, must_say="principale")

    added = client.post(url, {"action_add": "", "email": "autre.adresse@exemple.qc.ca"},
                        follow=True)
    assert_says_courriel(added, must_say="autre.adresse@exemple.qc.ca")
    assert mailoutbox, "the new address is sent a confirmation link"
    for email in mailoutbox:
        assert_email_says_courriel(email)

    resent = client.post(url, {"action_send": "", "email": "autre.adresse@exemple.qc.ca"},
                         follow=True)
    assert_says_courriel(resent)
    primary = client.post(url, {"action_primary": "", "email": "autre.adresse@exemple.qc.ca"},
                          follow=True)
    assert_says_courriel(primary)  # an unconfirmed address cannot become the main one
    removed = client.post(url, {"action_remove": "", "email": "autre.adresse@exemple.qc.ca"},
                          follow=True)
    assert_says_courriel(removed)
    assert not EmailAddress.objects.filter(email="autre.adresse@exemple.qc.ca").exists()

    assert_says_courriel(client.get(reverse("account_change_password")))
    assert_says_courriel(client.get(reverse("account_confirm_email",
                                            kwargs={"key": "pas-une-cle"})))


def test_the_address_confirmation_pages_say_courriel(client):
    assert_says_courriel(client.get(reverse("account_email_verification_sent")),
                         must_say="courriel")
    assert_says_courriel(client.get(reverse("account_confirm_email",
                                            kwargs={"key": "pas-une-cle"})))


def test_the_checks_catch_an_anglicism():
    """The checks above can fail: they see « e-mail » in a page and in an email."""
    assert anglicisms(read('<p>Votre adresse <b>e-mail</b></p>'))
    assert anglicisms(read('<input placeholder="Adresse E-mail">'))
    assert anglicisms(read('<input type="submit" value="Ajouter un email">'))
    assert anglicisms("Vous recevez cet email car")
    assert not anglicisms(read('<input type="email" name="email" autocomplete="email">'
                               '<p>courriel : personne.email@exemple.qc.ca</p>'
                               '<a href="https://portail.example/accounts/confirm-email/">x</a>'))
