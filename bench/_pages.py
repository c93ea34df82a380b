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
