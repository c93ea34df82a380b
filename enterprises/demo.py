"""Fictitious enterprise profiles and support cases for the demo (``manage.py seed_demo``),
in every state of the case workflow, made through the same services as real ones.

The enterprises are the demo organisations of kind « enterprise » (marked fictitious); their
NEQs start with 1199999, a block chosen for the demo, and pass the register's check."""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from partners.demo import demo_adviser_for, demo_partner_for
from partners.models import Kind, Organisation
from regions.models import Municipality

from . import answers, checklists, merging, services
from .interventions import intervention_add
from .models import (
    Case,
    CaseStatus,
    Enterprise,
    FrenchLevel,
    HelpKind,
    InterventionKind,
    LegalForm,
    Nature,
    Priority,
    ReferralTarget,
    Sector,
    SizeBand,
    Topic,
)
from .neq import luhn_ok

SECTORS = [Sector.MANUFACTURING, Sector.ACCOMMODATION, Sector.TRANSPORTATION,
           Sector.AGRICULTURE, Sector.MANUFACTURING]
SIZES = [SizeBand.SMALL_MEDIUM, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.MICRO,
         SizeBand.MEDIUM_LARGE]
JOBS = [("Soudeur ou soudeuse", "72106"), ("Cuisinier ou cuisinière", "63200"),
        ("Conducteur ou conductrice de camion", "73300"), ("Ouvrier ou ouvrière agricole", "85100"),
        ("Machiniste", "72100")]
#: The state each demo case is brought to, in order.
PATHS = [
    [],
    ["assign"],
    ["assign", CaseStatus.IN_PROGRESS],
    ["assign", CaseStatus.IN_PROGRESS, CaseStatus.WAITING],
    ["assign", CaseStatus.IN_PROGRESS, "refer", ("close", "referred")],
    ["assign", CaseStatus.IN_PROGRESS, ("close", "resolved")],
    ["assign", CaseStatus.IN_PROGRESS, CaseStatus.WAITING, ("close", "no_response")],
    [("close", "withdrawn")],
]


def _demo_interventions(adviser, case, when, *, visit: bool) -> None:
    """The adviser's first call on the day they took the case and, for a recruitment, a visit
    to the enterprise the next day (never after today, nor after the next move). Durations
    vary with the case's number (the demo's random sequence is left as it was)."""
    today = timezone.localdate()
    day = min(timezone.localdate(when), today)
    intervention_add(actor=adviser, case=case, kind=InterventionKind.PHONE, day=day,
                     duration_minutes=(15, 20, 30, 45)[case.pk % 4],
                     participants="Direction des ressources humaines (fictif)",
                     summary="Premier appel : les besoins de l’entreprise (données fictives).")
    if visit:
        intervention_add(actor=adviser, case=case, kind=InterventionKind.VISIT,
                         day=min(day + timedelta(days=1), today),
                         duration_minutes=(60, 90, 120)[case.pk % 3],
                         participants="Président, responsable de la production (fictifs)",
                         summary="Visite de l’usine ; postes à pourvoir et accueil "
                                 "(données fictives).")


def _neq(n: int) -> str:
    body = f"99999{n:02d}"
    return next(f"11{body}{d}" for d in range(10) if luhn_ok(f"{body}{d}"))


