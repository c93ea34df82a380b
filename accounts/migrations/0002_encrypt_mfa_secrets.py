"""Encrypt the MFA secrets stored in clear before ``accounts.mfa.PortalMFAAdapter``: TOTP
secrets, recovery-code seeds and carried-over recovery codes, with the first key of
``MFA_ENCRYPTION_KEYS``. Values that already decrypt with a configured key are left alone,
so the migration can run again safely. Self-contained: it does not import the app's code."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import migrations

FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
LISTS = {"recovery_codes": ("migrated_codes",)}


def _rewrite(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    rows = Authenticator.objects.filter(type__in=list(FIELDS)).only("type", "data")
    if not rows.exists():
        return
    fernet = MultiFernet([Fernet(key) for key in settings.MFA_ENCRYPTION_KEYS])
    for row in rows.iterator():
        data = dict(row.data)
        for field in FIELDS.get(row.type, ()):
            if data.get(field):
                data[field] = change(fernet, data[field])
        for field in LISTS.get(row.type, ()):
            if data.get(field) is not None:
                data[field] = [change(fernet, value) for value in data[field]]
        if data != row.data:
            row.data = data
            row.save(update_fields=["data"])


def _encrypted(fernet, value):
    try:
        fernet.decrypt(value.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return fernet.encrypt(value.encode()).decode("ascii")
    return value


def _clear(fernet, value):
    try:
        return fernet.decrypt(value.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        return value


def encrypt_secrets(apps, schema_editor):
    _rewrite(apps, _encrypted)


def decrypt_secrets(apps, schema_editor):
    _rewrite(apps, _clear)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
