"""Benchmark: the board of regional opportunities, filtered, its htmx fragment, a later page
and an opportunity's page, as a regionalisation organisation's user and as an adviser.

Run: python bench/opportunity_board.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 20,000 opportunities of 2,000 enterprises across the 16 regions outside
Montréal (the size the issue's network reaches), a quarter of them on the board (published,
expiring in the next six months: about 5,000), the others drafts, awaiting validation,
filled, expired or withdrawn; referral counts from 50 organisations (25 Montréal
regionalisation organisations, 25 regional settlement organisations) on a third of the
validated opportunities, and follows. --scale 0.01 seeds 200 opportunities and finishes in
seconds. It works in its own database (bench_opportunity_board), dropped at the end, and
prints a table, then one JSON line with every figure."""

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from _pages import measure  # noqa: E402  (bench/ is the script's own folder)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = 30
OPPORTUNITIES_PER_ENTERPRISE = 10
REFERRING_ORGANISATIONS = 50
#: Municipalities used per region (the most populous ones an office serves).
PLACES_PER_REGION = 6
#: One status per slot, cycled: 5 of 20 are on the board.
STATUS_CYCLE = (["published"] * 5 + ["draft"] * 2 + ["submitted"] + ["filled"] * 5
                + ["expired"] * 6 + ["withdrawn"])


def places():
    """(municipality, office) pairs: the most populous municipalities of each region outside
    Montréal that an office serves, with that office."""
    from antennes.services import office_for_location
    from regionalisation.models import MONTREAL_REGION_CODE
    from regions.models import Municipality, Region

    found = []
    for region in Region.objects.exclude(code=MONTREAL_REGION_CODE).order_by("code"):
        candidates = (Municipality.objects.representable().filter(region=region)
                      .select_related("region", "mrc").order_by("-population", "code")[:30])
        chosen = 0
        for municipality in candidates:
            office = office_for_location(region=region, mrc=municipality.mrc,
                                         municipality=municipality)
            if office is not None:
                found.append((municipality, office))
                chosen += 1
            if chosen == PLACES_PER_REGION:
                break
    return found


