"""The Content-Security-Policy: every page of every role carries it (the crawl checks every page
of the demo, ``tests/test_crawl.py``), scripts run only from the portal's files with the
request's nonce, nothing inline or evaluated is allowed, htmx is configured not to evaluate,
and the report endpoint logs what browsers report, within bounds."""

import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from tests.portal.test_settings import PRODUCTION
from tests.test_crawl import _csp_problems

pytestmark = pytest.mark.django_db

REPORT = {"csp-report": {
    "document-uri": "https://portail.example/plans-action/12/",
    "violated-directive": "style-src-attr",
    "effective-directive": "style-src-attr",
    "blocked-uri": "inline",
    "original-policy": "default-src 'self'",
}}


def directives(response):
    policy = response["Content-Security-Policy"]
    return {name: value.split() for name, _sep, value in
            (part.strip().partition(" ") for part in policy.split(";"))}


@pytest.mark.parametrize("role", ["admin", "sit_manager", "adviser", "partner"])
def test_each_role_s_home_page_carries_the_policy_with_a_nonce_on_its_scripts(client, world,
                                                                              role):
    client.force_login(world["users"][role])

    response = client.get(reverse("home"))

    assert response.status_code == 200
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["report-uri"] == [reverse("csp_report")]
    nonce = next(v for v in policy["script-src"] if v.startswith("'nonce-"))[7:-1]
    assert set(policy["script-src"]) == {"'self'", f"'nonce-{nonce}'"}
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert _csp_problems("/", response) == []


def test_the_nonce_changes_with_every_request(client, world):
    client.force_login(world["users"]["adviser"])
    first, second = (directives(client.get("/"))["script-src"] for _ in range(2))
    assert first != second


def test_the_sign_in_page_and_a_missing_page_carry_the_policy_too(client, world):
    for response in (client.get(reverse("account_login")), client.get("/nulle-part/")):
        assert "'nonce-" in response["Content-Security-Policy"]
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_htmx_may_not_evaluate_code_nor_run_the_scripts_it_swaps_in(client, world):
    client.force_login(world["users"]["partner"])
    html = client.get("/").content.decode()
    config = re.search(r"""<meta name="htmx-config" content='([^']*)'>""", html)
    assert config is not None, "htmx reads its configuration from this meta element"
    assert json.loads(config.group(1)) == {
        "allowEval": False, "allowScriptTags": False, "includeIndicatorStyles": False}
    assert html.index('name="htmx-config"') < html.index("htmx.min.js")


def test_the_crawl_s_check_flags_what_the_policy_would_block(client, world):
    """The check every crawled page passes is able to fail: it names an inline style, an event
    handler, a script without the nonce and a response without the header."""
    client.force_login(world["users"]["adviser"])
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    for bad in ('<span style="width: 4%">', '<a href="#" onclick="go()">', "<script>x()</script>",
                f'<script nonce="{nonce}x">', '<a href="javascript:go()">'):
        response.content = html.replace("</main>", bad + "</main>").encode()
        assert _csp_problems("/", response), bad
    del response["Content-Security-Policy"]
    assert _csp_problems("/", response) == ["/ has no Content-Security-Policy header"]


def test_a_violation_report_is_logged_with_its_directive_and_page(caplog):
    client = Client(enforce_csrf_checks=True)  # browsers send no CSRF token with a report
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = client.post(reverse("csp_report"), json.dumps(REPORT),
                               content_type="application/csp-report")
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "portal.csp"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "style-src-attr" in message and "https://portail.example/plans-action/12/" in message


def test_a_report_in_the_reporting_api_format_is_logged_too(caplog):
    reports = [{"type": "csp-violation", "url": "https://portail.example/cohortes/",
                "body": {"documentURL": "https://portail.example/cohortes/",
                         "effectiveDirective": "script-src-elem",
                         "blockedURL": "https://evil.example/x.js"}},
               {"type": "deprecation", "body": {"id": "x"}}]
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = Client().post(reverse("csp_report"), json.dumps(reports),
                                 content_type="application/reports+json")
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "portal.csp"]
    assert "script-src-elem" in record.getMessage()
    assert "https://evil.example/x.js" in record.getMessage()


def test_a_huge_report_is_refused_unread_and_logs_nothing(caplog, settings):
    padded = {"csp-report": {**REPORT["csp-report"], "script-sample": "x" * 20_000}}
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        response = Client().post(reverse("csp_report"), json.dumps(padded),
                                 content_type="application/csp-report")
    assert response.status_code == 413
    assert not [r for r in caplog.records if r.name == "portal.csp"]


def test_a_report_that_is_not_json_or_not_posted_is_refused(caplog):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        assert client.post(reverse("csp_report"), "<html>",
                           content_type="application/csp-report").status_code == 400
        assert client.get(reverse("csp_report")).status_code == 405
    assert not [r for r in caplog.records if r.name == "portal.csp"]


def test_one_address_cannot_flood_the_log(caplog, settings):
    settings.CSP_REPORTS_PER_MINUTE = 3
    client = Client(REMOTE_ADDR="192.0.2.44")
    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        answers = [client.post(reverse("csp_report"), json.dumps(REPORT),
                               content_type="application/csp-report").status_code
                   for _ in range(10)]
        Client(REMOTE_ADDR="192.0.2.45").post(reverse("csp_report"), json.dumps(REPORT),
                                              content_type="application/csp-report")
    assert answers == [204] * 10
    assert len([r for r in caplog.records if r.name == "portal.csp"]) == 3 + 1


def test_the_language_cookie_is_not_readable_by_scripts_nor_sent_cross_site(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = response.cookies["django_language"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_production_sends_the_language_cookie_over_https_only():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="portal.settings.production")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE, "
            "s.LANGUAGE_COOKIE_HTTPONLY, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE)")
    result = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "Lax", "True", "True"]
