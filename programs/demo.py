"""Fictitious action plans for the demo (``manage.py seed_demo``), in every state of the
workflow and across regions, made through the same services as real ones.

Plans belong to the demo organisations (marked fictitious). Organisations and offices the demo
accounts do not cover get placeholder accounts that cannot sign in (no usable password), named
« (fictif) », so that each move has a plausible author in the timeline."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from partners.demo import demo_adviser_for, demo_manager_for, demo_partner_for
from partners.models import MUNICIPAL_KINDS, Organisation

from . import grids, services
from .models import (
    ActionPlan,
    Axis,
    Call,
    Characteristic,
    IndicatorDefinition,
    Program,
    ReportStatus,
    Status,
)

#: The path through the workflow that leads to each demo state.
PATHS = {
    Status.DRAFT: [],
    Status.SUBMITTED: [Status.SUBMITTED],
    Status.IN_REVIEW: [Status.SUBMITTED, Status.IN_REVIEW],
    Status.CHANGES_REQUESTED: [Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED],
    Status.RECOMMENDED: [Status.SUBMITTED, Status.IN_REVIEW, Status.RECOMMENDED],
    Status.NOT_RECOMMENDED: [Status.SUBMITTED, Status.IN_REVIEW, Status.NOT_RECOMMENDED],
    Status.APPROVED: [Status.SUBMITTED, Status.IN_REVIEW, Status.RECOMMENDED, Status.APPROVED],
    Status.REFUSED: [Status.SUBMITTED, Status.IN_REVIEW, Status.NOT_RECOMMENDED,
                     Status.REFUSED],
    Status.IN_PROGRESS: [Status.SUBMITTED, Status.IN_REVIEW, Status.RECOMMENDED,
                         Status.APPROVED, Status.IN_PROGRESS],
    Status.CLOSED: [Status.SUBMITTED, Status.IN_REVIEW, Status.RECOMMENDED, Status.APPROVED,
                    Status.IN_PROGRESS, Status.CLOSED],
    Status.WITHDRAWN: [Status.SUBMITTED, Status.WITHDRAWN],
}

COMMENTS = {
    Status.CHANGES_REQUESTED: "Merci de préciser les indicateurs de la mesure d’accueil et de "
                              "joindre la résolution signée.",
    Status.NOT_RECOMMENDED: "Le plan recoupe largement un projet déjà financé sur le même "
                            "territoire.",
    Status.REFUSED: "Enveloppe épuisée pour ce territoire ; nous vous invitons au prochain appel.",
    Status.WITHDRAWN: "Le conseil a reporté le projet à l’an prochain.",
}

MEASURE_IDEAS = {
    Axis.ATTRACTION: ("Mission de recrutement à Montréal",
                      "Participation à deux salons de l’emploi et visites exploratoires."),
    Axis.PROMOTION: ("Vitrine des emplois régionaux",
                     "Capsules vidéo et page web présentant la région aux nouveaux arrivants."),
    Axis.INTERCULTURAL: ("Jumelage interculturel",
                         "Jumelage de familles immigrantes et de familles de la région."),
    Axis.CONCERTATION: ("Table locale en immigration",
                        "Quatre rencontres par an des partenaires municipaux et communautaires."),
    Axis.RETENTION: ("Accompagnement des conjoints",
                     "Aide à la recherche d’emploi pour les conjoints des travailleurs recrutés."),
    Axis.PREPARATION: ("Formation des employés municipaux",
                       "Ateliers sur l’accueil et la communication interculturelle."),
    Axis.AWARENESS: ("Semaine québécoise des rencontres interculturelles",
                     "Activités publiques de sensibilisation dans les bibliothèques."),
}

#: A minimal valid PDF for the demo's required documents.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _aware(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _calls(today: date) -> dict[str, Call]:
    """This fiscal year's open calls and last year's closed ones (created once)."""
    fy = today.year if today.month >= 4 else today.year - 1
    specs = [
        ("pac-1", fy, "Appel de projets PAC volet 1 (fictif)", today - timedelta(days=40),
         today + timedelta(days=60), ["Résolution du conseil", "Analyse des besoins"]),
        ("pac-2", fy, "Appel de projets PAC volet 2 (fictif)", today - timedelta(days=30),
         today + timedelta(days=45), ["Lettres d’appui des partenaires"]),
        ("pasi", fy, "Appel PASI (fictif)", today - timedelta(days=20),
         today + timedelta(days=70), []),
        ("pac-1", fy - 1, "Appel de projets PAC volet 1 (fictif)", date(fy - 1, 4, 15),
         date(fy - 1, 6, 30), ["Résolution du conseil"]),
        ("pac-2", fy - 1, "Appel de projets PAC volet 2 (fictif)", date(fy - 1, 4, 15),
         date(fy - 1, 6, 30), []),
    ]
    calls = {}
    for code, year, title, opens, closes, documents in specs:
        program = Program.objects.get(code=code)
        call, created = Call.objects.get_or_create(
            program=program, fiscal_year=year, title=title,
            defaults={"opens_at": _aware(opens, 8), "closes_at": _aware(closes, 17),
                      "budget": Decimal("1500000.00")})
        if created:
            for name in documents:
                call.required_documents.create(name=name)
        calls[(code, year)] = call
    return calls


def _fill(plan: ActionPlan, partner: User, rng: random.Random) -> None:
    program = plan.call.program
    catalogue = {d.code: d for d in IndicatorDefinition.objects.filter(
        code__in=["participants-reached", "activities-held"])}
    axes = rng.sample(program.axes, k=min(len(program.axes), rng.randint(2, 3)))
    for axis in axes:
        title, description = MEASURE_IDEAS[Axis(axis)]
        asked = Decimal(rng.randrange(8, 40) * 1000)
        services.measure_save(
            actor=partner, plan=plan,
            fields={"axis": axis, "title": title, "description": description,
                    "target_groups": "Personnes immigrantes et familles nouvellement établies",
                    "starts_on": plan.starts_on, "ends_on": plan.ends_on,
                    "partners_involved": "Bibliothèque, organisme d’accueil, chambre de commerce"},
            # Two standard indicators of the catalogue (when it is loaded: their figures add
            # up on the results page) and one the organisation names itself.
            indicators=[{"definition": catalogue.get("participants-reached"),
                         "name": "Personnes rejointes", "unit": "personnes",
                         "target_value": Decimal(rng.randrange(20, 200))},
                        {"definition": catalogue.get("activities-held"),
                         "name": "Activités réalisées", "unit": "activités",
                         "target_value": Decimal(rng.randrange(2, 12))},
                        {"name": "Familles jumelées", "unit": "familles",
                         "target_value": Decimal(rng.randrange(5, 40))}],
            budget_lines=[{"label": "Ressources humaines", "requested_amount": asked,
                           "partner_amount": (asked * Decimal("0.25")).quantize(Decimal("1")),
                           "other_amount": Decimal("0"), "other_funders": ""},
                          {"label": "Frais d’activités", "requested_amount": Decimal("3000"),
                           "partner_amount": Decimal("1000"),
                           "other_amount": Decimal(rng.choice([0, 0, 2500])),
                           "other_funders": "Fondation locale (fictive)"}])
    for document in plan.call.required_documents.all():
        services.attachment_add(actor=partner, plan=plan, required_document=document,
                                upload=SimpleUploadedFile(f"{document.name}.pdf", DEMO_PDF,
                                                          "application/pdf"))


def seed_demo_plans(*, admin: User, rng: random.Random) -> int:
    """Create the demo plans once (nothing when demo plans exist); return how many."""
    if ActionPlan.objects.filter(organisation__is_demo=True).exists():
        return 0
    today = timezone.localdate()
    calls = _calls(today)
    fy = max(year for _code, year in calls)
    organisations = list(Organisation.objects.filter(is_demo=True)
                         .exclude(kind="enterprise").select_related("office__sit")
                         .order_by("region__code", "name"))
    # Cycle through every state so each appears in several regions.
    states = list(PATHS)
    created = 0
    for i, organisation in enumerate(organisations):
        status = states[i % len(states)]
        municipal = organisation.kind in MUNICIPAL_KINDS
        code = "pac-1" if municipal else ("pasi" if i % 3 == 0 else "pac-2")
        late_state = status in (Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED,
                                Status.REFUSED)
        year = fy - 1 if late_state and (code, fy - 1) in calls else fy
        call = calls[(code, year)]
        partner = demo_partner_for(organisation, admin)
        start = call.opens_at + timedelta(days=1 if year < fy else 0, hours=2)
        starts_on = date(year, 7, 1) if year < fy else date(year + 1, 1, 1)
        plan = services.plan_create(
            actor=partner, organisation=organisation, call=call, now=start,
            title=f"Plan d’action {organisation.name} {year}-{year + 1}",
            starts_on=starts_on, ends_on=starts_on + timedelta(days=rng.choice([364, 545, 729])),
            needs_analysis="Portrait réalisé avec la table de concertation : logement, "
                           "francisation et emploi des conjoints sont prioritaires.",
            objectives="Accueillir, intégrer et retenir les personnes immigrantes dans la "
                       "collectivité.",
            characteristics=rng.sample(Characteristic.values, k=rng.randint(2, 4)))
        _fill(plan, partner, rng)
        plan.refresh_from_db()
        adviser = demo_adviser_for(organisation, admin)
        manager = demo_manager_for(organisation, admin)
        when = start + timedelta(days=1)
        for to in PATHS[status]:
            actor = {Status.SUBMITTED: partner, Status.WITHDRAWN: partner,
                     Status.APPROVED: manager, Status.REFUSED: manager}.get(to, adviser)
            amount = None
            if to == Status.RECOMMENDED:
                amount = (plan.requested_total * Decimal("0.9")).quantize(Decimal("1"))
                # Recommending needs the adviser's review grid, completed; some plans also
                # get a second grid from the SIT manager.
                _review_grids(plan, adviser, manager if i % 2 else None, when)
            if to == Status.APPROVED:
                amount = plan.recommended_amount or plan.requested_total
            if to == Status.IN_PROGRESS:
                plan.refresh_from_db()
                progress = plan.starts_on + (plan.ends_on - plan.starts_on) / 2
                services.report_schedule(actor=adviser, plan=plan, progress_dates=[progress],
                                         final_due_on=plan.ends_on + timedelta(days=30))
                plan.refresh_from_db()
                continue  # scheduling the final report starts the follow-up
            if to == Status.CLOSED:
                _report_everything(plan, partner, adviser, when)
                continue  # accepting the final report closes the plan
            plan = services.plan_transition(actor=actor, plan_id=plan.pk, to=to,
                                            comment=COMMENTS.get(to, ""), amount=amount,
                                            now=when)
            when += timedelta(days=rng.randint(2, 12))
        if status == Status.IN_REVIEW and i % 2:
            services.comment_add(actor=adviser, plan=plan,
                                 body="Bonjour, pourriez-vous préciser le calendrier de la "
                                      "mesure de jumelage ?")
        created += 1
    return created


def _review_grids(plan, adviser, second, when):
    """The adviser's grid, completed, and a second one asked of ``second`` (if given). Scores
    are drawn from the plan's own generator: the rest of the demo stays as it was."""
    rng = random.Random(plan.pk)
    criteria = list(plan.call.program.review_criteria.filter(is_active=True))

    def answers():
        return {c.pk: (grids.Answer(meets=True) if c.kind == "eligibility"
                       else grids.Answer(score=rng.randint(2, c.scale_max)))
                for c in criteria}

    review = grids.review_start(actor=adviser, plan_id=plan.pk, now=when)
    grids.review_submit(actor=adviser, review_id=review.pk, answers=answers(), now=when,
                        comment="Plan cohérent avec les besoins du milieu (données fictives).")
    if second is not None:
        review = grids.review_request(actor=adviser, plan_id=plan.pk, reviewer=second, now=when)
        grids.review_submit(actor=second, review_id=review.pk, answers=answers(), now=when)


def _report_everything(plan, partner, adviser, when):
    for report in plan.reports.order_by("due_on"):
        services.report_save(
            actor=partner, report=report,
            narrative="Les activités se sont déroulées comme prévu (données fictives).",
            measures={m.pk: {"amount_spent": m.budget_lines.first().requested_amount,
                             "narrative": "Réalisé avec les partenaires du milieu."}
                      for m in plan.measures.all()},
            indicators={ind.pk: ind.target_value for m in plan.measures.all()
                        for ind in m.indicators.all()})
        services.report_transition(actor=partner, report_id=report.pk,
                                   to=ReportStatus.SUBMITTED, now=when)
        services.report_transition(actor=adviser, report_id=report.pk,
                                   to=ReportStatus.ACCEPTED, now=when)
