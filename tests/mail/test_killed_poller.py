"""The poller run by a real Celery worker (``notifications.tasks.poll_mailbox``) against a real
dovecot, killed (kill -9) once while it receives the batch and once while it processes it,
then run again: every message is received once and processed once, and none is lost.

The task's ``pause`` makes the poller wait at its most fragile points, so the kills land
there: after a message's row is committed but before it is flagged ``\\Seen`` on the server
(the next run fetches it again and must skip it), and inside the transaction that processes a
message, after the handler wrote the case or the note (the next run must write it again,
once)."""


import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from antennes.models import Office
from enterprises.models import Case, CaseNote, CaseStatus
from notifications import inbound
from notifications.models import InboundMessage, InboundState
from notifications.tasks import poll_mailbox
from tests.celery_worker import Worker, enqueue_to, wait
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.mail.conftest import REPLY_ADDRESS, compose

pytestmark = pytest.mark.worker

TR_MAILBOX = "trois-rivieres@portail.example"
REQUESTS, REPLIES = 12, 6


def other_sessions_holding_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
            AND (l.locktype = 'advisory'
                 OR l.relation = 'notifications_inboundmessage'::regclass)""")
        return cursor.fetchone()[0]


def rows() -> int:
    return InboundMessage.objects.count()


def done() -> int:
    return InboundMessage.objects.exclude(state=InboundState.RECEIVED).count()


def test_a_poller_killed_twice_mid_batch_then_restarted_processes_each_message_once(
        reloaded_network, worker_env, exchanger, dovecot, tmp_path):
    tr = office("trois-rivieres")
    Office.objects.filter(pk=tr.pk).update(mailbox=TR_MAILBOX)
    organisation = EnterpriseFactory().organisation
    marie = PartnerUserFactory(organisation=organisation, email="marie@boulangerie.example")
    StaffFactory(role="adviser", offices=[tr])
    case = CaseFactory(organisation=organisation, status=CaseStatus.IN_PROGRESS)
    reply_to = inbound.reply_address(f"case:{case.pk}:{marie.pk}")
    for n in range(REQUESTS):
        exchanger.send(compose(sender="marie@boulangerie.example", to=TR_MAILBOX,
                               subject=f"Demande {n}", body=f"Demande numéro {n}."))
    for n in range(REPLIES):
        exchanger.send(compose(sender="marie@boulangerie.example", to=reply_to,
                               subject="Re: dossier", body=f"Réponse {n}.\n\n> citation"))
    total = REQUESTS + REPLIES
    assert len(dovecot.uids("UNSEEN")) == total

    env = {**worker_env, **dovecot.environment(), "CASE_REPLY_ADDRESS": REPLY_ADDRESS,
           "TEST_PRIVATE_MEDIA_ROOT": storages["private"].location}
    logs = [tmp_path / f"worker{n}.log" for n in range(3)]
    workers = []

    def run_poller(pause):
        worker = Worker(env, logs[len(workers)])
        workers.append(worker)
        with enqueue_to(settings.TEST_BROKER_URL):
            poll_mailbox.apply_async(kwargs={"pause": pause})
        return worker

    try:
        # 1. Killed while receiving: some rows committed, the last one not yet flagged.
        first = run_poller(pause=1.0)
        wait(lambda: rows() >= 5, "5 messages received", logs)
        first.kill()
        wait(lambda: other_sessions_holding_locks() == 0, "the killed session to end", logs)
        received = rows()
        assert 5 <= received < total and done() == 0
        # At least the message whose commit the kill followed is still unseen on the server.
        assert len(dovecot.uids("UNSEEN")) > total - received

        # 2. Killed while processing, inside a message's transaction.
        second = run_poller(pause=0.4)
        wait(lambda: done() >= 6, "6 messages processed", logs)
        second.kill()
        wait(lambda: other_sessions_holding_locks() == 0, "the killed session to end", logs)
        assert rows() == total and 6 <= done() < total
        assert dovecot.uids("UNSEEN") == []

        # 3. Run again, to the end.
        run_poller(pause=0)
        wait(lambda: done() == total, "every message processed", logs)
    finally:
        for worker in workers:
            worker.kill()

    states = dict(InboundMessage.objects.values_list("state").annotate(n=Count("pk")))
    assert states == {InboundState.PROCESSED: total}
    assert Case.objects.filter(channel="email").count() == REQUESTS
    assert sorted(Case.objects.filter(channel="email").values_list("subject", flat=True)) == \
        sorted(f"Demande {n}" for n in range(REQUESTS))
    assert CaseNote.objects.filter(case=case).count() == REPLIES
    assert sorted(CaseNote.objects.values_list("body", flat=True)) == \
        sorted(f"Réponse {n}." for n in range(REPLIES))
    # Each message became one thing, and no message was received twice.
    targets = list(InboundMessage.objects.values_list("target", flat=True))
    assert len(set(targets)) == total
    assert InboundMessage.objects.filter(attempts__gt=2).count() == 0
    assert InboundMessage.objects.filter(processed_at__lte=timezone.now()).count() == total