def seed_demo_enterprises(*, admin: User, rng: random.Random) -> int:
    """Create the demo profiles and cases once; return how many cases were created."""
    enterprises = list(Organisation.objects.filter(is_demo=True, kind=Kind.ENTERPRISE)
                       .select_related("office").order_by("name"))
    for i, organisation in enumerate(enterprises):
        Enterprise.objects.get_or_create(organisation=organisation, defaults={
            "neq": _neq(i), "legal_form": LegalForm.CORPORATION, "nature": Nature.FOR_PROFIT,
            "sector": SECTORS[i % len(SECTORS)], "size_band": SIZES[i % len(SIZES)],
            "other_names": "", "verified_at": timezone.now()})
    checklists.checklist_templates_load()  # also loaded with the reference data
    answers.ready_answers_load(actor=admin)
    if Case.objects.filter(organisation__is_demo=True).exists():
        seed_demo_mail(admin=admin)
        return 0
    created = 0
    now = timezone.now()
    for i, organisation in enumerate(enterprises):
        partner = demo_partner_for(organisation, admin)
        adviser = demo_adviser_for(organisation, admin)
        municipality = (organisation.municipality
                        or Municipality.objects.filter(region=organisation.region)
                        .order_by("code").first())
        for j, path in enumerate(PATHS):
            opened = now - timedelta(days=rng.randint(3, 60))
            recruit = (i + j) % 2 == 0
            title, noc = JOBS[(i + j) % len(JOBS)]
            case = services.case_create(
                actor=partner if j % 2 == 0 else adviser, organisation=organisation,
                subject=(f"Recruter : {title.lower()}" if recruit
                         else "Retenir les employés arrivés l’an dernier"),
                help_kinds=[HelpKind.ACCOMPANIMENT if recruit else HelpKind.INFORMATION],
                topics=[Topic.RECRUITMENT, Topic.INTEGRATION] if recruit
                else [Topic.RETENTION],
                description=("Nous cherchons à recruter des travailleurs de l’étranger et à "
                             "bien les accueillir dans la région (données fictives)."
                             if recruit else
                             "Plusieurs employés arrivés l’an dernier pensent partir ; comment "
                             "les retenir ? (données fictives)"),
                positions=[{"count": rng.randint(1, 6), "job_title": title, "noc_code": noc,
                            "municipality": municipality,
                            "french_level": FrenchLevel.INTERMEDIATE}] if recruit else [],
                channel="portal" if j % 2 == 0 else "phone", now=opened)
            when = opened
            for step in path:
                when += timedelta(days=rng.randint(1, 5))
                follow_up = timezone.localdate(when) + timedelta(days=rng.randint(1, 12))
                if step == "assign":
                    services.cases_assign(actor=adviser, case_ids=[case.pk], adviser=adviser,
                                          now=when)
                    _demo_interventions(adviser, case, when, visit=recruit)
                elif step == "refer":
                    services.referral_add(actor=adviser, case=case,
                                          target=ReferralTarget.EMPLOI_QUEBEC,
                                          referred_on=timezone.localdate(when),
                                          note="Programme de soutien au recrutement (fictif)")
                elif isinstance(step, tuple):
                    if step[1] == "resolved":  # its checklist was worked through
                        _tick(adviser, case, when)
                    services.case_transition(actor=partner if step[1] == "withdrawn"
                                             else adviser, case_id=case.pk, to=CaseStatus.CLOSED,
                                             outcome=step[1], now=when,
                                             comment="Le poste a été comblé autrement "
                                             "(données fictives)." if step[1] == "withdrawn"
                                             else "")
                else:
                    services.case_transition(
                        actor=adviser, case_id=case.pk, to=step, now=when,
                        comment="En attente des descriptions de postes." if
                        step == CaseStatus.WAITING else "",
                        next_follow_up=follow_up)
            if path and path[-1] == CaseStatus.IN_PROGRESS:
                services.note_add(actor=adviser, case=case, is_internal=True,
                                  body="Appel fait ; l’entreprise a déjà un contact à "
                                       "Services Québec. (note interne fictive)")
                services.note_add(actor=adviser, case=case, is_internal=False,
                                  body="Voici la liste des organismes d’accueil de votre "
                                       "région. (note partagée fictive)")
                _tick(adviser, case, when, steps=2)  # a checklist partly ticked
                _note_from_answer(adviser, case, rng)
            created += 1
        created += _seed_priorities_and_merges(i, organisation, admin, now)
    seed_demo_mail(admin=admin)
    return created


def _tick(adviser: User, case: Case, when, steps: int | None = None) -> None:
    """Tick the first ``steps`` steps of the case's checklist (all when None)."""
    for item in checklists.case_checklist(adviser, case)[:steps]:
        checklists.checklist_item_set(actor=adviser, item_id=item.pk, done=True, now=when)


def _note_from_answer(adviser: User, case: Case, rng: random.Random) -> None:
    """A shared note the adviser started from a ready answer of the case's topic and edited."""
    library = list(answers.library(adviser, topic=case.topics[0]))
    if library:
        answer = rng.choice(library)
        services.note_add(actor=adviser, case=case, is_internal=False, ready_answer=answer,
                          body=answer.body_fr + "\n\n(réponse type adaptée, note fictive)")


def _seed_priorities_and_merges(i: int, organisation, admin: User, now) -> int:
    """The first enterprise: its case in progress is of high priority, its case waiting on it
    urgent, and a duplicate request made by phone was merged into the case in progress. The
    second: the same request sent twice in the portal, both still open (the page shows them
    as similar, with the way to merge). Returns how many cases it created."""
    if i > 1:
        return 0
    partner = demo_partner_for(organisation, admin)
    adviser = demo_adviser_for(organisation, admin)
    cases = list(Case.objects.filter(organisation=organisation).order_by("opened_at", "pk"))
    in_progress = next((c for c in cases if c.status == CaseStatus.IN_PROGRESS), None)
    waiting = next((c for c in cases if c.status == CaseStatus.WAITING), None)
    if in_progress is None:
        return 0
    duplicate = services.case_create(
        actor=partner if i else adviser, organisation=organisation,
        subject=in_progress.subject + (" (envoyée deux fois)" if i else " (appel)"),
        help_kinds=in_progress.help_kinds, topics=in_progress.topics,
        description="La même demande, reçue une deuxième fois (données fictives).",
        positions=[{k: getattr(p, k) for k in services.POSITION_FIELDS}
                   for p in in_progress.positions.all()],
        channel="portal" if i else "phone", now=now - timedelta(days=1))
    if i == 0:
        services.case_set_priority(actor=adviser, case=in_progress, priority=Priority.HIGH)
        if waiting is not None:
            services.case_set_priority(actor=adviser, case=waiting, priority=Priority.URGENT)
        services.note_add(actor=adviser, case=duplicate, is_internal=True,
                          body="Appel reçu pour la même demande. (note interne fictive)")
        merging.case_merge(actor=adviser, kept_id=in_progress.pk, merged_id=duplicate.pk,
                           comment="Même demande que le dossier en cours (données fictives).")
    return 1


