"""The Django admin, as the central administrator uses it, has no serious or critical axe-core
result (WCAG 2.2 AA), in French, in the light and the dark colour scheme.

The administrator signs in through the portal (password, then the authenticator app) and opens
the admin's home, an application's page, every registered model's list (with rows, so that
filters, actions and pagination show: the municipalities fill several pages), every add form
the administrator may use, the change form of a row of each model, a row's history, the
password change page and a user's password form; then adds an inline row (the admin builds its
fields in the page) and searches and filters a list. Django's dark theme follows the system's
preference, so a sample of these pages (one of each kind) is audited again in the dark scheme.

The corrections these pages need live in ``templates/admin/`` and ``static/css/admin.css``,
``static/js/admin_a11y.js``: each names the failure it fixes.
"""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import BLOCKING_IMPACTS, WCAG_TAGS, _describe
from tests.browser.test_journeys import current_totp_code, wait_for_path
from tests.factories.accounts import TEST_PASSWORD
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import ContactFactory
from tests.factories.programs import ActionPlanFactory, CallFactory, ReportFactory
from tests.factories.regionalisation import ActivityFactory, OpportunityReferralFactory

pytestmark = pytest.mark.browser

#: The pages audited again in the dark scheme: the home, a list with filters, actions and
#: pages, a form with inlines and autocomplete fields, a form with “filter_horizontal” lists,
#: the password change.
DARK_SAMPLE = (
    "admin:index",
    "admin:regions_municipality_changelist",
    "admin:antennes_office_add",
    "admin:auth_group_add",
    "admin:password_change",
)


def _url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def admin_pages(user):
    """Every admin page the central administrator reaches from the admin's home."""
    request = RequestFactory().get("/admin/")
    request.user = user
    # The applications' pages share one template: one of them stands for all.
    pages = [reverse("admin:index"), reverse("admin:app_list", args=["regions"]),
             reverse("admin:password_change"),
             reverse("admin:auth_user_password_change", args=[user.pk]),
             reverse("admin:accounts_user_history", args=[user.pk])]
    for model, model_admin in admin.site._registry.items():
        pages.append(_url(model, "changelist"))
        if model_admin.has_add_permission(request):
            pages.append(_url(model, "add"))
        row = model_admin.get_queryset(request).order_by("pk").first()
        if row is not None and model_admin.has_view_or_change_permission(request, row):
            pages.append(_url(model, "change", row.pk))
    return pages


@pytest.fixture
def admin_rows(world):
    """A few rows in each domain's models (the regional network is already loaded)."""
    CallFactory()
    for _ in range(2):
        CaseFactory()
        EnterpriseFactory()
        ReportFactory(plan=ActionPlanFactory())
        ContactFactory()
        OpportunityReferralFactory()
        ActivityFactory()
    return world


def sign_in(tab, user):
    tab.goto(reverse("account_login"))
    form = tab.locator("form[action^='/accounts/login/']")
    form.locator("input[name=login]").fill(user.email)
    form.locator("input[name=password]").fill(TEST_PASSWORD)
    with tab.expect_navigation():
        form.locator("button[type=submit]").click()
    wait_for_path(tab, "/accounts/2fa/authenticate/")
    mfa = tab.locator("form[action^='/accounts/2fa/authenticate/']")
    mfa.locator("input[name=code]").fill(current_totp_code(user.totp_secret))
    with tab.expect_navigation():
        mfa.locator("button[type=submit]:not([form])").click()
    wait_for_path(tab, "/")


def audit(tab, scheme):
    """The serious and critical axe results on the page shown, described ("" if none)."""
    tab.wait_for_load_state("load")
    assert tab.evaluate(
        "() => [...document.styleSheets].some(s => s.href && s.href.includes('css/admin.css')"
        " && s.cssRules.length > 0)"), f"the portal's admin.css did not load on {tab.url}"
    assert tab.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches") == (
        scheme == "dark")
    results = tab.evaluate(
        "async (tags) => await axe.run(document,"
        " {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if not blocking:
        return ""
    return f"{tab.url} ({scheme}):\n" + "\n".join(_describe(v) for v in blocking)


def test_the_django_admin_has_no_serious_accessibility_violation_in_either_colour_scheme(
    page, admin_rows
):
    user = admin_rows["users"]["admin"]
    page.emulate_media(color_scheme="light")
    sign_in(page, user)
    problems = []

    pages = admin_pages(user)
    for path in pages:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        problems.append(audit(page, "light"))
    # The admin speaks the portal's language (French first).
    page.goto(reverse("admin:index"))
    expect(page.locator("html")).to_have_attribute("lang", "fr-ca")
    expect(page.locator("#user-tools")).to_contain_text("Déconnexion")

    # What the admin builds in the page as the administrator works: a new inline row (its
    # autocomplete fields), a searched list with a filter selected.
    page.goto(reverse("admin:antennes_office_add"))
    page.locator("#territories-group .add-row a").click()
    expect(page.locator("#territories-1 .select2-selection").first).to_be_visible()
    problems.append(audit(page, "light"))
    page.goto(reverse("admin:regions_municipality_changelist"))
    # The lists audited show what an administrator works with: filters, actions, pages.
    expect(page.locator("#changelist-filter details")).to_have_count(2)
    expect(page.locator("select[name=action]")).to_be_visible()
    expect(page.locator(".paginator a").first).to_be_visible()
    page.locator("#searchbar").fill("saint")
    with page.expect_navigation():
        page.locator("#searchbar").press("Enter")
    with page.expect_navigation():
        page.locator("#changelist-filter a[href*='region__id__exact']").first.click()
    assert "region__id__exact" in page.url
    problems.append(audit(page, "light"))

    # Each page is loaded in the dark scheme: switching a page already shown would audit its
    # links halfway through the admin's colour transition.
    page.emulate_media(color_scheme="dark")
    for name in DARK_SAMPLE:
        page.goto(reverse(name))
        problems.append(audit(page, "dark"))

    problems = [p for p in problems if p]
    assert not problems, (
        f"{len(problems)} admin page(s) with serious or critical results:\n" + "\n".join(problems))
