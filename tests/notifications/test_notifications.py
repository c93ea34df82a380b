"""Notifications: inserted once per (recipient, key), emailed once, bilingual, and each person
sees only their own."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from notifications import services
from notifications.models import Notification
from tests.factories.accounts import StaffFactory
from tests.factories.partners import PartnerUserFactory

pytestmark = pytest.mark.django_db

PARAMS = {"plan": "Plan d’accueil 2026", "organisation": "Accueil Trois-Rivières",
          "from": "submitted", "to": "in_review"}


def _notify(recipients, key="plan-event:1", **kwargs):
    values = {"kind": "plan_status", "params": PARAMS, "url": "/plans/1/", **kwargs}
    return services.notify(recipients=recipients, key=key, **values)


def test_notify_inserts_once_per_recipient_and_key(world, django_capture_on_commit_callbacks,
                                                   mailoutbox):
    u = world["users"]
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify([u["adviser"], u["partner"], u["adviser"]])
        again = _notify([u["adviser"], u["partner"]])
        other_key = _notify([u["adviser"]], key="plan-event:2")
    assert sorted(n.recipient_id for n in first) == sorted([u["adviser"].pk, u["partner"].pk])
    assert again == []
    assert len(other_key) == 1
    assert Notification.objects.count() == 3
    assert len(mailoutbox) == 3  # one email per notification inserted


def test_an_inactive_person_is_not_notified(world):
    adviser = world["users"]["adviser"]
    adviser.is_active = False
    adviser.save()
    assert _notify([adviser]) == []
    assert not Notification.objects.exists()


def test_an_email_is_sent_once_even_when_the_task_runs_twice(world, mailoutbox):
    notification, = _notify([world["users"]["partner"]])
    assert services.notification_email_send(notification_id=notification.pk) is True
    assert services.notification_email_send(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_a_vanished_notification_sends_nothing(mailoutbox):
    assert services.notification_email_send(notification_id=987654321) is False
    assert mailoutbox == []


def test_the_email_is_in_french_first_then_in_english(world, mailoutbox, settings):
    settings.PORTAL_BASE_URL = "https://portail.example.gouv.qc.ca/"
    partner = world["users"]["partner"]
    notification, = _notify([partner])
    with translation.override("en"):  # whatever language the sender uses
        services.notification_email_send(notification_id=notification.pk)
    email, = mailoutbox
    with translation.override("fr-ca"):
        french = notification.message
    with translation.override("en"):
        english = notification.message
    assert email.to == [partner.email]
    assert email.subject == f"Portail régionalisation — {french}"[:150]
    body = email.body
    link = "https://portail.example.gouv.qc.ca/plans/1/"
    assert body.startswith(french)
    positions = [body.index(french), body.index(f"Pour consulter le dossier : {link}"),
                 body.index("(English follows)"),
                 body.index(english, body.index("(English follows)")),
                 body.index(f"To open the file: {link}")]
    assert positions == sorted(positions)
    assert "Plan d’accueil 2026" in english and "Accueil Trois-Rivières" in english
    assert "In review" in english and "Submitted" in english  # statuses shown by their names


def test_the_list_shows_only_my_own_notifications(world, client):
    u = world["users"]
    _notify([u["partner"]], key="k:1", params={**PARAMS, "plan": "Mon plan à moi"})
    _notify([u["partner_gatineau"]], key="k:2", params={**PARAMS, "plan": "Plan de Gatineau"})
    _notify([u["adviser"]], key="k:3", params={**PARAMS, "plan": "Plan du conseiller"})
    client.force_login(u["partner"])
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Mon plan à moi" in page
    assert "Plan de Gatineau" not in page
    assert "Plan du conseiller" not in page


def test_the_list_needs_a_signed_in_person(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert "/notifications/" not in response["Location"].split("?")[0]


def _badge(client):
    """The unread count in the header's “Notifications” link (None when there is none)."""
    page = client.get(reverse("notifications:list")).content.decode()
    href = re.escape(reverse("notifications:list"))
    link = re.search(rf'<a href="{href}"[^>]*>(.*?)</a>', page, re.S)
    assert link, "the header links to the notifications"
    count = re.search(r'<span class="badge">(\d+)<', link.group(1))
    return int(count.group(1)) if count else None


def test_the_header_shows_how_many_notifications_are_unread_until_they_are_read(world, client):
    u = world["users"]
    adviser = StaffFactory(role="adviser")
    for n in range(3):
        _notify([u["partner"]], key=f"k:{n}")
    _notify([adviser], key="k:other")
    client.force_login(u["partner"])
    assert _badge(client) == 3

    response = client.post(reverse("notifications:mark_read"))
    assert response.status_code == 302
    assert _badge(client) is None
    assert not Notification.objects.filter(recipient=u["partner"], read_at__isnull=True).exists()
    # Someone else's notifications stay unread.
    assert Notification.objects.get(recipient=adviser).read_at is None


def test_marking_one_notification_read_leaves_the_others(world, client):
    partner = world["users"]["partner"]
    first, = _notify([partner], key="k:1")
    _notify([partner], key="k:2")
    client.force_login(partner)
    client.post(reverse("notifications:mark_read"), {"id": [first.pk]})
    assert list(Notification.objects.filter(read_at__isnull=True)
                .values_list("key", flat=True)) == ["k:2"]
    assert _badge(client) == 1


def test_nobody_marks_someone_elses_notification_read(world, client):
    other, = _notify([PartnerUserFactory(organisation=world["orgs"]["gat"])], key="k:1")
    client.force_login(world["users"]["partner"])
    client.post(reverse("notifications:mark_read"), {"id": [other.pk]})
    other.refresh_from_db()
    assert other.read_at is None


def test_a_tampered_id_is_ignored_not_an_error(world, client):
    _notify([world["users"]["partner"]])
    client.force_login(world["users"]["partner"])
    response = client.post(reverse("notifications:mark_read"), {"id": ["abc", "1; DROP"]})
    assert response.status_code == 302
    assert Notification.objects.get().read_at is None


def test_marking_read_only_accepts_a_post(world, client):
    _notify([world["users"]["partner"]])
    client.force_login(world["users"]["partner"])
    assert client.get(reverse("notifications:mark_read")).status_code == 405
    assert Notification.objects.get().read_at is None


def test_the_message_is_rendered_in_the_readers_language(world):
    notification, = _notify([world["users"]["partner"]])
    with translation.override("en"):
        assert notification.message == ("Action plan “Plan d’accueil 2026” (Accueil "
                                         "Trois-Rivières): Submitted → In review.")
