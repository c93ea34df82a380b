import os
import subprocess
import sys

from django.conf import settings


def _run(env_overrides):
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS",
                        "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="portal.settings.production")
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy",
                           "--fail-level", "WARNING"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_its_required_variables():
    result = _run({"DATABASE_URL": "postgres://x@127.0.0.1/x", "ALLOWED_HOSTS": "a.example"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _run({"SECRET_KEY": "k" * 20 + "-Zx9!" * 10, "ALLOWED_HOSTS": "portail.example",
                   "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/portail"})
    assert result.returncode == 0, result.stdout + result.stderr
