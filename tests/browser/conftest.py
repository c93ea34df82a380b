"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

One chromium for the whole session; each test gets a fresh browser context (no cookies, so
no session and no language choice) whose relative URLs point at the live server.
"""

import hashlib
import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an asyncio event loop in the test thread; Django would otherwise
# refuse the test thread's (synchronous) database calls while that loop exists.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The accessibility standard the portal is held to: WCAG 2.2 level AA (and the levels below).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Violations that fail a test. axe's "minor" and "moderate" findings are left to reviews.
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}")
    if not AXE_SCRIPT.exists():
        pytest.skip(f"browser tests need axe-core at {AXE_SCRIPT} (npm install)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def reference_data(reloaded_network, live_server):
    """Every browser test runs on a live server with the regional network loaded."""


@pytest.fixture
def new_page(browser, live_server):
    """Opens a browser tab on the live server in a context of its own (no cookies: no session,
    no language choice), as a second person on another computer would. The browser asks for
    English first, like many staff workstations: the portal must still answer in French until
    the person switches. Every context opened is closed at the end of the test, which fails
    if any page raised a JavaScript error."""
    contexts, errors = [], []

    def open_page():
        context = browser.new_context(base_url=live_server.url, locale="en-CA")
        contexts.append(context)
        context.set_default_timeout(10_000)
        # axe-core is in every page from the start: cheaper than adding it to each page
        # audited.
        context.add_init_script(path=str(AXE_SCRIPT))
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        return tab

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


@pytest.fixture
def page(new_page):
    """A fresh browser tab on the live server (see ``new_page``)."""
    return new_page()


def _describe(violation):
    nodes = "\n".join(
        f"      - {' '.join(map(str, node['target']))}: "
        f"{node.get('failureSummary', '').strip().replace(chr(10), ' ')}"
        for node in violation["nodes"]
    )
    return (
        f"  [{violation['impact']}] {violation['id']}: {violation['help']}\n"
        f"    {violation['helpUrl']}\n{nodes}"
    )


#: The page's markup with its per-request CSRF tokens blanked: two pages with the same
#: markup (the login page, from one test to the next) get the same audit.
PAGE_MARKUP_JS = """() => {
    const html = document.documentElement.cloneNode(true);
    html.querySelectorAll('input[name=csrfmiddlewaretoken]')
        .forEach(i => i.removeAttribute('value'));
    html.querySelectorAll('[hx-headers]').forEach(e => e.removeAttribute('hx-headers'));
    return html.outerHTML;
}"""


@pytest.fixture(scope="session")
def _pages_audited():
    """Digests of the markup of every page that passed its audit in this session."""
    return set()


@pytest.fixture
def assert_accessible(_pages_audited):
    """Check the page shown against WCAG 2.2 AA with axe-core; fail on any serious or
    critical violation, naming the rule and the elements at fault. A page whose markup is
    identical to one already audited in the session passes without a second axe run."""

    def check(page):
        page.wait_for_load_state("load")
        # Contrast checks only mean something if the portal's stylesheet was served.
        assert page.evaluate(
            "() => [...document.styleSheets].some(s => s.href && s.href.includes('portal.css')"
            " && s.cssRules.length > 0)"
        ), f"the portal's stylesheet did not load on {page.url}"
        digest = hashlib.sha256(page.evaluate(PAGE_MARKUP_JS).encode()).hexdigest()
        if digest in _pages_audited:
            return
        results = page.evaluate(
            "async (tags) => await axe.run(document,"
            " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
        lang = page.locator("html").get_attribute("lang")
        assert not blocking, (
            f"{len(blocking)} serious or critical accessibility violation(s) on {page.url} "
            f"(lang={lang}):\n" + "\n".join(_describe(v) for v in blocking)
        )
        _pages_audited.add(digest)

    return check
