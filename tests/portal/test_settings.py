import os
import subprocess
import sys

from django.conf import settings


def _run(env_overrides):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "PORTAL_BASE_URL",
                        "MFA_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="portal.settings.production")
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                           "--fail-level", "WARNING"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)


PRODUCTION = {"SECRET_KEY": "k" * 20 + "-Zx9!" * 10, "ALLOWED_HOSTS": "portail.example",
              "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portail",
              "PORTAL_BASE_URL": "https://portail.example",
              "MFA_ENCRYPTION_KEYS": "bX9pZ3wJjP5L0cB2oTqW1eV4sR7nK3uY8hA6dF0gZxM="}


def test_production_refuses_to_start_without_its_required_variables():
    result = _run({"DATABASE_URL": "postgres://x@127.0.0.1/x", "ALLOWED_HOSTS": "a.example",
                   "PORTAL_BASE_URL": "https://a.example"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_production_refuses_to_start_without_the_address_links_in_emails_lead_to():
    result = _run({k: v for k, v in PRODUCTION.items() if k != "PORTAL_BASE_URL"})
    assert result.returncode != 0
    assert "PORTAL_BASE_URL is required" in result.stderr


def test_production_refuses_an_address_that_is_not_a_web_address():
    result = _run({**PRODUCTION, "PORTAL_BASE_URL": "portail.example"})
    assert result.returncode != 0
    assert "PORTAL_BASE_URL must be the portal's public address" in result.stderr


def test_production_refuses_to_start_without_the_keys_of_the_mfa_secrets():
    result = _run({k: v for k, v in PRODUCTION.items() if k != "MFA_ENCRYPTION_KEYS"})
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEYS is required" in result.stderr


def test_production_refuses_a_key_that_is_not_a_fernet_key():
    result = _run({**PRODUCTION, "MFA_ENCRYPTION_KEYS": "not-a-key"})
    assert result.returncode != 0
    assert "MFA_ENCRYPTION_KEYS must be Fernet keys" in result.stderr


def test_local_settings_have_a_fixed_development_key_for_mfa_secrets():
    """bin/run needs no key: the local settings derive the same one at every start, so a local
    database's MFA secrets stay readable."""
    env = {k: v for k, v in os.environ.items() if k != "MFA_ENCRYPTION_KEYS"}
    code = ("from django.conf import settings; from cryptography.fernet import Fernet; "
            "[Fernet(k) for k in settings.MFA_ENCRYPTION_KEYS]; "
            "print(','.join(settings.MFA_ENCRYPTION_KEYS))")
    runs = [subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                           cwd=settings.BASE_DIR, capture_output=True, text=True,
                           env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings.local"})
            for _ in range(2)]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout.strip() and runs[0].stdout == runs[1].stdout


def test_production_settings_pass_the_deployment_checklist():
    result = _run(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_local_default_is_the_address_bin_run_serves():
    """Without the variable, the local settings point links at bin/run's default address;
    bin/run sets it from its port argument."""
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}
    code = "from django.conf import settings; print(settings.PORTAL_BASE_URL)"
    local = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                           cwd=settings.BASE_DIR, capture_output=True, text=True,
                           env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings.local"})
    assert local.stdout.strip() == "http://127.0.0.1:8000", local.stderr
    run_script = (settings.BASE_DIR / "bin" / "run").read_text()
    assert 'export PORTAL_BASE_URL="http://127.0.0.1:${1:-8000}"' in run_script


def _database_setting(module, name, env_overrides):
    """A setting of the default database as ``module`` reads it from the environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONN_MAX_AGE", *PRODUCTION)}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE=module)
    code = f"from django.conf import settings; print(settings.DATABASES['default'][{name!r}])"
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_local_settings_keep_connections_as_long_as_the_environment_says():
    """The local settings read their own database (SQLite by default): the connection's
    lifetime and its health check still apply to it."""
    assert _database_setting("portal.settings.local", "CONN_MAX_AGE",
                             {"CONN_MAX_AGE": "42"}) == "42"
    assert _database_setting("portal.settings.local", "CONN_HEALTH_CHECKS", {}) == "True"


def test_production_keeps_a_connection_per_worker_unless_told_otherwise():
    assert _database_setting("portal.settings.production", "CONN_MAX_AGE", PRODUCTION) == "60"
    assert _database_setting("portal.settings.production", "CONN_MAX_AGE",
                             {**PRODUCTION, "CONN_MAX_AGE": "0"}) == "0"
    assert _database_setting("portal.settings.production", "CONN_HEALTH_CHECKS",
                             PRODUCTION) == "True"
