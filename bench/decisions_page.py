"""Benchmark: the SIT manager's decisions page (plans waiting for a decision, by call, with
each call's envelope), its batch confirmation step, and a recommended plan's page.

Run: python bench/decisions_page.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 5,000 plans (the size the issue names) across every region's offices,
statuses, programs and two fiscal years of calls, each call with regional envelopes; --scale
0.01 seeds 50 plans and finishes in seconds. It works in its own database
(bench_decisions_page), dropped at the end, and prints a table, then one JSON line with every
figure."""

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from _pages import measure, seed_organisations  # noqa: E402  (bench/ is the script's own folder)
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = 30
#: Rounds at a smoke-run scale (CI's --scale 0.01 checks the script works, not the figures).
SMOKE_ROUNDS = 5
#: Plans selected on the batch confirmation step.
BATCH = 20


def seed(plan_count, creator, adviser):
    """Organisations in every office, two fiscal years of calls for each program (each with
    an envelope for every region), plans in every status, all written in bulk."""
    from django.utils import timezone

    from partners.models import MUNICIPAL_KINDS
    from programs.models import (
        ActionPlan,
        Call,
        Program,
        RegionEnvelope,
        Status,
        fiscal_year_of,
    )
    from regions.models import Region

    organisations = seed_organisations(plan_count)

    now = timezone.now()
    this_year = fiscal_year_of(timezone.localdate())
    regions = list(Region.objects.all())
    calls = {}
    for program in Program.objects.all():
        for year in (this_year - 1, this_year):
            call = Call.objects.create(
                program=program, title=f"Appel {program.code} {year}", fiscal_year=year,
                opens_at=now - timedelta(days=400 if year < this_year else 30),
                closes_at=now + timedelta(days=30) if year == this_year
                else now - timedelta(days=300),
                budget=Decimal("5000000.00"))
            RegionEnvelope.objects.bulk_create([
                RegionEnvelope(call=call, region=region, amount=Decimal("400000.00"))
                for region in regions])
            calls.setdefault(program.code, []).append(call)
    municipal_programs = [p.code for p in Program.objects.all()
                          if set(p.eligible_kinds) & set(MUNICIPAL_KINDS)]
    other_programs = [p.code for p in Program.objects.all() if p.code not in municipal_programs]

    statuses = list(Status.values)
    decided = {Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED}
    recommended = decided | {Status.RECOMMENDED, Status.REFUSED}
    plans = []
    for i in range(plan_count):
        organisation = organisations[i % len(organisations)]
        codes = municipal_programs if organisation.kind in MUNICIPAL_KINDS else other_programs
        call = calls[codes[i % len(codes)]][i % 2]
        status = statuses[i % len(statuses)]
        asked = Decimal(10_000 + (i % 50) * 1_000)
        plans.append(ActionPlan(
            organisation=organisation, call=call, title=f"Plan d’action {i:05}",
            starts_on=date(call.fiscal_year, 4, 1), ends_on=date(call.fiscal_year + 1, 3, 31),
            needs_analysis="Portrait des besoins.", objectives="Accueillir et retenir.",
            characteristics=["fair_access", "french"], status=status, created_by=creator,
            adviser=adviser if status != Status.DRAFT and i % 3 == 0 else None,
            requested_total=asked, partner_total=asked / 4, other_total=Decimal("0.00"),
            recommended_amount=asked * Decimal("0.9") if status in recommended else None,
            approved_amount=asked * Decimal("0.8") if status in decided else None,
            submitted_at=None if status == Status.DRAFT else now - timedelta(hours=i),
            decided_at=now - timedelta(hours=i // 2) if status in decided else None))
    return len(ActionPlan.objects.bulk_create(plans, batch_size=2000))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(50, int(5_000 * args.scale))
    rounds = ROUNDS if args.scale >= 0.1 else SMOKE_ROUNDS

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_decisions_page"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse

        from programs.models import ActionPlan, Status
        from programs.workflow import DECISION_STATUSES
        from tests.factories.accounts import StaffFactory, UserFactory
        from tests.factories.antennes import office

        users = {
            "manager": StaffFactory(role="sit_manager", offices=[office("sherbrooke")]),
            "admin": StaffFactory(role="admin"),
        }
        started = time.perf_counter()
        plans = seed(count, UserFactory(), StaffFactory(role="adviser",
                                                        offices=[office("trois-rivieres")]))
        seed_s = round(time.perf_counter() - started, 1)
        decisions = reverse("programs:decisions")
        results = {}
        print(f"Decisions page benchmark: {plans:,} plans (seeded in {seed_s} s), "
              f"{rounds} rounds per case")
        print(f"{'role':<8} {'case':<44} {'rows':>6} {'median ms':>10} {'p95 ms':>8}"
              f" {'queries':>8}")
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            scope = ActionPlan.objects.for_user(user)
            waiting = scope.filter(status__in=DECISION_STATUSES).count()
            recommended = list(scope.filter(status=Status.RECOMMENDED).order_by("pk")
                               .values_list("pk", flat=True)[:BATCH])
            cases = [
                ("decisions page, first page", decisions, None, waiting),
                ("decisions page, page 2", decisions, {"page": 2}, waiting),
                ("plan page of a recommended plan",
                 reverse("programs:plan_detail", args=[recommended[0]]), None, None),
            ]
            if role == "manager":
                cases.append((f"batch confirmation, {len(recommended)} plans",
                               reverse("programs:decisions_batch"), {"plan": recommended},
                               len(recommended)))
            for label, url, params, rows in cases:
                figures = measure(client, url, params, rounds=rounds)
                if rows is not None:
                    figures["rows"] = rows
                results[f"{role}: {label}"] = figures
                print(f"{role:<8} {label:<44} {rows if rows is not None else '':>6}"
                      f" {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                      f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "plans": plans, "rounds": rounds, "seed_s": seed_s}
    for key, figures in results.items():
        slug = (key.replace(": ", "_").replace(" ", "_").replace(",", ""))
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
