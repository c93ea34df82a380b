"""Checklists: administrators define the known steps of a kind of help on a topic; a case gets
them once when its kinds and topics are set (opened, or classified by an adviser: an emailed
request arrives with no topic); advisers tick them; closing as “resolved” with required steps
unticked asks for a reason; enterprises never see any of it."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from enterprises import checklists, services
from enterprises.models import (
    Case,
    CaseChecklistItem,
    CaseStatus,
    ChecklistStep,
    ChecklistTemplate,
    Outcome,
)
from regions.models import Municipality
from tests.factories.enterprises import CaseFactory
from tests.factories.partners import PartnerUserFactory

from .test_case_offers import attempt, filled, offers
from .test_case_pages import enterprise_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and service messages in English (the source language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    translation.activate("en")


@pytest.fixture
def shop(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    return organisation, PartnerUserFactory(organisation=organisation)


def position():
    return {"count": 2, "job_title": "Soudeur", "noc_code": "72106",
            "municipality": Municipality.objects.get(code="37067"), "french_level": "basic"}


def recruit_case(user, organisation, topics=("recruitment",)):
    return services.case_create(
        actor=user, organisation=organisation, subject="Recruter deux soudeurs",
        help_kinds=["accompaniment"], topics=list(topics), description="Deux soudeurs.",
        positions=[position()])


def emailed_case(organisation, **extra):
    """A request received by email: “information”, no topic yet."""
    return CaseFactory(organisation=organisation, help_kinds=["information"], topics=[],
                       channel="email", **extra)


def labels(case):
    return list(CaseChecklistItem.objects.filter(case=case).values_list("label_en", flat=True))


# --------------------------------------------------------------------------------------------
# The reference checklists and attaching them
# --------------------------------------------------------------------------------------------


def test_the_reference_data_holds_the_accompaniment_checklists_in_both_languages():
    templates = {(t.help_kind, t.topic): t for t in ChecklistTemplate.objects.all()}
    assert {("accompaniment", "recruitment"), ("accompaniment", "reception"),
            ("accompaniment", "integration")} <= set(templates)
    recruit = list(templates["accompaniment", "recruitment"].steps.all())
    assert [s.label_en for s in recruit] == [
        "Workforce needs analysed with the enterprise",
        "Positions described (title, NOC code, working conditions)",
        "Emploi-Québec (Services Québec) contacted",
        "Candidates presented to the enterprise",
        "Integration plan shared with the enterprise"]
    assert all(s.label_fr and s.required for s in recruit)
    assert checklists.checklist_templates_load() == 0  # loaded once


def test_a_request_for_accompaniment_gets_the_steps_of_each_of_its_topics_once(shop):
    organisation, user = shop
    case = recruit_case(user, organisation, topics=["recruitment", "integration"])

    items = list(CaseChecklistItem.objects.filter(case=case))
    assert len(items) == 10
    assert [i.position for i in items] == list(range(1, 11))
    assert items[0].label_en == "Workforce needs analysed with the enterprise"
    assert checklists.checklist_attach(case) == 0  # attached once
    assert CaseChecklistItem.objects.filter(case=case).count() == 10


def test_information_and_inactive_checklists_give_no_steps(shop):
    organisation, user = shop
    case = services.case_create(actor=user, organisation=organisation, subject="Question",
                                help_kinds=["information"], topics=["retention"],
                                description="Une question.")
    assert labels(case) == []
    ChecklistTemplate.objects.filter(topic="recruitment").update(is_active=False)
    assert labels(recruit_case(user, organisation)) == []


def test_a_step_changed_later_does_not_rewrite_the_cases_copy(shop):
    organisation, user = shop
    case = recruit_case(user, organisation)
    step = ChecklistStep.objects.filter(template__topic="recruitment").first()
    step.label_en = "Something else"
    step.save()
    assert labels(case)[0] == "Workforce needs analysed with the enterprise"


# --------------------------------------------------------------------------------------------
# Classifying a case
# --------------------------------------------------------------------------------------------


def test_classifying_an_emailed_request_adds_steps_keeps_ticked_ones_drops_unticked(
        world, shop):
    organisation, _user = shop
    adviser = world["users"]["adviser"]
    case = emailed_case(organisation)
    assert labels(case) == []

    checklists.case_classify(actor=adviser, case=case, help_kinds=["accompaniment"],
                             topics=["recruitment"])
    assert len(labels(case)) == 5
    first = CaseChecklistItem.objects.filter(case=case).first()
    checklists.checklist_item_set(actor=adviser, item_id=first.pk, done=True)

    checklists.case_classify(actor=adviser, case=case, help_kinds=["accompaniment"],
                             topics=["integration"])
    case.refresh_from_db()
    assert case.topics == ["integration"] and case.help_kinds == ["accompaniment"]
    items = list(CaseChecklistItem.objects.filter(case=case))
    assert items[0].pk == first.pk and items[0].done_at  # ticked: kept
    assert len(items) == 6  # the 4 unticked recruitment steps went, 5 integration steps came
    assert [i.position for i in items] == sorted(i.position for i in items)

    checklists.case_classify(actor=adviser, case=case, help_kinds=["accompaniment"],
                             topics=["integration", "recruitment"])
    assert len(labels(case)) == 10  # back, no duplicate of the ticked step


@pytest.mark.parametrize("kinds, topics, message", [
    ([], ["recruitment"], "Choose at least one."),
    (["accompaniment"], [], "Choose at least one."),
    (["advice"], ["recruitment"], "Unknown choice."),
    (["accompaniment"], ["travel"], "Unknown choice."),
])
def test_classifying_refuses_bad_input_and_changes_nothing(world, shop, kinds, topics, message):
    case = emailed_case(shop[0])
    with pytest.raises(ValidationError, match=message):
        checklists.case_classify(actor=world["users"]["adviser"], case=case, help_kinds=kinds,
                                 topics=topics)
    case.refresh_from_db()
    assert case.topics == [] and labels(case) == []


def test_who_may_classify(world, shop):
    organisation, enterprise_user = shop
    case = emailed_case(organisation)
    args = {"case": case, "help_kinds": ["accompaniment"], "topics": ["reception"]}
    for actor in (enterprise_user, world["users"]["admin"]):
        with pytest.raises(PermissionDenied):
            checklists.case_classify(actor=actor, **args)
    with pytest.raises(Case.DoesNotExist):  # out of territory
        checklists.case_classify(actor=world["users"]["adviser_gatineau"], **args)
    closed = emailed_case(organisation, closed=True)
    with pytest.raises(ValidationError, match="reopen it"):
        checklists.case_classify(actor=world["users"]["adviser"], **{**args, "case": closed})
    checklists.case_classify(actor=world["users"]["sit_manager"], **args)
    assert len(labels(case)) == 5


def test_the_classify_form_on_the_case_page(client, world, shop):
    case = emailed_case(shop[0])
    client.force_login(world["users"]["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[case.pk]))
    assert b"This request has no topic yet" in page.content
    assert b'action="%s"' % reverse("enterprises:case_classify", args=[case.pk]).encode() \
        in page.content

    empty = client.post(reverse("enterprises:case_classify", args=[case.pk]), follow=True)
    assert b"Choose at least one kind of help." in empty.content
    wrong = client.post(reverse("enterprises:case_classify", args=[case.pk]),
                        {"help_kinds": ["accompaniment"], "topics": ["travel"]}, follow=True)
    assert b"not one of the available choices" in wrong.content
    assert labels(case) == []

    done = client.post(reverse("enterprises:case_classify", args=[case.pk]),
                       {"help_kinds": ["accompaniment"], "topics": ["reception"]}, follow=True)
    assert b"Steps added to the checklist: 5." in done.content
    assert b"Arrival date and people to welcome confirmed" in done.content

    client.force_login(world["users"]["adviser_gatineau"])
    assert client.post(reverse("enterprises:case_classify", args=[case.pk]),
                       {"help_kinds": ["information"], "topics": ["reception"]}
                       ).status_code == 404


# --------------------------------------------------------------------------------------------
# Ticking steps, and who sees the checklist
# --------------------------------------------------------------------------------------------


def test_advisers_tick_and_untick_steps_in_their_territory(client, world, shop):
    organisation, user = shop
    case = recruit_case(user, organisation)
    item = CaseChecklistItem.objects.filter(case=case).first()
    url = reverse("enterprises:checklist_item_set", args=[case.pk, item.pk])
    adviser = world["users"]["adviser"]
    client.force_login(adviser)

    response = client.post(url, {"done": "1"}, follow=True)
    item.refresh_from_db()
    assert item.done_at and item.done_by == adviser
    assert "“Workforce needs analysed with the enterprise” is ticked." in \
        response.content.decode()
    assert "1 of 5 steps done." in response.content.decode()

    client.post(url, {"done": "0"})
    item.refresh_from_db()
    assert item.done_at is None and item.done_by is None

    client.force_login(world["users"]["adviser_gatineau"])
    assert client.post(url, {"done": "1"}).status_code == 404
    client.force_login(user)  # the enterprise's own user
    assert client.post(url, {"done": "1"}).status_code == 403
    client.force_login(world["users"]["admin"])  # reads cases, does not work them
    assert client.post(url, {"done": "1"}).status_code == 403
    item.refresh_from_db()
    assert item.done_at is None


def test_a_closed_case_keeps_its_checklist_as_it_was(world, shop):
    organisation, user = shop
    case = recruit_case(user, organisation)
    item = CaseChecklistItem.objects.filter(case=case).first()
    Case.objects.filter(pk=case.pk).update(status="closed", outcome="withdrawn",
                                           closed_at=timezone.now(), next_follow_up=None)
    with pytest.raises(ValidationError, match="reopen it"):
        checklists.checklist_item_set(actor=world["users"]["adviser"], item_id=item.pk,
                                      done=True)
    with pytest.raises(CaseChecklistItem.DoesNotExist):
        checklists.checklist_item_set(actor=world["users"]["adviser_gatineau"],
                                      item_id=item.pk, done=True)


def test_enterprise_users_never_see_the_checklist(client, world, shop):
    organisation, user = shop
    case = recruit_case(user, organisation)
    assert not CaseChecklistItem.objects.for_user(user).exists()
    client.force_login(user)
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert 'id="checklist"' not in page
    assert "Workforce needs analysed" not in page
    assert "required step" not in page


def test_staff_see_the_checklist_in_their_language(client, world, shop):
    organisation, user = shop
    case = recruit_case(user, organisation)
    client.force_login(world["users"]["admin"])
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert "Workforce needs analysed with the enterprise" in page
    assert "Tick as done" not in page  # administrators read it only
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr-ca"
    client.force_login(world["users"]["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert "Besoins de main-d’œuvre analysés avec l’entreprise" in page


# --------------------------------------------------------------------------------------------
# Closing as “resolved”
# --------------------------------------------------------------------------------------------


def _in_progress(world, user, organisation):
    case = recruit_case(user, organisation)
    adviser = world["users"]["adviser"]
    services.cases_assign(actor=adviser, case_ids=[case.pk], adviser=adviser)
    return adviser, case


def test_resolving_with_required_steps_unticked_asks_for_a_reason(world, shop):
    organisation, user = shop
    adviser, case = _in_progress(world, user, organisation)
    first = CaseChecklistItem.objects.filter(case=case).first()
    checklists.checklist_item_set(actor=adviser, item_id=first.pk, done=True)

    with pytest.raises(services.TransitionRefused) as refused:
        services.case_transition(actor=adviser, case_id=case.pk, to=CaseStatus.CLOSED,
                                 outcome=Outcome.RESOLVED)
    assert refused.value.code == "checklist_reason_required"
    assert refused.value.messages == ["4 required steps of the checklist are not ticked: say in "
                                      "the comment why the case is resolved anyway."]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ASSIGNED

    # another outcome needs no reason; a reason lets it close as resolved
    assert attempt(lambda: services.case_transition(
        actor=adviser, case_id=case.pk, to=CaseStatus.CLOSED,
        outcome=Outcome.NO_RESPONSE).status) == CaseStatus.CLOSED
    services.case_transition(actor=adviser, case_id=case.pk, to=CaseStatus.CLOSED,
                             outcome=Outcome.RESOLVED,
                             comment="The enterprise hired through its own network.")
    assert Case.objects.get(pk=case.pk).outcome == Outcome.RESOLVED


def test_resolving_with_every_required_step_ticked_needs_no_reason(world, shop):
    organisation, user = shop
    adviser, case = _in_progress(world, user, organisation)
    items = CaseChecklistItem.objects.filter(case=case)
    items.filter(position=5).update(required=False)  # an optional step stays unticked
    for item in items.filter(required=True):
        checklists.checklist_item_set(actor=adviser, item_id=item.pk, done=True)
    services.case_transition(actor=adviser, case_id=case.pk, to=CaseStatus.CLOSED,
                             outcome=Outcome.RESOLVED)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED


def test_the_close_form_says_so_and_requires_the_comment(client, world, shop):
    organisation, user = shop
    adviser, case = _in_progress(world, user, organisation)
    client.force_login(adviser)
    page = client.get(reverse("enterprises:case_detail", args=[case.pk])).content.decode()
    assert ("5 required steps of the checklist are not ticked: say why you close the case "
            "anyway") in page
    assert '<textarea id="comment-closed" name="comment" rows="2" required' in page

    refused = client.post(reverse("enterprises:case_transition", args=[case.pk, "closed"]),
                          {"outcome": "resolved", "comment": " "}, follow=True)
    assert "5 required steps of the checklist are not ticked" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).is_open


@pytest.mark.parametrize("role", ["enterprise", "adviser", "sit_manager", "admin"])
@pytest.mark.parametrize("status", [CaseStatus.NEW, CaseStatus.ASSIGNED,
                                    CaseStatus.IN_PROGRESS, CaseStatus.WAITING])
def test_every_close_offered_on_a_case_with_unticked_steps_succeeds(client, world, shop,
                                                                    role, status):
    """Like tests/enterprises/test_case_offers.py, on a case whose checklist is not done: the
    close form asks for the comment the guard needs, so what it offers succeeds."""
    organisation, enterprise_user = shop
    case = CaseFactory(organisation=organisation, status=status, help_kinds=["accompaniment"],
                       topics=["recruitment"],
                       adviser=None if status == CaseStatus.NEW else world["users"]["adviser"],
                       first_contact_at=timezone.now(),
                       waiting_since=timezone.localdate()
                       if status == CaseStatus.WAITING else None)
    checklists.checklist_attach(case)
    actor = {"enterprise": enterprise_user}.get(role) or world["users"][role]
    client.force_login(actor)
    offered = offers(client, case)
    assert (CaseStatus.CLOSED in offered) == (role != "admin")
    for to, form in offered.items():
        def submit(form=form, to=to):
            client.post(form["action"], filled(form))
            return Case.objects.get(pk=case.pk).status

        assert attempt(submit) == to, (role, status, to)


# --------------------------------------------------------------------------------------------
# Administrators' pages
# --------------------------------------------------------------------------------------------


def steps_data(rows, initial=0):
    data = {"steps-TOTAL_FORMS": str(len(rows)), "steps-INITIAL_FORMS": str(initial),
            "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "30"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"steps-{i}-{key}"] = value
    return data


@pytest.mark.parametrize("role", ["adviser", "sit_manager", "partner"])
def test_only_central_administrators_manage_checklists(client, world, role):
    template = ChecklistTemplate.objects.first()
    client.force_login(world["users"][role])
    assert client.get(reverse("enterprises:checklist_templates")).status_code == 403
    assert client.get(reverse("enterprises:checklist_template_create")).status_code == 403
    assert client.get(reverse("enterprises:checklist_template_update",
                              args=[template.pk])).status_code == 403
    assert client.post(reverse("enterprises:checklist_template_set_active",
                               args=[template.pk]), {"active": "0"}).status_code == 403
    with pytest.raises(PermissionDenied):
        checklists.checklist_template_save(actor=world["users"][role], help_kind="referral",
                                           topic="retention",
                                           steps=[{"label_fr": "a", "label_en": "b"}])
    assert ChecklistTemplate.objects.get(pk=template.pk).is_active


def test_an_administrator_creates_edits_and_retires_a_checklist(client, world, shop):
    client.force_login(world["users"]["admin"])
    listing = client.get(reverse("enterprises:checklist_templates"))
    assert "Accompaniment — Recruit" in listing.content.decode()

    response = client.post(reverse("enterprises:checklist_template_create"), {
        "help_kind": "referral", "topic": "retention",
        **steps_data([{"label_fr": "Besoin cerné", "label_en": "Need identified",
                       "required": "on", "position": "2"},
                      {"label_fr": "Organisme joint", "label_en": "Organisation reached",
                       "position": "1"},
                      {"label_fr": "", "label_en": ""}])})
    assert response.status_code == 302
    template = ChecklistTemplate.objects.get(help_kind="referral", topic="retention")
    steps = list(template.steps.all())
    assert [(s.label_en, s.required, s.position) for s in steps] == [
        ("Organisation reached", False, 1), ("Need identified", True, 2)]

    edit = client.get(reverse("enterprises:checklist_template_update", args=[template.pk]))
    assert "Organisation reached" in edit.content.decode()
    client.post(reverse("enterprises:checklist_template_update", args=[template.pk]), {
        "help_kind": "referral", "topic": "retention",
        **steps_data([{"id": str(steps[0].pk), "label_fr": "Organisme joint",
                       "label_en": "Organisation reached", "position": "1", "DELETE": "on"},
                      {"id": str(steps[1].pk), "label_fr": "Besoin cerné",
                       "label_en": "Need identified (updated)", "required": "on",
                       "position": "1"},
                      {"label_fr": "Suivi fait", "label_en": "Follow-up done"}], initial=2)})
    assert [(s.pk, s.label_en) for s in template.steps.all()] == [
        (steps[1].pk, "Need identified (updated)"),
        (template.steps.last().pk, "Follow-up done")]

    organisation, user = shop
    referral = services.case_create(actor=user, organisation=organisation, subject="Garder",
                                    help_kinds=["referral"], topics=["retention"],
                                    description="Garder nos employés.")
    assert labels(referral) == ["Need identified (updated)", "Follow-up done"]
    client.post(reverse("enterprises:checklist_template_set_active", args=[template.pk]),
                {"active": "0"})
    assert not ChecklistTemplate.objects.get(pk=template.pk).is_active
    again = services.case_create(actor=user, organisation=organisation, subject="Garder",
                                 help_kinds=["referral"], topics=["retention"],
                                 description="Garder nos employés.")
    assert labels(again) == []
    assert len(labels(referral)) == 2  # cases keep their steps


@pytest.mark.parametrize("data, error", [
    ({}, "Choose the help kind."),
    ({"help_kind": "referral", "topic": "retention"}, "A checklist has at least one step."),
    ({"help_kind": "referral", "topic": "retention",
      **steps_data([{"label_fr": "Seulement en français"}])},
     "Give the step in French and in English."),
    ({"help_kind": "accompaniment", "topic": "recruitment",
      **steps_data([{"label_fr": "a", "label_en": "b"}])},
     "This help kind and topic already have a checklist."),
    ({"help_kind": "advice", "topic": "retention",
      **steps_data([{"label_fr": "a", "label_en": "b"}])}, "Select a valid choice."),
])
def test_a_checklist_with_bad_input_is_refused_and_nothing_is_saved(client, world, data,
                                                                   error):
    client.force_login(world["users"]["admin"])
    before = (ChecklistTemplate.objects.count(), ChecklistStep.objects.count())
    if "steps-TOTAL_FORMS" not in data:
        data = {**data, **steps_data([])}
    response = client.post(reverse("enterprises:checklist_template_create"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert (ChecklistTemplate.objects.count(), ChecklistStep.objects.count()) == before
