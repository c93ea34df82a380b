"""Benchmark: the daily sweep of reminders and escalations at 10,000 and 100,000 open cases,
against one set-based INSERT … SELECT of the same reminder rows, and the adviser's case list.

Run: python bench/case_sweep.py [--scale X] [--cases 10000,100000]   (against DATABASE_URL,
PostgreSQL). --scale 1 measures 10,000 then 100,000 open cases (the sizes issue 16 names);
--scale 0.01 measures 100 then 1,000 and finishes in seconds; --cases gives the sizes
themselves. The cases are of enterprises across every office (20 cases each; one in 50 has a
user, for the waiting reminders), assigned to two advisers per office (10 % unassigned), with
follow-up dates spread from 30 days ago to 30 days ahead, 15 % waiting on the enterprise; each
size adds cases (and enterprises) to the previous one. It works in its own database
(bench_case_sweep), dropped at the end.

At each size the sweep is measured three times: the first run of the day (it sends every
reminder: the worst case), the same sweep again (nothing new: the cost of a redelivered or
duplicate task), and the first run once more under tracemalloc (after emptying the reminders
and notifications), for its peak memory: the Python allocations of the sweep, not the
process's RSS. Then, the reminders emptied again, one statement inserts the same reminder rows
set-based, the baseline of the ratio: INSERT … SELECT … UNION ALL … ON CONFLICT DO NOTHING over
the three kinds the cases make (follow-up digests, escalations, waiting enterprises; the
escalation day of each follow-up date is computed in Python, as the sweep does, and joined as a
VALUES list), and the two sets of rows are compared. The sweep also inserts a notification per
reminder; the statement inserts the reminders only. Emails are counted, not sent: in
production each is its own task on a worker. Prints a table, then one JSON line with every
figure (per size: ``<figure>_<cases>``)."""

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
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


class EmailCounter:
    """Stands for the email task's ``delay``: counts the emails enqueued without keeping their
    ids (a list of them would grow with the cases, in the peak memory measured)."""

    def __init__(self):
        self.count = 0

    def __call__(self, notification_id):
        self.count += 1


@dataclass
class Seeded:
    """What ``seed_people`` made, and how many enterprises ``add_cases`` added since."""

    offices: list
    advisers: dict  # office id -> its two advisers
    creator: object
    enterprises: int = 0
    cases: int = 0


def seed_people():
    """Two advisers per office and a manager per SIT (at its seat)."""
    from accounts.models import Role
    from antennes.models import Office, Sit
    from tests.factories.accounts import StaffFactory, UserFactory

    offices = list(Office.objects.select_related("region").order_by("pk"))
    advisers = {o.pk: [StaffFactory(role=Role.ADVISER, offices=[o]) for _ in range(2)]
                for o in offices}
    for sit in Sit.objects.prefetch_related("offices"):
        seat = next((o for o in sit.offices.all() if o.kind == "sit_seat"),
                    sit.offices.first())
        if seat is not None:
            StaffFactory(role=Role.SIT_MANAGER, offices=[seat], mfa=False)
    return Seeded(offices=offices, advisers=advisers, creator=UserFactory())


