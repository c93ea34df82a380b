"""No refused offer: on the pages of plans, reports and opportunities, a move is a live button
only when it would succeed now, and every move the service would accept now is offered.

The whole demo (``seed_demo``: objects in every status) is walked as every demo account that
can see each object. Each live button is submitted through the page, with what its form asks,
inside a savepoint rolled back afterwards; each status the service is asked for (with a
comment and the amount the form suggests) is tried the same way. The case page has its own
walk (tests/enterprises/test_case_offers.py)."""

import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from hub.management.commands.seed_demo import ACCOUNTS
from programs import services as programs_services
from programs.models import ActionPlan, Report, ReportStatus, Status
from regionalisation import services as regionalisation_services
from regionalisation.models import Opportunity, OpportunityStatus

pytestmark = pytest.mark.django_db

COMMENT = "Vu avec l’organisme le 3 décembre."


class _RolledBack(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a savepoint and undo everything it wrote."""
    try:
        with transaction.atomic():
            yield
            raise _RolledBack
    except _RolledBack:
        pass


@pytest.fixture
def demo_accounts(settings, tmp_path, client):
    """The demo, seeded once for the test, and its sign-in accounts."""
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    call_command("seed_demo", verbosity=0)
    accounts = list(User.objects.filter(email__in=[row[0] for row in ACCOUNTS])
                    .order_by("email"))
    assert len(accounts) == len(ACCOUNTS)
    return accounts


def _refused(service, **arguments) -> bool:
    """Whether ``service(**arguments)`` is refused (run in a rolled-back savepoint)."""
    refused = False
    with rolled_back():
        try:
            service(**arguments)
        except (ValidationError, PermissionDenied, ObjectDoesNotExist):
            refused = True
    return refused


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def _plan_offers(html):
    """The statuses the plan page offers as a button, with each form's amount."""
    offers = {}
    for match in re.finditer(r'<form method="post" action="[^"]*/transition/([a-z_]+)/"'
                             r'(.*?)</form>', html, re.S):
        amount = re.search(r'name="amount" value="([^"]*)"', match.group(2))
        offers[match.group(1)] = amount.group(1) if amount else None
    return offers


def _suggested_amount(plan, to):
    """The amount the page suggests (views/review.py): the recommendation for a decision,
    else what the plan asks."""
    if to == Status.APPROVED and plan.recommended_amount is not None:
        return plan.recommended_amount
    return plan.requested_total


def test_a_plan_page_offers_exactly_the_moves_that_succeed(client, demo_accounts):
    walked = offered_count = 0
    for plan in ActionPlan.objects.order_by("pk"):
        for user in demo_accounts:
            if not ActionPlan.objects.for_user(user).filter(pk=plan.pk).exists():
                continue
            walked += 1
            client.force_login(user)
            url = reverse("programs:plan_detail", args=[plan.pk])
            page = client.get(url)
            assert page.status_code == 200
            offers = _plan_offers(page.content.decode())
            offered_count += len(offers)

            for to, amount in offers.items():  # every live button succeeds
                with rolled_back():
                    data = {"comment": COMMENT}
                    if amount is not None:
                        data["amount"] = amount
                    response = client.post(
                        reverse("programs:plan_transition", args=[plan.pk, to]), data)
                    assert response.status_code == 302
                    moved = ActionPlan.objects.get(pk=plan.pk)
                    assert moved.status == to, (user.email, plan.status, to)

            for to in Status.values:  # every move the service accepts is offered
                if to == plan.status:
                    continue
                accepted = not _refused(
                    programs_services.plan_transition, actor=user, plan_id=plan.pk, to=to,
                    comment=COMMENT, amount=_suggested_amount(plan, to))
                assert accepted == (to in offers), (user.email, plan.status, to)
    assert walked and offered_count


def test_a_blocked_plan_move_says_what_to_do_and_where_instead_of_a_button(
        client, demo_accounts):
    """“Start the follow-up” waits for the report schedule (which starts it); “Close the
    plan » waits for the final report's acceptance (which closes it)."""
    manager = next(u for u in demo_accounts if u.email.startswith("gestionnaire"))
    plans = ActionPlan.objects.for_user(manager)
    approved = plans.filter(status=Status.APPROVED, reports__isnull=True).first()
    in_progress = plans.filter(status=Status.IN_PROGRESS).first()
    assert approved is not None and in_progress is not None
    client.force_login(manager)

    html = client.get(reverse("programs:plan_detail", args=[approved.pk])).content.decode()
    panel = html[html.index('id="actions"'):html.index("</section>", html.index('id="actions"'))]
    assert "in_progress" not in _plan_offers(html)
    assert "Start the follow-up" in panel and "not possible yet" in panel
    assert "Schedule the final report before starting the follow-up." in panel
    assert reverse("programs:report_schedule", args=[approved.pk]) in panel

    html = client.get(reverse("programs:plan_detail", args=[in_progress.pk])).content.decode()
    panel = html[html.index('id="actions"'):html.index("</section>", html.index('id="actions"'))]
    assert "closed" not in _plan_offers(html)
    assert "The plan closes when its final report is accepted." in panel
    final = in_progress.reports.get(kind="final")
    assert reverse("programs:report_detail", args=[in_progress.pk, final.pk]) in panel


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


def _report_offers(html):
    return set(re.findall(r'action="[^"]*/rapports/\d+/transition/([a-z_]+)/"', html))


def _filled_report_form(form):
    """What the partner's report form asks, every field given."""
    data = {"submit": "1"}
    for name, field in form.fields.items():
        data[name] = "Fait comme prévu." if field.__class__.__name__ == "CharField" else "1"
    return data


def _complete_and_submit(user, report):
    """The service calls the report form makes when it is submitted with every field given."""
    report = Report.objects.select_related("plan").get(pk=report.pk)
    measures = list(report.plan.measures.prefetch_related("indicators"))
    programs_services.report_save(
        actor=user, report=report, narrative="Fait comme prévu.",
        measures={m.pk: {"amount_spent": Decimal("1"), "narrative": "Fait."} for m in measures},
        indicators={i.pk: Decimal("1") for m in measures for i in m.indicators.all()})
    programs_services.report_transition(actor=user, report_id=report.pk,
                                        to=ReportStatus.SUBMITTED)


def test_a_report_page_offers_exactly_the_moves_that_succeed(client, demo_accounts):
    walked = offered_count = 0
    for report in Report.objects.select_related("plan").order_by("pk"):
        for user in demo_accounts:
            if not Report.objects.for_user(user).filter(pk=report.pk).exists():
                continue
            walked += 1
            client.force_login(user)
            url = reverse("programs:report_detail", args=[report.plan_id, report.pk])
            page = client.get(url)
            assert page.status_code == 200
            html = page.content.decode()
            offers = _report_offers(html)
            form = page.context["form"]
            if form is not None and 'name="submit"' in html:
                offers.add(ReportStatus.SUBMITTED)  # “Save and submit”, with the form
            offered_count += len(offers)

            for to in offers:
                with rolled_back():
                    if to == ReportStatus.SUBMITTED:
                        response = client.post(url, _filled_report_form(form))
                    else:
                        response = client.post(
                            reverse("programs:report_transition",
                                    args=[report.plan_id, report.pk, to]),
                            {"comment": COMMENT})
                    assert response.status_code == 302
                    assert Report.objects.get(pk=report.pk).status == to, (
                        user.email, report.status, to)

            for to in ReportStatus.values:
                if to == report.status:
                    continue
                if to == ReportStatus.SUBMITTED:
                    accepted = not _refused(_complete_and_submit, user=user, report=report)
                else:
                    accepted = not _refused(
                        programs_services.report_transition, actor=user,
                        report_id=report.pk, to=to, comment=COMMENT)
                assert accepted == (to in offers), (user.email, report.status, to)
    assert walked and offered_count


# --------------------------------------------------------------------------------------------
# Opportunities
# --------------------------------------------------------------------------------------------


def _opportunity_offers(html):
    return set(re.findall(r'<input type="hidden" name="to" value="([a-z_]+)">', html))


def test_an_opportunity_page_offers_exactly_the_moves_that_succeed(client, demo_accounts):
    walked = offered_count = 0
    for opportunity in Opportunity.objects.order_by("pk"):
        for user in demo_accounts:
            if not Opportunity.objects.for_user(user).filter(pk=opportunity.pk).exists():
                continue
            walked += 1
            client.force_login(user)
            page = client.get(reverse("regionalisation:opportunity_detail",
                                      args=[opportunity.pk]))
            assert page.status_code == 200
            offers = _opportunity_offers(page.content.decode())
            offered_count += len(offers)

            for to in offers:
                with rolled_back():
                    response = client.post(
                        reverse("regionalisation:opportunity_move", args=[opportunity.pk]),
                        {"to": to, "comment": COMMENT})
                    assert response.status_code == 302
                    assert Opportunity.objects.get(pk=opportunity.pk).status == to, (
                        user.email, opportunity.status, to)

            for to in OpportunityStatus.values:
                if to == opportunity.status:
                    continue
                accepted = not _refused(
                    regionalisation_services.opportunity_transition, actor=user,
                    opportunity_id=opportunity.pk, to=to, comment=COMMENT)
                assert accepted == (to in offers), (user.email, opportunity.status, to)
    assert walked and offered_count
