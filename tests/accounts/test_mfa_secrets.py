"""MFA secrets at rest: the database never holds a TOTP secret or a recovery-code seed in
clear, staff keep signing in with their authenticator through a key rotation, and rows written
in clear before encryption are encrypted by the migration."""

import importlib
import io
import json
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts.services import mfa_enrol_totp
from tests.factories.accounts import TEST_PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

#: The demo staff accounts' shared secret (hub seed_demo), printed by ``demo_totp``.
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def stored(user, kind: str) -> str:
    """The raw text of the authenticator's data column, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM mfa_authenticator WHERE user_id = %s AND type = %s",
                       [user.pk, kind])
        (value,) = cursor.fetchone()
    return value if isinstance(value, str) else json.dumps(value)


def stored_value(user, kind: str, field: str) -> str:
    return Authenticator.objects.get(user=user, type=kind).data[field]


def sign_in(client, user, code: str):
    client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    return client.post(reverse("mfa_authenticate"), {"code": code})


def signed_in_as(client, user) -> bool:
    return client.get(reverse("home")).context["user"] == user


@pytest.fixture
def adviser():
    user = StaffFactory(role="adviser", mfa=False)
    mfa_enrol_totp(user=user, secret=SECRET)
    return user


def test_the_database_holds_no_totp_secret_and_no_recovery_seed_in_clear(adviser):
    assert SECRET not in stored(adviser, "totp")
    assert SECRET.lower() not in stored(adviser, "totp").lower()
    seed = stored_value(adviser, "recovery_codes", "seed")
    assert seed in stored(adviser, "recovery_codes")  # the raw column holds the token below
    key = Fernet(settings.MFA_ENCRYPTION_KEYS[0])
    assert key.decrypt(stored_value(adviser, "totp", "secret").encode()).decode() == SECRET
    assert len(key.decrypt(seed.encode()).decode()) == 80  # allauth's 40-byte hex seed


def test_staff_sign_in_with_the_demo_secret_code(client, adviser):
    sign_in(client, adviser, current_code(SECRET))
    assert signed_in_as(client, adviser)


def test_a_recovery_code_signs_staff_in(client, adviser):
    recovery = RecoveryCodes(Authenticator.objects.get(user=adviser, type="recovery_codes"))
    sign_in(client, adviser, recovery.get_unused_codes()[0])
    assert signed_in_as(client, adviser)


def test_a_code_still_signs_in_after_a_key_rotation(client, adviser):
    old = settings.MFA_ENCRYPTION_KEYS[0]
    new = Fernet.generate_key().decode()
    with override_settings(MFA_ENCRYPTION_KEYS=[new, old]):
        sign_in(client, adviser, current_code(SECRET))
        assert signed_in_as(client, adviser)
        call_command("mfa_reencrypt", stdout=io.StringIO())
    client.logout()
    secret = stored_value(adviser, "totp", "secret")
    assert Fernet(new).decrypt(secret.encode()).decode() == SECRET
    with pytest.raises(InvalidToken):
        Fernet(old).decrypt(secret.encode())
    with override_settings(MFA_ENCRYPTION_KEYS=[new]):  # the old key is gone
        recovery = RecoveryCodes(Authenticator.objects.get(user=adviser, type="recovery_codes"))
        # The TOTP code was just used (a code is accepted once): the next sign-in uses a
        # recovery code, whose seed was re-encrypted too.
        sign_in(client, adviser, recovery.get_unused_codes()[0])
        assert signed_in_as(client, adviser)


def test_without_the_key_that_encrypted_it_a_secret_cannot_be_read(client, adviser):
    with (override_settings(MFA_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
          pytest.raises(InvalidToken)):
        Authenticator.objects.get(user=adviser, type="totp").wrap().validate_code(
            current_code(SECRET))


def test_the_migration_encrypts_secrets_stored_in_clear_and_leaves_encrypted_ones(client):
    clear_user = StaffFactory(role="adviser", mfa=False)
    Authenticator.objects.create(user=clear_user, type="totp", data={"secret": SECRET})
    Authenticator.objects.create(user=clear_user, type="recovery_codes",
                                 data={"seed": "ab" * 40, "used_mask": 0})
    already = StaffFactory(role="adviser", mfa=False)
    mfa_enrol_totp(user=already, secret=SECRET)
    token = stored_value(already, "totp", "secret")
    assert SECRET in stored(clear_user, "totp")

    migration = importlib.import_module("accounts.migrations.0002_encrypt_mfa_secrets")
    migration.encrypt_secrets(apps, None)

    assert SECRET not in stored(clear_user, "totp")
    assert "ab" * 40 not in stored(clear_user, "recovery_codes")
    assert stored_value(already, "totp", "secret") == token
    sign_in(client, clear_user, current_code(SECRET))
    assert signed_in_as(client, clear_user)
