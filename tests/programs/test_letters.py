"""Decision letters: each decision (approval, refusal, changes requested) issues a letter from
the program's template, as text and PDF, kept with the plan, downloadable by the partner and
the staff in scope, attached to the decision's email; French first, then English for an
organisation that corresponds in English; a template changed later applies to the next
letters only."""

import hashlib
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from portal import files
from portal.workflow import TransitionRefused
from programs import letters, services
from programs.models import (
    DecisionLetter,
    Instalment,
    InstalmentCondition,
    LetterKind,
    LetterTemplate,
    PlanEvent,
    Program,
    ReportKind,
    Status,
)
from tests.factories.programs import ActionPlanFactory, ReportFactory

pytestmark = pytest.mark.django_db


def plan_of_trois_rivieres(world, **kwargs):
    kwargs.setdefault("adviser", world["users"]["adviser"])
    return ActionPlanFactory(organisation=world["orgs"]["tr"], **kwargs)


def recommended_plan(world, **kwargs):
    """A plan asking 30,000 $ (three measures), recommended at 25,000 $."""
    return plan_of_trois_rivieres(world, measures=3, status=Status.RECOMMENDED,
                                  recommended_amount=Decimal("25000.00"), **kwargs)


def with_schedule(plan, paid_on: date):
    """50 % at signature, 40 % on ``paid_on``, 10 % once the final report is accepted: 25,000 $
    in all, the amount the plan is approved at (a deferred trigger checks the sum at commit)."""
    final = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    Instalment.objects.bulk_create([
        Instalment(plan=plan, position=1, amount=Decimal("12500.00"),
                   condition=InstalmentCondition.SIGNATURE),
        Instalment(plan=plan, position=2, amount=Decimal("10000.00"),
                   condition=InstalmentCondition.DATE, due_on=paid_on),
        Instalment(plan=plan, position=3, amount=Decimal("2500.00"),
                   condition=InstalmentCondition.REPORT, report=final),
    ])
    return plan


def approve(world, plan, amount="25000.00", comment=""):
    return services.plan_transition(actor=world["users"]["sit_manager"], plan_id=plan.pk,
                                    to=Status.APPROVED, amount=amount, comment=comment)


def refuse(world, plan, comment="Le plan ne répond pas aux critères du programme."):
    return services.plan_transition(actor=world["users"]["sit_manager"], plan_id=plan.pk,
                                    to=Status.REFUSED, comment=comment)


def stored(letter) -> bytes:
    with letter.file.storage.open(letter.file.name, "rb") as handle:
        return handle.read()


def pdf_text(content: bytes) -> str:
    """The PDF's text, its spacing made plain (no-break spaces, line breaks)."""
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def plain(text: str) -> str:
    return " ".join(text.split())


def the_letter(plan) -> DecisionLetter:
    return DecisionLetter.objects.get(plan=plan)


# --------------------------------------------------------------------------------------------
# What a letter says
# --------------------------------------------------------------------------------------------


def test_the_approval_letter_holds_the_organisation_amount_and_instalments_in_french(world):
    paid_on = date(timezone.localdate().year + 1, 1, 15)
    plan = with_schedule(recommended_plan(world, title="Bienvenue à Trois-Rivières"), paid_on)

    approve(world, plan)

    letter = the_letter(plan)
    content = stored(letter)
    text = pdf_text(content)
    assert content.startswith(b"%PDF-")
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    assert letter.kind == LetterKind.APPROVED and letter.languages == "fr"
    assert letter.event == PlanEvent.objects.get(plan=plan, to_status=Status.APPROVED)
    assert "Accueil Trois-Rivières" in text
    assert "« Bienvenue à Trois-Rivières »" in text
    assert "Une aide financière de 25 000,00 $" in text
    assert "montant demandé : 30 000,00 $" in text
    assert "1. 50 % — 12 500,00 $ — à la signature de la convention" in text
    assert f"2. 40 % — 10 000,00 $ — le 15 janvier {paid_on.year}" in text
    assert "3. 10 % — 2 500,00 $ — après l’acceptation du rapport final" in text
    assert "Objet : Approbation de votre plan d’action" in text
    assert "English version" not in text and "grant" not in text
    # The text kept with the letter is the one the PDF shows.
    assert "1. 50 % — 12 500,00 $ — à la signature de la convention" in plain(letter.text)
    assert plain(letter.text).startswith("Gouvernement du Québec")


