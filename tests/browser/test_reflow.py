"""Reflow (WCAG 1.4.10, SGQRI 008 3.0): on a phone 320 CSS px wide, or a laptop zoomed to 400 %,
no page of the portal scrolls sideways; nor at 1280 px. A wide table either stacks its rows on a
narrow screen or sits in a scroll region of its own, focusable and labelled; the page itself
never does.

Which pages: a walk of each demo account from its home page, on the full demo data (as
tests/test_crawl.py walks them), through the Django test client, keeping the first page met of
each address pattern (digits collapsed: ``/programs/plans/12/`` and ``/programs/plans/31/`` are
one pattern; a list's filters and pages, its query strings, are the same page again). Every page
is then opened in chromium signed in as that account, measured at 320 px, then at 1280 px (the
same page resized, as a person turning a tablet or zooming would). French, the portal's first
language, for every page; English for each account's home page and a sample (every fourth page),
whose longer or shorter words could push a layout the French does not. The three staff roles
share their templates: a pattern measured for one is not measured again for the next (their
home pages excepted). Plus the pages a person sees before signing in. The Django admin (the
framework's own pages) is left to its own tests.

Two more tests: the main menu folds behind a “Menu” button on a phone, and stays open
without JavaScript.
"""

import re
from collections import deque

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from hub.management.commands.seed_demo import ACCOUNTS
from tests.factories.accounts import StaffFactory
from tests.test_crawl import _Links, _normalised

pytestmark = pytest.mark.browser

WIDTHS = (320, 1280)
#: Pages kept per account: enough for every page family the demo accounts reach.
MAX_PAGES = 80
#: Not measured: the framework's own pages, and what is not a page.
LEFT_OUT = ("/admin/", "/accounts/logout/", "/i18n/", "/static/")
#: English is measured on every n-th page of each account (and on its home page).
ENGLISH_EVERY = 4

