"""Fictitious demo data: organisations across the network, one account per role, and action
plans in every state of the workflow (programs/demo.py), support cases (enterprises/demo.py),
regional opportunities and regionalisation activities (regionalisation/demo.py).

Every organisation created here is marked ``is_demo`` and shown as « fictitious » in the
interface and in exports. Municipal bodies take their names from the real register; their
contacts, emails and phones are invented. Idempotent: a second run creates nothing new."""

import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from accounts.models import Role, User
from accounts.services import mfa_enrol_totp, user_create
from antennes.models import Office
from antennes.services import staff_assign
from enterprises.demo import seed_demo_enterprises
from opendata.demo import seed_demo_public_figures
from partners import services
from partners.models import Kind, NonProfitKind, Organisation
from portal.text import fold
from programs.demo import seed_demo_plans
from regionalisation.demo import seed_demo_regionalisation
from regions.demo import seed_demo_cohorts
from regions.models import Mrc, Municipality, Region

DEMO_PASSWORD = "Demo-Portail-2026!"
#: Base32 TOTP secret shared by the demo staff accounts (add it to an authenticator app,
#: or print the current code with ``python manage.py demo_totp``). Demo only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

ACCOUNTS = [
    # email, role, first name, last name, offices (slugs), organisation key
    ("admin@demo.portail.example", Role.ADMIN, "Alice", "Administratrice", [], None),
    ("gestionnaire.sit@demo.portail.example", Role.SIT_MANAGER, "Gabriel", "Gestionnaire",
     ["sherbrooke"], None),
    ("conseillere@demo.portail.example", Role.ADVISER, "Camille", "Conseillère",
     ["trois-rivieres", "shawinigan"], None),
    ("municipalite@demo.portail.example", Role.PARTNER, "Mathieu", "Municipal", [],
     "municipality:37067"),
    ("obnl@demo.portail.example", Role.PARTNER, "Nadia", "Organisme", [],
     "name:Accueil Mauricie (fictif)"),
    ("entreprise@demo.portail.example", Role.PARTNER, "Étienne", "Entrepreneur", [],
     "name:Usinage Boréal inc. (fictive)"),
    ("regionalisation@demo.portail.example", Role.PARTNER, "Rosalie", "Régions", [],
     "name:Passerelle Montréal-Régions (fictif)"),
]

#: Municipalities (geographic codes) and MRCs (codes) created from the register.
MUNICIPALITIES = ["37067", "36033", "43027", "47017", "49058", "56083", "58007", "81017",
                  "86042", "89008", "10043", "12072", "23027", "25213", "29073", "94068",
                  "91025", "03005", "97007", "65005", "66023", "66097", "61025", "75017",
                  "99025"]
MRCS = ["372", "510", "350", "450", "470", "560", "890", "100", "290"]

NON_PROFITS = [
    ("Accueil Mauricie (fictif)", NonProfitKind.SETTLEMENT, "04"),
    ("Carrefour d’intégration de l’Estrie (fictif)", NonProfitKind.SETTLEMENT, "05"),
    ("Passerelle Montréal-Régions (fictif)", NonProfitKind.REGIONALISATION, "06"),
    ("Francisation Côte-Nord (fictif)", NonProfitKind.FRANCISATION, "09"),
    ("Centre de services scolaire du Fleuve (fictif)", NonProfitKind.SCHOOL_SERVICE_CENTRE,
     "01"),
    ("Cégep de la Vallée (fictif)", NonProfitKind.CEGEP, "08"),
    ("Université du Plateau (fictive)", NonProfitKind.UNIVERSITY, "02"),
    ("Table de concertation Chaudière (fictive)", NonProfitKind.OTHER, "12"),
]
ENTERPRISES = [
    ("Usinage Boréal inc. (fictive)", "04"),
    ("Fromagerie des Cantons (fictive)", "05"),
    ("Transport Laurentien ltée (fictive)", "15"),
    ("Bleuets du Lac coop (fictive)", "02"),
    ("Acier Montérégie inc. (fictive)", "16"),
]
FIRST = ["Sophie", "Karim", "Mei", "Olivier", "Fatou", "Luis", "Isabelle", "Nguyen", "Amira",
         "Jean-François"]
LAST = ["Tremblay", "Gagnon", "Diallo", "Roy", "Côté", "Haddad", "Bouchard", "Pham", "Morin",
        "Lavoie"]


