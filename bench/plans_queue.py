"""Benchmark: the ministry's queue of action plans, filtered, exported, and a plan's page.

Run: python bench/plans_queue.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 5,000 plans with 50,000 measures (each with an indicator and a budget line)
across every region's offices, statuses and programs, the size the issue names; --scale 0.01
seeds 50 plans and finishes in seconds. It works in its own database (bench_plans_queue),
dropped at the end, and prints a table, then one JSON line with every figure."""

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
MEASURES_PER_PLAN = 10


def seed(plan_count, creator, adviser):
    """Organisations in every office, two fiscal years of calls for each program, plans in
    every status and their measures, all written in bulk."""
    from django.utils import timezone

    from partners.models import MUNICIPAL_KINDS
    from programs.models import (
        ActionPlan,
        Axis,
        BudgetLine,
        Call,
        Indicator,
        Measure,
        Program,
        Status,
        fiscal_year_of,
    )

    organisations = seed_organisations(plan_count)

    now = timezone.now()
    this_year = fiscal_year_of(timezone.localdate())
    calls = {}
    for program in Program.objects.all():
        for year in (this_year - 1, this_year):
            calls.setdefault(program.code, []).append(Call.objects.create(
                program=program, title=f"Appel {program.code} {year}", fiscal_year=year,
                opens_at=now - timedelta(days=400 if year < this_year else 30),
                closes_at=now + timedelta(days=30) if year == this_year
                else now - timedelta(days=300),
                budget=Decimal("5000000.00")))
    municipal_programs = [p.code for p in Program.objects.all()
                          if set(p.eligible_kinds) & set(MUNICIPAL_KINDS)]
    other_programs = [p.code for p in Program.objects.all() if p.code not in municipal_programs]

    statuses = list(Status.values)
    decided = {Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED}
    recommended = decided | {Status.RECOMMENDED, Status.NOT_RECOMMENDED, Status.REFUSED}
    plans = []
    for i in range(plan_count):
        organisation = organisations[i % len(organisations)]
        codes = municipal_programs if organisation.kind in MUNICIPAL_KINDS else other_programs
        call = calls[codes[i % len(codes)]][i % 2]
        status = statuses[i % len(statuses)]
        asked = Decimal(10_000 + (i % 50) * 1_000)
        start = date(call.fiscal_year, 4, 1)
        plans.append(ActionPlan(
            organisation=organisation, call=call, title=f"Plan d’action {i:05}",
            starts_on=start, ends_on=date(call.fiscal_year + 1, 3, 31),
            needs_analysis="Portrait des besoins.", objectives="Accueillir et retenir.",
            characteristics=["fair_access", "french"], status=status, created_by=creator,
            adviser=adviser if status != Status.DRAFT and i % 3 == 0 else None,
            requested_total=asked, partner_total=asked / 4, other_total=Decimal("0.00"),
            recommended_amount=asked * Decimal("0.9") if status in recommended else None,
            approved_amount=asked * Decimal("0.8") if status in decided else None,
            submitted_at=None if status == Status.DRAFT else now - timedelta(hours=i),
            decided_at=now - timedelta(hours=i // 2) if status in decided else None))
    plans = ActionPlan.objects.bulk_create(plans, batch_size=2000)

    axes = list(Axis.values)
    measures = []
    for n, plan in enumerate(plans):
        for j in range(MEASURES_PER_PLAN):
            measures.append(Measure(
                plan=plan, axis=axes[(n + j) % len(axes)], title=f"Mesure {j + 1}",
                description="Activités de jumelage interculturel.",
                target_groups="Personnes immigrantes", starts_on=plan.starts_on,
                ends_on=plan.ends_on, partners_involved="Bibliothèque", position=j))
    measures = Measure.objects.bulk_create(measures, batch_size=5000)
    Indicator.objects.bulk_create([
        Indicator(measure=m, name="Participants", unit="personnes", target_value=Decimal(40))
        for m in measures], batch_size=5000)
    BudgetLine.objects.bulk_create([
        BudgetLine(measure=m, label="Animation", requested_amount=Decimal(1000),
                   partner_amount=Decimal(250)) for m in measures], batch_size=5000)
    return len(plans), len(measures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(50, int(5_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_plans_queue"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse

        from programs.models import ActionPlan, Status
        from tests.factories.accounts import StaffFactory, UserFactory
        from tests.factories.antennes import office

        tr = office("trois-rivieres")
        users = {
            "adviser": StaffFactory(role="adviser", offices=[tr]),
            "admin": StaffFactory(role="admin"),
        }
        started = time.perf_counter()
        plans, measures = seed(count, UserFactory(), users["adviser"])
        seed_s = round(time.perf_counter() - started, 1)
        queue = reverse("programs:queue")
        filtered = {"status": [Status.SUBMITTED, Status.IN_REVIEW], "axis": "retention",
                    "region": tr.region.code}
        results = {}
        print(f"Plans queue benchmark: {plans:,} plans, {measures:,} measures (seeded in "
              f"{seed_s} s), {ROUNDS} rounds per case")
        print(f"{'role':<8} {'case':<44} {'rows':>6} {'median ms':>10} {'p95 ms':>8}"
              f" {'queries':>8}")
        for role, user in users.items():
            client = Client()
            client.force_login(user)
            scope = ActionPlan.objects.for_user(user)
            plan = (scope.filter(organisation__office=tr).exclude(status=Status.DRAFT)
                    .order_by("pk").first())
            cases = [
                ("queue, first page", queue, None, None,
                 scope.exclude(status=Status.DRAFT).count()),
                ("queue, status + axis + region", queue, filtered, None,
                 scope.filter(status__in=filtered["status"]).with_axis("retention")
                 .filter(organisation__region__code=tr.region.code).count()),
                ("queue, htmx fragment, same filters", queue, filtered, {"HX-Request": "true"},
                 None),
                ("queue, sorted by organisation, page 3", queue,
                 {"ordering": "organisation", "page": 3}, None, None),
                ("CSV export, same filters", reverse("programs:queue_export", args=["csv"]),
                 filtered, None, None),
                ("plan page (10 measures)", reverse("programs:plan_detail", args=[plan.pk]),
                 None, None, None),
            ]
            for label, url, params, headers, rows in cases:
                figures = measure(client, url, params, headers, rounds=ROUNDS)
                if rows is not None:
                    figures["rows"] = rows
                results[f"{role}: {label}"] = figures
                print(f"{role:<8} {label:<44} {rows if rows is not None else '':>6}"
                      f" {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                      f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, "plans": plans, "measures": measures, "rounds": ROUNDS,
               "seed_s": seed_s}
    for key, figures in results.items():
        slug = (key.replace(": ", "_").replace(" + ", "_").replace(" ", "_").replace(",", "")
                .replace("(", "").replace(")", ""))
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