#: How far the document scrolls sideways, and the outermost elements that stick out past the
#: right edge of the viewport (not those inside a scroll region, which scroll on their own).
MEASURE = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  const scrolls = (el) => {
    const s = getComputedStyle(el);
    return ['auto', 'scroll', 'hidden', 'clip'].includes(s.overflowX);
  };
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right <= limit + 0.5 || box.width === 0) continue;
    let parent = el.parentElement, inside = false, escaped = false;
    for (let p = parent; p && p !== document.body; p = p.parentElement) {
      if (scrolls(p)) { inside = true; break; }
    }
    if (inside) continue;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right > limit + 0.5)
      continue;
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string'
        ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    culprits.push(name + ' (' + Math.round(box.right) + 'px)');
    if (culprits.length >= 4) break;
  }
  return {scroll: root.scrollWidth, client: limit, culprits};
}"""


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def _pages(client: Client) -> list[str]:
    """The pages (whole documents) a walk from the home page reaches, one per address
    pattern, in the order met."""
    queue, seen, pages = deque(["/"]), {"/"}, []
    patterns = {"/"}
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302):
            target = _normalised(response["Location"], url)
            if target and not target.startswith(LEFT_OUT) and _pattern(target) not in patterns:
                patterns.add(_pattern(target))
                queue.appendleft(target)
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if html.lstrip().lower().startswith("<!doctype"):
            pages.append(url)
        parser = _Links()
        parser.feed(html)
        for link in parser.links:
            target = _normalised(link, url)
            if target is None or target.startswith(LEFT_OUT) or target in seen:
                continue
            seen.add(target)
            if _pattern(target) not in patterns:
                patterns.add(_pattern(target))
                queue.append(target)
    return pages


@pytest.fixture
def demo(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    call_command("seed_demo", verbosity=0)


def _session_cookie(user, live_server):
    """The session cookie of ``user`` signed in (made by the test client: the sign-in pages
    have tests of their own)."""
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}


def _signed_in_tab(browser, live_server, user, language):
    """A tab in a context of its own, signed in as ``user`` and speaking ``language``."""
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": WIDTHS[0], "height": 800})
    context.set_default_timeout(15_000)
    cookies = [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                "url": live_server.url}]
    if user is not None:
        cookies.append(_session_cookie(user, live_server))
    context.add_cookies(cookies)
    return context, context.new_page()


def _sideways(tab, url) -> list[str]:
    """What scrolls sideways on ``url``, at each width ([] if nothing)."""
    response = tab.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    problems = []
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 800})
        found = tab.evaluate(MEASURE)
        if found["scroll"] > found["client"]:
            problems.append(f"{url} at {width}px scrolls {found['scroll']}px wide for "
                            f"{found['client']}px: {', '.join(found['culprits'])}")
    return problems


def test_no_page_scrolls_sideways_on_a_phone_or_a_laptop(demo, browser, live_server):
    problems, measured = [], 0
    staff_patterns = set()
    for email, *_rest in ACCOUNTS:
        user = User.objects.get(email=email)
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr-ca"
        pages = _pages(client)
        assert len(pages) > 5, f"{email} reached only {pages}"
        if user.is_ministry_staff:
            # The three staff roles share their pages' templates: a page already measured for
            # one (the administrator, who sees the most rows, comes first) is not measured
            # again for the next, except the home page, which is each role's own.
            pages = [url for url in pages
                     if url == "/" or _pattern(url) not in staff_patterns]
            staff_patterns.update(map(_pattern, pages))
        for language, sample in (("fr-ca", pages), ("en", pages[::ENGLISH_EVERY])):
            context, tab = _signed_in_tab(browser, live_server, user, language)
            for url in sample:
                problems += [f"{email} ({language}): {p}" for p in _sideways(tab, url)]
                measured += 1
            context.close()
    context, tab = _signed_in_tab(browser, live_server, None, "fr-ca")
    for url in (reverse("account_login"), reverse("account_reset_password"),
                reverse("enterprises:register"), reverse("accessibility")):
        problems += [f"(signed out): {p}" for p in _sideways(tab, url)]
    context.close()
    print(f"{measured} pages measured")
    assert problems == [], f"{len(problems)} pages scroll sideways:\n" + "\n".join(problems)


def _scrolls_sideways(tab) -> bool:
    return tab.evaluate("() => document.documentElement.scrollWidth"
                        " > document.documentElement.clientWidth")


def test_on_a_phone_the_main_menu_folds_behind_a_menu_button(page, live_server, assert_accessible):
    administrator = StaffFactory(role="admin")  # the longest menu: 14 links
    page.context.add_cookies([_session_cookie(administrator, live_server)])
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/")
    menu = page.get_by_role("navigation", name="Menu principal")
    button = menu.get_by_role("button", name="Menu")
    network = menu.get_by_role("link", name="Réseau régional")

    # Folded: one button, which says so and names the list it opens.
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(network).to_be_hidden()
    assert menu.locator("ul").get_attribute("id") == button.get_attribute("aria-controls")
    assert not _scrolls_sideways(page)

    # Opened from the keyboard: every link, one a line, within the screen.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(network).to_be_visible()
    assert not _scrolls_sideways(page)
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="Accueil")).to_be_focused()

    # Escape folds it and gives the focus back to the button.
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(network).to_be_hidden()

    # On a laptop, no button: the links are all in view.
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(button).to_be_hidden()
    expect(network).to_be_visible()


def test_without_javascript_the_menu_stays_open_on_a_phone(browser, live_server):
    administrator = StaffFactory(role="admin")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 320, "height": 800})
    context.add_cookies([_session_cookie(administrator, live_server)])
    tab = context.new_page()
    tab.goto("/")
    menu = tab.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("link", name="Réseau régional")).to_be_visible()
    expect(menu.get_by_role("button")).to_have_count(0)
    assert not _scrolls_sideways(tab)
    context.close()
