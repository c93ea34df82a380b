"""No Content-Security-Policy violation anywhere on the main journeys, in a real browser.

On the full demo data, the sign-in pages, then several demo accounts (a municipal partner, an
enterprise, a regionalisation organisation, an adviser, the central administrator) sign in
through the login page (and the authenticator-app step for staff) and walk their pages: home
pages, lists and their live (htmx) filters, a plan's page and its steps, a support case, the
cohort dashboard and its chart, the follow-up funnel, the Django admin and its export
page.

Three witnesses, each of which would see a violation: the page's own ``securitypolicyviolation``
events (an init script forwards them to the test), the browser's console errors naming the
Content Security Policy, and the portal's report endpoint (``portal.views.csp_report``), whose
log must stay empty. The last step makes one deliberate violation and waits for its report, so
the endpoint is shown to receive reports from this browser: every earlier report would have
arrived before it.
"""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from enterprises.models import Case
from hub.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from programs.models import ActionPlan
from tests.browser.test_journeys import current_totp_code, wait_for_path

pytestmark = pytest.mark.browser

#: Forwards every violation the page sees to the test, across navigations.
LISTEN = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolation({directive: e.effectiveDirective, blocked: e.blockedURI,
                         page: e.documentURI, source: e.sourceFile, line: e.lineNumber,
                         sample: e.sample});
});
"""


@pytest.fixture
def demo(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def watched(browser, live_server, caplog):
    """A function opening a watched tab (its own browser context); the violations and console
    errors of every tab opened, and the reports the portal logged."""
    seen = {"violations": [], "console": []}
    contexts = []

    def open_tab():
        context = browser.new_context(base_url=live_server.url, locale="fr-CA")
        context.set_default_timeout(15_000)
        context.expose_function("__cspViolation", lambda v: seen["violations"].append(v))
        context.add_init_script(LISTEN)
        contexts.append(context)
        tab = context.new_page()
        tab.on("console", lambda message: message.type == "error"
               and "Content Security Policy" in message.text
               and seen["console"].append(f"{tab.url}: {message.text}"))
        return tab

    with caplog.at_level(logging.WARNING, logger="portal.csp"):
        yield open_tab, seen, caplog
    for context in contexts:
        context.close()


def reports(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "portal.csp"]


def sign_in(tab, email):
    tab.goto(reverse("account_login"))
    form = tab.locator("form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(DEMO_PASSWORD)
    with tab.expect_navigation():
        form.locator("button[type=submit]").click()
    if User.objects.get(email=email).is_ministry_staff:
        wait_for_path(tab, "/accounts/2fa/authenticate/")
        mfa = tab.locator("form[action^='/accounts/2fa/authenticate/']")
        mfa.locator("input[name=code]").fill(current_totp_code(DEMO_TOTP_SECRET))
        with tab.expect_navigation():
            mfa.locator("button[type=submit]:not([form])").click()
    wait_for_path(tab, "/")


def visit(tab, *paths):
    for path in paths:
        response = tab.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response.status}"
        tab.wait_for_load_state("load")


def type_and_wait_for_htmx(tab, field, text):
    """Type into a live filter and wait for the fragment htmx fetches and swaps in."""
    with tab.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        field.fill(text)
    tab.wait_for_load_state("load")


def test_the_main_journeys_of_every_kind_of_user_meet_no_csp_violation(demo, watched):
    open_tab, seen, caplog = watched

    # Before signing in.
    tab = open_tab()
    visit(tab, reverse("account_login"), reverse("account_reset_password"),
          reverse("enterprises:register"))

    # A municipal partner: home, plans, a plan's page and its steps, reports, their
    # organisation; then the language switch.
    tab = open_tab()
    sign_in(tab, "municipalite@demo.portail.example")
    partner = User.objects.get(email="municipalite@demo.portail.example")
    plans = ActionPlan.objects.for_user(partner)
    plan = plans.exclude(status="draft").first()
    draft = plans.filter(status="draft").first()
    visit(tab, reverse("programs:plan_list"), reverse("programs:program_list"),
          reverse("programs:plan_detail", args=[plan.pk]), reverse("programs:report_list"),
          reverse("partners:directory"), reverse("notifications:list"))
    if draft is not None:
        for step in ("general", "measures", "review"):
            tab.goto(reverse("programs:plan_step", args=[draft.pk, step]))
    with tab.expect_navigation():
        tab.get_by_role("button", name="English", exact=True).click()

    # An enterprise: its cases and a case's page.
    tab = open_tab()
    sign_in(tab, "entreprise@demo.portail.example")
    enterprise = User.objects.get(email="entreprise@demo.portail.example")
    visit(tab, reverse("enterprises:case_list"))
    case = Case.objects.for_user(enterprise).first()
    if case is not None:
        visit(tab, reverse("enterprises:case_detail", args=[case.pk]))

    # A regionalisation organisation: the board and its live search.
    tab = open_tab()
    sign_in(tab, "regionalisation@demo.portail.example")
    visit(tab, reverse("regionalisation:board"))
    type_and_wait_for_htmx(tab, tab.locator("input[name=occupation]"), "machin")

    # An adviser: the queue's live filter, a plan's page, cases, the directory's live search,
    # the cohort dashboard (its chart bars are sized by the portal's script), the follow-up.
    tab = open_tab()
    sign_in(tab, "conseillere@demo.portail.example")
    adviser = User.objects.get(email="conseillere@demo.portail.example")
    visit(tab, reverse("programs:queue"))
    type_and_wait_for_htmx(tab, tab.locator("input[name=q]").first, "plan")
    visit(tab, reverse("programs:plan_detail",
                       args=[ActionPlan.objects.for_user(adviser).exclude(status="draft").first().pk]),
          reverse("enterprises:case_list"), reverse("partners:directory"))
    type_and_wait_for_htmx(tab, tab.locator("input[name=q]").first, "trois")
    case = Case.objects.for_user(adviser).first()
    visit(tab, reverse("enterprises:case_detail", args=[case.pk]),
          reverse("enterprises:case_create"))
    type_and_wait_for_htmx(tab, tab.locator("input[name=q]").first, "usinage")
    visit(tab, reverse("cohort_dashboard"), reverse("regionalisation:followup"),
          reverse("regionalisation:activity_list"), reverse("antennes:network"))
    tab.goto(reverse("cohort_dashboard"))
    if tab.locator("[data-bar-width]").count():
        assert tab.evaluate(
            "() => [...document.querySelectorAll('[data-bar-width]')]"
            ".every(b => b.style.width === parseFloat(b.dataset.barWidth) + '%')"), \
            "the portal's script sizes every bar"

    # The central administrator: the audit trail, the cohort import, the Django admin.
    tab = open_tab()
    sign_in(tab, "admin@demo.portail.example")
    visit(tab, reverse("audit:log"), reverse("regions:cohort_import"), reverse("admin:index"),
          reverse("admin:accounts_user_changelist"),
          reverse("admin:accounts_user_change", args=[adviser.pk]),
          reverse("admin:regions_cohortstatistic_changelist"),
          reverse("admin:regions_cohortstatistic_export"))
    toggle = tab.locator("input.select-toggle")
    if toggle.count():  # the export page's “select all”, bound by js/admin_export.js
        toggle.uncheck()
        assert tab.evaluate("() => [...document.querySelectorAll("
                            "'.selectable-field-export-row input[type=checkbox]')]"
                            ".every(box => !box.checked)")

    assert seen["violations"] == []
    assert seen["console"] == []
    assert reports(caplog) == []

    # The control: one deliberate violation, whose report must reach the endpoint.
    tab.evaluate("() => document.querySelector('h1').setAttribute('style', 'color: red')")
    for _attempt in range(100):  # waiting for the browser to send it, not a timing check
        if reports(caplog) and seen["violations"] and seen["console"]:
            break
        tab.wait_for_timeout(100)
    assert len(reports(caplog)) == 1 and "style-src-attr" in reports(caplog)[0]
    assert [v["directive"] for v in seen["violations"]] == ["style-src-attr"]
    assert len(seen["console"]) == 1

