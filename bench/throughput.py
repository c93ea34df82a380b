"""Benchmark: requests per second of the busiest pages under gunicorn, against a minimal view
behind the same middleware (issue 16: each page at least 25 % of the minimal view).

Run: python bench/throughput.py [--scale X] [--worker-class sync|gthread] [--workers N]
                                [--threads N] [--conn-max-age S] [--duration S] [--rounds N]
(against the PostgreSQL in DATABASE_URL; needs wrk, ``apt-get install wrk``).

--scale 1 seeds 100,000 cases (bench/case_sweep.py's seed: 5,000 enterprises, two advisers per
office), 5,000 action plans (bench/plans_queue.py), 20,000 opportunities
(bench/opportunity_board.py) and 20,000 organisations of the directory (bench/directory.py);
--scale 0.01 seeds a hundredth and finishes in well under a minute. It works in its own
database (bench_throughput), dropped at the end.

gunicorn serves the portal with the production settings (``bench/_throughput_site.py``: the same
middleware, context processors and connection settings, plus the minimal view of
``bench/_throughput_urls.py``) and ``portal/gunicorn.conf.py``, by default with the issue's 4
sync workers (production runs gthread: ``--worker-class gthread``, README). wrk opens 8
connections on the same machine with a signed-in adviser's session cookie, ``Accept-Encoding:
gzip`` and ``X-Forwarded-Proto: https`` (as the TLS proxy in front sends). Each round measures
every page in turn for ``--duration`` seconds, so a slow minute of the machine weighs on all of
them; a page's ratio is its requests per second over the minimal view's of the same round, the
median of the rounds is reported. Before the rounds, each page is requested in-process (Django's
test client, 10 times; 3 below scale 0.1) for where its time goes: median server time, SQL time
and query count, HTML size and its size gzipped. Prints a table, then one JSON line with every
figure."""

import argparse
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")

import django  # noqa: E402

django.setup()

from case_sweep import seed as seed_cases  # noqa: E402  (bench/ is the script's own folder)
from directory import seed as seed_directory  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from opportunity_board import seed as seed_opportunities  # noqa: E402
from plans_queue import seed as seed_plans  # noqa: E402

#: The issue's target: every page serves at least this share of the minimal view's requests.
TARGET = 0.25
CONNECTIONS = 8
WRK_THREADS = 2
IN_PROCESS_ROUNDS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The benchmark's database, for the gunicorn process."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def start_gunicorn(args, port, log):
    """gunicorn with the production settings and config file, the workers asked for."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "_throughput_site",
        # The test settings' key: the session cookie was signed in this process.
        "SECRET_KEY": settings.SECRET_KEY,
        "MFA_ENCRYPTION_KEYS": ",".join(settings.MFA_ENCRYPTION_KEYS),
        "DATABASE_URL": database_url(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "LOG_LEVEL": "WARNING",
    }
    if args.conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(args.conn_max_age)
    command = [sys.executable, "-m", "gunicorn", "portal.wsgi:application",
               "--config", str(ROOT / "portal" / "gunicorn.conf.py"),
               "--pythonpath", str(ROOT / "bench"), "--worker-class", args.worker_class,
               # gunicorn turns sync workers into threaded ones when threads > 1.
               "--threads", str(args.threads if args.worker_class == "gthread" else 1)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603  (our own)
                            stderr=subprocess.STDOUT)


def fetch(port, path, headers):
    """One GET without following redirects: status, headers and body as sent."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def wait_until_up(port, process, headers):
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit("FAILED: gunicorn exited (see its log above)")
        try:
            fetch(port, "/healthz", headers)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("FAILED: gunicorn did not answer in 30 s")


def wrk(port, path, headers, seconds):
    """wrk's requests per second and bytes per response; a page that answers anything but
    2xx or 3xx stops the benchmark."""
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"],  # noqa: S603
                            check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"FAILED: {path} answered {errors.group(1)} errors under load")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)(\w+) read", output)
    scale = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}[read.group(2)]
    return rate, float(read.group(1)) * scale / max(requests, 1)


def in_process(client, path, rounds):
    """Where a page's time goes, in this process: median server time, SQL time and queries,
    HTML size and what gzip sends."""
    timings, sql, queries, body = [], [], 0, b""
    for _ in range(rounds):
        spent = [0.0]

        def timed(execute, sql_text, params, many, context, spent=spent):
            start = time.perf_counter()
            try:
                return execute(sql_text, params, many, context)
            finally:
                spent[0] += time.perf_counter() - start

        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"FAILED: {path} answered {response.status_code}")
        sql.append(spent[0] * 1000)
        queries, body = len(captured), response.content
    return {"server_ms": round(statistics.median(timings), 1),
            "sql_ms": round(statistics.median(sql), 1), "queries": queries,
            "html_kb": round(len(body) / 1024, 1),
            "gzip_kb": round(len(gzip.compress(body, compresslevel=6)) / 1024, 1)}


