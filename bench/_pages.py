"""What the page benchmarks share (not a benchmark itself: `.ci/run` skips `bench/_*.py`)."""

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def measure(client, url, params=None, headers=None, *, rounds: int):
    """Request ``url`` ``rounds`` times; its median and 95th-percentile server time in ms and
    its query count. A page that does not answer 200 stops the benchmark."""
    timings, queries = [], 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url, params or {}, headers=headers)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"FAILED: {url} {params or ''} answered {response.status_code}")
        queries = len(captured)
    timings.sort()
    return {
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "queries": queries,
    }


def seed_organisations(plan_count: int):
    """The fictitious organisations a plans benchmark spreads its plans over (one for five
    plans, at least 20), round-robin over the offices and four kinds; returns them by pk."""
    from antennes.models import Office
    from partners.models import Kind, NonProfitKind, Organisation
    from portal.text import fold

    offices = list(Office.objects.select_related("region").order_by("pk"))
    kinds = [Kind.NON_PROFIT, Kind.AGGLOMERATION, Kind.NON_PROFIT, Kind.MRC]
    org_count = max(20, plan_count // 5)
    Organisation.objects.bulk_create([
        Organisation(name=f"Organisme {i:05} de {offices[i % len(offices)].city}",
                     kind=kinds[i % len(kinds)], office=offices[i % len(offices)],
                     region=offices[i % len(offices)].region,
                     non_profit_kind=(NonProfitKind.SETTLEMENT if kinds[i % len(kinds)]
                                      == Kind.NON_PROFIT else ""),
                     search_text=fold(f"Organisme {i:05} de {offices[i % len(offices)].city}"),
                     is_demo=True)
        for i in range(org_count)], batch_size=2000)
    return list(Organisation.objects.order_by("pk"))
