"""Reminders through real Celery workers on the real Redis (not eager mode): the daily sweep
run twice, or twice at once, sends each reminder once; a worker killed in the middle of a sweep
and restarted sends the rest and no duplicate; a rolled-back case change sends nothing."""

import ast
import json
import os
import re
import signal
import subprocess
import time
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import redis
from django.conf import settings
from django.db import transaction

from enterprises.models import CaseEvent, CaseStatus
from enterprises.services import case_transition
from notifications.models import Notification, Reminder
from tests.celery_worker import celery
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.notifications import reminder_settings
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.worker

#: A Wednesday; every case below is overdue by more than the escalation delay on that day.
DAY = date(2025, 6, 11)
SWEEP = "notifications.tasks.daily_reminders"
#: Small, slow chunks (the task's own arguments): sweeps overlap, and a worker can be killed in
#: the middle.
SLOW = {"chunk": 5, "pause": 0.3}


class Workers:
    """Celery workers started for a test, their logs in files; all stopped at the end."""

    def __init__(self, env, tmp_path):
        self.env, self.tmp_path, self.started = env, tmp_path, []

    def start(self, *options):
        log = self.tmp_path / f"worker{len(self.started)}.log"
        process = subprocess.Popen(
            celery("worker", "--without-mingle", "--without-gossip", "--loglevel=INFO",
                   f"--hostname=w{len(self.started)}@%h", *options),
            env=self.env, cwd=settings.BASE_DIR, stdout=log.open("w"),
            stderr=subprocess.STDOUT)
        self.started.append((process, log))
        return process, log

    def call(self, task, *args, **kwargs):
        subprocess.run(celery("call", task, "--args", json.dumps(args),
                              "--kwargs", json.dumps(kwargs)),
                       env=self.env, cwd=settings.BASE_DIR, check=True, capture_output=True)

    def logs(self):
        return "".join(log.read_text() for _process, log in self.started)

    def stop(self):
        for process, _log in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture
def workers(worker_env, tmp_path):
    started = Workers(worker_env, tmp_path)
    yield started
    started.stop()


def _wait(condition, what, workers, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{workers.logs()[-4000:]}")


SWEEP_DONE = re.compile(
    r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+): INFO/([\w-]+)\] Task "
    + re.escape(SWEEP) + r"\[[\w-]+\] succeeded in ([\d.]+)s: (\{.*\})")


def _sweeps_done(workers):
    """(start, end, process, counts) of each sweep the workers finished."""
    runs = []
    for stamp, process, seconds, result in SWEEP_DONE.findall(workers.logs()):
        end = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f")
        runs.append((end - timedelta(seconds=float(seconds)), end, process,
                     ast.literal_eval(result)))
    return runs


def _emails(tmp_path):
    folder = tmp_path / "mail"
    if not folder.exists():
        return []
    return [re.search(r"^To: (.+)$", message, re.M).group(1)
            for path in folder.glob("*.log")
            for message in path.read_text().split("\n" + "-" * 79 + "\n") if "To: " in message]


def _queue_idle():
    broker = redis.Redis.from_url(settings.TEST_BROKER_URL)
    return broker.llen("celery") == 0


def _in_a_pause_after(escalations):
    """At least ``escalations`` escalations are committed, and the emails of every notification
    committed are queued (the solo worker, busy with the sweep, takes none), no chunk being
    committed meanwhile: the sweep is in its pause between chunks, not between a chunk's commit
    and the enqueueing of its emails on commit (killing it there would lose them)."""
    notified = Notification.objects.count()
    if Reminder.objects.filter(kind="escalation").count() < escalations:
        return False
    queued = redis.Redis.from_url(settings.TEST_BROKER_URL).llen("celery")
    return queued >= notified == Notification.objects.count()


@pytest.fixture
def late_cases(reloaded_network):
    """40 open cases of Trois-Rivières overdue by two weeks, and the SIT manager they
    escalate to (one reminder each); their adviser gets one follow-up digest."""
    reminder_settings(escalation_business_days=2)
    tr = office("trois-rivieres")
    manager = StaffFactory(role="sit_manager", offices=[office("sherbrooke")])
    adviser = StaffFactory(role="adviser", offices=[tr])
    organisation = EnterpriseFactory(organisation__office=tr).organisation
    cases = [CaseFactory(organisation=organisation, adviser=adviser,
                         status=CaseStatus.IN_PROGRESS,
                         next_follow_up=DAY - timedelta(days=14)) for _ in range(40)]
    return {"manager": manager, "adviser": adviser, "cases": cases}


def _assert_each_reminder_once(late_cases, tmp_path):
    manager, adviser = late_cases["manager"], late_cases["adviser"]
    expected = 41  # 40 escalations to the manager, 1 digest to the adviser
    assert Reminder.objects.count() == expected
    assert set(Reminder.objects.filter(kind="escalation").values_list("object_key", flat=True)) \
        == {f"case:{case.pk}" for case in late_cases["cases"]}
    assert Notification.objects.count() == expected
    assert Counter(_emails(tmp_path)) == {manager.email: 40, adviser.email: 1}


