"""The invitation email goes through a real Celery worker on the real Redis: delivered twice,
it is still sent once."""

import re
import subprocess
import time

import pytest
import redis
from django.conf import settings

from partners.models import Invitation
from tests.celery_worker import celery
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.partners import OrganisationFactory

ACCEPT_URL = "https://portail.example/organisations/invitations/{token}/"


@pytest.mark.worker
def test_an_invitation_delivered_twice_is_emailed_once(reloaded_network, worker_env, tmp_path):
    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    invitation = Invitation.objects.create(
        organisation=OrganisationFactory(), email="double@exemple.example", invited_by=adviser,
        expires_at="2999-01-01T00:00:00Z")
    for _ in range(2):  # the same message twice, as a broker redelivery would
        subprocess.run(celery("call", "partners.tasks.send_invitation", "--args",
                              f'[{invitation.pk}, "{ACCEPT_URL}"]'),
                       env=worker_env, cwd=settings.BASE_DIR, check=True, capture_output=True)
    worker = subprocess.Popen(
        celery("worker", "--pool=solo", "--without-mingle", "--without-gossip",
               "--loglevel=INFO"),
        env=worker_env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        queue = redis.Redis.from_url(settings.TEST_BROKER_URL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            unacked = queue.hlen("unacked") if queue.exists("unacked") else 0
            if queue.llen("celery") == 0 and unacked == 0 and \
                    (tmp_path / "mail").exists():
                break
            time.sleep(0.5)
        time.sleep(1)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    mails = list((tmp_path / "mail").glob("*.log"))
    assert len(mails) == 1, output[-3000:]
    assert "double@exemple.example" in mails[0].read_text()
    assert output.count("succeeded") == 2, output[-3000:]
    invitation.refresh_from_db()
    assert invitation.sent_at and invitation.token_hash


@pytest.mark.worker
def test_an_invitation_whose_task_was_lost_is_emailed_once_by_the_recovery_job(
        reloaded_network, worker_env, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from partners.services import INVITATION_VALIDITY, invitation_create
    from tests.celery_worker import RedisServer, enqueue_to

    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    broker = RedisServer(tmp_path).start()
    worker = None
    try:
        with enqueue_to(broker.url):
            invitation = invitation_create(actor=adviser, organisation=OrganisationFactory(),
                                           email="perdue@exemple.example",
                                           accept_url_template=ACCEPT_URL)
        assert redis.Redis.from_url(broker.url).llen("celery") == 1
        broker.stop()  # the broker restarts and loses the queued task
        broker.start()
        # Asked three minutes ago: past the recovery job's delay.
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() + INVITATION_VALIDITY - timedelta(minutes=3))
        env = {**worker_env, "CELERY_BROKER_URL": broker.url}
        for _ in range(2):  # twice, as two beats would: one email
            subprocess.run(celery("call", "partners.tasks.send_owed_invitations"), env=env,
                           cwd=settings.BASE_DIR, check=True, capture_output=True)
        log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            celery("worker", "--pool=solo", "--without-mingle", "--without-gossip",
                   "--loglevel=INFO"),
            env=env, cwd=settings.BASE_DIR, stdout=log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while log.read_text().count("succeeded") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    finally:
        if worker:
            worker.kill()
            worker.wait(timeout=10)
        broker.stop()
    output = log.read_text()
    mails = list((tmp_path / "mail").glob("*.log"))
    assert len(mails) == 1, output[-3000:]
    assert "perdue@exemple.example" in mails[0].read_text()
    # One run sent it, the other found nothing owed.
    assert sorted(re.findall(r"send_owed_invitations\[[\w-]+\] succeeded in [\d.]+s: (\d+)",
                             output)) == ["0", "1"], output[-3000:]
    invitation.refresh_from_db()
    assert invitation.sent_at and invitation.token_hash


@pytest.mark.django_db
def test_the_recovery_job_leaves_recent_sent_and_closed_invitations_alone(
        mailoutbox, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from partners import services

    adviser = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    asked = timezone.now() - timedelta(minutes=3)

    def invitation(email, **values):
        return Invitation.objects.create(
            organisation=OrganisationFactory(), email=email, invited_by=adviser,
            expires_at=asked + services.INVITATION_VALIDITY, **values)

    lost = invitation("perdue@exemple.example")
    invitation("envoyee@exemple.example", sent_at=asked)
    invitation("revoquee@exemple.example", revoked_at=asked)
    Invitation.objects.create(organisation=OrganisationFactory(), email="recente@exemple.example",
                              invited_by=adviser,
                              expires_at=timezone.now() + services.INVITATION_VALIDITY)
    assert services.owed_invitations_send() == 1
    assert services.owed_invitations_send() == 0
    assert [m.to for m in mailoutbox] == [[lost.email]]
    assert "/organisations/invitations/" in mailoutbox[0].body
