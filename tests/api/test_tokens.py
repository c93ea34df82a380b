"""Personal tokens: created and revoked on the « API tokens » page through the services,
stored hashed, shown once; a revoked or expired token opens nothing."""

import hashlib
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from api import services
from api.models import ApiToken
from tests.api.conftest import ApiClient, make_token

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_the_page_creates_a_token_shown_once_and_stored_hashed(client, world):
    partner = world["users"]["partner"]
    client.force_login(partner)
    day = timezone.localdate() + timedelta(days=30)

    response = client.post(reverse("api:tokens"), {"name": "Logiciel de gestion",
                                                   "expires_on": day.isoformat()})

    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("prt_") and secret in response.content.decode()
    token = ApiToken.objects.get(user=partner)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert not token.read_only
    again = client.get(reverse("api:tokens"))
    assert secret not in again.content.decode()
    assert token.display_prefix in again.content.decode()
    assert LogEntry.objects.get_for_object(token).filter(actor=partner).exists()


def test_the_page_shows_a_refused_expiry_at_its_field(client, world):
    client.force_login(world["users"]["adviser"])
    too_far = timezone.localdate() + timedelta(days=400)

    response = client.post(reverse("api:tokens"), {"name": "Système",
                                                   "expires_on": too_far.isoformat()})

    assert response.status_code == 200
    form = response.context["form"]
    with translation.override("fr-ca"):
        assert form.errors["expires_on"] == [gettext("A token may last one year at most.")]
    assert not ApiToken.objects.exists()


def test_the_expiry_is_required_and_in_the_future(world):
    user = world["users"]["partner"]
    with pytest.raises(ValidationError) as refused:
        services.token_create(actor=user, name="x", expires_at=None)
    assert "expires_at" in refused.value.error_dict
    with pytest.raises(ValidationError):
        services.token_create(actor=user, name="x",
                              expires_at=timezone.now() - timedelta(minutes=1))


def test_a_revoked_token_is_refused(client, world):
    partner = world["users"]["partner"]
    token, secret = make_token(partner)
    assert ApiClient(secret).get(ME).status_code == 200
    client.force_login(partner)

    response = client.post(reverse("api:token_revoke", args=[token.pk]))

    assert response.status_code == 302
    refused = ApiClient(secret).get(ME)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == "urn:portail:api:problem:token-revoked"
    assert refused["WWW-Authenticate"].startswith("Bearer")
    token.refresh_from_db()
    assert token.revoked_by == partner
    assert LogEntry.objects.get_for_object(token).filter(
        action=LogEntry.Action.UPDATE, actor=partner).exists()


def test_an_expired_token_is_refused(world):
    token, secret = make_token(world["users"]["partner"])
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(created_at=now - timedelta(days=2),
                                                expires_at=now - timedelta(seconds=1))

    refused = ApiClient(secret).get(ME)

    assert refused.status_code == 401
    assert refused.json()["type"] == "urn:portail:api:problem:token-expired"


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer prt_0000_inconnu", "Basic abc"])
def test_a_missing_or_unknown_token_is_refused(client, world, header):
    response = client.get(ME, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.json()) >= {"type", "title", "status", "detail"}


def test_a_session_does_not_open_the_api(client, world):
    client.force_login(world["users"]["admin"])
    assert client.get(ME).status_code == 401


def test_someone_else_s_token_cannot_be_revoked_on_the_page(client, world):
    token, secret = make_token(world["users"]["partner"])
    client.force_login(world["users"]["partner_gatineau"])

    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    assert ApiClient(secret).get(ME).status_code == 200


def test_staff_without_an_authenticator_cannot_use_a_token(world):
    from allauth.mfa.models import Authenticator

    adviser = world["users"]["adviser"]
    _token, secret = make_token(adviser)
    Authenticator.objects.filter(user=adviser).delete()

    assert ApiClient(secret).get(ME).status_code == 401


def test_staff_reach_the_token_page_only_after_enrolling_in_mfa(client, db):
    from tests.factories.accounts import StaffFactory

    client.force_login(StaffFactory(mfa=False))
    assert client.get(reverse("api:tokens")).status_code == 302


