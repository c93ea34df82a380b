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

from . import services
from .models import (
    Case,
    CaseStatus,
    Enterprise,
    FrenchLevel,
    HelpKind,
    LegalForm,
    Nature,
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
    if Case.objects.filter(organisation__is_demo=True).exists():
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
                elif step == "refer":
                    services.referral_add(actor=adviser, case=case,
                                          target=ReferralTarget.EMPLOI_QUEBEC,
                                          referred_on=timezone.localdate(when),
                                          note="Programme de soutien au recrutement (fictif)")
                elif isinstance(step, tuple):
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
            created += 1
    return created
