"""MFA secrets at rest: TOTP secrets and recovery-code seeds are stored encrypted.

allauth hands every secret it stores (and reads) to the MFA adapter's ``encrypt`` and
``decrypt`` hooks. ``MFA_ENCRYPTION_KEYS`` lists Fernet keys: the first encrypts, every one
decrypts, so a new key is put first and the old one kept second until
``manage.py mfa_reencrypt`` has rewritten the stored secrets with the new key."""

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Where each kind of authenticator keeps its secrets in ``Authenticator.data``.
SECRET_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
#: Recovery codes carried over from another system: a list of encrypted codes.
SECRET_LISTS = {"recovery_codes": ("migrated_codes",)}


def keys(configured=None) -> MultiFernet:
    """The configured keys (``settings.MFA_ENCRYPTION_KEYS`` unless given), first one first."""
    configured = settings.MFA_ENCRYPTION_KEYS if configured is None else configured
    if not configured:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS is empty: MFA secrets cannot be stored.")
    try:
        return MultiFernet([Fernet(key) for key in configured])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64-encoded bytes), "
            "comma-separated.") from exc


def encrypt(text: str, fernet: MultiFernet | None = None) -> str:
    return (fernet or keys()).encrypt(text.encode()).decode("ascii")


def decrypt(token: str, fernet: MultiFernet | None = None) -> str:
    return (fernet or keys()).decrypt(token.encode("ascii")).decode()


def is_encrypted(value: str, fernet: MultiFernet) -> bool:
    try:
        fernet.decrypt(value.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def transform_secrets(kind: str, data: dict, change) -> dict:
    """``data`` with ``change(value)`` applied to each stored secret of a ``kind``
    authenticator (a copy; other values untouched)."""
    data = dict(data)
    for field in SECRET_FIELDS.get(kind, ()):
        if data.get(field):
            data[field] = change(data[field])
    for field in SECRET_LISTS.get(kind, ()):
        if data.get(field) is not None:
            data[field] = [change(value) for value in data[field]]
    return data


class PortalMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