# --------------------------------------------------------------------------------------------
# Mail from enterprises: the offices' addresses, a few emails to sort, one emailed reply
# --------------------------------------------------------------------------------------------

DEMO_MAIL_DOMAIN = "immigration-regions.example"
#: (key, sender, subject, text, office: "demo" (a demo enterprise's), "" (none), state, reason)
DEMO_MAIL = [
    ("tri-1", "Marc Gagnon <m.gagnon@scierie-fictive.example>",
     "Embauche de travailleurs étrangers", "Bonjour,\nNous aimerions embaucher deux "
     "travailleurs de l’étranger cet automne. Pouvez-vous nous aider?\n\nMarc Gagnon\n"
     "(courriel fictif)", "demo", "to_sort", ""),
    ("tri-2", "rh@boulangerie-fictive.example", "Question sur l’accueil",
     "Quels organismes peuvent accueillir nos nouveaux employés?\n(courriel fictif)",
     "demo", "to_sort", ""),
    ("tri-3", "info@inconnu-fictif.example", "Demande d’information",
     "Bonjour, à qui dois-je m’adresser? (courriel fictif)", "", "to_sort", ""),
    ("refus-1", "absent@exemple-fictif.example", "Réponse automatique : absent",
     "Je suis absent jusqu’au 15. (courriel fictif)", "demo", "refused",
     "Réponse automatique : aucune demande ouverte."),
    ("echec-1", "x@exemple-fictif.example", "Message illisible", "(courriel fictif)", "",
     "failed", "UnreadableMessage: no sender address"),
]
DEMO_PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _demo_eml(key, sender, to, subject, text, *, attach=False, reply_to="") -> bytes:
    from email.message import EmailMessage
    from email.utils import format_datetime

    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<demo-{key}@{DEMO_MAIL_DOMAIN}>"
    if reply_to:
        message["In-Reply-To"] = reply_to
    message.set_content(text)
    if attach:
        message.add_attachment(DEMO_PDF, maintype="application", subtype="pdf",
                               filename="description-de-poste.pdf")
    return bytes(message)


def _demo_inbound(raw: bytes, *, office, state, reason=""):
    from django.core.files.base import ContentFile

    from notifications.mailparse import parse
    from notifications.models import InboundMessage

    parsed = parse(raw)
    message = InboundMessage(
        message_key=parsed.message_id, size=len(raw), from_address=parsed.from_address,
        from_name=parsed.from_name, to_addresses=", ".join(parsed.to_addresses),
        subject=parsed.subject, sent_at=parsed.sent_at, office=office, state=state,
        error=reason, attempts=1 if state == "failed" else 0)
    message.raw.save("demo.eml", ContentFile(raw), save=False)
    message.save()
    return message, parsed


def seed_demo_mail(*, admin: User) -> int:
    """The offices' mailbox addresses (``<slug>@immigration-regions.example``), a few emails
    to sort, refused and failed, and one emailed reply on a demo case; once. Returns how
    many emails were created."""
    from antennes.models import Office
    from antennes.services import office_mailbox_set
    from notifications.models import InboundMessage

    from .mail_cases import case_note_from_message

    for office in Office.objects.filter(mailbox=""):
        office_mailbox_set(actor=admin, office=office,
                           mailbox=f"{office.slug}@{DEMO_MAIL_DOMAIN}")
    if InboundMessage.objects.filter(message_key__startswith="<demo-").exists():
        return 0
    demo_office = (Organisation.objects.filter(is_demo=True, kind=Kind.ENTERPRISE)
                   .exclude(office=None).order_by("name").values_list("office", flat=True)
                   .first())
    office = Office.objects.filter(pk=demo_office).first()
    created = 0
    for i, (key, sender, subject, text, where, state, reason) in enumerate(DEMO_MAIL):
        to = office.mailbox if office and where else f"contact@{DEMO_MAIL_DOMAIN}"
        raw = _demo_eml(key, sender, to, subject, text, attach=i == 0)
        _demo_inbound(raw, office=office if where else None, state=state, reason=reason)
        created += 1
    case = (Case.objects.filter(organisation__is_demo=True, status=CaseStatus.IN_PROGRESS)
            .select_related("organisation", "office").order_by("pk").first())
    if case is not None:
        raw = _demo_eml("reponse-1", f"Contact fictif <contact@{DEMO_MAIL_DOMAIN}>",
                        case.office.mailbox or f"contact@{DEMO_MAIL_DOMAIN}",
                        f"RE: {case.subject}",
                        "Merci, voici la description du poste en pièce jointe.\n\n"
                        "Le lundi, Conseiller a écrit :\n> Pouvez-vous nous envoyer la "
                        "description?\n(courriel fictif)", attach=True)
        message, parsed = _demo_inbound(raw, office=case.office, state="received")
        note = case_note_from_message(message=message, parsed=parsed, case=case, author=None)
        message.state, message.target = "processed", f"case-note:{note.pk}"
        message.processed_at = timezone.now()
        message.save(update_fields=["state", "target", "processed_at"])
        created += 1
    return created
