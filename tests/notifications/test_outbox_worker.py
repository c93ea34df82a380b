"""The email outbox through a real Celery worker on a Redis server of the test's own: workers
killed (kill -9) while they hold a notification's lock in the middle of a send, and the broker
restarted with its queue lost, yet the recovery job sends every owed email, each exactly
once."""

import email
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from notifications import services
from notifications.models import EmailState, Notification
from tests.celery_worker import RedisServer, celery, enqueue_to
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.worker

PEOPLE, PLANS = 25, 80  # 2,000 notifications, each owing an email
RECOVERY = "notifications.tasks.send_owed_emails"


class Run:
    """The test's broker, its workers (logs in files) and their emails."""

    def __init__(self, env, tmp_path):
        self.broker = RedisServer(tmp_path).start()
        self.hold = tmp_path / "hold-mail"
        self.env = {**env, "CELERY_BROKER_URL": self.broker.url,
                    "EMAIL_BACKEND": "tests.held_mail.HeldFileBackend",
                    "HOLD_MAIL_FLAG": str(self.hold)}
        self.tmp_path, self.workers = tmp_path, []

    def start_worker(self):
        log = self.tmp_path / f"worker{len(self.workers)}.log"
        process = subprocess.Popen(
            celery("worker", "--pool=solo", "--prefetch-multiplier=1", "--without-mingle",
                   "--without-gossip", "--loglevel=INFO", f"--hostname=w{len(self.workers)}@%h"),
            env=self.env, cwd=settings.BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT)
        self.workers.append((process, log))
        return process

    def call(self, task, **kwargs):
        subprocess.run(celery("call", task, "--kwargs", json.dumps(kwargs)), env=self.env,
                       cwd=settings.BASE_DIR, check=True, capture_output=True)

    def logs(self):
        return "".join(log.read_text() for _process, log in self.workers)

    def wait(self, condition, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}\n{self.logs()[-4000:]}")

    def emails(self):
        """(recipient, plan) of every email written by the workers."""
        sent = []
        for path in (self.tmp_path / "mail").glob("*.log"):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if b"To: " not in raw:
                    continue
                message = email.message_from_bytes(raw.strip())
                body = message.get_payload(decode=True).decode()
                sent.append((message["To"], int(re.search(r"/plans/(\d+)/", body).group(1))))
        return sent

    def stop(self):
        for process, _log in self.workers:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self.broker.stop()


@pytest.fixture
def run(worker_env, tmp_path):
    started = Run(worker_env, tmp_path)
    yield started
    started.stop()


def _locking_sessions():
    """The state of every other database session holding a lock on the notifications table
    (the worker's, inside a send; other sessions, idle ones left by earlier tests, are not
    counted)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT a.state FROM pg_stat_activity a
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            AND EXISTS (
                SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.mode = 'RowShareLock'
                AND l.relation = 'notifications_notification'::regclass)""")
        return [state for (state,) in cursor.fetchall()]


def _kill_while_holding_a_lock(run, worker):
    """kill -9 the worker inside a send: held just before its email is written
    (``tests.held_mail``), its session in the transaction that locked and marked the row."""
    waiting = run.tmp_path / "hold-mail.waiting"
    run.hold.touch()
    run.wait(waiting.exists, "the worker to reach an email")
    assert _locking_sessions() == ["idle in transaction"]
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    run.hold.unlink()
    waiting.unlink()


def _owed():
    return Notification.objects.filter(email_state=EmailState.OWED).count()


def test_workers_killed_and_the_broker_restarted_still_send_each_email_once(
        transactional_db, run):
    people = UserFactory.create_batch(PEOPLE)
    with enqueue_to(run.broker.url):
        for plan in range(PLANS):
            services.notify(recipients=people, key=f"plan-event:{plan}", kind="plan_status",
                            params={"plan": f"Plan {plan}", "organisation": "Accueil",
                                    "from": "submitted", "to": "in_review"},
                            url=f"/plans/{plan}/")
    expected = {(person.email, plan) for person in people for plan in range(PLANS)}
    assert _owed() == len(expected) == 2000

    # Three workers killed in the middle of a send, each after a few hundred emails.
    for kill in range(1, 4):
        worker = run.start_worker()
        run.wait(lambda n=300 * kill: len(run.emails()) >= n, f"{300 * kill} emails")
        _kill_while_holding_a_lock(run, worker)
        # Its session ended with it: the lock is released, its transaction rolled back.
        run.wait(lambda: not _locking_sessions(), "the killed worker's lock to be released")
    # The broker restarts under a running worker and loses every queued message.
    worker = run.start_worker()
    run.wait(lambda: len(run.emails()) >= 1000, "1000 emails")
    run.broker.stop()
    run.broker.start()
    owed_after_restart = _owed()
    assert owed_after_restart > 0  # lost with the queue: no task will ever send them

    # The recovery job (as beat would run it, here without its delay) until nothing is owed.
    for attempt in range(1, 6):
        run.call(RECOVERY, older_than_seconds=0)
        run.wait(lambda n=2 * attempt: run.logs().count(f"{RECOVERY}[") >= n,
                 "the recovery job", timeout=90)
        if not _owed():
            break
    assert _owed() == 0
    assert worker.poll() is None
    time.sleep(1)  # anything extra would arrive now

    sent = Counter(run.emails())
    assert set(sent) == expected
    assert [key for key, count in sent.items() if count > 1] == []
    assert Notification.objects.filter(email_state=EmailState.SENT).count() == 2000