def test_the_last_use_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token, secret = make_token(world["users"]["partner"])
    api = ApiClient(secret)
    api.get(ME)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get(ME)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get(ME)
    token.refresh_from_db()
    assert token.last_used_at > first


def test_errors_follow_accept_language(world):
    _token, secret = make_token(world["users"]["partner"])
    french = ApiClient(secret).get("/api/v1/plans/999999")
    english = ApiClient(secret, language="en-CA,en;q=0.9,fr;q=0.5").get("/api/v1/plans/999999")
    assert french.status_code == english.status_code == 404
    assert french["Content-Language"] == "fr-ca" and english["Content-Language"] == "en"
    assert english.json()["detail"] == "Nothing here, or nothing you may see."
    with translation.override("fr-ca"):
        assert french.json()["detail"] == gettext("Nothing here, or nothing you may see.")


def test_requests_beyond_the_limit_wait(world, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    _token, secret = make_token(world["users"]["partner"])
    api = ApiClient(secret)
    answers = [api.get(ME) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert answers[-1].json()["status"] == 429
    # Another token of the same person has its own allowance.
    _other, other_secret = make_token(world["users"]["partner"])
    assert ApiClient(other_secret).get(ME).status_code == 200


def test_staff_without_mfa_are_not_redirected_by_the_api_but_refused(client, db):
    """/api/v1/ is exempt from the MFA redirect because it reads no session: a staff
    member's session, enrolled or not, opens nothing there."""
    from tests.factories.accounts import StaffFactory

    client.force_login(StaffFactory(mfa=False))
    response = client.get(ME)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_write_made_with_a_token_reads_in_the_audit_trail(client, world):
    from tests.factories.enterprises import EnterpriseFactory
    from tests.factories.partners import PartnerUserFactory

    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"],
                                   organisation__region=world["offices"]["tr"].region)
    user = PartnerUserFactory(organisation=enterprise.organisation)
    token, secret = make_token(user)
    ApiClient(secret).post("/api/v1/cases", {
        "subject": "Demande", "help_kinds": ["information"], "topics": ["attraction"],
        "description": "Texte"})
    client.force_login(world["users"]["admin"])

    page = client.get(reverse("audit:log")).content.decode()

    assert "POST /api/v1/cases → 201" in page
    assert str(token) in page


def test_a_token_write_needs_no_csrf_token_and_a_session_write_is_refused(world):
    """CSRF protects cookie-borne sessions; the API ignores them, so a token request needs no
    CSRF token and a cross-site form riding a session gets 401, not a write."""
    from django.test import Client

    from tests.factories.enterprises import EnterpriseFactory
    from tests.factories.partners import PartnerUserFactory

    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"],
                                   organisation__region=world["offices"]["tr"].region)
    user = PartnerUserFactory(organisation=enterprise.organisation)
    _token, secret = make_token(user)
    body = {"subject": "Demande", "help_kinds": ["information"], "topics": ["attraction"],
            "description": "Texte"}
    strict = Client(enforce_csrf_checks=True)

    with_token = strict.post("/api/v1/cases", body, content_type="application/json",
                             headers={"Authorization": f"Bearer {secret}"})
    strict.force_login(user)
    with_session = strict.post("/api/v1/cases", body, content_type="application/json")

    assert with_token.status_code == 201
    assert with_token["Cache-Control"] == "private, no-store"
    assert with_session.status_code == 401


def test_an_administrator_revokes_a_leaked_token_in_the_admin(client, world):
    token, secret = make_token(world["users"]["partner"])
    admin_user = world["users"]["admin"]
    client.force_login(admin_user)

    listing = client.get(reverse("admin:api_apitoken_changelist"))
    response = client.post(reverse("admin:api_apitoken_changelist"),
                           {"action": "revoke", "_selected_action": [token.pk]})

    assert listing.status_code == 200 and token.display_prefix in listing.content.decode()
    assert token.key_hash not in listing.content.decode()
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin_user
    assert ApiClient(secret).get(ME).status_code == 401
