"""The pages every Quebec government site links from its footer: accessibility, privacy and
contact. Anyone reaches them, signed in or not (a person who cannot sign in must still learn how
to report a barrier or ask about their personal information), in French and in English, from
the footer of every page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from antennes.models import Office
from retention.models import RetentionSettings
from tests.factories.accounts import StaffFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["accessibility", "privacy", "contact"]
#: The footer: the three pages, then the public figures (opendata).
FOOTER = [*PUBLIC_PAGES, "opendata:index"]
HTML_LANG = {"fr-ca": "fr-CA", "en": "en"}


def footer_links(body):
    footer = re.search(r"<footer\b.*?</footer>", body, re.S)
    assert footer, "the page has no footer"
    return re.findall(r'<a href="([^"]+)"', footer[0])


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize("language", ["fr-ca", "en"])
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_each_public_page_opens_without_signing_in_in_both_languages(client, name, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(name))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<html lang="{HTML_LANG[language]}">' in body
    assert "<h1>" in body
    assert reverse("account_logout") not in body  # nobody is signed in


def test_the_sign_in_page_s_footer_leads_to_the_three_pages_and_the_public_figures(client):
    links = footer_links(client.get(reverse("account_login")).content.decode())
    assert links == [reverse(name) for name in FOOTER]
    for link in links:
        assert client.get(link).status_code == 200


def test_a_signed_in_partner_finds_them_in_the_footer_too(client):
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))
    links = footer_links(client.get(reverse("home")).content.decode())
    assert links == [reverse(name) for name in FOOTER]
    for link in links:
        assert client.get(link).status_code == 200


def test_the_footer_marks_the_page_shown(client):
    body = english(client).get(reverse("privacy")).content.decode()
    assert f'<a href="{reverse("privacy")}" aria-current="page">Privacy</a>' in body
    assert f'<a href="{reverse("contact")}" >Contact us</a>' in body


def test_the_accessibility_page_names_the_standard_and_how_to_report_a_barrier(client):
    body = english(client).get(reverse("accessibility")).content.decode()
    assert "SGQRI 008 3.0" in body and "WCAG" in body
    assert '<h2 id="report">Report a barrier</h2>' in body
    assert f'<a href="{reverse("contact")}">Contact us</a>' in body
    # The contact page leads back to the report section.
    contact = client.get(reverse("contact")).content.decode()
    assert f'href="{reverse("accessibility")}#report"' in contact


def test_the_privacy_notice_gives_the_retention_periods_administrators_set(client):
    english(client)
    body = client.get(reverse("privacy")).content.decode()
    assert "84 months" in body  # notes, comments, case documents and audit trail by default
    assert not RetentionSettings.objects.exists(), "a visitor's page view writes nothing"
    RetentionSettings.objects.create(pk=1, contacts_months=30, former_users_months=18)
    body = client.get(reverse("privacy")).content.decode()
    assert "30 months" in body and "18 months" in body
    assert "Law 25" in body and "Access Act" in body
    assert 'href="https://www.cai.gouv.qc.ca/"' in body


def test_the_contact_page_lists_the_active_offices_of_the_network(client):
    closed = Office.objects.filter(kind=Office.Kind.ANTENNE).first()
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    open_offices = Office.objects.filter(is_active=True).select_related("region")
    assert open_offices.exists()
    body = english(client).get(reverse("contact")).content.decode()
    for office in open_offices:
        assert f"<li>{escape(office.city)} ({escape(office.region.name)})" in body
    assert f"<li>{escape(closed.city)} (" not in body
    assert "1 877 864-9191" in body
    # The network page itself is for signed-in people: only they get the link.
    assert reverse("antennes:network") not in body
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))
    assert reverse("antennes:network") in client.get(reverse("contact")).content.decode()


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_staff_who_have_not_yet_activated_their_authenticator_may_read_them(client, name):
    """The rest of the portal waits for the authenticator app; these pages never do."""
    client.force_login(StaffFactory(mfa=False))
    assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("partners:directory")).status_code == 302  # the rest waits
