"""The invitation email goes through a real Celery worker on the real Redis: delivered twice,
it is still sent once."""

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