def test_an_english_speaking_organisation_gets_the_french_letter_then_the_english_one(world):
    organisation = world["orgs"]["tr"]
    organisation.language = "en"
    organisation.save(update_fields=["language"])
    plan = with_schedule(recommended_plan(world), date(timezone.localdate().year + 1, 1, 15))

    approve(world, plan)

    letter = the_letter(plan)
    text = pdf_text(stored(letter))
    assert letter.languages == "fr,en"
    french = text.index("Objet : Approbation de votre plan d’action")
    english = text.index("English version")
    assert french < english < text.index("Subject: Approval of your action plan")
    assert "Une aide financière de 25 000,00 $" in text[:english]
    assert "A grant of $25,000.00" in text[english:]
    assert "1. 50% — $12,500.00 — on signing the agreement" in text[english:]
    assert "once the final report is accepted" in text[english:]
    assert len(PdfReader(io.BytesIO(stored(letter))).pages) >= 2
    assert plain(letter.text).index("Objet :") < plain(letter.text).index("Subject:")


def test_an_approval_before_its_schedule_states_the_standard_terms_on_the_approved_amount(
        world):
    """The schedule is set when the follow-up starts (tied to the report dates): the approval
    letter gives the terms it will follow, 50 / 40 / 10 % of the amount approved."""
    plan = recommended_plan(world)

    approve(world, plan, amount="25001.00", comment="Sous réserve de la résolution du conseil.")

    text = pdf_text(stored(the_letter(plan)))
    assert "Une aide financière de 25 001,00 $" in text
    assert "1. 50 % — 12 500,50 $ — à la signature de la convention" in text
    assert "2. 40 % — 10 000,40 $ — après l’acceptation du rapport d’étape" in text
    assert "3. 10 % — 2 500,10 $ — après l’acceptation du rapport final" in text
    assert "vous sera confirmé à la signature de la convention" in text
    assert "Sous réserve de la résolution du conseil." in text


def test_a_decision_without_an_amount_states_no_schedule(world):
    plan = recommended_plan(world)

    refuse(world, plan)

    assert "calendrier" not in pdf_text(stored(the_letter(plan)))


@pytest.mark.parametrize(("status", "to", "actor", "expected"), [
    (Status.RECOMMENDED, Status.REFUSED, "sit_manager", "Objet : Décision concernant"),
    (Status.IN_REVIEW, Status.CHANGES_REQUESTED, "adviser", "Objet : Modifications demandées"),
])
def test_a_refusal_and_a_request_for_changes_each_issue_their_letter_with_the_comment(
        world, status, to, actor, expected):
    plan = plan_of_trois_rivieres(world, measures=1, status=status)

    services.plan_transition(actor=world["users"][actor], plan_id=plan.pk, to=to,
                             comment="Précisez les partenaires de la mesure 1.")

    letter = the_letter(plan)
    text = pdf_text(stored(letter))
    assert letter.kind == to
    assert expected in text
    assert "Précisez les partenaires de la mesure 1." in text
    assert "Accueil Trois-Rivières" in text


def test_moves_that_are_not_decisions_issue_no_letter(world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)

    services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                             to=Status.IN_REVIEW)

    assert not DecisionLetter.objects.exists()


def test_issuing_a_decision_s_letter_again_returns_the_same_letter(world):
    plan = recommended_plan(world)
    approve(world, plan)
    letter = the_letter(plan)

    again = letters.letter_issue(event=letter.event)

    assert again == letter
    assert DecisionLetter.objects.count() == 1
    # The same decision approved again (a double click) issues nothing more.
    approve(world, plan)
    assert DecisionLetter.objects.count() == 1


# --------------------------------------------------------------------------------------------
# Templates
# --------------------------------------------------------------------------------------------


def test_every_program_has_a_template_per_decision_and_language(db):
    programs = list(Program.objects.all())
    assert programs
    for program in programs:
        assert set(LetterTemplate.objects.filter(program=program)
                   .values_list("kind", "language")) == {
            (kind, language) for kind in LetterKind.values for language in ("fr", "en")}
    # A new program gets them from the same service; one an administrator edited keeps its text.
    new = Program.objects.create(code="nouveau", name_fr="Nouveau", name_en="New",
                                 eligible_kinds=["obnl"], axes=[], max_amount=Decimal("1000"))
    edited = LetterTemplate.objects.filter(program=programs[0]).first()
    LetterTemplate.objects.filter(pk=edited.pk).update(body="Texte revu")

    assert letters.letter_templates_ensure() == 6
    assert LetterTemplate.objects.filter(program=new).count() == 6
    assert letters.letter_templates_ensure() == 0
    assert LetterTemplate.objects.get(pk=edited.pk).body == "Texte revu"


