"""The email preferences page: each person chooses an email per notification, a daily digest
or none, and which groups of notifications they receive by email."""

import re

import pytest
from django.urls import reverse

from notifications.models import NotificationPreference

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client
    return login


def _checked(html):
    return set(re.findall(r'<input type="(?:radio|checkbox)" name="(\w+)" value="(\w+)"'
                          r'[^>]*checked', html))


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"] or "connexion" in response["Location"]


def test_the_defaults_are_an_email_for_everything(world, client_for):
    response = client_for(world["users"]["partner"]).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert _checked(html) == {("email_mode", "immediate"), ("groups", "plans"),
                              ("groups", "cases"), ("groups", "opportunities"),
                              ("groups", "reminders"), ("groups", "escalations")}
    assert "<legend>How do you want to be emailed?</legend>" in html
    for input_id in re.findall(r'<input type="(?:radio|checkbox)"[^>]* id="([\w-]+)"', html):
        assert f'<label for="{input_id}">' in html  # every choice is labelled


def test_a_person_chooses_a_daily_digest_without_escalations(world, client_for):
    manager = world["users"]["sit_manager"]
    client = client_for(manager)
    response = client.post(URL, {"email_mode": "daily",
                                 "groups": ["plans", "cases", "opportunities", "reminders"]})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=manager)
    assert preference.email_mode == "daily"
    assert preference.muted_kinds == ["reminder_escalation"]
    assert preference.emails("reminder_follow_ups")
    assert not preference.emails("reminder_escalation")
    page = client.get(URL).content.decode()
    assert _checked(page) == {("email_mode", "daily"), ("groups", "plans"), ("groups", "cases"),
                              ("groups", "opportunities"),
                              ("groups", "reminders")}
    assert "Your notification preferences are saved." in page
    # Someone else's preferences are untouched.
    assert not NotificationPreference.objects.exclude(user=manager).exists()


def test_no_email_at_all(world, client_for):
    adviser = world["users"]["adviser"]
    client_for(adviser).post(URL, {"email_mode": "off"})
    preference = NotificationPreference.objects.get(user=adviser)
    assert preference.email_mode == "off"
    assert not preference.emails("case_status")
    assert set(preference.muted_kinds) >= {"plan_status", "case_note", "reminder_escalation"}


def test_an_unknown_mode_is_refused_with_a_message_tied_to_the_field(world, client_for):
    response = client_for(world["users"]["adviser"]).post(URL, {"email_mode": "hourly"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_mode_error"' in html
    assert 'aria-describedby="id_email_mode_error"' in html
    assert not NotificationPreference.objects.exists()


def test_the_notification_list_links_to_the_preferences(world, client_for):
    html = client_for(world["users"]["partner"]).get(reverse("notifications:list")) \
        .content.decode()
    assert f'href="{URL}"' in html
