"""Settings shared by every environment. The environment is read once, here."""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "django_htmx",
    "django_filters",
    "import_export",
    "auditlog",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # django-ninja (the API): listed for its Swagger UI files, served from our static files.
    "ninja",
    # The portal's own apps.
    "portal",
    "accounts",
    "regions",
    "antennes",
    "partners",
    "enterprises",
    "programs",
    "regionalisation",
    "notifications",
    "audit",
    "retention",
    # Public figures: read several domains (plans, opportunities, cohorts).
    "opendata",
    # The API for partners' and the ministry's systems: composes the domains, like hub.
    "api",
    # Composes the domains (home pages, dashboard, demo, reference loading): last, on top.
    "hub",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages compressed (gzip with BREACH padding, text only), after every middleware that
    # reads or writes the body; production puts WhiteNoise just before it (static files).
    "portal.middleware.CompressedPagesMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    # Refuses an oversized body (413) before anything reads it (REQUEST_BODY_MAX_BYTES).
    "portal.middleware.RequestBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.PrivatePagesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.TrustedAuditlogMiddleware",
    "accounts.middleware.StaffMustEnrolMfaMiddleware",
]

# Content-Security-Policy (django-csp): scripts and styles come from the portal's own static
# files only (the one <script> element carries the request's nonce); no inline style attribute,
# no eval (htmx is configured in templates/base.html so it never evaluates), no framing, forms
# post only to the portal. The browser reports any violation to portal.views.csp_report.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # data: for the authenticator app's QR code (an SVG data URI, allauth.mfa).
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "report-uri": "/csp-report/",
    },
}
#: Largest CSP violation report read (bytes); a bigger one is refused unread.
CSP_REPORT_MAX_BYTES = 16 * 1024
#: Violation reports logged per client address and minute; the rest are counted, not logged.
CSP_REPORTS_PER_MINUTE = 30

#: How many proxies of our own stand in front of the portal, each appending to X-Forwarded-For:
#: the client address (audit trail, sign-in limits) is the one the outermost of them saw
#: (``accounts.network``). 0 ignores the header: the TCP peer is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "notifications.context_processors.unread",
                "regionalisation.context_processors.navigation",
            ],
        },
    },
]

#: Django's form renderer, the commonest widgets written in Python (same markup):
#: portal/renderers.py.
FORM_RENDERER = "portal.renderers.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/portail")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
#: Seconds a connection is kept open between requests (0: closed after each; production
#: keeps it 60 s), checked before its reuse so a restarted PostgreSQL fails no request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portail"),
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email login, invitation-only sign-up, mandatory verification, MFA.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapter.PortalAccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, spelled out so the policy is visible in one place.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portail régionalisation (MIFI)"
# TOTP secrets and recovery-code seeds are stored encrypted (accounts/mfa.py): Fernet keys,
# comma-separated; the first encrypts, all decrypt (rotation: new key first, then
# `manage.py mfa_reencrypt`, then drop the old key). Required in production.
MFA_ADAPTER = "accounts.mfa.PortalMFAAdapter"
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])

LANGUAGE_CODE = "fr-ca"
LANGUAGES = [("fr-ca", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The portal's own date and time formats, read before Django's: « 23 h 26 » in French.
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "America/Montreal"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
#: Uploaded documents live outside the web root and are served only through scoped views.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="portail-regionalisation@mifi.gouv.qc.ca")

# Mail in (notifications.inbound): the IMAP mailbox the offices' addresses and the reply
# address are delivered to, read every minute by notifications.tasks.poll_mailbox. No host:
# no polling (the local SQLite mode). SECURITY is "ssl" (IMAPS, port 993), "starttls" or
# "none" (a test server only). A message bigger than MAX_BYTES is kept as headers only,
# « failed », with the reason. BATCH_SIZE: messages fetched per poll.
INBOUND_EMAIL = {
    "HOST": env("INBOUND_EMAIL_HOST", default=""),
    "PORT": env.int("INBOUND_EMAIL_PORT", default=993),
    "USER": env("INBOUND_EMAIL_USER", default=""),
    "PASSWORD": env("INBOUND_EMAIL_PASSWORD", default=""),
    "SECURITY": env("INBOUND_EMAIL_SECURITY", default="ssl"),
    "FOLDER": env("INBOUND_EMAIL_FOLDER", default="INBOX"),
    "BATCH_SIZE": env.int("INBOUND_EMAIL_BATCH_SIZE", default=100),
    "MAX_BYTES": env.int("INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024),
}
#: Where replies to notification emails go: the Reply-To of a case's emails is this address
#: plus-addressed with a signed token (reponses+<token>@domain), delivered to the mailbox
#: above. Empty: notification emails carry no Reply-To.
CASE_REPLY_ADDRESS = env("CASE_REPLY_ADDRESS", default="")

# Celery: configured from Django settings (namespace CELERY), JSON only, time limits set.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# No message is lost with a worker: acknowledged once the task is done (or failed: a failure
# is retried by the task or by the outbox job, never by redelivering forever), requeued when
# a pool process is killed, one message reserved at a time per process.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message reserved by a worker that died is delivered again after this (Redis broker). It
# stays above the longest task's hard time limit (the daily reminder sweep, 3600 s), so a
# sweep still running is never delivered a second time; a killed sweep runs again within
# 65 minutes (idempotent: it sends only what is left). A lost email does not wait for it:
# the outbox job (notifications.tasks.send_owed_emails, every 5 minutes) sends it.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3900}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}  # periodic jobs are declared in portal/celery.py

# Audit trail (django-auditlog).
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Spreadsheet formulas are neutralised by portal.exports (all of = + - @ tab CR, not only =).
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False

#: API requests per token and minute (``api/auth.py``); beyond, 429 with Retry-After.
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=120)
#: Rows per page of the API's lists (a client may ask for fewer, or up to the maximum).
API_PAGE_SIZE = 50
API_MAX_PAGE_SIZE = 200

DIRECTORY_PAGE_SIZE = 25
PLAN_QUEUE_PAGE_SIZE = 25
#: Cohort files of more rows than this are applied by a Celery job (regions.tasks), not in
#: the web request.
COHORT_IMPORT_SYNC_ROWS = env.int("COHORT_IMPORT_SYNC_ROWS", default=5000)
#: Largest attachment accepted (bytes).
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
#: Largest request body the portal reads (bytes): portal.middleware.RequestBodyLimitMiddleware
#: answers 413 to a longer one before any byte of it is read. The largest upload (a cohort
#: file, regions' limit) plus room for the form's other fields and the multipart framing.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=25 * 1024 * 1024)
#: Bodies other than file uploads (form fields, JSON) read into memory: 2.5 MB, Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
#: An uploaded file bigger than this goes to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
#: The language cookie is never read by a script, and not sent on cross-site requests.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
#: The portal's public address (scheme, host and port, no trailing slash): every link in an
#: email is built on it, never on the request's Host header (a Celery task has no request,
#: and a forged Host must not end up in a password-reset link). Local settings default it to
#: bin/run's address; production refuses to start without it.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="").rstrip("/")
# allauth's email subjects start like the portal's own (not with the request's host name).
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Portail régionalisation — "

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
