import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import Role, User
from tests.factories.accounts import TEST_PASSWORD, StaffFactory, UserFactory
from tests.factories.partners import OrganisationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["admin", "sit_manager", "adviser"])
@pytest.mark.parametrize("url_name", ["home", "partners:directory", "antennes:network"])
def test_staff_without_mfa_cannot_reach_any_file(client, role, url_name):
    client.force_login(StaffFactory(role=role, mfa=False))
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_staff_without_mfa_cannot_open_an_organisation_even_by_its_address(client):
    adviser = StaffFactory(role="adviser", mfa=False)
    organisation = OrganisationFactory()
    client.force_login(adviser)
    response = client.get(reverse("partners:detail", args=[organisation.pk]))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")


def test_staff_without_mfa_are_led_to_the_enrolment_page_after_login(client):
    adviser = StaffFactory(role="adviser", mfa=False)
    response = client.post(reverse("account_login"),
                           {"login": adviser.email, "password": TEST_PASSWORD}, follow=True)
    # allauth asks for the password once more before showing a secret, then the enrolment page.
    confirm_url = response.redirect_chain[-1][0]
    assert confirm_url.startswith(reverse("account_reauthenticate"))
    response = client.post(confirm_url, {"password": TEST_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert response.status_code == 200
    assert "totp_url" in response.context or "form" in response.context


def test_partners_are_not_forced_into_mfa(client):
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("role", ["partner", "adviser", "sit_manager"])
def test_only_central_administrators_reach_the_django_admin(client, role):
    user = (PartnerUserFactory(organisation=OrganisationFactory()) if role == "partner"
            else StaffFactory(role=role))
    client.force_login(user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[0][0].startswith("/admin/login/")
    assert response.status_code == 403


def test_the_admin_login_goes_through_the_portal_login_and_its_mfa(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert client.post("/admin/login/", {"username": "x", "password": "y"}).status_code == 302


def test_a_central_administrator_reaches_the_django_admin(client):
    client.force_login(StaffFactory(role="admin"))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/partners/organisation/").status_code == 200


def test_the_database_refuses_django_admin_access_to_a_partner():
    with pytest.raises(IntegrityError):
        UserFactory(role=Role.PARTNER, is_staff=True)


def test_a_partner_logs_in_by_email_and_lands_on_their_organisation(client):
    organisation = OrganisationFactory(name="Accueil Nicolet")
    partner = PartnerUserFactory(organisation=organisation, email="marie@accueil.example")
    response = client.post(reverse("account_login"),
                           {"login": "MARIE@accueil.example", "password": TEST_PASSWORD},
                           follow=True)
    assert response.context["user"] == partner
    assert "Accueil Nicolet" in response.content.decode()


def test_staff_log_in_with_their_authenticator_code(client):
    adviser = StaffFactory(role="adviser")
    response = client.post(reverse("account_login"),
                           {"login": adviser.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    code = format_hotp_value(hotp_value(adviser.totp_secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == adviser


def test_a_wrong_authenticator_code_keeps_staff_out(client):
    adviser = StaffFactory(role="adviser")
    client.post(reverse("account_login"), {"login": adviser.email, "password": TEST_PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_repeated_failed_logins_are_rate_limited(client):
    partner = PartnerUserFactory(organisation=OrganisationFactory())
    for _attempt in range(5):
        response = client.post(reverse("account_login"),
                               {"login": partner.email, "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"),
                           {"login": partner.email, "password": TEST_PASSWORD})
    # Even the right password is refused until the limit (5 failures per 5 minutes) expires.
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


def test_password_reset_sends_a_link(client):
    partner = PartnerUserFactory(organisation=OrganisationFactory())
    response = client.post(reverse("account_reset_password"), {"email": partner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert partner.email in mail.outbox[0].to


def test_public_sign_up_is_closed(client):
    response = client.post(reverse("account_signup"), {
        "email": "inconnu@exemple.qc.ca", "password1": TEST_PASSWORD,
        "password2": TEST_PASSWORD})
    assert not User.objects.filter(email="inconnu@exemple.qc.ca").exists()
    assert response.status_code == 200


def test_a_partner_whose_address_is_not_verified_must_confirm_it_first(client):
    from allauth.account.models import EmailAddress

    partner = PartnerUserFactory(organisation=OrganisationFactory(), email="neuf@exemple.example")
    EmailAddress.objects.filter(user=partner).update(verified=False)

    response = client.post(reverse("account_login"),
                           {"login": partner.email, "password": TEST_PASSWORD})

    assert response.url == reverse("account_email_verification_sent")
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
    assert mail.outbox[-1].to == [partner.email]