def test_a_changed_template_is_used_by_the_next_letter_not_by_those_already_issued(
        client, world):
    first, second = (plan_of_trois_rivieres(world, measures=1, status=Status.RECOMMENDED,
                                            title=title)
                     for title in ("Premier plan", "Second plan"))
    refuse(world, first)
    issued = the_letter(first)
    issued_text, issued_bytes = issued.text, stored(issued)
    template = LetterTemplate.objects.get(program=first.call.program, kind=LetterKind.REFUSED,
                                          language="fr")

    # A central administrator rewrites the refusal letter in the Django admin.
    client.force_login(world["users"]["admin"])
    response = client.post(reverse("admin:programs_lettertemplate_change", args=[template.pk]), {
        "program": template.program_id, "kind": template.kind, "language": "fr",
        "subject": "Votre demande « {plan} »",
        "body": "Madame, Monsieur,\n\nNouvelle formulation pour {organisation}.\n\n{conditions}",
        "signatory_name": "Marie Gagnon", "signatory_title": "Directrice régionale",
    })
    assert response.status_code == 302
    refuse(world, second)

    new = the_letter(second)
    new_text = pdf_text(stored(new))
    assert "Nouvelle formulation pour Accueil Trois-Rivières." in new_text
    assert "Objet : Votre demande « Second plan »" in new_text
    assert "Marie Gagnon" in new_text
    # The letter issued before keeps its text, its file and its fingerprint.
    issued.refresh_from_db()
    assert issued.text == issued_text
    assert stored(issued) == issued_bytes
    assert issued.sha256 == hashlib.sha256(issued_bytes).hexdigest() != new.sha256
    assert "Nouvelle formulation" not in pdf_text(issued_bytes)
    assert "Nouvelle formulation" not in issued.text


def test_the_admin_lists_the_placeholders_and_refuses_unknown_ones(client, world):
    template = LetterTemplate.objects.filter(kind=LetterKind.APPROVED, language="fr").first()
    url = reverse("admin:programs_lettertemplate_change", args=[template.pk])
    client.force_login(world["users"]["admin"])

    page = client.get(url).content.decode()
    for name in letters.PLACEHOLDERS:
        assert "{" + name + "}" in page

    response = client.post(url, {
        "program": template.program_id, "kind": template.kind, "language": "fr",
        "subject": template.subject, "body": "Bonjour {organisation.__class__} {montant}",
        "signatory_name": "X", "signatory_title": "Y"})
    assert response.status_code == 200
    assert "{montant}" in response.content.decode()
    assert "{organisation.__class__}" in response.content.decode()
    template.refresh_from_db()
    assert "{montant}" not in template.body


def test_a_template_reaches_only_its_placeholders():
    values = {"plan": "Plan A", "amount": "10,00 $"}

    filled = letters.fill("{plan} {plan.__class__} {amount:>9999} {amount!r} {inconnu} { {{",
                          values)

    assert filled == "Plan A {plan.__class__} {amount:>9999} {amount!r} {inconnu} { {{"


# --------------------------------------------------------------------------------------------
# Storage: in the move's transaction
# --------------------------------------------------------------------------------------------


