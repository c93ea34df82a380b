"""The public figures in the isolation matrix: every opendata URL, anonymous and as every role
(tests/test_isolation.py's world), answers the same public figures to all, never a name,
title or record of the portal, and an unpublished table is 404 to everyone, administrators
included (they choose what is published in the Django admin, not here)."""

import pytest
from django.urls import reverse

from opendata import services
from opendata.models import TableKey
from programs.models import ActionPlan
from regionalisation.models import Opportunity
from tests.factories.regionalisation import OpportunityFactory
from tests.opendata.helpers import generated_world, page_tables

pytestmark = pytest.mark.django_db

PUBLISHED = {TableKey.REGIONALISATION, TableKey.PLANS_BY_REGION, TableKey.COHORT_PRESENCE}
UNPUBLISHED = set(TableKey.values) - PUBLISHED
ROLES = ["anonymous", "admin", "sit_manager", "adviser", "adviser_gatineau", "partner",
         "partner_gatineau"]

#: name -> (url, expected status)
URLS = {
    "index": (reverse("opendata:index"), 200),
    "region": (reverse("opendata:region", args=["04"]), 200),
    "montreal": (reverse("opendata:region", args=["06"]), 200),
    "unknown_region": (reverse("opendata:region", args=["99"]), 404),
    "metadata": (reverse("opendata:metadata"), 200),
    "unknown_table": (reverse("opendata:table_csv", args=["plans"]), 404),
    **{f"{key}_{fmt}": (reverse(f"opendata:table_{fmt}", args=[key]),
                        200 if key in PUBLISHED else 404)
       for key in TableKey.values for fmt in ("csv", "json")},
}


@pytest.fixture
def figures(world):
    generated_world(30, size=6)
    # Records nobody published: a draft and a submitted opportunity, drafts of plans.
    OpportunityFactory(title="Poste confidentiel en brouillon", positions=9)
    OpportunityFactory(submitted=True, title="Poste confidentiel soumis", positions=9)
    for key in PUBLISHED:
        services.table_publish(key=key)
    services.figures_compute()
    return world


def _figures(response):
    content_type = response["Content-Type"]
    if content_type.startswith("text/html"):
        return page_tables(response.content.decode())
    return response.content


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_every_role_and_anonymous_get_the_same_public_figures(client, figures, url_name):
    url, status = URLS[url_name]
    answers = set()
    secrets = [*ActionPlan.objects.values_list("title", flat=True),
               *Opportunity.objects.values_list("title", flat=True),
               *[org.name for org in figures["orgs"].values()],
               *[user.email for user in figures["users"].values()]]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(figures["users"][role])
        response = client.get(url)
        assert response.status_code == status, (role, url)
        if status != 200:
            continue
        body = _figures(response)
        answers.add(repr(body) if isinstance(body, dict) else body)
        text = response.content.decode()
        own = set() if role == "anonymous" else {figures["users"][role].email}
        for secret in set(secrets) - own:
            assert secret not in text, (role, url, secret)
    if status == 200:
        assert len(answers) == 1, url


def test_no_unpublished_table_is_named_on_any_page_or_record(client, figures):
    html = client.get(reverse("opendata:index")).content.decode()
    region = client.get(reverse("opendata:region", args=["04"])).content.decode()
    record = client.get(reverse("opendata:metadata")).content.decode()
    for key in UNPUBLISHED:
        for text in (html, region, record):
            assert f"{key}." not in text and f'data-table="{key}"' not in text
    assert set(page_tables(html)) == PUBLISHED


def test_opportunities_not_validated_count_nowhere(client, figures):
    from opendata.models import FigureRow

    services.table_publish(key=TableKey.REGIONALISATION)
    before = list(FigureRow.objects.filter(table__key=TableKey.REGIONALISATION)
                  .order_by("position").values_list("cells", flat=True))
    OpportunityFactory.create_batch(3, positions=12)
    OpportunityFactory.create_batch(3, submitted=True, positions=12)
    OpportunityFactory.create_batch(3, withdrawn=True, positions=12)
    services.figures_compute()
    after = list(FigureRow.objects.filter(table__key=TableKey.REGIONALISATION)
                 .order_by("position").values_list("cells", flat=True))
    assert after == before
