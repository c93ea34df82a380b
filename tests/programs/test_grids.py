"""Review grids (programs/grids.py): the program's criteria, the adviser's grid before
recommending, a second reviewer, the weighted score and disagreements on the plan's page, and
a partner who never sees any of it."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from notifications.models import Notification
from programs import grids, services
from programs.grids import Answer
from programs.models import (
    ActionPlan,
    Characteristic,
    CriterionKind,
    PlanReview,
    Program,
    ReviewAnswer,
    ReviewCriterion,
    Status,
)
from programs.services import TransitionRefused
from programs.workflow import PLAN_WORKFLOW
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.programs import ActionPlanFactory, completed_review, program

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Messages and pages in English (the source language), as written below."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def in_review(world, **kwargs):
    """A complete plan of Trois-Rivières (PAC-2, 10,000 $ asked) in review by its adviser."""
    values = {"organisation": world["orgs"]["tr"], "status": Status.IN_REVIEW, "measures": 1,
              "adviser": world["users"]["adviser"]}
    return ActionPlanFactory(**{**values, **kwargs})


def active_criteria(plan):
    return list(plan.call.program.review_criteria.filter(is_active=True))


def all_answered(plan, score=3):
    return {c.pk: (Answer(meets=True) if c.kind == CriterionKind.ELIGIBILITY
                   else Answer(score=score)) for c in active_criteria(plan)}


def messages_of(exc) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------------------------
# The program's criteria
# --------------------------------------------------------------------------------------------


def test_every_loaded_program_has_the_five_characteristics_as_scored_criteria():
    for prog in Program.objects.all():
        criteria = list(prog.review_criteria.order_by("position"))
        assert [(c.kind, c.scale_max, c.weight, c.is_active) for c in criteria] == [
            (CriterionKind.SCORED, 5, Decimal("1.00"), True)] * 5, prog.code
        with translation.override("en"):
            english = [str(label) for label in Characteristic.labels]
        with translation.override(settings.LANGUAGE_CODE):
            french = [str(label) for label in Characteristic.labels]
        assert [c.label_en for c in criteria] == english
        assert [c.label_fr for c in criteria] == french
        assert french != english  # the French labels are the translations, not the source


def test_loading_the_programs_again_keeps_the_criteria_administrators_edited():
    pac2 = program("pac-2")
    first = pac2.review_criteria.order_by("position").first()
    first.weight, first.label_fr = Decimal("3.00"), "Accès équitable (pondéré)"
    first.save()
    bare = Program.objects.create(code="essai", name_fr="Essai", name_en="Trial",
                                  eligible_kinds=["non_profit"], axes=["attraction"],
                                  max_amount=1000)

    assert services.programs_load() == 0  # no new program...
    first.refresh_from_db()
    assert (first.weight, first.label_fr) == (Decimal("3.00"), "Accès équitable (pondéré)")
    assert pac2.review_criteria.count() == 5
    assert bare.review_criteria.count() == 5  # ...but the one without criteria got them
    assert services.programs_load() == 0 and bare.review_criteria.count() == 5


def _program_post(page, code, criteria=()):
    """The add form's data: the program, its criteria, and an empty management form for any
    other inline the page has."""
    data = {prefix + suffix: value
            for prefix in re.findall(r'name="([\w-]+-)TOTAL_FORMS"', page)
            for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                                  ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "1000"))}
    data |= {"code": code, "name_fr": "Programme d’essai", "name_en": "Trial program",
            "description_fr": "", "description_en": "", "eligible_kinds": ["non_profit"],
            "axes": ["attraction"], "max_amount": "50000", "is_active": "on",
            "review_criteria-TOTAL_FORMS": str(len(criteria)),
            "review_criteria-INITIAL_FORMS": "0", "review_criteria-MIN_NUM_FORMS": "0",
            "review_criteria-MAX_NUM_FORMS": "1000"}
    for i, criterion in enumerate(criteria):
        data.update({f"review_criteria-{i}-{key}": value for key, value in criterion.items()})
    return data


def test_an_administrator_edits_the_criteria_and_a_new_program_without_any_gets_the_defaults(
        client, world):
    client.force_login(world["users"]["admin"])
    add = reverse("admin:programs_program_add")
    page = client.get(add).content.decode()
    assert 'name="review_criteria-TOTAL_FORMS"' in page

    response = client.post(add, _program_post(page, "sans-grille"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Program.objects.get(code="sans-grille").review_criteria.count() == 5

    own = {"kind": "eligibility", "label_fr": "L’organisme est constitué au Québec",
           "label_en": "The organisation is incorporated in Quebec", "guidance_fr": "",
           "guidance_en": "", "scale_max": "5", "weight": "1", "position": "1",
           "is_active": "on"}
    response = client.post(add, _program_post(page, "avec-grille", [own]))
    assert response.status_code == 302
    assert [(c.kind, c.label_en) for c in Program.objects.get(
        code="avec-grille").review_criteria.all()] == [
        ("eligibility", "The organisation is incorporated in Quebec")]

    client.force_login(world["users"]["adviser"])
    assert client.get(add).status_code in (302, 403)


# --------------------------------------------------------------------------------------------
# The weighted score, by hand, for two reviewers
# --------------------------------------------------------------------------------------------


def _custom_grid(plan):
    """Replace the program's grid by: one eligibility check and four scored criteria with
    different scales and weights."""
    prog = plan.call.program
    prog.review_criteria.update(is_active=False)
    make = lambda **kw: ReviewCriterion.objects.create(  # noqa: E731
        program=prog, label_fr=kw["label"], label_en=kw["label"],
        **{k: v for k, v in kw.items() if k != "label"})
    return {
        "E": make(label="Eligible organisation", kind="eligibility", position=1),
        "A": make(label="Needs analysis", scale_max=5, weight=Decimal("2"), position=2),
        "B": make(label="Partnerships", scale_max=10, weight=Decimal("1"), position=3),
        "C": make(label="Budget", scale_max=4, weight=Decimal("1"), position=4),
        "D": make(label="Indicators", scale_max=5, weight=Decimal("1"), position=5),
    }


def test_the_weighted_score_and_the_disagreements_of_two_reviewers_match_hand_computation(
        client, world):
    u = world["users"]
    plan = in_review(world)
    c = _custom_grid(plan)
    adviser_answers = {c["E"].pk: Answer(meets=True), c["A"].pk: Answer(score=4),
                       c["B"].pk: Answer(score=7), c["C"].pk: Answer(score=3),
                       c["D"].pk: Answer(score=3)}
    manager_answers = {c["E"].pk: Answer(meets=False, note="Statuts non fournis"),
                       c["A"].pk: Answer(score=2), c["B"].pk: Answer(score=9),
                       c["C"].pk: Answer(score=3), c["D"].pk: Answer(score=4)}

    mine = grids.review_start(actor=u["adviser"], plan_id=plan.pk)
    grids.review_submit(actor=u["adviser"], review_id=mine.pk, answers=adviser_answers)
    asked = grids.review_request(actor=u["adviser"], plan_id=plan.pk, reviewer=u["sit_manager"])
    grids.review_submit(actor=u["sit_manager"], review_id=asked.pk, answers=manager_answers)

    # Σ weight = 2 + 1 + 1 + 1 = 5 (the eligibility check has no score).
    # Adviser: (2×4/5 + 1×7/10 + 1×3/4 + 1×3/5) / 5 × 100 = (1.6 + 0.7 + 0.75 + 0.6) / 5 × 100
    #          = 3.65 / 5 × 100 = 73.0
    # Manager: (2×2/5 + 1×9/10 + 1×3/4 + 1×4/5) / 5 × 100 = (0.8 + 0.9 + 0.75 + 0.8) / 5 × 100
    #          = 3.25 / 5 × 100 = 65.0
    # The plan: (73.0 + 65.0) / 2 = 69.0
    summary = grids.plan_grids(u["sit_manager"], ActionPlan.objects.get(pk=plan.pk))
    assert [g.score for g in summary.grids] == [Decimal("73.0"), Decimal("65.0")]
    assert summary.average == Decimal("69.0")
    # Eligibility: the manager found the check not met; the grid is flagged.
    assert [[x.pk for x in g.not_met] for g in summary.grids] == [[], [c["E"].pk]]
    assert summary.flagged
    # Disagreements: E (met / not met), A (4 / 2: two points), B (7 / 9: two points);
    # not C (3 / 3) nor D (3 / 4: one point).
    assert [d.criterion.pk for d in summary.disagreements] == [c["E"].pk, c["A"].pk, c["B"].pk]

    client.force_login(u["adviser"])
    html = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    section = html[html.index('id="grids"'):]
    for shown in ("73.0 / 100", "65.0 / 100", "69.0 / 100", "An eligibility check is not met",
                  "Not met:", "(Σ weight × score ÷ highest score) ÷ Σ weight × 100"):
        assert shown in section, shown
    disagreements = section[section.index('id="disagreements-title"'):]
    disagreements = disagreements[:disagreements.index("</table>")]
    assert [label for label in ("Eligible organisation", "Needs analysis", "Partnerships",
                                "Budget", "Indicators") if label in disagreements] == [
        "Eligible organisation", "Needs analysis", "Partnerships"]


def test_the_weighted_score_is_rounded_half_up_to_one_decimal():
    quarter = ReviewCriterion(scale_max=4, weight=Decimal("1"))
    eighth = ReviewCriterion(scale_max=8, weight=Decimal("1"))
    fifth = ReviewCriterion(scale_max=5, weight=Decimal("1.5"))
    # (1×1/4 + 1×1/8) / 2 × 100 = 0.375 / 2 × 100 = 18.75 -> 18.8
    assert grids.weighted_score([(quarter, 1), (eighth, 1)]) == Decimal("18.8")
    # (1×3/4 + 1.5×4/5) / 2.5 × 100 = (0.75 + 1.2) / 2.5 × 100 = 78.0
    assert grids.weighted_score([(quarter, 3), (fifth, 4)]) == Decimal("78.0")
    assert grids.weighted_score([]) is None


# --------------------------------------------------------------------------------------------
# Filling and completing a grid
# --------------------------------------------------------------------------------------------


def test_a_grid_is_completed_only_with_every_active_criterion_answered(world):
    adviser = world["users"]["adviser"]
    plan = in_review(world)
    criteria = active_criteria(plan)
    review = grids.review_start(actor=adviser, plan_id=plan.pk)
    assert grids.review_start(actor=adviser, plan_id=plan.pk) == review  # one grid each

    grids.review_save(actor=adviser, review_id=review.pk,
                      answers={criteria[0].pk: Answer(score=4, note="Solide")},
                      comment="Premier regard")
    with pytest.raises(ValidationError) as exc:
        grids.review_submit(actor=adviser, review_id=review.pk,
                            answers={criteria[1].pk: Answer(score=2)})
    said = messages_of(exc.value)
    for missing in criteria[2:]:
        assert f"“{missing.label}” is not answered." in said
    assert criteria[0].label not in said and criteria[1].label not in said
    review.refresh_from_db()
    assert review.submitted_at is None
    assert list(review.answers.values_list("criterion_id", "score", "note")) == [
        (criteria[0].pk, 4, "Solide")]  # the refused submission saved nothing

    grids.review_submit(actor=adviser, review_id=review.pk,
                        answers={c.pk: Answer(score=5) for c in criteria[1:]})
    review.refresh_from_db()
    assert review.submitted_at is not None and review.comment == ""
    assert review.answers.count() == 5
    assert review.answers.get(criterion=criteria[0]).score == 4  # kept from the draft


@pytest.mark.parametrize("answer,says", [
    (Answer(score=6), "The score goes from 1 to 5."),
    (Answer(score=0), "The score goes from 1 to 5."),
    (Answer(meets=True), "Give a score."),
])
def test_a_score_outside_the_scale_is_refused(world, answer, says):
    adviser = world["users"]["adviser"]
    plan = in_review(world)
    review = grids.review_start(actor=adviser, plan_id=plan.pk)
    with pytest.raises(ValidationError) as exc:
        grids.review_save(actor=adviser, review_id=review.pk,
                          answers={active_criteria(plan)[0].pk: answer})
    assert says in messages_of(exc.value)
    assert not ReviewAnswer.objects.filter(review=review).exists()


def test_only_the_plan_s_adviser_opens_a_grid_and_only_its_reviewer_fills_it(world):
    u = world["users"]
    plan = in_review(world)
    for outsider in (u["sit_manager"], u["admin"]):
        with pytest.raises(PermissionDenied):
            grids.review_start(actor=outsider, plan_id=plan.pk)
    for out_of_scope in (u["partner"], u["adviser_gatineau"], u["partner_gatineau"]):
        with pytest.raises(ActionPlan.DoesNotExist):
            grids.review_start(actor=out_of_scope, plan_id=plan.pk)
    review = grids.review_start(actor=u["adviser"], plan_id=plan.pk)
    with pytest.raises(PermissionDenied):
        grids.review_save(actor=u["sit_manager"], review_id=review.pk, answers={})
    with pytest.raises(PlanReview.DoesNotExist):
        grids.review_save(actor=u["partner"], review_id=review.pk, answers={})


def test_grids_are_frozen_once_the_plan_is_decided(world):
    adviser = world["users"]["adviser"]
    plan = in_review(world)
    review = grids.review_start(actor=adviser, plan_id=plan.pk)
    ActionPlan.objects.filter(pk=plan.pk).update(status=Status.APPROVED,
                                                 approved_amount=Decimal("5000"))
    with pytest.raises(ValidationError) as exc:
        grids.review_submit(actor=adviser, review_id=review.pk, answers=all_answered(plan))
    assert "can no longer be changed" in messages_of(exc.value)


# --------------------------------------------------------------------------------------------
# Recommending needs the adviser's completed grid
# --------------------------------------------------------------------------------------------


def _recommend(world, plan):
    return services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                                    to=Status.RECOMMENDED, amount="8000")


def test_recommending_without_a_grid_is_refused_naming_what_is_missing(world):
    adviser = world["users"]["adviser"]
    plan = in_review(world)
    name = adviser.get_full_name() or adviser.email

    with pytest.raises(TransitionRefused) as exc:
        _recommend(world, plan)
    assert f"The review grid of {name} is not filled in" in messages_of(exc.value)

    review = grids.review_start(actor=adviser, plan_id=plan.pk)
    criteria = active_criteria(plan)
    grids.review_save(actor=adviser, review_id=review.pk,
                      answers={criteria[0].pk: Answer(score=4)})
    with pytest.raises(TransitionRefused) as exc:
        _recommend(world, plan)
    said = exc.value.messages
    assert f"The review grid of {name} is not completed." in said
    assert [f"Review grid: “{c.label}” is not answered." for c in criteria[1:]] == said[1:]
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.IN_REVIEW
    assert not plan.events.exists()

    # The page shows the move blocked, what is missing and where to do it.
    option = next(o for o in PLAN_WORKFLOW.moves_for(adviser, ActionPlan.objects.get(pk=plan.pk))
                  if o.to == Status.RECOMMENDED)
    assert not option.allowed_now
    assert option.missing == said
    assert option.next_step[1] == reverse("programs:plan_grid", args=[plan.pk])

    grids.review_submit(actor=adviser, review_id=review.pk,
                        answers={c.pk: Answer(score=3) for c in criteria[1:]})
    assert _recommend(world, plan).status == Status.RECOMMENDED


def test_a_second_reviewer_s_grid_does_not_replace_the_adviser_s(world):
    u = world["users"]
    plan = in_review(world)
    completed_review(plan, u["sit_manager"], requested_by=u["adviser"])
    with pytest.raises(TransitionRefused):
        _recommend(world, plan)
    # Not recommending needs no grid: its comment says why.
    services.plan_transition(actor=u["adviser"], plan_id=plan.pk, to=Status.NOT_RECOMMENDED,
                             comment="Hors du champ du programme.")
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.NOT_RECOMMENDED


def test_the_plan_page_links_the_blocked_recommendation_to_the_grid(client, world):
    plan = in_review(world)
    client.force_login(world["users"]["adviser"])
    html = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    grid_url = reverse("programs:plan_grid", args=[plan.pk])
    assert "/transition/recommended/" not in html
    actions = html[html.index('id="actions"'):html.index('id="grids"')]
    assert "Recommend" in actions and f'href="{grid_url}"' in actions

    form = client.get(grid_url)
    assert form.status_code == 200
    criteria = active_criteria(plan)
    data = {f"criterion_{c.pk}": "4" for c in criteria}
    data.update({"comment": "Plan solide.", "submit": ""})
    response = client.post(grid_url, data)
    assert response.status_code == 302
    assert PlanReview.objects.get(plan=plan).submitted_at is not None
    html = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    assert "/transition/recommended/" in html
    assert "80.0 / 100" in html  # 4 of 5 on every criterion of weight 1


def test_the_grid_form_names_each_unanswered_criterion(client, world):
    plan = in_review(world)
    client.force_login(world["users"]["adviser"])
    criteria = active_criteria(plan)
    response = client.post(reverse("programs:plan_grid", args=[plan.pk]),
                           {f"criterion_{criteria[0].pk}": "2", "submit": ""})
    assert response.status_code == 200  # the grid again, each error at its criterion
    html = response.content.decode()
    for criterion in criteria[1:]:
        assert f"“{criterion.label}” is not answered." in html
    # The draft button keeps what was given.
    response = client.post(reverse("programs:plan_grid", args=[plan.pk]),
                           {f"criterion_{criteria[0].pk}": "2", "save": ""})
    assert response.status_code == 302
    review = PlanReview.objects.get(plan=plan)
    assert (review.submitted_at, review.answers.get().score) == (None, 2)


# --------------------------------------------------------------------------------------------
# Asking a second reviewer
# --------------------------------------------------------------------------------------------


def test_the_adviser_asks_the_sit_manager_who_is_notified_and_fills_the_grid(
        client, world, django_capture_on_commit_callbacks):
    u = world["users"]
    plan = in_review(world)
    client.force_login(u["adviser"])
    page = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    assert f'<option value="{u["sit_manager"].pk}">' in page
    assert f'<option value="{u["adviser_gatineau"].pk}">' not in page  # another territory

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("programs:review_request", args=[plan.pk]),
                               {"reviewer": u["sit_manager"].pk})
    assert response.status_code == 302
    review = PlanReview.objects.get(plan=plan, reviewer=u["sit_manager"])
    assert review.requested_by == u["adviser"]
    notice = Notification.objects.get(recipient=u["sit_manager"], kind="plan_review_requested")
    assert notice.url == reverse("programs:plan_grid", args=[plan.pk])
    assert not Notification.objects.filter(kind="plan_review_requested").exclude(
        recipient=u["sit_manager"]).exists()

    client.force_login(u["sit_manager"])
    assert client.get(reverse("programs:plan_grid", args=[plan.pk])).status_code == 200


def test_a_second_reviewer_must_serve_the_plan(world):
    u = world["users"]
    plan = in_review(world)
    colleague = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    for wrong, says in ((u["adviser_gatineau"], "cannot review this plan"),
                        (u["partner"], "cannot review this plan"),
                        (u["adviser"], "Ask someone else")):
        with pytest.raises(ValidationError) as exc:
            grids.review_request(actor=u["adviser"], plan_id=plan.pk, reviewer=wrong)
        assert says in messages_of(exc.value)
    grids.review_request(actor=u["adviser"], plan_id=plan.pk, reviewer=colleague)
    with pytest.raises(ValidationError) as exc:
        grids.review_request(actor=u["sit_manager"], plan_id=plan.pk, reviewer=colleague)
    assert "already has a grid" in messages_of(exc.value)
    # Another adviser of the office, not the plan's, may not ask; nor may a partner.
    with pytest.raises(PermissionDenied):
        grids.review_request(actor=colleague, plan_id=plan.pk, reviewer=u["sit_manager"])
    with pytest.raises(ActionPlan.DoesNotExist):
        grids.review_request(actor=u["partner"], plan_id=plan.pk, reviewer=u["sit_manager"])
    assert set(PlanReview.objects.filter(plan=plan).values_list("reviewer_id", flat=True)) == {
        colleague.pk}


def test_staff_not_asked_read_the_grids_but_do_not_fill_one(client, world):
    u = world["users"]
    plan = in_review(world)
    review = completed_review(plan)
    for role in ("sit_manager", "admin"):
        client.force_login(u[role])
        assert client.get(reverse("programs:plan_grid", args=[plan.pk])).status_code == 403
        assert client.get(reverse("programs:review_detail",
                                  args=[plan.pk, review.pk])).status_code == 200


# --------------------------------------------------------------------------------------------
# A partner never sees a grid
# --------------------------------------------------------------------------------------------

SECRET_NOTE = "Note confidentielle de la grille 7Q"
SECRET_COMMENT = "Commentaire confidentiel de la grille 7Q"


def test_a_partner_never_sees_a_grid_page_email_or_notification(
        client, world, django_capture_on_commit_callbacks):
    u = world["users"]
    plan = in_review(world)
    criteria = active_criteria(plan)
    with django_capture_on_commit_callbacks(execute=True):
        review = grids.review_start(actor=u["adviser"], plan_id=plan.pk)
        grids.review_submit(actor=u["adviser"], review_id=review.pk, comment=SECRET_COMMENT,
                            answers={c.pk: Answer(score=2, note=SECRET_NOTE) for c in criteria})
        asked = grids.review_request(actor=u["adviser"], plan_id=plan.pk,
                                     reviewer=u["sit_manager"])
        services.plan_transition(actor=u["adviser"], plan_id=plan.pk, to=Status.RECOMMENDED,
                                 amount="9000")
        services.plan_transition(actor=u["sit_manager"], plan_id=plan.pk, to=Status.APPROVED,
                                 amount="9000")

    assert not PlanReview.objects.for_user(u["partner"]).exists()
    client.force_login(u["partner"])
    html = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()
    assert client.get(reverse("programs:plan_detail", args=[plan.pk])).status_code == 200
    for hidden in (SECRET_NOTE, SECRET_COMMENT, 'id="grids"', "Weighted score", "40.0"):
        assert hidden not in html, hidden
    for url in (reverse("programs:plan_grid", args=[plan.pk]),
                reverse("programs:review_detail", args=[plan.pk, review.pk]),
                reverse("programs:review_detail", args=[plan.pk, asked.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code in (404, 405)
    assert client.post(reverse("programs:review_request", args=[plan.pk]),
                       {"reviewer": u["sit_manager"].pk}).status_code == 404

    partner_notices = Notification.objects.filter(recipient=u["partner"])
    assert partner_notices.exists()  # the decision reached the partner...
    assert not partner_notices.filter(kind="plan_review_requested").exists()
    texts = [str(n.params) for n in partner_notices]
    texts += [m.body + str(getattr(m, "alternatives", "")) for m in mail.outbox
              if u["partner"].email in m.to]
    from programs.models import DecisionLetter
    texts += [letter.text for letter in DecisionLetter.objects.filter(plan=plan)]
    for text in texts:  # ...but no notice, email or decision letter holds the grid
        assert SECRET_NOTE not in text and SECRET_COMMENT not in text
        assert not re.search(r"\b40[.,]0\b", text)


# --------------------------------------------------------------------------------------------
# The plan page's queries
# --------------------------------------------------------------------------------------------


def _plan_with_grids(world, count):
    plan = in_review(world)
    completed_review(plan, score=4)
    for _ in range(count - 1):
        colleague = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
        completed_review(plan, colleague, score=2, requested_by=world["users"]["adviser"])
    return plan


@pytest.mark.parametrize("role", ["adviser", "sit_manager", "admin"])
def test_the_plan_page_runs_the_same_queries_with_one_or_five_grids(
        client, world, django_assert_num_queries, role):
    one, five = _plan_with_grids(world, 1), _plan_with_grids(world, 5)
    client.force_login(world["users"][role])
    client.get(reverse("programs:plan_detail", args=[one.pk]))  # warm up

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("programs:plan_detail", args=[one.pk])).status_code == 200
    with django_assert_num_queries(len(queries)):
        response = client.get(reverse("programs:plan_detail", args=[five.pk]))

    section = response.content.decode().split('id="grids"')[1]
    assert len(re.findall(rf"/{five.pk}/grilles/\d+/", section)) == 5
