"""Benchmark: the portal's file lists at 100,000 rows against the Django admin's changelist of
the same model, and against their own SQL run raw (issue 16: « lists faster than the admin »).

Run: python bench/lists.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds, in its own database (bench_lists, dropped at the end), 100,000 action plans,
100,000 support cases, 100,000 opportunities and 100,000 organisations, with the seeders of the
plans, case and board benchmarks; --scale 0.01 seeds 1,000 of each and finishes in a minute.

Each page is requested as the central administrator and as an adviser of one office, first
page and filtered and sorted, with the admin changelist of the same model (same page size,
the nearest filter and sort the changelist offers) and the page's own SQL statements (caught
from one request, then executed raw through the driver) in alternating rounds, so that the
three figures of a row share the machine's state. Time is the server time of the whole request
through django.test.Client. It prints per page: median milliseconds of the page, of the
changelist and of the raw SQL; the ratios page/changelist (target at most 1.0) and page/SQL
(target at most 3); the query count; and whether each query reads the big tables through an
index or scans one of them whole (``EXPLAIN``: a sequential scan of a table of 10,000 rows or
more is named). Then one JSON line with every figure."""

import argparse
import json
import os
import re
import statistics
import sys
import time
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

ROUNDS = 21
PAGE_SIZE = 25
#: A table with at least this many rows must not be read whole by a list's query.
BIG_TABLE = 10_000
SERVER_CURSOR = re.compile(r'DECLARE "[^"]+" NO SCROLL CURSOR (?:WITH(?:OUT)? HOLD )?FOR (.*)',
                           re.DOTALL)


def seed(count):
    """``count`` plans, cases and opportunities, and organisations up to ``count``; returns
    the adviser the lists are measured as (an adviser of Trois-Rivières)."""
    import case_sweep
    import directory
    import opportunity_board
    import plans_queue

    from partners.models import Organisation
    from tests.factories.accounts import StaffFactory, UserFactory
    from tests.factories.antennes import office

    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    plans_queue.MEASURES_PER_PLAN = 1
    plans_queue.seed(count, UserFactory(), adviser)
    case_sweep.seed(count)
    opportunity_board.seed(count)
    missing = count - Organisation.objects.count()
    if missing > 0:
        directory.seed(missing)
    return adviser


def analyse(statements):
    """For each SELECT of a page: the big tables it scans whole (empty: through indexes)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        sizes = dict(cursor.fetchall())
        verdicts = []
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql.replace("%", "%%"))
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scans, stack = [], [plan[0]["Plan"]]
            while stack:
                node = stack.pop()
                stack.extend(node.get("Plans", ()))
                table = node.get("Relation Name")
                if node["Node Type"] == "Seq Scan" and sizes.get(table, 0) >= BIG_TABLE:
                    scans.append(table)
            verdicts.append(sorted(set(scans)))
    return verdicts


def explain(role, label, statements):
    """Print each SELECT of the page with its EXPLAIN (ANALYZE, BUFFERS)."""
    with connection.cursor() as cursor:
        for n, sql in enumerate(statements, 1):
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("%", "%%"))
            print(f"--- {role}, {label}, query {n}:\n{sql}")
            print("\n".join(row[0] for row in cursor.fetchall()))


def _kept_database(name):
    """Whether a database ``name`` kept by an earlier ``--keep`` run exists."""
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def raw_time(statements):
    """Milliseconds to run the page's statements through the driver, without Django."""
    raw = connection.connection
    start = time.perf_counter()
    with raw.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()
    return (time.perf_counter() - start) * 1000