def seed(scale):
    """The four benchmarks' data in one database; returns the adviser whose pages are
    measured (an adviser of the first office, with cases of their own) and the figures."""
    from tests.factories.accounts import UserFactory

    cases, enterprises, adviser = seed_cases(max(200, int(100_000 * scale)))
    plans, measures = seed_plans(max(50, int(5_000 * scale)), UserFactory(), adviser)
    opportunities = seed_opportunities(max(200, int(20_000 * scale)))["opportunities"]
    organisations = max(50, int(20_000 * scale))
    seed_directory(organisations)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return adviser, {"cases": cases, "enterprises": enterprises, "plans": plans,
                     "measures": measures, "opportunities": opportunities,
                     "directory_organisations": organisations}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="per worker, gthread only")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="seconds (default: the production settings' own)")
    parser.add_argument("--duration", type=int, default=None,
                        help="seconds of wrk per page and round (default 10, 1 below scale 0.1)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds over every page (default 3, 1 below scale 0.1)")
    args = parser.parse_args()
    small = args.scale < 0.1
    duration = args.duration or (1 if small else 10)
    rounds = args.rounds or (1 if small else 3)
    if shutil.which("wrk") is None:
        raise SystemExit("FAILED: wrk is not installed (apt-get install wrk)")

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] = "bench_throughput"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    workdir = tempfile.mkdtemp(prefix="bench-throughput-")
    log = open(Path(workdir) / "gunicorn.log", "w+b")  # noqa: SIM115  (closed in finally)
    try:
        call_command("load_reference_data", verbosity=0)
        from django.urls import reverse

        from enterprises.models import Case

        started = time.perf_counter()
        adviser, seeded = seed(args.scale)
        seed_s = round(time.perf_counter() - started, 1)
        case = Case.objects.open().filter(adviser=adviser).order_by("pk").first()
        pages = {
            "minimal view": "/bench/minimal/",
            "case list": reverse("enterprises:case_list"),
            "plan queue": reverse("programs:queue"),
            "case page": reverse("enterprises:case_detail", args=[case.pk]),
            "opportunity board": reverse("regionalisation:board"),
            "partner directory": reverse("partners:directory"),
        }
        client = Client()
        client.force_login(adviser)
        where = {label: in_process(client, path, 3 if small else IN_PROCESS_ROUNDS)
                 for label, path in pages.items() if label != "minimal view"}
        # wrk sends what a browser behind the TLS proxy sends: the session, gzip, https.
        headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}="
                             f"{client.cookies[settings.SESSION_COOKIE_NAME].value}",
                   "Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"}
        connection.close()  # gunicorn's workers open their own

        port = free_port()
        server = start_gunicorn(args, port, log)
        wait_until_up(port, server, headers)
        for label, path in pages.items():  # answered, compressed, and every worker warm
            status, response_headers, _body = fetch(port, path, headers)
            if status != 200:
                raise SystemExit(f"FAILED: {label} {path} answered {status} under gunicorn")
            if label != "minimal view" and response_headers.get("Content-Encoding") != "gzip":
                raise SystemExit(f"FAILED: {label} was sent uncompressed")
            if not small:
                wrk(port, path, headers, 1)

        rates = {label: [] for label in pages}
        ratios = {label: [] for label in pages}
        sent = {}
        for _round in range(rounds):
            for label, path in pages.items():
                rate, sent[label] = wrk(port, path, headers, duration)
                rates[label].append(rate)
            for label in pages:
                ratios[label].append(rates[label][-1] / rates["minimal view"][-1])
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            if server.returncode not in (0, -15):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-5000:])
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)
        connection.creation.destroy_test_db(old_name, verbosity=0)

    model = (f"{args.workers} {args.worker_class} workers"
             + (f" x {args.threads} threads" if args.worker_class == "gthread" else ""))
    conn_max_age = (args.conn_max_age if args.conn_max_age is not None
                    else "production default")
    print(f"Throughput benchmark: {seeded['cases']:,} cases, {seeded['plans']:,} plans, "
          f"{seeded['opportunities']:,} opportunities, {seeded['directory_organisations']:,} "
          f"directory organisations (seeded in {seed_s} s)")
    print(f"gunicorn: {model}, CONN_MAX_AGE {conn_max_age}; wrk: {CONNECTIONS} connections, "
          f"{rounds} round(s) of {duration} s per page, alternating; target ratio {TARGET}")
    print(f"{'page':<18} {'req/s':>8} {'ratio':>6} {'ok':>3} {'KB sent':>8} {'HTML KB':>8}"
          f" {'server ms':>10} {'SQL ms':>7} {'queries':>8}")
    summary = {"scale": args.scale, **seeded, "seed_s": seed_s, "worker_class": args.worker_class,
               "workers": args.workers, "connections": CONNECTIONS, "rounds": rounds,
               "duration_s": duration, "target_ratio": TARGET}
    if args.worker_class == "gthread":
        summary["threads"] = args.threads
    if args.conn_max_age is not None:
        summary["conn_max_age"] = args.conn_max_age
    for label in pages:
        rate = round(statistics.median(rates[label]), 1)
        ratio = round(statistics.median(ratios[label]), 3)
        figures = where.get(label, {})
        ok = "" if label == "minimal view" else ("yes" if ratio >= TARGET else "NO")
        print(f"{label:<18} {rate:>8} {ratio:>6} {ok:>3} {sent[label] / 1024:>8.1f}"
              f" {figures.get('html_kb', ''):>8} {figures.get('server_ms', ''):>10}"
              f" {figures.get('sql_ms', ''):>7} {figures.get('queries', ''):>8}")
        slug = label.replace(" ", "_")
        summary.update({f"{slug}_rps": rate, f"{slug}_ratio": ratio,
                        f"{slug}_sent_kb": round(sent[label] / 1024, 1),
                        **{f"{slug}_{name}": value for name, value in figures.items()}})
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