def seed(opportunity_count):
    """Enterprises in every region outside Montréal, their opportunities in every status,
    referring organisations with their counts and follows, all written in bulk. Returns the
    figures and the measured users."""
    from django.utils import timezone

    from accounts.models import Role
    from enterprises.models import Enterprise, FrenchLevel, Sector, SizeBand
    from partners.models import Kind, NonProfitKind, Organisation
    from portal.text import fold
    from regionalisation.models import (
        Opportunity,
        OpportunityFollow,
        OpportunityReferral,
        OpportunityStatus,
    )
    from tests.factories.accounts import StaffFactory, UserFactory
    from tests.factories.antennes import office
    from tests.factories.enterprises import valid_neq
    from tests.factories.partners import PartnerUserFactory

    today = timezone.localdate()
    now = timezone.now()
    spots = places()
    creator = UserFactory()
    validator = StaffFactory(role=Role.ADVISER, offices=[office("trois-rivieres")])

    enterprise_count = max(20, opportunity_count // OPPORTUNITIES_PER_ENTERPRISE)
    names = [f"Entreprise {i:05} de {spots[i % len(spots)][0].name}"
             for i in range(enterprise_count)]
    enterprises = Organisation.objects.bulk_create([
        Organisation(name=name, kind=Kind.ENTERPRISE, non_profit_kind="",
                     office=spots[i % len(spots)][1], region=spots[i % len(spots)][0].region,
                     search_text=fold(name), is_demo=True)
        for i, name in enumerate(names)], batch_size=2000)
    sectors, sizes = list(Sector.values), list(SizeBand.values)
    Enterprise.objects.bulk_create([
        Enterprise(organisation=org, neq=valid_neq(20_000 + i), legal_form="corporation",
                   nature="for_profit", sector=sectors[i % len(sectors)],
                   size_band=sizes[i % len(sizes)])
        for i, org in enumerate(enterprises)], batch_size=2000)

    montreal = office("montreal")
    referrers = Organisation.objects.bulk_create([
        Organisation(
            name=f"Organisme référent {i:02}", kind=Kind.NON_PROFIT,
            non_profit_kind=(NonProfitKind.REGIONALISATION if i % 2 == 0
                             else NonProfitKind.SETTLEMENT),
            office=montreal if i % 2 == 0 else spots[i % len(spots)][1],
            region=montreal.region if i % 2 == 0 else spots[i % len(spots)][0].region,
            search_text=fold(f"Organisme référent {i:02}"), is_demo=True)
        for i in range(REFERRING_ORGANISATIONS)])
    users = [PartnerUserFactory(organisation=org) for org in referrers]

    titles = ["Soudeur ou soudeuse", "Préposé ou préposée aux bénéficiaires",
              "Électromécanicien ou électromécanicienne", "Cuisinier ou cuisinière",
              "Opérateur ou opératrice de production", "Technicien ou technicienne en "
              "génie civil", "Infirmier ou infirmière auxiliaire", "Camionneur ou camionneuse"]
    codes = ["72106", "33102", "72410", "63200", "94100", "22300", "32101", "73300"]
    levels = list(FrenchLevel.values)
    rows = []
    for i in range(opportunity_count):
        enterprise = enterprises[i % enterprise_count]
        municipality, serving = spots[(i // enterprise_count + i) % len(spots)]
        status = STATUS_CYCLE[(i * 7) % len(STATUS_CYCLE)]
        validated = status in ("published", "filled", "expired")
        if status == "published":
            expires_on = today + timedelta(days=1 + i % 180)
        elif status == "expired":
            expires_on = today - timedelta(days=1 + i % 200)
        else:
            expires_on = today + timedelta(days=(i % 200) - 60)
            if status in ("draft", "submitted"):
                expires_on = today + timedelta(days=10 + i % 100)
        rows.append(Opportunity(
            enterprise=enterprise, title=f"{titles[i % len(titles)]} {i:05}",
            description="Poste permanent, 40 heures par semaine.",
            positions=1 + (i * 13) % 12, noc_code=codes[i % len(codes)],
            sector=sectors[i % len(sectors)], french_level=levels[(i // 3) % len(levels)],
            municipality=municipality, region=municipality.region, office=serving,
            start_date=today + timedelta(days=30 + i % 90),
            offers_housing=i % 2 == 0, offers_moving_costs=i % 3 == 0,
            offers_spouse_employment=i % 5 == 0, expires_on=expires_on,
            status=status, created_by=creator,
            created_at=now - timedelta(days=i % 365),
            submitted_at=None if status == "draft" else now - timedelta(days=i % 300),
            published_at=now - timedelta(hours=i % 5000) if validated else None,
            validated_by=validator if validated else None,
            closed_at=now - timedelta(days=i % 30) if status in (
                "filled", "expired", "withdrawn") else None))
        if len(rows) == 5000:
            Opportunity.objects.bulk_create(rows)
            rows = []
    Opportunity.objects.bulk_create(rows)

    validated_ids = list(Opportunity.objects.filter(status__in=[
        OpportunityStatus.PUBLISHED, OpportunityStatus.FILLED, OpportunityStatus.EXPIRED])
        .order_by("pk").values_list("pk", flat=True))
    referrals, follows = [], []
    for n, pk in enumerate(validated_ids):
        if n % 3 == 0:
            for k in range(1 + n % 4):
                candidates = 1 + (n + k) % 6
                interviews = candidates // 2
                referrals.append(OpportunityReferral(
                    opportunity_id=pk, organisation=referrers[(n + k * 7) % len(referrers)],
                    candidates=candidates, interviews=interviews, hires=interviews // 2,
                    updated_by=users[(n + k * 7) % len(users)], updated_at=now))
        if n % 10 == 0:
            follows.append(OpportunityFollow(opportunity_id=pk, user=users[n % len(users)]))
    OpportunityReferral.objects.bulk_create(referrals, batch_size=5000)
    OpportunityFollow.objects.bulk_create(follows, batch_size=5000)
    return {
        "opportunities": Opportunity.objects.count(),
        "enterprises": enterprise_count,
        "on_board": Opportunity.objects.on_board(today).count(),
        "referrals": len(referrals),
        "follows": len(follows),
        "regions": len({m.region_id for m, _office in spots}),
        "organisation_user": users[0],  # a Montréal regionalisation organisation's user
        "validator": validator,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(200, int(20_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_opportunity_board"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.db.models import Count
        from django.urls import reverse
        from django.utils import timezone

        from enterprises.models import FrenchLevel
        from regionalisation.models import Opportunity

        started = time.perf_counter()
        seeded = seed(count)
        seed_s = round(time.perf_counter() - started, 1)
        users = {"organisation": seeded["organisation_user"], "adviser": seeded["validator"]}
        today = timezone.localdate()
        board_rows = Opportunity.objects.on_board(today)
        filtered = {"region": "04", "french_level": FrenchLevel.INTERMEDIATE,
                    "settlement_help": ["offers_housing"]}
        filtered_rows = board_rows.filter(
            region__code="04", offers_housing=True,
            french_level__in=list(FrenchLevel.values)[:3]).count()
        # An opportunity of the adviser's territory on the board, with the most referrals.
        territory = board_rows.filter(
            pk__in=Opportunity.objects.for_user(seeded["validator"]).values("pk"))
        detail = ((territory if territory.exists() else board_rows)
                  .annotate(n=Count("referrals")).order_by("-n", "pk").first())
        board = reverse("regionalisation:board")
        results = {}
        print(f"Opportunity board benchmark: {seeded['opportunities']:,} opportunities of "
              f"{seeded['enterprises']:,} enterprises in {seeded['regions']} regions, "
              f"{seeded['on_board']:,} on the board, {seeded['referrals']:,} referral counts "
              f"from {REFERRING_ORGANISATIONS} organisations, {seeded['follows']:,} follows "
              f"(seeded in {seed_s} s), {ROUNDS} rounds per case")
        print(f"{'role':<13} {'case':<44} {'rows':>6} {'median ms':>10} {'p95 ms':>8}"
              f" {'queries':>8}")
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            cases = [
                ("board, first page", board, None, None, seeded["on_board"]),
                ("board, region + French level + housing", board, filtered, None,
                 filtered_rows),
                ("board, htmx fragment, same filters", board, filtered,
                 {"HX-Request": "true"}, None),
                ("board, page 5", board, {"page": 5}, None, None),
                (f"opportunity page ({detail.n} referrals)",
                 reverse("regionalisation:opportunity_detail", args=[detail.pk]), None, None,
                 None),
            ]
            for label, url, params, headers, rows in cases:
                figures = measure(client, url, params, headers, rounds=ROUNDS)
                if rows is not None:
                    figures["rows"] = rows
                key = "opportunity page" if label.startswith("opportunity page") else label
                results[f"{role}: {key}"] = figures
                print(f"{role:<13} {label:<44} {rows if rows is not None else '':>6}"
                      f" {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                      f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "opportunities": seeded["opportunities"],
               "enterprises": seeded["enterprises"], "on_board": seeded["on_board"],
               "referrals": seeded["referrals"], "follows": seeded["follows"],
               "rounds": ROUNDS, "seed_s": seed_s}
    for key, figures in results.items():
        slug = (key.replace(": ", "_").replace(" + ", "_").replace(" ", "_").replace(",", "")
                .replace("(", "").replace(")", ""))
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
