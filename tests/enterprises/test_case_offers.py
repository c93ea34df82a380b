"""A case's page offers a move only when it would succeed now, and offers every move that would.

For every case status and every role (the enterprise's user, an adviser, a SIT manager, an
administrator): each move form the page shows, submitted with what it asks (its hidden values,
its preselected or first choices, a date it proposes, a text in each required box), makes the
move; and each move the service accepts from that status for that role is on the page. The
enterprise resumes a case waiting on it by replying: its reply box is that offer. Each attempt
is rolled back, so every one starts from the same case.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from enterprises import services
from enterprises.models import Case, CaseStatus, Outcome
from enterprises.workflow import TRANSITIONS
from tests.factories.enterprises import CaseFactory
from tests.factories.partners import PartnerUserFactory

from .test_case_pages import enterprise_of

pytestmark = pytest.mark.django_db

ROLES = ("enterprise", "adviser", "sit_manager", "admin")


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


class Forms(HTMLParser):
    """The page's forms: their action and the fields they would send."""

    def __init__(self):
        super().__init__()
        self.forms, self._select = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": []})
        elif not self.forms:
            return
        elif tag in ("input", "textarea", "select") and attrs.get("name"):
            field = {"tag": tag, **attrs, "options": []}
            self.forms[-1]["fields"].append(field)
            self._select = field if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select["options"].append((attrs.get("value", ""), "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(body):
    parser = Forms()
    parser.feed(body)
    return parser.forms


def filled(form):
    """What a person sends who fills in only what the form asks."""
    data = {}
    for field in form["fields"]:
        name, tag, kind = field["name"], field["tag"], field.get("type", "text")
        if tag == "select":
            chosen = [v for v, selected in field["options"] if selected and v]
            values = [v for v, _selected in field["options"] if v]
            if chosen or "required" in field:
                data[name] = (chosen or values)[0]
        elif tag == "textarea":
            if "required" in field:
                data[name] = "Une raison, une question ou une réponse."
        elif kind in ("checkbox", "radio"):
            if "checked" in field:
                data[name] = field.get("value", "on")
        elif field.get("value") is not None:
            data[name] = field["value"]
    return data


class Rollback(Exception):
    pass


def attempt(call):
    """Run ``call`` in a transaction that is always rolled back; return what it returned."""
    result = None
    try:
        with transaction.atomic():
            result = call()
            raise Rollback
    except Rollback:
        pass
    return result


@pytest.fixture
def people(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    users = world["users"]
    return {"organisation": organisation,
            "enterprise": PartnerUserFactory(organisation=organisation),
            "adviser": users["adviser"], "sit_manager": users["sit_manager"],
            "admin": users["admin"]}


def case_in(status, people):
    extra = {}
    if status != CaseStatus.NEW:
        extra.update(adviser=people["adviser"])
    if status in (CaseStatus.IN_PROGRESS, CaseStatus.WAITING):
        extra.update(first_contact_at=timezone.now())
    if status == CaseStatus.WAITING:
        extra.update(waiting_since=timezone.localdate())
    if status == CaseStatus.CLOSED:
        return CaseFactory(organisation=people["organisation"], closed=True, **extra)
    return CaseFactory(organisation=people["organisation"], status=status, **extra)


def offers(client, case):
    """The moves the case's page offers: target status -> the form that makes it."""
    page = client.get(reverse("enterprises:case_detail", args=[case.pk]))
    assert page.status_code == 200
    prefix = reverse("enterprises:case_transition", args=[case.pk, "x"])[:-2]
    reply_url = reverse("enterprises:note_add", args=[case.pk])
    offered = {}
    for form in forms_of(page.content.decode()):
        if form["action"].startswith(prefix):
            offered[form["action"][len(prefix):].strip("/")] = form
        elif form["action"] == reply_url and case.status == CaseStatus.WAITING and not any(
                f["name"] == "is_internal" for f in form["fields"]):
            offered[CaseStatus.IN_PROGRESS] = form  # the enterprise's reply resumes the case
    return offered


def accepted(actor, case, to, people):
    """Whether the service makes the move for ``actor`` given everything it may need."""
    enterprise = actor.role == "partner"

    def call():
        try:
            services.case_transition(
                actor=actor, case_id=case.pk, to=to, comment="Un commentaire.",
                outcome=Outcome.WITHDRAWN if enterprise else Outcome.RESOLVED,
                adviser=people["adviser"],
                next_follow_up=timezone.localdate() + timedelta(days=7))
        except (services.TransitionRefused, Case.DoesNotExist):
            return False
        return Case.objects.get(pk=case.pk).status == to

    return attempt(call)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", CaseStatus.values)
def test_the_case_page_offers_exactly_the_moves_that_succeed_now(client, people, status, role):
    case = case_in(status, people)
    actor = people[role]
    client.force_login(actor)
    offered = offers(client, case)

    for to, form in offered.items():
        def submit(form=form, to=to):
            response = client.post(form["action"], filled(form))
            assert response.status_code in (200, 204, 302), response.status_code
            return Case.objects.get(pk=case.pk).status

        assert attempt(submit) == to, f"{role} on a {status} case: the offer of {to} failed"
        assert Case.objects.get(pk=case.pk).status == status  # rolled back

    possible = {to for (frm, to) in TRANSITIONS if frm == status
                if accepted(actor, case, to, people)}
    assert possible == set(offered), f"{role} on a {status} case"


def test_every_role_has_something_offered_somewhere(client, people):
    """The table is not empty for the roles that work cases (a guard on the test itself)."""
    for role in ("enterprise", "adviser", "sit_manager"):
        assert any(accepted(people[role], case_in(status, people), to, people)
                   for (frm, to) in TRANSITIONS for status in [frm]), role