def test_a_letter_that_cannot_be_stored_refuses_the_decision_and_changes_nothing(
        world, monkeypatch):
    plan = recommended_plan(world)
    storage = DecisionLetter._meta.get_field("file").storage  # the one the letter writes to

    def broken_save(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(storage, "save", broken_save)

    with pytest.raises(TransitionRefused) as refused:
        approve(world, plan)

    assert refused.value.code == "letter_not_stored"
    plan.refresh_from_db()
    assert plan.status == Status.RECOMMENDED and plan.approved_amount is None
    assert not PlanEvent.objects.filter(plan=plan).exists()
    assert not DecisionLetter.objects.exists()


def test_a_letter_file_left_by_a_rolled_back_decision_is_swept_as_an_orphan(world):
    kept_plan, lost_plan = recommended_plan(world), recommended_plan(world)
    approve(world, kept_plan)
    kept = the_letter(kept_plan)
    storage = files.private_storage()
    before = set(files._walk(storage, "letters"))

    with pytest.raises(RuntimeError), transaction.atomic():
        approve(world, lost_plan)
        raise RuntimeError("a later step of the same transaction fails")

    assert not DecisionLetter.objects.filter(plan=lost_plan).exists()
    orphans = set(files._walk(storage, "letters")) - before
    assert len(orphans) == 1
    removed = files.remove_orphan_files(older_than=timedelta(0),
                                        now=timezone.now() + timedelta(seconds=5))
    # (Earlier tests' rolled-back letters are orphans of the same storage too.)
    assert orphans <= set(removed)
    assert kept.file.name not in removed and storage.exists(kept.file.name)


# --------------------------------------------------------------------------------------------
# Download and the plan's page
# --------------------------------------------------------------------------------------------


def download_url(letter):
    return reverse("programs:letter_download", args=[letter.plan_id, letter.pk])


@pytest.mark.parametrize(("role", "status"), [
    ("partner", 200), ("adviser", 200), ("sit_manager", 200), ("admin", 200),
    ("partner_gatineau", 404), ("adviser_gatineau", 404),
])
def test_the_partner_and_the_staff_in_scope_download_the_letter(client, world, role, status):
    plan = recommended_plan(world)
    approve(world, plan)
    letter = the_letter(plan)
    client.force_login(world["users"][role])

    response = client.get(download_url(letter))

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == stored(letter)
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert f"plan-{plan.pk}" in response["Content-Disposition"]
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_letter_is_not_reached_through_another_plan_s_address(client, world):
    plan, other = recommended_plan(world), recommended_plan(world)
    approve(world, plan)
    letter = the_letter(plan)
    client.force_login(world["users"]["partner"])

    response = client.get(reverse("programs:letter_download", args=[other.pk, letter.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["partner", "adviser"])
def test_the_plan_page_lists_its_letters(client, world, role):
    plan = recommended_plan(world)
    approve(world, plan)
    letter = the_letter(plan)
    client.force_login(world["users"][role])

    page = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()

    assert 'id="letters"' in page
    assert download_url(letter) in page
    assert letter.subject.replace("\u00a0", " ") in page.replace("\u00a0", " ")


def test_a_plan_without_decision_shows_no_letters_section(client, world):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)
    client.force_login(world["users"]["partner"])

    page = client.get(reverse("programs:plan_detail", args=[plan.pk])).content.decode()

    assert 'id="letters"' not in page


# --------------------------------------------------------------------------------------------
# The decision's email
# --------------------------------------------------------------------------------------------


def test_the_decision_email_carries_the_letter(world, django_capture_on_commit_callbacks):
    partner = world["users"]["partner"]
    plan = recommended_plan(world)

    with django_capture_on_commit_callbacks(execute=True):
        approve(world, plan)

    letter = the_letter(plan)
    to_partner = [m for m in mail.outbox if partner.email in m.to]
    assert len(to_partner) == 1
    (name, content, mimetype), = to_partner[0].attachments
    assert mimetype == "application/pdf"
    assert name == letters.letter_filename(letter)
    assert content == stored(letter)


def test_the_email_of_a_move_that_is_not_a_decision_carries_nothing(
        world, django_capture_on_commit_callbacks):
    plan = plan_of_trois_rivieres(world, measures=1, status=Status.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                                 to=Status.IN_REVIEW)

    assert mail.outbox
    assert not any(m.attachments for m in mail.outbox)


def test_a_letter_is_attached_only_for_a_recipient_who_may_read_it(world):
    plan = recommended_plan(world)
    approve(world, plan)
    letter = the_letter(plan)

    class Notice:
        key = f"plan-event:{letter.event_id}"

    for role, expected in (("partner", 1), ("partner_gatineau", 0), ("adviser_gatineau", 0)):
        notice = Notice()
        notice.recipient = world["users"][role]
        assert len(letters.notification_attachments(notice)) == expected


def test_the_letter_values_are_written_for_each_language():
    assert letters.money(Decimal("12500"), "fr") == "12\u00a0500,00\u00a0$"
    assert letters.money(Decimal("12500"), "en") == "$12,500.00"
    assert letters.long_date(date(2026, 1, 1), "fr") == "1er janvier 2026"
    assert letters.long_date(date(2026, 1, 15), "en") == "January 15, 2026"
    assert re.fullmatch(r"33,3\u00a0%", letters._percent(1, 3, "fr"))