def add_cases(seeded, case_count):
    """``case_count`` open cases of new enterprises (20 each), in bulk."""
    from django.utils import timezone

    from enterprises.models import Case, CaseStatus, Enterprise, Sector, SizeBand
    from partners.models import Kind, Organisation
    from portal.text import fold
    from tests.factories.enterprises import valid_neq
    from tests.factories.partners import PartnerUserFactory

    offices = seeded.offices
    first = seeded.enterprises
    org_count = max(10, case_count // CASES_PER_ENTERPRISE)
    names = [f"Entreprise {i:06} de {offices[i % len(offices)].city}"
             for i in range(first, first + org_count)]
    organisations = Organisation.objects.bulk_create([
        Organisation(name=name, kind=Kind.ENTERPRISE, non_profit_kind="",
                     office=offices[i % len(offices)], region=offices[i % len(offices)].region,
                     search_text=fold(name), is_demo=True)
        for i, name in enumerate(names, start=first)], batch_size=2000)
    sectors, sizes = list(Sector.values), list(SizeBand.values)
    Enterprise.objects.bulk_create([
        Enterprise(organisation=org, neq=valid_neq(10_000 + i), legal_form="corporation",
                   nature="for_profit", sector=sectors[i % len(sectors)],
                   size_band=sizes[i % len(sizes)])
        for i, org in enumerate(organisations, start=first)], batch_size=2000)
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
        n = seeded.cases + i
        batch.append(Case(
            organisation=org, office_id=org.office_id,
            adviser=None if status == CaseStatus.NEW else seeded.advisers[org.office_id][n % 2],
            help_kinds=["information"], topics=["recruitment"],
            description="Recrutement de soudeurs.", status=status,
            next_follow_up=today + timedelta(days=(n * 7919) % 61 - 30),
            waiting_since=today - timedelta(days=n % 15) if status == CaseStatus.WAITING
            else None,
            opened_at=now - timedelta(days=n % 90), created_by=seeded.creator))
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    seeded.enterprises += org_count
    seeded.cases += case_count
    return org_count


def seed(case_count):
    """Enterprises in every office, advisers and SIT managers, and open cases, in bulk: the
    number of cases, of enterprises, and an adviser."""
    from enterprises.models import Case

    seeded = seed_people()
    org_count = add_cases(seeded, case_count)
    return Case.objects.count(), org_count, seeded.advisers[seeded.offices[0].pk][0]


def timed_sweep(day, *, trace=False):
    from notifications import tasks
    from notifications.reminders import daily_sweep

    emails = EmailCounter()
    original = tasks.send_notification_email.delay
    tasks.send_notification_email.delay = emails
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
    return {"seconds": round(seconds, 2), "queries": counter.count, "emails": emails.count,
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


def set_based_insert(day):
    """Insert the reminder rows of the case sweeps of ``day`` in one INSERT … SELECT … ON
    CONFLICT DO NOTHING (PostgreSQL): the follow-up digests, the escalations (the escalation
    day of each follow-up date computed in Python, as the sweep does, and joined as VALUES)
    and the waiting enterprises, each skipping an episode reminded already, as the sweep does.
    How many rows it inserted and its seconds (the query for the follow-up dates included)."""
    from django.db.models import F

    from accounts.models import Role, User
    from enterprises.models import Case, CaseStatus
    from enterprises.reminders import (
        ReminderKind,
        cases_to_escalate,
        escalation_day,
        escalation_delays,
    )
    from notifications.models import Reminder, ReminderSettings

    current = ReminderSettings.current()
    delays = escalation_delays(current)
    waiting_days = current.enterprise_waiting_days
    digests = (Case.objects.due(day).filter(adviser__is_active=True)
               .values(recipient=F("adviser_id")).distinct())
    late = cases_to_escalate(day, delays).values(
        case_id=F("pk"), follow_up=F("next_follow_up"), case_priority=F("priority"),
        case_sit=F("office__sit_id"))
    managers = (User.objects.filter(role=Role.SIT_MANAGER, is_active=True,
                                    assignments__office__sit_id__isnull=False)
                .values(manager=F("pk"), manager_sit=F("assignments__office__sit_id"))
                .distinct())
    waiting = Case.objects.filter(
        status=CaseStatus.WAITING, waiting_since__lte=day - timedelta(days=waiting_days)).values(
        case_id=F("pk"), since=F("waiting_since"), case_org=F("organisation_id"))
    members = User.objects.filter(is_active=True, membership__isnull=False).values(
        member=F("pk"), member_org=F("membership__organisation_id"))
    table = connection.ops.quote_name(Reminder._meta.db_table)
    sql = {name: query.query.sql_with_params()
           for name, query in (("digests", digests), ("late", late), ("managers", managers),
                               ("waiting", waiting), ("members", members))}

    started = time.perf_counter()
    follow_ups = sorted(set(cases_to_escalate(day, delays)
                            .values_list("next_follow_up", flat=True)))
    days = [(priority, follow_up, escalation_day(follow_up, n))
            for priority, n in delays.items() for follow_up in follow_ups]
    values = ", ".join(["(%s, %s::date, %s::date)"] * len(days)) or "(NULL, NULL, NULL)"
    # The earlier reminders are read once (MATERIALIZED): a NOT EXISTS on the table itself
    # would rescan, for each row, the rows this statement has inserted so far (invisible to
    # it, but in the heap), quadratic in the rows inserted.
    statement = f"""
        WITH earlier AS MATERIALIZED (
            SELECT recipient_id, kind, object_key, day FROM {table} WHERE kind IN (%s, %s))
        INSERT INTO {table} (recipient_id, kind, object_key, day, created_at)
        SELECT d.recipient, %s, '', %s::date, now() FROM ({sql["digests"][0]}) d
        UNION ALL
        SELECT m.manager, %s, 'case:' || c.case_id, e.day, now()
          FROM ({sql["late"][0]}) c
          JOIN ({sql["managers"][0]}) m ON m.manager_sit = c.case_sit
          JOIN (VALUES {values}) e(priority, follow_up, day)
            ON e.priority = c.case_priority AND e.follow_up = c.follow_up
         WHERE NOT EXISTS (SELECT 1 FROM earlier r
                            WHERE r.recipient_id = m.manager AND r.kind = %s
                              AND r.object_key = 'case:' || c.case_id AND r.day > c.follow_up)
        UNION ALL
        SELECT u.member, %s, 'case:' || w.case_id, w.since + %s::integer, now()
          FROM ({sql["waiting"][0]}) w
          JOIN ({sql["members"][0]}) u ON u.member_org = w.case_org
         WHERE NOT EXISTS (SELECT 1 FROM earlier r
                            WHERE r.recipient_id = u.member AND r.kind = %s
                              AND r.object_key = 'case:' || w.case_id AND r.day > w.since)
        ON CONFLICT (recipient_id, kind, object_key, day) DO NOTHING"""  # noqa: S608
    params = [ReminderKind.ESCALATION, ReminderKind.ENTERPRISE_WAITING,
              ReminderKind.FOLLOW_UP_DIGEST, day, *sql["digests"][1],
              ReminderKind.ESCALATION, *sql["late"][1], *sql["managers"][1],
              *[v for row in days for v in row], ReminderKind.ESCALATION,
              ReminderKind.ENTERPRISE_WAITING, waiting_days, *sql["waiting"][1],
              *sql["members"][1], ReminderKind.ENTERPRISE_WAITING]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)
        inserted = cursor.rowcount
    return inserted, round(time.perf_counter() - started, 3)


def empty_reminders():
    from notifications.models import Notification, Reminder

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {quote(Notification._meta.db_table)}, "
                       f"{quote(Reminder._meta.db_table)}")


