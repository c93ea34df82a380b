"""Production: every secret and the public address come from the environment; the process
refuses to start without them."""

from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MFA_ENCRYPTION_KEYS, MIDDLEWARE, PORTAL_BASE_URL, STORAGES, env

for _name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "PORTAL_BASE_URL",
              "MFA_ENCRYPTION_KEYS"):
    if not env(_name, default=""):
        raise ImproperlyConfigured(f"The environment variable {_name} is required in production.")
_address = urlsplit(PORTAL_BASE_URL)
if _address.scheme not in ("http", "https") or not _address.netloc:
    raise ImproperlyConfigured(
        "PORTAL_BASE_URL must be the portal's public address, like "
        f"https://portail.example.gouv.qc.ca (got {PORTAL_BASE_URL!r}).")
try:  # MFA secrets at rest (accounts/mfa.py): every key must be a Fernet key.
    [Fernet(_key) for _key in MFA_ENCRYPTION_KEYS]
except ValueError as _error:
    raise ImproperlyConfigured(
        "MFA_ENCRYPTION_KEYS must be Fernet keys, comma-separated (python -c \"from "
        "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())\").") from _error

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# A connection per worker thread kept 60 s rather than one opened per request:
# bench/throughput.py measured both (README, « Throughput »). CONN_MAX_AGE=0 goes back.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True  # HttpOnly and SameSite=Lax: base.py
SESSION_COOKIE_AGE = 60 * 60 * 8
# WhiteNoise serves the collected static files, right after the security middleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
