"""Regenerate the portal's screenshots in docs/screens/: the home page, a list (the action plan
queue), a form with errors (the new support request, sent empty) and the cohort dashboard, on a
phone (375 px) and a laptop (1280 px), in French, on the demo data.

    bin/screens                  # or: .venv/bin/python docs/screens.py [--keep DIR] [--port N]

It builds a database of its own (SQLite in a temporary folder, or in DIR with --keep, reused on
the next run): migrations, the reference data and ``seed_demo``; serves it with ``runserver`` on
127.0.0.1 and photographs it with Debian's chromium (/usr/bin/chromium) through Playwright,
signed in as the demo accounts (a session made directly, no password or authenticator step).
Nothing touches the development database. Look at every picture after a run: they are what
the README shows.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screens"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = (375, 1280)
#: A long page is cut at this height (CSS px) so the pictures stay small.
MAX_HEIGHT = 2200

ADVISER = "conseillere@demo.portail.example"
MANAGER = "gestionnaire.sit@demo.portail.example"
ENTERPRISE = "entreprise@demo.portail.example"
#: name: (account, page, what to do once there)
SHOTS = {
    "home": (ADVISER, "home", None),
    "plan-queue": (MANAGER, "programs:queue", None),
    "request-errors": (ENTERPRISE, "enterprises:case_create", "send_empty"),
    "cohort-dashboard": (MANAGER, "cohort_dashboard", None),
}


def _environment(folder: Path) -> dict:
    return {**os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.local",
            "DATABASE_URL": f"sqlite:///{folder / 'screens.sqlite3'}",
            "PRIVATE_MEDIA_ROOT": str(folder / "private"),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING", "DEBUG": "true"}


def _manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args],  # noqa: S603  (our own)
                          cwd=ROOT, env=env, check=True, **kwargs)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (our own server)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(.3)


def _sessions(emails) -> dict:
    """A signed-in session cookie for each demo account (the server shares the database)."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    cookies = {}
    for email in emails:
        client = Client()
        client.force_login(User.objects.get(email=email))
        cookies[email] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies, settings.SESSION_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME


def _send_empty(tab):
    """Send the page's main form with nothing filled in (past the browser's own checks, as a
    browser without them would), and wait for the answer."""
    form = tab.locator("main form[method=post]").last
    form.evaluate("f => { f.noValidate = true; }")
    with tab.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").last.click()


def _photograph(base_url, cookies, cookie_name, language_cookie, out: Path):
    from django.urls import reverse
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        for name, (email, page_name, action) in SHOTS.items():
            for width in WIDTHS:
                context = browser.new_context(base_url=base_url, locale="fr-CA",
                                              viewport={"width": width, "height": 900})
                context.add_cookies([
                    {"name": cookie_name, "value": cookies[email], "url": base_url},
                    {"name": language_cookie, "value": "fr-ca", "url": base_url}])
                tab = context.new_page()
                tab.goto(reverse(page_name), wait_until="networkidle")
                if action == "send_empty":
                    _send_empty(tab)
                tab.wait_for_load_state("networkidle")
                tab.evaluate("document.fonts.ready")
                # The page's top, where focus and the error summary are: no scrolled view.
                tab.evaluate("window.scrollTo(0, 0)")
                height = min(tab.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
                path = out / f"{name}-{width}.png"
                tab.screenshot(path=str(path), full_page=True,
                               clip={"x": 0, "y": 0, "width": width, "height": height})
                written.append(path)
                context.close()
        browser.close()
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the demo database in DIR")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: free)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args(argv)

    folder = args.keep or Path(tempfile.mkdtemp(prefix="portail-screens-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = _environment(folder)
    if not (folder / "screens.sqlite3").exists():
        print("==> Demo database (migrate, reference data, seed_demo)")
        for command in (("migrate", "--noinput", "-v0"), ("load_reference_data", "-v0"),
                        ("seed_demo", "-v0")):
            _manage(env, *command, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    port = args.port or _free_port()
    base_url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603  (our own server)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env={**env, "PORTAL_BASE_URL": base_url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"{base_url}/healthz")
        cookies, *names = _sessions({email for email, *_ in SHOTS.values()})
        for path in _photograph(base_url, cookies, *names, args.out):
            print(f"    {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