class Command(BaseCommand):
    help = "Create fictitious demo organisations and one account per role (idempotent)."

    def handle(self, *args, **options):
        # The demo's notifications stay in the portal: their emails are not printed.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._seed()

    @transaction.atomic
    def _seed(self):
        rng = random.Random(2026)  # noqa: S311 (fictitious names, not security)
        admin = User.objects.filter(email=ACCOUNTS[0][0]).first() or user_create(
            email=ACCOUNTS[0][0], role=Role.ADMIN, password=DEMO_PASSWORD,
            first_name=ACCOUNTS[0][2], last_name=ACCOUNTS[0][3])
        created = 0
        for code in MUNICIPALITIES:
            municipality = Municipality.objects.get(code=code)
            if not Organisation.objects.filter(kind=Kind.LOCAL_MUNICIPALITY,
                                               municipality=municipality).exists():
                services.organisation_create_from_register(
                    actor=admin, municipality=municipality, is_demo=True)
                created += 1
        for code in MRCS:
            mrc = Mrc.objects.get(code=code)
            if not Organisation.objects.filter(kind=Kind.MRC, mrc=mrc).exists():
                services.organisation_create_from_register(actor=admin, mrc=mrc, is_demo=True)
                created += 1
        for name, sub_kind, region_code in NON_PROFITS:
            if not Organisation.objects.filter(name=name).exists():
                services.organisation_create(
                    actor=admin, is_demo=True, name=name, kind=Kind.NON_PROFIT,
                    non_profit_kind=sub_kind, region=Region.objects.get(code=region_code),
                    email="info@exemple.org")
                created += 1
        for name, region_code in ENTERPRISES:
            if not Organisation.objects.filter(name=name).exists():
                services.organisation_create(
                    actor=admin, is_demo=True, name=name, kind=Kind.ENTERPRISE,
                    region=Region.objects.get(code=region_code), email="rh@exemple.com")
                created += 1
        for organisation in Organisation.objects.filter(is_demo=True, contacts__isnull=True):
            for i in range(2):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                services.contact_save(
                    actor=admin, organisation=organisation, first_name=first, last_name=last,
                    title="Agent·e de développement (fictif)" if i else "Direction (fictive)",
                    email=f"{fold(first)}.{fold(last)}@exemple.org".replace("ç", "c"),
                    phone=f"819 555-{rng.randint(1000, 9999)}", is_primary=i == 0)

        for email, role, first, last, office_slugs, org_key in ACCOUNTS[1:]:
            user = User.objects.filter(email=email).first() or user_create(
                email=email, role=role, password=DEMO_PASSWORD, first_name=first,
                last_name=last, actor=admin)
            for slug in office_slugs:
                staff_assign(user=user, office=Office.objects.get(slug=slug), actor=admin)
            if org_key:
                kind, _sep, value = org_key.partition(":")
                organisation = (Organisation.objects.get(kind=Kind.LOCAL_MUNICIPALITY,
                                                         municipality__code=value)
                                if kind == "municipality" else Organisation.objects.get(name=value))
                services.membership_create(actor=admin, user=user, organisation=organisation)
        for email, role, *_rest in ACCOUNTS:
            if role != Role.PARTNER:
                mfa_enrol_totp(user=User.objects.get(email=email), secret=DEMO_TOTP_SECRET)
        plans = seed_demo_plans(admin=admin, rng=rng)
        cases = seed_demo_enterprises(admin=admin, rng=rng)
        cohorts = seed_demo_cohorts()
        opportunities, activities = seed_demo_regionalisation(admin=admin, rng=rng)
        # Every table published and computed, labelled fictitious (opendata.demo).
        seed_demo_public_figures()

        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready ({created} fictitious organisations, {plans} action plans, "
            f"{cases} support cases, {opportunities} regional opportunities and {activities} "
            "regionalisation activities created this run)."))
        self.stdout.write(f"Fictitious cohort statistics: {cohorts} new rows "
                          "(fixtures/demo_cohorts_fictitious.csv).")
        self.stdout.write("")
        self.stdout.write("Comptes de démonstration / demo accounts "
                          f"(mot de passe / password: {DEMO_PASSWORD})")
        for email, role, *_rest in ACCOUNTS:
            self.stdout.write(f"  {Role(role).label:<28} {email}")
        self.stdout.write("")
        self.stdout.write(
            "Staff accounts use two-factor authentication. Secret TOTP / TOTP secret: "
            f"{DEMO_TOTP_SECRET}\n  (add it to an authenticator app, or run "
            "`python manage.py demo_totp` for the current code)")
