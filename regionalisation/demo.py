"""Fictitious regional opportunities, referral counts, follows and regionalisation activities
for the demo (``manage.py seed_demo``), made through the same services as real ones.

- Montréal regionalisation and settlement organisations (marked fictitious) are created once
  through the partners services when missing.
- The demo enterprises publish opportunities in their regions (never Montréal), in every
  status of the workflow; the Mauricie enterprise (« Usinage Boréal », the demo enterprise
  account) has one in each, two of them awaiting the demo adviser's validation (Trois-Rivières
  and Shawinigan). Published ones expire in the future, so the board is never empty.
- Montréal organisations follow some and record referral counts (counts only).
- About twelve activities of every type over the last 18 months promote various regions, with
  participants and their 6- and 12-month outcomes, a few of them still due.

Idempotent: opportunities are created only when no demo opportunity exists, activities only
when no demo activity exists. Creation and moves are dated a few days or weeks back
(``today``/``now`` in the past) so that the board and the history read like real use.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import User
from enterprises.models import Case, FrenchLevel, Sector, Topic
from partners import services as partner_services
from partners.demo import demo_adviser_for, demo_adviser_for_office, demo_partner_for
from partners.models import Kind, NonProfitKind, Organisation
from regions.models import Municipality, Region

from . import services
from .models import (
    OUTCOME_MONTHS,
    Activity,
    ActivityKind,
    Opportunity,
    OpportunityStatus,
)

S = OpportunityStatus

#: The Montréal organisations that use the board (name, kind). The first one is the demo
#: regionalisation account's organisation (also listed in ``seed_demo``'s NON_PROFITS).
MONTREAL_ORGANISATIONS = [
    ("Passerelle Montréal-Régions (fictif)", NonProfitKind.REGIONALISATION),
    ("Cap sur les régions Montréal (fictif)", NonProfitKind.REGIONALISATION),
    ("Accueil Nouveaux Arrivants Montréal (fictif)", NonProfitKind.SETTLEMENT),
]
#: Other organisations of the demo that see the board and refer candidates (the demo
#: settlement account's organisation).
OTHER_REFERRERS = ["Accueil Mauricie (fictif)"]
MONTREAL_MUNICIPALITY = "66023"

#: Where each demo enterprise's jobs are (municipality codes, by enterprise name).
PLACES = {
    "Usinage Boréal inc. (fictive)": ["37067", "36033"],  # Trois-Rivières, Shawinigan
    "Fromagerie des Cantons (fictive)": ["43027", "47017"],  # Sherbrooke, Granby
    "Transport Laurentien ltée (fictive)": ["75017", "61025"],  # Saint-Jérôme, Joliette
    "Bleuets du Lac coop (fictive)": ["94068", "91025"],  # Saguenay, Roberval
    "Acier Montérégie inc. (fictive)": ["56083", "49058"],  # Saint-Jean, Drummondville
}
#: Title, NOC 2021 code and sector of the jobs offered.
JOBS = [
    ("Machiniste", "72100", Sector.MANUFACTURING),
    ("Soudeur ou soudeuse", "72106", Sector.MANUFACTURING),
    ("Cuisinier ou cuisinière", "63200", Sector.ACCOMMODATION),
    ("Conducteur ou conductrice de camion", "73300", Sector.TRANSPORTATION),
    ("Ouvrier ou ouvrière agricole", "85100", Sector.AGRICULTURE),
    ("Préposé ou préposée aux bénéficiaires", "33102", Sector.HEALTH),
    ("Mécanicien ou mécanicienne de machinerie lourde", "72401", Sector.TRANSPORTATION),
    ("Opérateur ou opératrice de machines de transformation des aliments", "94140",
     Sector.MANUFACTURING),
    ("Technicien ou technicienne en génie industriel", "22301", Sector.PROFESSIONAL),
]
FRENCH_LEVELS = [FrenchLevel.INTERMEDIATE, FrenchLevel.BASIC, FrenchLevel.ADVANCED,
                 FrenchLevel.NONE]

#: The status each demo opportunity of the Mauricie enterprise is brought to, with the index of
#: its place in ``PLACES`` (every status; two awaiting the demo adviser's validation, one in
#: each of her offices; one published with referrals and hires). The other enterprises'
#: opportunities follow ``OTHER_STATUSES``, alternating between their two places.
BOREAL_STATUSES = [("published_referred", 0), ("published_soon", 1), ("submitted", 0),
                   ("submitted", 1), ("draft_sent_back", 0), ("filled", 1), ("expired", 0),
                   ("withdrawn_published", 0)]
OTHER_STATUSES = ["published_referred", "published_soon", "submitted", "draft", "filled",
                  "expired|withdrawn_submitted"]

COMMENTS = {
    "send_back": "Merci de préciser l’aide au logement offerte et la date d’entrée en poste. "
                 "(commentaire fictif)",
    "withdraw": "Poste pourvu par une candidature interne. (commentaire fictif)",
}

#: Activities: (days ago it started, length in days, kind, promoted region codes).
ACTIVITIES = [
    (540, 1, ActivityKind.INFORMATION_SESSION, ["04", "17"]),
    (500, 1, ActivityKind.JOB_FAIR, ["02", "08"]),
    (455, 3, ActivityKind.EXPLORATORY_STAY, ["04"]),
    (410, 1, ActivityKind.GROUP_VISIT, ["05", "16"]),
    (360, 1, ActivityKind.INFORMATION_SESSION, ["01", "11"]),
    (300, 1, ActivityKind.JOB_FAIR, ["04", "05", "15"]),
    (250, 2, ActivityKind.EXPLORATORY_STAY, ["02"]),
    (215, 1, ActivityKind.GROUP_VISIT, ["04"]),
    (160, 1, ActivityKind.INFORMATION_SESSION, ["07", "08"]),
    (110, 3, ActivityKind.EXPLORATORY_STAY, ["09", "10"]),
    (60, 1, ActivityKind.JOB_FAIR, ["12", "03", "04"]),
    (25, 1, ActivityKind.GROUP_VISIT, ["16", "17"]),
]
ACTIVITY_TITLES = {
    ActivityKind.INFORMATION_SESSION: "Séance d’information : vivre et travailler en {region}",
    ActivityKind.JOB_FAIR: "Salon de l’emploi en région : {region} et plus",
    ActivityKind.EXPLORATORY_STAY: "Séjour exploratoire en {region}",
    ActivityKind.GROUP_VISIT: "Visite de groupe d’entreprises en {region}",
}
#: Which outcomes are left unrecorded (by activity index): they show as due.
OUTCOMES_LEFT_DUE = {(2, 12), (6, 6), (7, 6)}


def _aware(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def demo_montreal_organisations(*, admin: User) -> list[Organisation]:
    """The Montréal regionalisation and settlement organisations of the demo, created once."""
    montreal = Municipality.objects.select_related("region", "mrc").get(
        code=MONTREAL_MUNICIPALITY)
    organisations = []
    for name, sub_kind in MONTREAL_ORGANISATIONS:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None:
            organisation = partner_services.organisation_create(
                actor=admin, is_demo=True, name=name, kind=Kind.NON_PROFIT,
                non_profit_kind=sub_kind, region=montreal.region, municipality=montreal,
                email="info@exemple.org")
        organisations.append(organisation)
    return organisations


def _recruitment_case(enterprise: Organisation, adviser: User) -> Case | None:
    for case in Case.objects.for_user(adviser).filter(organisation=enterprise).order_by("pk"):
        if Topic.RECRUITMENT in (case.topics or []):
            return case
    return None


def _referrers(admin: User) -> list[User]:
    """One user per organisation that records referral counts: the demo accounts where they
    exist (regionalisation@, obnl@), placeholders otherwise."""
    names = [name for name, _kind in MONTREAL_ORGANISATIONS] + OTHER_REFERRERS
    users = []
    for name in names:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is not None:
            users.append(demo_partner_for(organisation, admin))
    return users


def _referral_counts(rng: random.Random, positions: int, hired: bool) -> dict:
    candidates = rng.randint(2, 8)
    interviews = rng.randint(1, candidates)
    hires = min(interviews, rng.randint(1, positions)) if hired else rng.randint(
        0, min(1, interviews))
    return {"candidates": candidates, "interviews": interviews, "hires": hires}


def _opportunity(*, enterprise, spec, index, place, rng, admin, referrers, today):
    """Create one opportunity and bring it to ``spec``; return it."""
    partner = demo_partner_for(enterprise, admin)
    municipality = Municipality.objects.select_related("region", "mrc").get(code=place)
    title, noc, sector = JOBS[(index + len(enterprise.name)) % len(JOBS)]
    positions = rng.randint(1, 6)
    expired = spec == "expired"
    # Expired ones were posted two or three months ago; their date passed in the last weeks.
    posted = today - timedelta(days=rng.randint(55, 80)) if expired else today - timedelta(
        days=rng.randint(4, 25))
    if expired:
        expires_on = posted + timedelta(days=rng.randint(30, 45))
    elif spec == "published_soon":
        expires_on = today + timedelta(days=rng.randint(3, 6))  # the employer is reminded
    else:
        expires_on = today + timedelta(days=rng.randint(30, 90))
    fields = {
        "title": f"{title} (offre fictive)",
        "description": ("Poste permanent à temps plein, 40 heures par semaine, de jour. "
                        "Formation à l’interne. (données fictives)"),
        "positions": positions, "noc_code": noc, "sector": sector,
        "french_level": FRENCH_LEVELS[index % len(FRENCH_LEVELS)],
        "municipality": municipality,
        "start_date": max(expires_on, today) + timedelta(days=rng.randint(14, 60)),
        "offers_housing": index % 2 == 0, "offers_moving_costs": index % 3 != 1,
        "offers_spouse_employment": index % 3 == 0,
        "settlement_details": ("Logement meublé les trois premiers mois ; aide à la "
                               "recherche d’emploi pour la conjointe ou le conjoint "
                               "avec l’organisme d’accueil local. (fictif)"),
        "expires_on": expires_on,
    }
    adviser_of_enterprise = demo_adviser_for(enterprise, admin)
    case = _recruitment_case(enterprise, adviser_of_enterprise) if index == 0 else None
    if case is not None:  # published by the adviser from the enterprise's recruitment case
        opportunity = services.opportunity_create(actor=adviser_of_enterprise,
                                                  enterprise=enterprise, case=case,
                                                  today=posted, now=_aware(posted, 8),
                                                  **fields)
    else:
        opportunity = services.opportunity_create(actor=partner, enterprise=enterprise,
                                                  today=posted, now=_aware(posted, 8),
                                                  **fields)
    if spec == "draft":
        return opportunity
    validator = demo_adviser_for_office(opportunity.office, admin)
    when = _aware(posted, 9)

    def move(actor, to, comment="", days=0, hour=10):
        nonlocal when
        when = max(when, _aware(posted + timedelta(days=days), hour))
        return services.opportunity_transition(actor=actor, opportunity_id=opportunity.pk,
                                               to=to, comment=comment, now=when,
                                               today=timezone.localdate(when))

    move(partner, S.SUBMITTED)
    if spec == "draft_sent_back":
        return move(validator, S.DRAFT, COMMENTS["send_back"], days=1)
    if spec == "submitted":
        return opportunity
    if spec == "withdrawn_submitted":
        return move(partner, S.WITHDRAWN, days=1)
    opportunity = move(validator, S.PUBLISHED, days=1, hour=14)
    if expired:
        day_after = opportunity.expires_on + timedelta(days=1)
        return services.opportunity_transition(
            actor=None, opportunity_id=opportunity.pk, to=S.EXPIRED,
            now=_aware(day_after, 2), today=day_after)
    # Montréal organisations follow it and present candidates (counts only).
    chosen = rng.sample(referrers, k=min(len(referrers),
                                         2 if spec in ("published_referred", "filled") else 1))
    for k, referrer in enumerate(chosen):
        if k == 0 or spec == "published_referred":
            services.opportunity_follow(actor=referrer, opportunity_id=opportunity.pk)
        if spec in ("published_referred", "filled") or (spec == "published_soon" and k == 0
                                                        and index % 2):
            services.referral_record(
                actor=referrer, opportunity_id=opportunity.pk,
                now=min(timezone.now(), when + timedelta(hours=rng.randint(2, 30))),
                **_referral_counts(rng, positions, hired=spec == "filled" or k == 0))
    if spec == "filled":
        return move(partner, S.FILLED, days=3)
    if spec == "withdrawn_published":
        return move(partner, S.WITHDRAWN, COMMENTS["withdraw"], days=3)
    return opportunity


def _seed_opportunities(admin: User, rng: random.Random, today: date) -> int:
    enterprises = list(Organisation.objects.filter(is_demo=True, kind=Kind.ENTERPRISE,
                                                   name__in=PLACES)
                       .select_related("office").order_by("name"))
    referrers = _referrers(admin)
    created = 0
    for e, enterprise in enumerate(enterprises):
        places = PLACES[enterprise.name]
        if enterprise.name.startswith("Usinage Boréal"):
            specs = BOREAL_STATUSES
        else:
            specs = [(spec.split("|")[e % 2] if "|" in spec else spec, i % 2)
                     for i, spec in enumerate(OTHER_STATUSES)]
        for i, (spec, place) in enumerate(specs):
            _opportunity(enterprise=enterprise, spec=spec, index=i, place=places[place],
                         rng=rng, admin=admin, referrers=referrers, today=today)
            created += 1
    return created


def _seed_activities(admin: User, rng: random.Random, today: date) -> int:
    organisations = [Organisation.objects.get(name=name)
                     for name, kind in MONTREAL_ORGANISATIONS
                     if kind == NonProfitKind.REGIONALISATION]
    demo_account = User.objects.filter(email="regionalisation@demo.portail.example").first()
    regions = {region.code: region for region in Region.objects.all()}
    enterprises = list(Organisation.objects.filter(is_demo=True, kind=Kind.ENTERPRISE)
                       .select_related("region"))
    municipalities = list(Municipality.objects.filter(
        code__in=[code for codes in PLACES.values() for code in codes]).select_related(
            "region"))
    created = 0
    for i, (days_ago, length, kind, codes) in enumerate(ACTIVITIES):
        organisation = organisations[i % len(organisations)]
        actor = (demo_account if demo_account is not None
                 and getattr(getattr(demo_account, "membership", None), "organisation_id",
                             None) == organisation.pk
                 else demo_partner_for(organisation, admin))
        promoted = [regions[code] for code in codes]
        starts_on = today - timedelta(days=days_ago)
        participants = rng.randint(12, 60)
        activity = services.activity_create(
            actor=actor, regions=promoted,
            partner_enterprises=[org for org in enterprises if org.region.code in codes],
            partner_municipalities=[m for m in municipalities if m.region.code in codes],
            kind=kind,
            title=ACTIVITY_TITLES[kind].format(region=promoted[0].name) + " (fictif)",
            starts_on=starts_on, ends_on=starts_on + timedelta(days=length - 1),
            description=("Présentation des emplois, du logement et des services d’accueil de "
                         "la région, avec des employeurs et des organismes locaux. "
                         "(données fictives)"),
            participants=participants,
            other_partners="Carrefour jeunesse-emploi de la région (fictif)")
        created += 1
        for months in OUTCOME_MONTHS:
            if today < activity.outcome_due_on(months) or (i, months) in OUTCOMES_LEFT_DUE:
                continue
            share = max(1, participants // (3 * len(promoted)))
            settled = {region.pk: rng.randint(0, share) for region in promoted}
            services.activity_outcomes_record(actor=actor, activity_id=activity.pk,
                                              months=months, settled=settled, today=today)
    return created


def seed_demo_regionalisation(*, admin: User, rng: random.Random) -> tuple[int, int]:
    """Create the demo's Montréal organisations, opportunities (with follows and referral
    counts) and activities once; return how many opportunities and activities were created
    this run."""
    today = timezone.localdate()
    demo_montreal_organisations(admin=admin)
    opportunities = activities = 0
    if not Opportunity.objects.filter(enterprise__is_demo=True).exists():
        opportunities = _seed_opportunities(admin, rng, today)
    if not Activity.objects.filter(organisation__is_demo=True).exists():
        activities = _seed_activities(admin, rng, today)
    return opportunities, activities