def sent_rows():
    from notifications.models import Reminder

    return set(Reminder.objects.values_list("recipient_id", "kind", "object_key", "day"))


def measure_size(day):
    """The three sweeps and the set-based statement at the size seeded now."""
    first = timed_sweep(day)
    swept = sent_rows()
    again = timed_sweep(day)
    empty_reminders()
    traced = timed_sweep(day, trace=True)
    empty_reminders()
    rows, statement_s = set_based_insert(day)
    same = sent_rows() == swept
    empty_reminders()
    return {"first": first, "again": again, "traced": traced, "statement_s": statement_s,
            "statement_rows": rows, "same_rows": same,
            "ratio": round(first["seconds"] / statement_s, 1) if statement_s else None}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--cases", help="open cases to measure, comma-separated "
                        "(default: 10,000 and 100,000 times the scale)")
    args = parser.parse_args()
    sizes = sorted({int(n) for n in args.cases.split(",")} if args.cases else
                   {max(100, round(n * args.scale)) for n in (10_000, 100_000)})

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_case_sweep"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results = {}
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse
        from django.utils import timezone

        from enterprises.models import Case
        from portal.business_days import is_business_day

        day = timezone.localdate()
        while not is_business_day(day):  # a day with the follow-up digest
            day -= timedelta(days=1)
        seeded = seed_people()
        timed_sweep(day)  # warm up (imports, URL patterns, templates): no case to remind yet
        for size in sizes:
            started = time.perf_counter()
            add_cases(seeded, size - seeded.cases)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            results[size] = {"seed_s": round(time.perf_counter() - started, 1),
                             "enterprises": seeded.enterprises, **measure_size(day)}

        adviser = seeded.advisers[seeded.offices[0].pk][0]
        client = Client()
        client.force_login(adviser)
        case_list = measure(client, reverse("enterprises:case_list"))
        adviser_cases = Case.objects.open().filter(adviser=adviser).count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"Case sweep benchmark, day {day}: the sweep (one INSERT … RETURNING of reminders and "
          "one of notifications per chunk) against one INSERT … SELECT of the same reminders")
    print(f"{'cases':>8} {'run':<34} {'seconds':>8} {'queries':>8} {'reminders':>10} "
          f"{'emails':>7} {'peak MiB':>9}")
    for size, r in results.items():
        for label, run in (("sweep, first run of the day", r["first"]),
                           ("same sweep again (nothing new)", r["again"]),
                           ("first run again, tracemalloc on", r["traced"])):
            peak = run["peak_mib"] if run["peak_mib"] is not None else ""
            print(f"{size:>8,} {label:<34} {run['seconds']:>8} {run['queries']:>8} "
                  f"{run['reminders']:>10} {run['emails']:>7} {peak:>9}")
        print(f"{size:>8,} {'one INSERT … SELECT, same rows':<34} {r['statement_s']:>8} "
              f"{2:>8} {r['statement_rows']:>10}")
        print(f"{'':>8} sweep / statement: {r['ratio']}x; same rows: "
              f"{'yes' if r['same_rows'] else 'NO'}; sent {r['first']['counts']}; "
              f"{r['enterprises']:,} enterprises seeded in {r['seed_s']} s")
    smallest, largest = results[sizes[0]], results[sizes[-1]]
    print(f"peak memory (tracemalloc, the sweep's Python allocations) from {sizes[0]:,} to "
          f"{sizes[-1]:,} cases: {smallest['traced']['peak_mib']} -> "
          f"{largest['traced']['peak_mib']} MiB")
    print(f"{'adviser case list':<43} median {case_list['median_ms']} ms, p95 "
          f"{case_list['p95_ms']} ms, {case_list['queries']} queries "
          f"({adviser_cases} open cases of {sizes[-1]:,}; {ROUNDS} rounds; "
          f"HTTP {case_list['status']})")

    summary = {"scale": args.scale, "sizes": sizes, "cases": sizes[-1],
               "case_list_median_ms": case_list["median_ms"],
               "case_list_p95_ms": case_list["p95_ms"],
               "case_list_queries": case_list["queries"], "case_list_rows": adviser_cases}
    for size, r in results.items():
        figures = {
            "seed_s": r["seed_s"], "enterprises": r["enterprises"],
            "sweep_s": r["first"]["seconds"], "sweep_queries": r["first"]["queries"],
            "sweep_reminders": r["first"]["reminders"], "sweep_emails": r["first"]["emails"],
            "sweep_peak_mib": r["traced"]["peak_mib"], "sweep_traced_s": r["traced"]["seconds"],
            "resweep_s": r["again"]["seconds"], "resweep_queries": r["again"]["queries"],
            "resweep_reminders": r["again"]["reminders"],
            "statement_s": r["statement_s"], "statement_rows": r["statement_rows"],
            "same_rows": r["same_rows"], "ratio": r["ratio"],
            **{f"sent_{k}": v for k, v in r["first"]["counts"].items()},
        }
        summary.update({f"{key}_{size}": value for key, value in figures.items()})
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
