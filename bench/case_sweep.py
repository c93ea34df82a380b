"""Benchmark: the daily sweep of reminders and escalations over 100,000 open cases, and the
adviser's case list.

Run: python bench/case_sweep.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds 100,000 open cases (the size the issue names) of 5,000 enterprises across every
office, assigned to two advisers per office (10 % unassigned), with follow-up dates spread from
30 days ago to 30 days ahead, 15 % waiting on the enterprise; --scale 0.01 seeds 1,000 and
finishes in seconds. It works in its own database (bench_case_sweep), dropped at the end.

The sweep is measured three times: the first run of the day (it sends every reminder: the
worst case), the same sweep again (nothing new: the cost of a redelivered or duplicate task),
and the first run once more with tracemalloc on (after emptying the reminders), for its peak
memory. Emails are counted, not sent: in production each is its own task on a worker.
Prints a table, then one JSON line with every figure."""

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

ROUNDS = 30
CASES_PER_ENTERPRISE = 20


class QueryCounter:
    """Counts the queries of a block without keeping them (a sweep runs hundreds of
    thousands)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def seed(case_count):
    """Enterprises in every office, advisers and SIT managers, and open cases, in bulk."""
    from django.utils import timezone

    from accounts.models import Role
    from antennes.models import Office, Sit
    from enterprises.models import Case, CaseStatus, Enterprise, Sector, SizeBand
    from partners.models import Kind, Organisation
    from portal.text import fold
    from tests.factories.accounts import StaffFactory, UserFactory
    from tests.factories.enterprises import valid_neq
    from tests.factories.partners import PartnerUserFactory

    offices = list(Office.objects.select_related("region").order_by("pk"))
    advisers = {o.pk: [StaffFactory(role=Role.ADVISER, offices=[o]) for _ in range(2)]
                for o in offices}
    for sit in Sit.objects.prefetch_related("offices"):
        seat = next((o for o in sit.offices.all() if o.kind == "sit_seat"),
                    sit.offices.first())
        if seat is not None:
            StaffFactory(role=Role.SIT_MANAGER, offices=[seat], mfa=False)
    creator = UserFactory()

    org_count = max(10, case_count // CASES_PER_ENTERPRISE)
    names = [f"Entreprise {i:06} de {offices[i % len(offices)].city}"
             for i in range(org_count)]
    organisations = Organisation.objects.bulk_create([
        Organisation(name=name, kind=Kind.ENTERPRISE, non_profit_kind="",
                     office=offices[i % len(offices)], region=offices[i % len(offices)].region,
                     search_text=fold(name), is_demo=True)
        for i, name in enumerate(names)], batch_size=2000)
    sectors, sizes = list(Sector.values), list(SizeBand.values)
    Enterprise.objects.bulk_create([
        Enterprise(organisation=org, neq=valid_neq(10_000 + i), legal_form="corporation",
                   nature="for_profit", sector=sectors[i % len(sectors)],
                   size_band=sizes[i % len(sizes)])
        for i, org in enumerate(organisations)], batch_size=2000)
    for org in organisations[::50]:  # some enterprises have users (waiting reminders)
        PartnerUserFactory(organisation=org)

    today = timezone.localdate()
    now = timezone.now()
    statuses = ([CaseStatus.IN_PROGRESS] * 12 + [CaseStatus.ASSIGNED] * 3
                + [CaseStatus.WAITING] * 3 + [CaseStatus.NEW] * 2)
    batch = []
    for i in range(case_count):
        org = organisations[i % org_count]
        status = statuses[(i // org_count) % len(statuses)]  # every enterprise has each
        batch.append(Case(
            organisation=org, office_id=org.office_id,
            adviser=None if status == CaseStatus.NEW else advisers[org.office_id][i % 2],
            help_kinds=["information"], topics=["recruitment"],
            description="Recrutement de soudeurs.", status=status,
            next_follow_up=today + timedelta(days=(i * 7919) % 61 - 30),
            waiting_since=today - timedelta(days=i % 15) if status == CaseStatus.WAITING
            else None,
            opened_at=now - timedelta(days=i % 90), created_by=creator))
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    return Case.objects.count(), org_count, advisers[offices[0].pk][0]


def timed_sweep(day, *, trace=False):
    from notifications import tasks
    from notifications.reminders import daily_sweep

    emails = []
    original = tasks.send_notification_email.delay
    tasks.send_notification_email.delay = emails.append
    counter = QueryCounter()
    try:
        if trace:
            tracemalloc.start()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            counts = daily_sweep(day)
            seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if trace else None
    finally:
        if trace:
            tracemalloc.stop()
        tasks.send_notification_email.delay = original
    return {"seconds": round(seconds, 2), "queries": counter.count, "emails": len(emails),
            "reminders": sum(counts.values()), "counts": counts,
            "peak_mib": round(peak / 2**20, 1) if peak is not None else None}


def measure(client, url):
    timings, queries = [], 0
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            return {"median_ms": "n/a", "p95_ms": "n/a", "queries": "n/a",
                    "status": response.status_code}
        queries = len(captured)
    timings.sort()
    return {"median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
            "queries": queries, "status": 200}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(200, int(100_000 * args.scale))

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_case_sweep"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse
        from django.utils import timezone

        from enterprises.models import Case
        from notifications.models import Notification, Reminder
        from portal.business_days import is_business_day

        started = time.perf_counter()
        cases, enterprises, adviser = seed(count)
        seed_s = round(time.perf_counter() - started, 1)
        day = timezone.localdate()
        while not is_business_day(day):  # a day with the follow-up digest
            day -= timedelta(days=1)

        first = timed_sweep(day)
        again = timed_sweep(day)
        Notification.objects.all().delete()
        Reminder.objects.all().delete()
        traced = timed_sweep(day, trace=True)

        client = Client()
        client.force_login(adviser)
        case_list = measure(client, reverse("enterprises:case_list"))
        adviser_cases = Case.objects.open().filter(adviser=adviser).count()

        print(f"Case sweep benchmark: {cases:,} open cases of {enterprises:,} enterprises "
              f"(seeded in {seed_s} s), day {day}")
        print(f"{'run':<40} {'seconds':>8} {'queries':>9} {'reminders':>10} {'emails':>8}"
              f" {'peak MiB':>9}")
        for label, run in (("daily sweep, first run of the day", first),
                           ("same sweep again (nothing new)", again),
                           ("first run again, tracemalloc on", traced)):
            peak = run["peak_mib"] if run["peak_mib"] is not None else ""
            print(f"{label:<40} {run['seconds']:>8} {run['queries']:>9} {run['reminders']:>10}"
                  f" {run['emails']:>8} {peak:>9}")
        print(f"  sent: {first['counts']}")
        print(f"{'adviser case list':<40} median {case_list['median_ms']} ms, p95 "
              f"{case_list['p95_ms']} ms, {case_list['queries']} queries "
              f"({adviser_cases} open cases; {ROUNDS} rounds; HTTP {case_list['status']})")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    summary = {
        "scale": args.scale, "cases": cases, "enterprises": enterprises, "seed_s": seed_s,
        "sweep_s": first["seconds"], "sweep_queries": first["queries"],
        "sweep_reminders": first["reminders"], "sweep_emails": first["emails"],
        "sweep_peak_mib": traced["peak_mib"], "sweep_traced_s": traced["seconds"],
        "resweep_s": again["seconds"], "resweep_queries": again["queries"],
        "resweep_reminders": again["reminders"],
        "case_list_median_ms": case_list["median_ms"], "case_list_p95_ms": case_list["p95_ms"],
        "case_list_queries": case_list["queries"], "case_list_rows": adviser_cases,
        **{f"sent_{k}": v for k, v in first["counts"].items()},
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
