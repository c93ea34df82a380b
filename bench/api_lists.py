"""Benchmark: the API's list endpoints (``/api/v1/``) at 100,000 rows against the matching
HTML list pages (issue 18: « the API list endpoints at 100,000 rows compared with the
matching HTML list »).

Run: python bench/api_lists.py [--scale X]   (against the PostgreSQL in DATABASE_URL)
--scale 1 seeds, in its own database (bench_api_lists, dropped at the end), 100,000 action
plans with one report each, 100,000 support cases and 100,000 opportunities, with the seeders
of bench/lists.py; --scale 0.01 seeds 1,000 of each and finishes in a minute or two.

Each list is requested as the central administrator and as an adviser of one office: the
API's first page and a page deep in the list (``after`` = the middle id: pages are found by
their keys, so the depth should cost nothing), and the HTML page of the same rows (same page
size, 25), in alternating rounds. Time is the server time of the whole request through
django.test.Client (the API authenticated by a bearer token, the page by a session). It
prints per list: median and 95th-percentile milliseconds of the API's first page, of its deep
page and of the HTML page; the ratio API/HTML; each one's query count. Then one JSON line
with every figure."""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
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


def seed_reports():
    """One report per plan, due over the next two years, most still owed."""
    from programs.models import ActionPlan, Report, ReportKind, ReportStatus

    today = django.utils.timezone.localdate()
    statuses = [ReportStatus.EXPECTED] * 3 + [ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]
    batch = []
    for n, plan_id in enumerate(ActionPlan.objects.order_by("pk").values_list("pk", flat=True)
                                .iterator(chunk_size=5000)):
        batch.append(Report(plan_id=plan_id, kind=ReportKind.FINAL,
                            due_on=today + timedelta(days=n % 730 - 60),
                            status=statuses[n % len(statuses)]))
        if len(batch) == 5000:
            Report.objects.bulk_create(batch)
            batch = []
    Report.objects.bulk_create(batch)


def timed(client, url, headers=None):
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"FAILED: {url} answered {response.status_code}: "
                         f"{response.content[:300]!r}")
    return elapsed, len(captured.captured_queries), response


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    count = max(1_000, int(100_000 * args.scale))
    rounds = ROUNDS if args.scale >= 0.5 else 3  # a small scale only checks the script runs

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_api_lists"
    settings.API_RATE_LIMIT_PER_MINUTE = 10**9  # the benchmark measures, it is not limited
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    summary = {"scale": args.scale, "rows": count, "rounds": rounds, "page_size": PAGE_SIZE}
    try:
        import lists
        from django.core.cache import cache
        from django.urls import reverse

        from api.services import token_create
        from enterprises.models import Case
        from programs.models import ActionPlan, Report
        from regionalisation.models import Opportunity
        from tests.factories.accounts import StaffFactory

        cache.clear()
        started = time.perf_counter()
        call_command("load_reference_data", verbosity=0)
        adviser = lists.seed(count)
        seed_reports()
        summary["seed_s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        settings.CASE_LIST_PAGE_SIZE = settings.PLAN_QUEUE_PAGE_SIZE = PAGE_SIZE
        administrator = StaffFactory(role="admin", is_staff=True, is_superuser=True,
                                     email="administration@bench.invalid")
        sizes = {m.__name__: m.objects.count() for m in (ActionPlan, Report, Case, Opportunity)}
        summary.update({f"{name.lower()}_rows": n for name, n in sizes.items()})
        middle = {name: m.objects.order_by("pk").values_list("pk", flat=True)[n // 2]
                  for name, m, n in (("plans", ActionPlan, sizes["ActionPlan"]),
                                     ("reports", Report, sizes["Report"]),
                                     ("cases", Case, sizes["Case"]),
                                     ("opportunities", Opportunity, sizes["Opportunity"]))}
        # (label, API path, HTML page of the same rows)
        pairs = [
            ("plans", "/api/v1/plans", reverse("programs:queue")),
            ("reports", "/api/v1/reports?owed=false", reverse("programs:report_list")
             + "?show=all"),
            ("cases", "/api/v1/cases", reverse("enterprises:case_list")),
            ("opportunities", "/api/v1/opportunities",
             reverse("regionalisation:opportunity_list")),
        ]
        print(f"API lists benchmark: {', '.join(f'{n:,} {m}' for m, n in sizes.items())} "
              f"(seeded in {summary['seed_s']} s); {rounds} alternating rounds, page size "
              f"{PAGE_SIZE}")
        print(f"{'role':<8} {'list':<14} {'API ms':>7} {'p95':>6} {'deep ms':>8} {'p95':>6} "
              f"{'HTML ms':>8} {'p95':>6} {'API/HTML':>9} {'API q':>6} {'deep q':>7} "
              f"{'HTML q':>7}")
        for role, user in (("admin", administrator), ("adviser", adviser)):
            _token, secret = token_create(actor=user, name="Banc d'essai",
                                          expires_at=django.utils.timezone.now()
                                          + timedelta(days=7))
            bearer = {"Authorization": f"Bearer {secret}"}
            api, page = Client(), Client()
            page.force_login(user)
            for label, path, html in pairs:
                joiner = "&" if "?" in path else "?"
                first = f"{path}{joiner}limit={PAGE_SIZE}"
                deep = f"{first}&after={middle[label]}"
                timed(api, first, bearer), timed(api, deep, bearer), timed(page, html)  # warm
                first_ms, deep_ms, html_ms = [], [], []
                for _ in range(rounds):
                    elapsed, first_q, response = timed(api, first, bearer)
                    first_ms.append(elapsed)
                    elapsed, deep_q, _response = timed(api, deep, bearer)
                    deep_ms.append(elapsed)
                    elapsed, html_q, _response = timed(page, html)
                    html_ms.append(elapsed)
                rows = len(response.json()["items"])
                figures = {
                    "api_ms": round(statistics.median(first_ms), 1),
                    "api_p95_ms": round(p95(first_ms), 1),
                    "deep_ms": round(statistics.median(deep_ms), 1),
                    "deep_p95_ms": round(p95(deep_ms), 1),
                    "html_ms": round(statistics.median(html_ms), 1),
                    "html_p95_ms": round(p95(html_ms), 1),
                    "api_queries": first_q, "deep_queries": deep_q, "html_queries": html_q,
                    "api_rows": rows,
                }
                figures["api_vs_html"] = round(figures["api_ms"] / figures["html_ms"], 2)
                summary.update({f"{role}_{label}_{k}": v for k, v in figures.items()})
                print(f"{role:<8} {label:<14} {figures['api_ms']:>7} {figures['api_p95_ms']:>6} "
                      f"{figures['deep_ms']:>8} {figures['deep_p95_ms']:>6} "
                      f"{figures['html_ms']:>8} {figures['html_p95_ms']:>6} "
                      f"{figures['api_vs_html']:>8}x {first_q:>6} {deep_q:>7} {html_q:>7}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