def test_the_sweep_run_twice_and_twice_at_once_sends_each_reminder_once(late_cases, workers,
                                                                        tmp_path):
    # Two sweeps at once: both queued before a worker with two processes starts.
    workers.call(SWEEP, DAY.isoformat(), **SLOW)
    workers.call(SWEEP, DAY.isoformat(), **SLOW)
    workers.start("--pool=prefork", "--concurrency=2", "--prefetch-multiplier=1")
    _wait(lambda: len(_sweeps_done(workers)) == 2, "the two sweeps", workers)
    (start1, end1, process1, first), (start2, end2, process2, second) = sorted(
        _sweeps_done(workers))
    # They ran at the same time, in two processes ...
    assert process1 != process2
    assert start2 < end1
    # ... and between them sent each reminder once.
    parallel = [first, second]
    assert sum(r["escalations"] for r in parallel) == 40
    assert sum(r["follow_ups"] for r in parallel) == 1
    # Once more, after them: nothing new.
    workers.call(SWEEP, DAY.isoformat(), **SLOW)
    _wait(lambda: len(_sweeps_done(workers)) == 3, "the third sweep", workers)
    assert set(sorted(_sweeps_done(workers))[2][3].values()) == {0}
    _wait(lambda: _queue_idle() and len(_emails(tmp_path)) >= 41, "the emails", workers)
    time.sleep(1)  # anything extra would arrive now
    _assert_each_reminder_once(late_cases, tmp_path)


def test_a_worker_killed_in_the_middle_of_a_sweep_then_restarted_sends_the_rest_once(
        late_cases, workers, tmp_path):
    workers.call(SWEEP, DAY.isoformat(), **SLOW)
    # One message at a time (the sweep's): no email is prefetched and lost with the worker.
    worker, _log = workers.start("--pool=solo", "--prefetch-multiplier=1")
    # Kill it (no warm shutdown) once some chunks are committed, long before the end.
    _wait(lambda: _in_a_pause_after(10), "a few chunks", workers)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    sent_before = Reminder.objects.count()
    assert 10 <= sent_before < 41
    # Chunks are transactions: every reminder inserted has its notification, none half-done.
    assert Notification.objects.count() == sent_before
    assert Reminder.objects.filter(kind="escalation").count() % 5 == 0

    workers.start("--pool=solo")
    workers.call(SWEEP, DAY.isoformat(), **SLOW)
    _wait(lambda: len(_sweeps_done(workers)) == 1, "the sweep after the restart", workers)
    rest = _sweeps_done(workers)[0][3]
    assert rest["escalations"] + rest["follow_ups"] == 41 - sent_before
    _wait(lambda: _queue_idle() and len(_emails(tmp_path)) >= 41, "the emails", workers)
    time.sleep(1)
    _assert_each_reminder_once(late_cases, tmp_path)


def _real_broker():
    """Make this process enqueue to the test broker (the worker's), not run tasks eagerly."""
    from portal.celery import app

    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    app.conf.update(task_always_eager=False, broker_url=settings.TEST_BROKER_URL)
    _forget_connections(app)
    return app, saved


def _forget_connections(app):
    """The next message opens a connection to the broker configured now."""
    app._pool = None
    app.amqp._producer_pool = None


def test_a_rolled_back_case_change_enqueues_and_sends_nothing(reloaded_network, workers,
                                                              tmp_path):
    tr = office("trois-rivieres")
    adviser = StaffFactory(role="adviser", offices=[tr])
    organisation = EnterpriseFactory(organisation__office=tr).organisation
    enterprise_user = PartnerUserFactory(organisation=organisation)
    done, undone = (CaseFactory(organisation=organisation, adviser=adviser,
                                status=CaseStatus.IN_PROGRESS) for _ in range(2))
    broker = redis.Redis.from_url(settings.TEST_BROKER_URL)
    app, saved = _real_broker()
    try:
        # A committed change reaches the worker and the enterprise (so the pipe works) ...
        case_transition(actor=adviser, case_id=done.pk, to=CaseStatus.CLOSED,
                        outcome="resolved")
        assert broker.llen("celery") == 1
        # ... a rolled-back one enqueues nothing.
        with pytest.raises(RuntimeError), transaction.atomic():
            case_transition(actor=adviser, case_id=undone.pk, to=CaseStatus.CLOSED,
                            outcome="resolved")
            raise RuntimeError("the request failed after the move")
        assert broker.llen("celery") == 1
    finally:
        app.conf.update(**saved)
        _forget_connections(app)
    workers.start("--pool=solo")
    _wait(lambda: _queue_idle() and len(_emails(tmp_path)) >= 1, "the email", workers)
    time.sleep(1)
    assert _emails(tmp_path) == [enterprise_user.email]
    assert Notification.objects.get().key == f"case-event:{done.events.last().pk}"
    undone.refresh_from_db()
    assert undone.status == CaseStatus.IN_PROGRESS
    assert not CaseEvent.objects.filter(case=undone).exists()
    # The committed move's one task (its email: the notification was written with the move),
    # nothing else.
    log = workers.logs()
    assert log.count("succeeded") == 1
    assert log.count("notifications.tasks.send_notification_email[") == 2  # received, succeeded
