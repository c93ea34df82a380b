"""The header's unread count is counted only where the header is shown: a full page counts
it once, a fragment (htmx) that replaces part of a page does not count it at all."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _count_queries(client, **headers):
    table = Notification._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("partners:directory"), {"q": "accueil"}, headers=headers)
    assert response.status_code == 200
    return sum(f'"{table}"' in query["sql"] and "COUNT(" in query["sql"]
               for query in captured.captured_queries)


def test_a_page_counts_the_unread_notifications_once_and_a_fragment_not_at_all(client, world):
    client.force_login(world["users"]["adviser"])

    assert _count_queries(client) == 1
    assert _count_queries(client, **{"HX-Request": "true"}) == 0
