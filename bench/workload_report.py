"""Benchmark: the workload report (« Charge de travail ») and its export.

Run: python bench/workload_report.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 100,000 interventions (the size the issue names) on 20,000 support cases of
2,000 enterprises across every office, spread over the last ten years, by two advisers per
office, every kind of intervention and of help; --scale 0.01 seeds 1,000 and finishes in
seconds. It works in its own database (bench_workload_report), dropped at the end.

The page is rendered through the Django test client as a SIT manager (one SIT's offices) and as
a central administrator (every office), for the default period (the last 12 months) and for
the whole ten years, then the CSV export of the last 12 months. Prints a table, then one JSON
line with every figure."""

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
INTERVENTIONS_PER_CASE = 5
CASES_PER_ENTERPRISE = 10
YEARS = 10


def seed(intervention_count):
    """Enterprises in every office, two advisers per office, a SIT manager per SIT, cases
    opened over ten years and their interventions, in bulk. Returns the SIT manager of the
    SIT with the most offices, and the figures seeded."""
    from django.utils import timezone

    from accounts.models import Role
    from antennes.models import Office, Sit
    from enterprises.models import (
        Case,
        CaseStatus,
        Enterprise,
        HelpKind,
        Intervention,
        InterventionKind,
    )
    from partners.models import Kind, Organisation
    from portal.text import fold
    from tests.factories.accounts import StaffFactory, UserFactory
    from tests.factories.enterprises import valid_neq

    offices = list(Office.objects.select_related("region").order_by("pk"))
    advisers = {o.pk: [StaffFactory(role=Role.ADVISER, offices=[o], mfa=False)
                       for _ in range(2)] for o in offices}
    managers = {}
    for sit in Sit.objects.prefetch_related("offices"):
        seat = next((o for o in sit.offices.all() if o.kind == "sit_seat"),
                    sit.offices.first())
        if seat is not None:
            managers[sit.pk] = (StaffFactory(role=Role.SIT_MANAGER, offices=[seat]),
                                len(sit.offices.all()))
    manager = max(managers.values(), key=lambda pair: pair[1])[0]
    creator = UserFactory()

    case_count = max(20, intervention_count // INTERVENTIONS_PER_CASE)
    org_count = max(10, case_count // CASES_PER_ENTERPRISE)
    names = [f"Entreprise {i:06} de {offices[i % len(offices)].city}"
             for i in range(org_count)]
    organisations = Organisation.objects.bulk_create([
        Organisation(name=name, kind=Kind.ENTERPRISE, non_profit_kind="",
                     office=offices[i % len(offices)], region=offices[i % len(offices)].region,
                     search_text=fold(name), is_demo=True)
        for i, name in enumerate(names)], batch_size=2000)
    Enterprise.objects.bulk_create([
        Enterprise(organisation=org, neq=valid_neq(10_000 + i), legal_form="corporation",
                   nature="for_profit", sector="31-33", size_band="20-49")
        for i, org in enumerate(organisations)], batch_size=2000)

    now = timezone.now()
    today = timezone.localdate()
    span_days = YEARS * 365
    helps = list(HelpKind.values)
    cases = []
    for i in range(case_count):
        org = organisations[i % org_count]
        opened = now - timedelta(days=(i * 7919) % span_days + 1)
        old = (now - opened).days > 90
        cases.append(Case(
            organisation=org, office_id=org.office_id,
            adviser=advisers[org.office_id][i % 2], subject="Recruter des soudeurs",
            help_kinds=[helps[i % 3], helps[(i + 1) % 3]], topics=["recruitment"],
            description="Recrutement de soudeurs.",
            status=CaseStatus.CLOSED if old else CaseStatus.IN_PROGRESS,
            outcome="resolved" if old else "",
            closed_at=opened + timedelta(days=60) if old else None,
            next_follow_up=None if old else today + timedelta(days=7),
            opened_at=opened, created_by=creator))
    cases = Case.objects.bulk_create(cases, batch_size=5000)

    kinds = list(InterventionKind.values)
    batch, made = [], 0
    for n in range(intervention_count):
        case = cases[n % case_count]
        step = n // case_count  # the case's first, second... intervention
        day = min(timezone.localdate(case.opened_at) + timedelta(days=step * 7 + n % 5),
                  today)
        batch.append(Intervention(
            case=case, kind=kinds[n % len(kinds)], help_kind=case.help_kinds[n % 2], day=day,
            duration_minutes=10 + (n * 37) % 171,
            participants="Direction (fictif)", summary="",
            adviser=advisers[case.office_id][(n // 3) % 2]))
        if len(batch) == 10_000:
            Intervention.objects.bulk_create(batch)
            made += len(batch)
            batch = []
    Intervention.objects.bulk_create(batch)
    made += len(batch)
    return manager, {"offices": len(offices), "advisers": 2 * len(offices),
                     "enterprises": org_count, "cases": case_count, "interventions": made}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(1_000, int(100_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_workload_report"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse
        from django.utils import timezone

        from enterprises import workload
        from tests.factories.accounts import StaffFactory

        started = time.perf_counter()
        manager, sizes = seed(count)
        admin = StaffFactory(role="admin")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        seed_s = round(time.perf_counter() - started, 1)

        page = reverse("enterprises:case_workload")
        this_month = timezone.localdate().replace(day=1)
        ten_years = {"month_from": workload.add_months(this_month, 1 - 12 * YEARS)
                     .strftime("%Y-%m"), "month_to": this_month.strftime("%Y-%m")}
        print(f"Workload report benchmark: {sizes['interventions']:,} interventions on "
              f"{sizes['cases']:,} cases of {sizes['enterprises']:,} enterprises, "
              f"{sizes['offices']} offices, {sizes['advisers']} advisers, over {YEARS} years "
              f"(seeded in {seed_s} s), {ROUNDS} rounds per case")
        print(f"{'role':<12} {'case':<36} {'rows':>8} {'median ms':>10} {'p95 ms':>8}"
              f" {'queries':>8}")
        results = {}
        for role, user in (("sit_manager", manager), ("admin", admin)):
            client = Client()
            client.force_login(user)
            scope = workload.scope(user)
            start, _end = workload.default_period()
            cases = [
                ("page, last 12 months", page, None,
                 scope.filter(day__gte=start).count()),
                ("page, ten years", page, ten_years, scope.count()),
                ("CSV export, last 12 months",
                 reverse("enterprises:case_workload_export", args=["csv"]), None, None),
            ]
            for label, url, params, rows in cases:
                figures = measure(client, url, params, rounds=ROUNDS)
                if rows is not None:
                    figures["rows"] = rows
                results[f"{role}: {label}"] = figures
                print(f"{role:<12} {label:<36} {rows if rows is not None else '':>8}"
                      f" {figures['median_ms']:>10} {figures['p95_ms']:>8}"
                      f" {figures['queries']:>8}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {"scale": args.scale, **sizes, "rounds": ROUNDS, "seed_s": seed_s}
    for key, figures in results.items():
        slug = key.replace(": ", "_").replace(", ", "_").replace(" ", "_")
        for name, value in figures.items():
            summary[f"{slug}_{name}"] = value
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
