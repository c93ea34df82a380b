"""Merging two cases of one enterprise (enterprises/merging.py, views/merge.py): nothing is
lost, the history of both cases shows the merge, and it is refused across enterprises,
outside the territory, to enterprise users and administrators, and on bad input."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from enterprises import merging, services
from enterprises.models import (
    Case,
    CaseAttachment,
    CaseChecklistItem,
    CaseEvent,
    CaseNote,
    CaseStatus,
    ChecklistStep,
    ChecklistTemplate,
    EventKind,
    Intervention,
    Outcome,
    Position,
    Referral,
)
from notifications.models import Notification
from regions.models import Municipality
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory
from tests.factories.partners import PartnerUserFactory

from .test_case_offers import filled, forms_of
from .test_case_pages import enterprise_of

pytestmark = pytest.mark.django_db

#: Every kind of row a case holds, as the merge must carry them.
CONTENT = {
    "notes": CaseNote, "events": CaseEvent, "referrals": Referral, "documents": CaseAttachment,
    "positions": Position, "interventions": Intervention, "checklist": CaseChecklistItem,
}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def people(world):
    organisation = enterprise_of("trois-rivieres", "Usinage Laviolette inc.")
    users = world["users"]
    return {"organisation": organisation,
            "other_organisation": enterprise_of("trois-rivieres", "Boulangerie Saint-Maurice"),
            "enterprise": PartnerUserFactory(organisation=organisation),
            "adviser": users["adviser"], "sit_manager": users["sit_manager"],
            "admin": users["admin"], "adviser_gatineau": users["adviser_gatineau"]}


def steps(*labels):
    template, _created = ChecklistTemplate.objects.get_or_create(help_kind="information",
                                                                  topic="attraction")
    return [ChecklistStep.objects.create(template=template, label_fr=label, label_en=label,
                                         position=n) for n, label in enumerate(labels)]


def fill(case, adviser, *, notes=1, referrals=1, documents=1, positions=1, interventions=1,
         checklist=(), events=1):
    """Give ``case`` some of every kind of row; ``checklist``: (step or None, done) pairs."""
    municipality = Municipality.objects.get(code="37067")
    for n in range(notes):
        CaseNote.objects.create(case=case, author=adviser, body=f"Note {case.pk}-{n}",
                                is_internal=n % 2 == 0)
    for n in range(referrals):
        Referral.objects.create(case=case, target="emploi_quebec", created_by=adviser,
                                note=f"Aiguillage {case.pk}-{n}")
    for n in range(documents):
        document = CaseAttachment(case=case, original_name=f"piece-{case.pk}-{n}.pdf",
                                  content_type="application/pdf", size=9, sha256="0" * 64,
                                  uploaded_by=adviser)
        document.file.save("a.pdf", SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"), save=False)
        document.save()
    for n in range(positions):
        Position.objects.create(case=case, count=n + 1, job_title=f"Soudeur {case.pk}-{n}",
                                municipality=municipality, french_level="basic")
    for n in range(interventions):
        Intervention.objects.create(case=case, kind="phone", help_kind="information",
                                    day=timezone.localdate(), duration_minutes=15 + n,
                                    adviser=adviser, summary=f"Appel {case.pk}-{n}")
    for step, done in checklist:
        CaseChecklistItem.objects.create(
            case=case, step=step, label_fr=step.label_fr if step else "Étape libre",
            label_en=step.label_en if step else "Free step",
            done_at=timezone.now() if done else None, done_by=adviser if done else None)
    for _n in range(events):
        CaseEvent.objects.create(case=case, from_status="", to_status=CaseStatus.NEW,
                                 actor=adviser, created_at=case.opened_at)


def counts(case):
    return {name: model.objects.filter(case=case).count() for name, model in CONTENT.items()}


def labels(case, model, field):
    return sorted(model.objects.filter(case=case).values_list(field, flat=True))


def two_cases(people, **kept_fields):
    organisation = people["organisation"]
    kept = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS,
                       adviser=people["adviser"], help_kinds=["accompaniment"],
                       topics=["recruitment"], subject="Recruter trois soudeurs",
                       **kept_fields)
    merged = CaseFactory(organisation=organisation, help_kinds=["accompaniment", "referral"],
                         topics=["recruitment", "retention"],
                         subject="Recruter des soudeurs (2e envoi)")
    return kept, merged


def snapshot():
    """Everything a refused merge must leave as it was."""
    return (list(Case.objects.order_by("pk").values()),
            {name: sorted(model.objects.values_list("pk", "case_id"))
             for name, model in CONTENT.items()})


# --------------------------------------------------------------------------------------------
# Nothing lost
# --------------------------------------------------------------------------------------------


def test_merging_moves_every_row_to_the_kept_case_and_loses_nothing(people):
    adviser = people["adviser"]
    a, b, c = steps("Analyser le besoin", "Valider les postes", "Relancer l’employeur")
    kept, merged = two_cases(people)
    fill(kept, adviser, notes=2, referrals=1, documents=1, positions=1, interventions=1,
         checklist=[(a, False), (b, True)], events=2)
    fill(merged, adviser, notes=3, referrals=2, documents=2, positions=2, interventions=3,
         checklist=[(a, True), (c, False), (None, True)], events=1)
    before = {"kept": counts(kept), "merged": counts(merged)}
    merged_texts = {name: labels(merged, model, field) for name, model, field in (
        ("notes", CaseNote, "body"), ("referrals", Referral, "note"),
        ("documents", CaseAttachment, "original_name"), ("positions", Position, "job_title"),
        ("interventions", Intervention, "summary"))}

    merging.case_merge(actor=adviser, kept_id=kept.pk, merged_id=merged.pk,
                       comment="Même demande, reçue deux fois.")

    after = {"kept": counts(kept), "merged": counts(merged)}
    for name in ("notes", "referrals", "documents", "positions", "interventions"):
        assert after["kept"][name] == before["kept"][name] + before["merged"][name], name
        assert after["merged"][name] == 0, name
    # The history moves too, and each case gets its row of the merge.
    assert after["kept"]["events"] == before["kept"]["events"] + before["merged"]["events"] + 1
    assert after["merged"]["events"] == 1
    # Checklist: step A both had is kept once (ticked: the merged case had ticked it); C and
    # the free step move; nothing stays on the merged case.
    assert (before["kept"]["checklist"], before["merged"]["checklist"]) == (2, 3)
    assert after["kept"]["checklist"] == 4 and after["merged"]["checklist"] == 0
    kept_a = CaseChecklistItem.objects.get(case=kept, step=a)
    assert kept_a.done_at is not None and kept_a.done_by == adviser
    assert CaseChecklistItem.objects.get(case=kept, step=b).done_at is not None
    assert CaseChecklistItem.objects.get(case=kept, step=c).done_at is None
    # The merged case's content is on the kept one, as it was.
    for name, model, field in (("notes", CaseNote, "body"), ("referrals", Referral, "note"),
                               ("documents", CaseAttachment, "original_name"),
                               ("positions", Position, "job_title"),
                               ("interventions", Intervention, "summary")):
        assert set(merged_texts[name]) <= set(labels(kept, model, field)), name

    kept.refresh_from_db()
    merged.refresh_from_db()
    assert (merged.status, merged.outcome, merged.merged_into_id) == (
        CaseStatus.CLOSED, Outcome.MERGED, kept.pk)
    assert merged.closed_at is not None
    assert merged.next_follow_up is None and merged.waiting_since is None
    assert kept.is_open and kept.merged_into_id is None
    assert kept.help_kinds == ["accompaniment", "referral"]
    assert kept.topics == ["recruitment", "retention"]


def test_a_merged_document_is_downloaded_from_the_kept_case(client, people):
    kept, merged = two_cases(people)
    fill(merged, people["adviser"], notes=0, referrals=0, positions=0, interventions=0,
         events=0)
    document = CaseAttachment.objects.get(case=merged)
    merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)
    client.force_login(people["enterprise"])
    assert client.get(reverse("enterprises:case_attachment_download",
                              args=[kept.pk, document.pk])).status_code == 200
    assert client.get(reverse("enterprises:case_attachment_download",
                              args=[merged.pk, document.pk])).status_code == 404


def test_cases_merged_before_into_the_merged_case_now_lead_to_the_kept_one(people):
    adviser = people["adviser"]
    kept, merged = two_cases(people)
    earlier = CaseFactory(organisation=people["organisation"])
    merging.case_merge(actor=adviser, kept_id=merged.pk, merged_id=earlier.pk)
    merging.case_merge(actor=adviser, kept_id=kept.pk, merged_id=merged.pk)
    earlier.refresh_from_db()
    assert earlier.merged_into_id == kept.pk
    assert set(kept.merged_cases.values_list("pk", flat=True)) == {merged.pk, earlier.pk}


def test_every_relation_pointing_at_a_case_is_handled_by_the_merge():
    """A model added later with a foreign key to Case fails here until merging.RELATIONS
    says what a merge does with its rows."""
    pointing = {merging.relation_key(r) for r in Case._meta.related_objects}
    assert pointing == set(merging.RELATIONS)
    assert merging.unhandled_relations() == []


def test_a_relation_the_merge_does_not_know_refuses_every_merge(people, monkeypatch):
    kept, merged = two_cases(people)
    fill(merged, people["adviser"])
    relations = dict(merging.RELATIONS)
    del relations["enterprises.intervention.case"]
    monkeypatch.setattr(merging, "RELATIONS", relations)
    before = snapshot()
    with pytest.raises(ImproperlyConfigured, match="enterprises.intervention.case"):
        merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)
    assert snapshot() == before


# --------------------------------------------------------------------------------------------
# History and notices
# --------------------------------------------------------------------------------------------


def test_the_history_of_both_cases_shows_the_merge_with_the_actor_and_comment(client, people):
    manager = people["sit_manager"]  # of the SIT serving Trois-Rivières
    kept, merged = two_cases(people)
    merging.case_merge(actor=manager, kept_id=kept.pk, merged_id=merged.pk,
                       comment="Appel et formulaire : la même demande.")

    on_kept = CaseEvent.objects.filter(case=kept).latest("created_at", "pk")
    assert (on_kept.from_status, on_kept.to_status, on_kept.actor, on_kept.kind,
            on_kept.params, on_kept.comment) == (
        CaseStatus.IN_PROGRESS, CaseStatus.IN_PROGRESS, manager, EventKind.MERGED_IN,
        {"case": merged.pk}, "Appel et formulaire : la même demande.")
    on_merged = CaseEvent.objects.get(case=merged)
    assert (on_merged.from_status, on_merged.to_status, on_merged.actor, on_merged.kind,
            on_merged.params) == (CaseStatus.NEW, CaseStatus.CLOSED, manager,
                                  EventKind.MERGED_INTO, {"case": kept.pk})
    with translation.override("fr-ca"):
        assert on_merged.text == f"Fusionné dans le dossier {kept.pk}."

    client.force_login(people["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[kept.pk])).content.decode()
    assert f"Case {merged.pk} merged into this case." in page  # the reader's language
    assert "Appel et formulaire : la même demande." in page
    page = client.get(reverse("enterprises:case_detail", args=[merged.pk])).content.decode()
    kept_url = reverse("enterprises:case_detail", args=[kept.pk])
    assert f'Merged into <a href="{kept_url}">case {kept.pk}</a>' in page


def test_the_enterprise_is_notified_on_the_kept_case_and_sees_the_banner(client, people):
    kept, merged = two_cases(people)
    merged.adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    merged.save()
    merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)

    notified = Notification.objects.filter(kind="case_merged")
    assert {n.recipient for n in notified} == {people["enterprise"], merged.adviser}
    notice = notified.get(recipient=people["enterprise"])
    assert notice.url == reverse("enterprises:case_detail", args=[kept.pk])
    with translation.override("en"):
        assert notice.message == (f"Support case {merged.pk} (Usinage Laviolette inc.) was "
                                  f"merged into case {kept.pk}: follow it there.")

    client.force_login(people["enterprise"])
    page = client.get(reverse("enterprises:case_detail", args=[merged.pk])).content.decode()
    assert reverse("enterprises:case_detail", args=[kept.pk]) in page
    assert "case-merged-banner" in page
    page = client.get(reverse("enterprises:case_detail", args=[kept.pk])).content.decode()
    assert "Requests merged into this case:" in page
    # The ministry's rows that keep the status are not the enterprise's timeline.
    assert "merged into this case." not in page


def test_a_merged_case_stays_closed(client, people):
    kept, merged = two_cases(people)
    merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)
    with pytest.raises(services.TransitionRefused):
        services.case_transition(actor=people["adviser"], case_id=merged.pk,
                                 to=CaseStatus.IN_PROGRESS, comment="Rouvrir",
                                 next_follow_up=timezone.localdate() + timedelta(days=3))
    client.force_login(people["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[merged.pk])).content.decode()
    assert reverse("enterprises:case_transition", args=[merged.pk, "in_progress"]) not in page
    assert reverse("enterprises:case_merge", args=[merged.pk]) not in page


def test_closing_never_offers_the_merged_outcome(client, people):
    kept, _merged = two_cases(people)
    client.force_login(people["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[kept.pk])).content.decode()
    assert 'value="resolved"' in page and 'value="merged"' not in page


# --------------------------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------------------------


def test_merging_cases_of_two_enterprises_is_refused(client, people):
    kept, _merged = two_cases(people)
    stranger = CaseFactory(organisation=people["other_organisation"])
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=stranger.pk)
    assert exc.value.code == "other_enterprise"
    assert "deux entreprises différentes" in exc.value.messages[0]  # the portal's French
    assert snapshot() == before
    # The page never offers another enterprise's case, and refuses it if sent.
    client.force_login(people["adviser"])
    url = reverse("enterprises:case_merge", args=[kept.pk])
    page = client.get(url)
    assert f'value="{stranger.pk}"' not in page.content.decode()
    response = client.post(url, {"other": stranger.pk, "kept": "this", "confirm": "on"})
    assert response.status_code == 200
    assert "Choose one of the enterprise’s open cases." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("who", ["adviser_gatineau", "enterprise_elsewhere"])
def test_cases_outside_the_scope_are_not_found(client, people, who):
    kept, merged = two_cases(people)
    actor = (people[who] if who in people
             else PartnerUserFactory(organisation=people["other_organisation"]))
    before = snapshot()
    if who == "adviser_gatineau":
        with pytest.raises(Case.DoesNotExist):
            merging.case_merge(actor=actor, kept_id=kept.pk, merged_id=merged.pk)
    client.force_login(actor)
    url = reverse("enterprises:case_merge", args=[kept.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"other": merged.pk, "kept": "this",
                             "confirm": "on"}).status_code == 404
    assert snapshot() == before


def test_a_case_of_the_territory_cannot_be_merged_into_one_outside_it(people):
    """Two cases of one enterprise served by two offices (it moved): an adviser of one
    office does not reach the other case."""
    kept, merged = two_cases(people)
    Case.objects.filter(pk=merged.pk).update(office=office("gatineau"))
    before = snapshot()
    with pytest.raises(Case.DoesNotExist):
        merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["enterprise", "admin"])
def test_enterprise_users_and_administrators_do_not_merge(client, people, role):
    kept, merged = two_cases(people)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        merging.case_merge(actor=people[role], kept_id=kept.pk, merged_id=merged.pk)
    client.force_login(people[role])
    url = reverse("enterprises:case_merge", args=[kept.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"other": merged.pk, "kept": "this",
                             "confirm": "on"}).status_code == 403
    assert snapshot() == before


def test_the_same_case_an_already_merged_case_and_a_closed_kept_case_are_refused(people):
    adviser = people["adviser"]
    kept, merged = two_cases(people)
    closed = CaseFactory(organisation=people["organisation"], closed=True)
    before = snapshot()
    for kept_id, merged_id, code in ((kept.pk, kept.pk, "same_case"),
                                     (closed.pk, merged.pk, "kept_closed")):
        with pytest.raises(ValidationError) as exc:
            merging.case_merge(actor=adviser, kept_id=kept_id, merged_id=merged_id)
        assert exc.value.code == code
        assert snapshot() == before
    merging.case_merge(actor=adviser, kept_id=kept.pk, merged_id=merged.pk)
    third = CaseFactory(organisation=people["organisation"])
    for kept_id, merged_id in ((third.pk, merged.pk), (merged.pk, third.pk)):
        before = snapshot()
        with pytest.raises(ValidationError) as exc:
            merging.case_merge(actor=adviser, kept_id=kept_id, merged_id=merged_id)
        assert exc.value.code == "already_merged"
        assert snapshot() == before


def test_a_closed_case_may_be_merged_into_an_open_one_and_keeps_its_closing_date(people):
    kept, _merged = two_cases(people)
    closed = CaseFactory(organisation=people["organisation"], closed=True)
    closed_at = closed.closed_at
    merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=closed.pk)
    closed.refresh_from_db()
    assert (closed.outcome, closed.merged_into_id, closed.closed_at) == (
        Outcome.MERGED, kept.pk, closed_at)


# --------------------------------------------------------------------------------------------
# The merge page
# --------------------------------------------------------------------------------------------


def test_the_adviser_merges_from_the_case_page(client, people):
    kept, merged = two_cases(people)
    closed = CaseFactory(organisation=people["organisation"], closed=True)
    client.force_login(people["adviser"])
    page = client.get(reverse("enterprises:case_detail", args=[kept.pk])).content.decode()
    merge_url = reverse("enterprises:case_merge", args=[kept.pk])
    assert f"{merge_url}?other={merged.pk}" in page  # from “Similar open requests”

    response = client.get(merge_url, {"other": merged.pk})
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<option value="{merged.pk}" selected>' in body
    assert f'value="{closed.pk}"' not in body and f'<option value="{kept.pk}"' not in body
    form = next(f for f in forms_of(body) if f["action"] == merge_url)
    data = {**filled(form), "confirm": "on", "comment": "Doublon."}
    response = client.post(merge_url, data, follow=True)
    assert response.redirect_chain[-1][0] == (
        reverse("enterprises:case_detail", args=[kept.pk]) + "#timeline")
    assert Case.objects.get(pk=merged.pk).merged_into_id == kept.pk
    assert f"Case {merged.pk} was merged into case {kept.pk}." in [
        str(m) for m in response.context["messages"]]


def test_the_other_case_may_be_the_one_kept(client, people):
    kept, merged = two_cases(people)
    client.force_login(people["sit_manager"])
    response = client.post(reverse("enterprises:case_merge", args=[merged.pk]),
                           {"other": kept.pk, "kept": "other", "confirm": "on"})
    assert response.status_code == 302
    assert Case.objects.get(pk=merged.pk).merged_into_id == kept.pk


@pytest.mark.parametrize("data, message", [
    ({"kept": "this", "confirm": "on"}, "Choose the other case."),
    ({"other": "abc", "kept": "this", "confirm": "on"}, "Choose one of the enterprise"),
    ({"other": "OTHER", "kept": "elsewhere", "confirm": "on"}, "Say which case is kept."),
    ({"other": "OTHER", "kept": "this"}, "Tick the box to confirm the merge."),
    ({"other": "OTHER", "kept": "this", "confirm": "on", "comment": "x" * 2001},
     "at most 2000 characters"),
])
def test_bad_input_on_the_merge_page_changes_nothing(client, people, data, message):
    kept, merged = two_cases(people)
    data = {key: (merged.pk if value == "OTHER" else value) for key, value in data.items()}
    before = snapshot()
    client.force_login(people["adviser"])
    response = client.post(reverse("enterprises:case_merge", args=[kept.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "The cases were not merged" in response.content.decode()
    assert snapshot() == before


def test_a_closed_case_offers_only_to_keep_the_other(client, people):
    kept, _merged = two_cases(people)
    closed = CaseFactory(organisation=people["organisation"], closed=True)
    client.force_login(people["adviser"])
    url = reverse("enterprises:case_merge", args=[closed.pk])
    body = client.get(url).content.decode()
    assert 'value="other"' in body and 'value="this"' not in body
    response = client.post(url, {"other": kept.pk, "kept": "this", "confirm": "on"})
    assert response.status_code == 200 and "Say which case is kept." in (
        response.content.decode())


def test_without_another_open_case_the_page_says_so(client, people):
    lonely = CaseFactory(organisation=people["other_organisation"])
    client.force_login(people["adviser"])
    body = client.get(reverse("enterprises:case_merge", args=[lonely.pk])).content.decode()
    assert "no other open case to merge with" in body
    page = client.get(reverse("enterprises:case_detail", args=[lonely.pk])).content.decode()
    assert reverse("enterprises:case_merge", args=[lonely.pk]) not in page


@pytest.mark.parametrize("role", ["enterprise", "adviser", "sit_manager", "admin"])
def test_every_role_on_the_pages_of_a_merged_pair(client, people, role):
    kept, merged = two_cases(people)
    third = CaseFactory(organisation=people["organisation"], help_kinds=["accompaniment"],
                        topics=["recruitment"], subject="Encore des soudeurs")
    merging.case_merge(actor=people["adviser"], kept_id=kept.pk, merged_id=merged.pk)
    client.force_login(people[role])
    staff = role != "enterprise"
    kept_page = client.get(reverse("enterprises:case_detail", args=[kept.pk]))
    merged_page = client.get(reverse("enterprises:case_detail", args=[merged.pk]))
    assert kept_page.status_code == merged_page.status_code == 200
    kept_body, merged_body = kept_page.content.decode(), merged_page.content.decode()
    assert "case-merged-banner" in merged_body and "case-merged-banner" not in kept_body
    assert ("Similar open requests" in kept_body) == staff  # the third case
    assert (f"no. {third.pk}</a> — Encore des soudeurs" in kept_body) == staff
    merge_url = reverse("enterprises:case_merge", args=[kept.pk])
    assert (merge_url in kept_body) == (role in ("adviser", "sit_manager"))
    assert client.get(merge_url).status_code == (
        200 if role in ("adviser", "sit_manager") else 403)
