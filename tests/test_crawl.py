"""No dead ends: every demo account, in French and in English, walks the portal from its home
page by every link, htmx fragment and GET form the pages offer (bounded), on the full demo data, and
meets no missing page, no server error and no link to a page it may not open.

What counts as a dead end: a 404 or 405 (a link to nothing, or a link to a form's action), a 403
(a link the account may not follow), a 500, or a redirect to the sign-in page. Downloads
(exports, documents) are fetched but not read; the Django admin is the framework's own and is
only opened, not walked; signing out and the language switch are not followed.

Every response met also carries the Content-Security-Policy (``_csp_problems``)."""

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from hub.management.commands.seed_demo import ACCOUNTS

pytestmark = pytest.mark.django_db

#: Pages walked per account and language, and query-string variants per path: enough to reach
#: every page family (lists, their filters and pages, each kind of object and its sub-pages)
#: while keeping the walk to a few minutes.
MAX_PAGES = 400
MAX_VARIANTS = 3
#: Opened but not walked (not the portal's own pages).
LEAVES = ("/admin/",)
#: Never followed: they change the session, not the page.
SKIPPED = ("/accounts/logout/", "/i18n/", "/static/")


class _Links(HTMLParser):
    """The links of a page and the GET forms it offers, with their default values."""

    def __init__(self):
        super().__init__()
        self.links = []
        self.forms = []
        self._form = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("hx-get") and tag != "form":
            self.links.append(attrs["hx-get"])  # an htmx fragment the page loads
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action") or "", "fields": []} \
                if method == "get" else None
        elif self._form is not None and tag in ("input", "button") and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "image", "file"):
                return
            self._form["fields"].append((attrs["name"], attrs.get("value") or ""))
        elif self._form is not None and tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "first": None, "chosen": None}
        elif self._select is not None and tag == "option":
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs and self._select["chosen"] is None:
                self._select["chosen"] = value

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["chosen"]
            value = chosen if chosen is not None else (self._select["first"] or "")
            self._form["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def _normalised(url: str, base: str) -> str | None:
    """The site-relative address of ``url`` (found on ``base``), or None when it leaves the
    portal or is not a page."""
    url = urljoin(base, url.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(SKIPPED):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path + (f"?{query}" if query else "")


#: Markup the Content-Security-Policy would block: an inline style attribute or block, an event
#: handler attribute, a javascript: address, a <script> element without the page's nonce.
_BLOCKED_MARKUP = re.compile(r"""<style|\sstyle\s*=|\son[a-z]+\s*=\s*["']|javascript:""", re.I)
_SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


def _csp_problems(url: str, response) -> list[str]:
    """What is wrong with the Content-Security-Policy of ``response``: every response carries
    one, without 'unsafe-inline' or 'unsafe-eval'; every portal page (not the framework's
    admin) gives its scripts the policy's nonce and holds nothing the policy would block."""
    policy = response.get("Content-Security-Policy", "")
    if not policy:
        return [f"{url} has no Content-Security-Policy header"]
    problems = [f"{url}: the policy allows {word}" for word in ("'unsafe-inline'", "'unsafe-eval'")
                if word in policy]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))
    if "frame-ancestors" not in directives or "report-uri" not in directives:
        problems.append(f"{url}: the policy lacks frame-ancestors or report-uri: {policy}")
    html = response.content.decode() if "text/html" in response.get("Content-Type", "") \
        and not response.streaming else ""
    if url.startswith(LEAVES) or not html.lower().startswith("<!doctype"):
        return problems
    nonce = re.search(r"'nonce-([^']+)'", directives.get("script-src", ""))
    if nonce is None:
        return [*problems, f"{url}: its script-src has no nonce: {policy}"]
    problems += [f"{url}: a script without the nonce: {tag}" for tag in _SCRIPT_TAG.findall(html)
                 if f'nonce="{nonce.group(1)}"' not in tag]
    problems += [f"{url}: markup the policy blocks: {match.group(0)!r}"
                 for match in _BLOCKED_MARKUP.finditer(html)]
    return problems


def _crawl(client: Client) -> tuple[list[str], int]:
    """Walk from the home page; return the dead ends found (each with the page linking to it)
    and how many pages were opened."""
    queue = deque([("/", "(start)")])
    seen = {"/"}
    variants = Counter()
    problems = []
    opened = 0
    while queue and opened < MAX_PAGES:
        url, found_on = queue.popleft()
        response = client.get(url)
        opened += 1
        problems += _csp_problems(url, response)
        status = response.status_code
        if status in (301, 302):
            target = _normalised(response["Location"], url)
            if target is None:
                continue
            if target.startswith(settings.LOGIN_URL):
                problems.append(f"{url} (linked from {found_on}) sends to the sign-in page")
            elif target not in seen:
                seen.add(target)
                queue.appendleft((target, url))
            continue
        if status != 200:
            problems.append(f"{url} (linked from {found_on}) answers {status}")
            continue
        if url.startswith(LEAVES) or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        candidates = list(parser.links)
        for form in parser.forms:
            action = form["action"] or url.split("?")[0]
            candidates.append(f"{action.split('?')[0]}?{urlencode(form['fields'])}")
        for candidate in candidates:
            target = _normalised(candidate, url)
            if target is None or target in seen:
                continue
            path = target.split("?")[0]
            if "?" in target and variants[path] >= MAX_VARIANTS:
                continue
            seen.add(target)
            variants[path] += "?" in target
            queue.append((target, url))
    return problems, opened


def test_every_demo_account_walks_the_portal_in_both_languages_without_a_dead_end(
        settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    call_command("seed_demo", verbosity=0)
    problems = []
    for email, *_rest in ACCOUNTS:
        user = User.objects.get(email=email)
        for language in ("fr", "en"):
            client = Client()
            client.force_login(user)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            found, opened = _crawl(client)
            assert opened > 10, f"{email} ({language}) reached only {opened} pages"
            problems += [f"{email} ({language}): {problem}" for problem in found]
    assert problems == []