def request(client, url):
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"FAILED: {url} answered {response.status_code}")
    statements = []
    for query in captured.captured_queries:
        sql = query["sql"]
        declared = SERVER_CURSOR.match(sql)
        if declared:  # a server-side cursor (``iterator()``): its SELECT, fetched whole
            statements.append(declared.group(1))
        elif not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "FETCH", "CLOSE")):
            statements.append(sql)
    return elapsed, statements


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true",
                        help="keep the database at the end, and use a kept one (migrated to "
                        "the code's migrations, not seeded again) instead of seeding")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of every query of every page")
    args = parser.parse_args()
    count = max(1_000, int(100_000 * args.scale))
    rounds = ROUNDS if args.scale >= 0.5 else 3  # a small scale only checks the script runs

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_lists"
    kept = args.keep and _kept_database("bench_lists")
    if kept:
        old_name = connection.settings_dict["NAME"]
        connection.close()
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = "bench_lists"
        call_command("migrate", verbosity=0)
    else:
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    summary = {"scale": args.scale, "rows": count, "rounds": rounds}
    try:
        from django.contrib import admin
        from django.urls import reverse

        from accounts.models import User
        from enterprises.models import Case
        from partners.models import Organisation
        from programs.models import ActionPlan
        from regionalisation.models import Opportunity
        from tests.factories.accounts import StaffFactory

        started = time.perf_counter()
        if kept:
            adviser = (User.objects.filter(role="adviser",
                                           assignments__office__slug="trois-rivieres")
                       .order_by("pk").first())
        else:
            call_command("load_reference_data", verbosity=0)
            adviser = seed(count)
        summary["seed_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        for model in (ActionPlan, Case, Opportunity, Organisation):
            admin.site._registry[model].list_per_page = PAGE_SIZE
        settings.CASE_LIST_PAGE_SIZE = PAGE_SIZE
        administrator = (User.objects.filter(is_superuser=True).order_by("pk").first()
                         or StaffFactory(role="admin", is_staff=True, is_superuser=True,
                                         email="administration@bench.invalid"))
        sizes = {m.__name__: m.objects.count()
                 for m in (ActionPlan, Case, Opportunity, Organisation)}
        summary.update({f"{name.lower()}_rows": n for name, n in sizes.items()})

        changelist = {m: reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
                      for m in (ActionPlan, Case, Opportunity, Organisation)}
        queue, cases = reverse("programs:queue"), reverse("enterprises:case_list")
        offers, board = (reverse("regionalisation:opportunity_list"),
                         reverse("regionalisation:board"))
        directory = reverse("partners:directory")
        # (label, portal URL, changelist URL): the changelist's nearest filter and sort.
        pages = [
            ("plan queue, first page", queue, changelist[ActionPlan]),
            ("plan queue, filtered and sorted",
             queue + "?status=submitted&status=in_review&ordering=organisation",
             changelist[ActionPlan] + "?status__exact=submitted&o=2"),
            ("case list, first page", cases, changelist[Case]),
            ("case list, filtered and sorted",
             cases + "?status=new&status=assigned&status=in_progress&ordering=enterprise",
             changelist[Case] + "?status__exact=in_progress&o=2"),
            ("opportunity list, first page", offers, changelist[Opportunity]),
            ("opportunity list, filtered and sorted",
             offers + "?status=published&ordering=expires_on",
             changelist[Opportunity] + "?status__exact=published&o=8"),
            ("opportunity board, first page", board, changelist[Opportunity]),
            ("directory, first page", directory, changelist[Organisation]),
            ("directory, filtered", directory + "?kind=enterprise&q=trois",
             changelist[Organisation] + "?kind__exact=enterprise&q=trois"),
        ]
        print(f"Lists benchmark: {', '.join(f'{n:,} {m}' for m, n in sizes.items())} "
              f"(seeded in {summary['seed_s']} s); {rounds} alternating rounds, "
              f"page size {PAGE_SIZE}")
        print(f"{'role':<8} {'page':<40} {'page ms':>8} {'admin ms':>9} {'SQL ms':>7} "
              f"{'/admin':>7} {'/SQL':>6} {'queries':>8}  scans")
        staff = Client()
        staff.force_login(administrator)
        failures = []
        for role, user in (("admin", administrator), ("adviser", adviser)):
            client = Client()
            client.force_login(user)
            for label, url, admin_url in pages:
                _, statements = request(client, url)
                scans = analyse(statements)
                if args.explain:
                    explain(role, label, statements)
                page_ms, admin_ms, sql_ms = [], [], []
                for _ in range(rounds):
                    page_ms.append(request(client, url)[0])
                    admin_ms.append(request(staff, admin_url)[0])
                    sql_ms.append(raw_time(statements))
                page, changelist_ms, sql = (statistics.median(page_ms),
                                            statistics.median(admin_ms),
                                            statistics.median(sql_ms))
                scanned = sorted({t for tables in scans for t in tables})
                figures = {"page_ms": round(page, 1), "admin_ms": round(changelist_ms, 1),
                           "sql_ms": round(sql, 1),
                           "vs_admin": round(page / changelist_ms, 2),
                           "vs_sql": round(page / sql, 2) if sql else None,
                           "queries": len(statements), "full_scans": scanned}
                key = f"{role}_{label.replace(', ', '_').replace(' ', '_')}"
                summary.update({f"{key}_{name}": value for name, value in figures.items()})
                print(f"{role:<8} {label:<40} {figures['page_ms']:>8} {figures['admin_ms']:>9} "
                      f"{figures['sql_ms']:>7} {figures['vs_admin']:>6}x "
                      f"{figures['vs_sql']:>5}x {figures['queries']:>8}  "
                      f"{'index only' if not scanned else 'whole: ' + ', '.join(scanned)}")
                if figures["vs_admin"] > 1.0 or (figures["vs_sql"] or 0) > 3.0:
                    failures.append(f"{role}, {label}")
        print("Targets (at most 1.0x the changelist and 3x the raw SQL): "
              + ("all met" if not failures else "missed by " + "; ".join(failures)))
    finally:
        if args.keep:
            connection.close()
            settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = old_name
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
