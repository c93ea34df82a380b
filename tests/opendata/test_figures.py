"""The public figures: computed by the job into their own tables, published only as an
administrator chose, small counts suppressed in every cell, the same figures on the page, in
the CSV and in the JSON, served in a constant number of queries."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from opendata import services
from opendata.models import FigureRow, FigureTable, TableKey
from opendata.selectors import display
from opendata.suppression import HIDDEN, SMALL, THRESHOLD
from opendata.tables import SPECS
from regions.models import CohortStatistic
from tests.opendata.helpers import csv_rows, generated_world, page_tables, publish_all

pytestmark = pytest.mark.django_db


def test_the_page_says_nothing_is_published_before_an_administrator_chooses(client):
    generated_world(1, size=4)
    services.figures_compute()
    response = client.get(reverse("opendata:index"))
    assert response.status_code == 200
    assert page_tables(response.content.decode()) == {}
    for key in TableKey.values:
        assert client.get(reverse("opendata:table_csv", args=[key])).status_code == 404
        assert client.get(reverse("opendata:table_json", args=[key])).status_code == 404
    assert client.get(reverse("opendata:metadata")).json()["resources"] == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_cell_of_every_table_follows_the_small_count_rule(seed):
    generated_world(seed)
    services.figures_compute()
    raw = services.compute_all(timezone.localdate())
    checked = 0
    for table in FigureTable.objects.all():
        spec = SPECS[table.key]
        rows = list(table.rows.order_by("position"))
        assert len(rows) == len(raw[table.key].rows)
        for row, exact in zip(rows, raw[table.key].rows, strict=True):
            for column in spec.counts:
                value, shown = exact.values[column], row.cells[column]
                if value < THRESHOLD:
                    assert shown == SMALL, (table.key, row.group, row.key, column)
                else:
                    assert shown in (HIDDEN, value), (table.key, row.key, column)
                checked += 1
    assert checked > 100


def test_only_the_tables_an_administrator_published_appear_anywhere(client):
    generated_world(4)
    services.figures_compute()
    services.table_publish(key=TableKey.PLANS_BY_PROGRAM)
    page = page_tables(client.get(reverse("opendata:index")).content.decode())
    assert set(page) == {TableKey.PLANS_BY_PROGRAM}
    record = client.get(reverse("opendata:metadata")).json()
    assert {r["url"].rsplit("/", 1)[1] for r in record["resources"]} == {
        "plans-by-program.csv", "plans-by-program.json"}
    for key in set(TableKey.values) - {TableKey.PLANS_BY_PROGRAM}:
        assert client.get(reverse("opendata:table_csv", args=[key])).status_code == 404
        assert client.get(reverse("opendata:table_json", args=[key])).status_code == 404
    region_page = client.get(reverse("opendata:region", args=["04"])).content.decode()
    assert page_tables(region_page) == {}  # the program table has no regional rows

    services.table_publish(key=TableKey.PLANS_BY_PROGRAM, published=False)
    assert client.get(reverse("opendata:table_csv", args=["plans-by-program"])).status_code == 404
    assert page_tables(client.get(reverse("opendata:index")).content.decode()) == {}


def test_cohort_figures_come_only_from_imports_made_publishable(client):
    world = generated_world(5)
    services.table_publish(key=TableKey.COHORT_PRESENCE)
    services.figures_compute()
    groups = set(FigureRow.objects.filter(table__key=TableKey.COHORT_PRESENCE)
                 .values_list("group", flat=True))
    assert groups == {"1996-2005 → 2006"}  # never the hidden import's 2006-2015 cohort
    assert client.get(reverse("opendata:table_json", args=["cohort-presence"])).status_code == 200

    # Withdrawn from publication: gone at once, before the next computation.
    services.cohort_import_publish(cohort_import=world["published_import"], publishable=False)
    assert client.get(reverse("opendata:table_json", args=["cohort-presence"])).status_code == 404
    assert "cohort-presence" not in page_tables(
        client.get(reverse("opendata:index")).content.decode())
    services.figures_compute()
    assert not FigureRow.objects.filter(table__key=TableKey.COHORT_PRESENCE).exists()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_csv_and_the_json_agree_with_the_page(client, language):
    generated_world(6)
    publish_all()
    services.figures_compute()
    client.cookies["django_language"] = language
    page = page_tables(client.get(reverse("opendata:index")).content.decode())
    assert set(page) == set(TableKey.values)
    with translation.override(language):
        for key, page_rows in page.items():
            spec = SPECS[key]
            kinds = {c.key: c.kind for c in spec.columns}
            downloaded = csv_rows(client.get(reverse("opendata:table_csv", args=[key])).content)
            document = client.get(reverse("opendata:table_json", args=[key])).json()
            assert document["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"
            assert len(page_rows) == len(downloaded) == len(document["rows"]) > 0
            for (group, row_key, shown), line, item in zip(
                    page_rows, downloaded, document["rows"], strict=True):
                assert (group, row_key) == (line["group"], line["code"]) == (
                    item["group"], item["code"])
                assert line["licence"].startswith("CC BY 4.0")
                for column, text in shown.items():
                    value = item["values"][column]
                    assert text == display(value, kinds[column])
                    assert line[column] == ("" if value is None else str(value))


def test_a_small_count_reads_less_than_5_in_both_languages(client):
    generated_world(7, size=3)
    publish_all()
    services.figures_compute()
    for language in ("fr", "en"):
        client.cookies["django_language"] = language
        html = client.get(reverse("opendata:index")).content.decode()
        assert "<\u00a05" in html.replace("&lt;", "<")
        assert 'id="rule"' in html  # the rule is stated


def test_recomputing_replaces_the_snapshot_with_the_same_figures():
    generated_world(8)
    services.figures_compute()
    first = list(FigureRow.objects.order_by("table__key", "position")
                 .values_list("table__key", "group", "key", "cells"))
    first_ids = set(FigureTable.objects.values_list("pk", flat=True))
    services.figures_compute()
    again = list(FigureRow.objects.order_by("table__key", "position")
                 .values_list("table__key", "group", "key", "cells"))
    assert again == first
    assert not first_ids & set(FigureTable.objects.values_list("pk", flat=True))


def test_the_page_reads_its_tables_in_the_same_number_of_queries_at_two_sizes(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish_all()
    counts = []
    for seed, size in ((9, 2), (10, 20)):
        generated_world(seed, size=size, cohorts=size == 2)
        services.figures_compute()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("opendata:index"))
        assert response.status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] <= 6


def test_anonymous_answers_are_cacheable_and_say_when_they_were_computed(client):
    generated_world(11, size=3)
    publish_all()
    services.figures_compute()
    response = client.get(reverse("opendata:index"))
    assert response["Cache-Control"] == "public, max-age=300"
    assert "Last-Modified" in response
    assert 'id="computed-at"' in response.content.decode()
    csv_response = client.get(reverse("opendata:table_csv", args=["plans-by-region"]))
    assert csv_response["Cache-Control"] == "public, max-age=300"
    assert 'rel="license"' in csv_response["Link"]


def test_a_signed_in_persons_page_is_kept_private(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("opendata:index"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_fictitious_demo_data_is_labelled_everywhere_it_appears(client):
    generated_world(12, size=4, demo=True)
    publish_all()
    services.figures_compute()
    assert set(FigureTable.objects.values_list("includes_demo", flat=True)) == {True}
    html = client.get(reverse("opendata:index")).content.decode()
    assert 'id="fictitious-notice"' in html
    assert html.count("data-fictitious=") == len(TableKey.values)
    line = csv_rows(client.get(reverse("opendata:table_csv",
                                       args=["regionalisation"])).content)[0]
    assert line["fictitious"] == "true"
    assert client.get(reverse("opendata:table_json", args=["plans-by-axis"])).json()[
        "fictitious"] is True
    record = client.get(reverse("opendata:metadata")).json()
    assert record["fictitious"] is True
    assert all(resource["fictitious"] for resource in record["resources"])


def test_real_data_is_not_labelled_fictitious(client):
    generated_world(13, size=3)
    publish_all()
    services.figures_compute()
    assert not FigureTable.objects.filter(includes_demo=True).exists()
    assert 'id="fictitious-notice"' not in client.get(reverse("opendata:index")).content.decode()


def test_the_metadata_record_has_the_fields_donnees_quebec_harvests(client):
    generated_world(14, size=3)
    publish_all()
    services.figures_compute()
    record = client.get(reverse("opendata:metadata")).json()
    for name in ("title", "notes", "license_id", "organization", "resources",
                 "temporal_start", "temporal_end", "spatial", "metadata_modified"):
        assert record[name], name
    assert record["license_id"] == "cc-by"
    assert {r["format"] for r in record["resources"]} == {"CSV", "JSON"}
    assert all(r["url"].startswith("http") for r in record["resources"])


@pytest.mark.parametrize("key", [TableKey.PLANS_BY_REGION, TableKey.PLANS_BY_PROGRAM])
def test_quebecs_amount_is_what_was_approved_and_no_amount_tells_a_small_count(key):
    from programs.models import ActionPlan

    generated_world(15, size=30)
    services.figures_compute()
    rows = list(FigureRow.objects.filter(table__key=key))
    for row in rows:
        assert (row.cells["amount"] == HIDDEN) == (not isinstance(row.cells["plans"], int))
    totals = [row for row in rows if row.is_total and row.cells["amount"] != HIDDEN]
    assert totals  # 30 plans: some year has 5 funded plans or more
    for row in totals:
        year = int(row.group[:4])
        funded = ActionPlan.objects.filter(status__in=services.FUNDED, call__fiscal_year=year)
        assert Decimal(row.cells["amount"]) == sum(p.approved_amount for p in funded)


def test_the_command_and_the_job_compute_the_figures():
    from opendata.tasks import compute_public_figures

    generated_world(16, size=2)
    call_command("compute_public_figures", verbosity=0)
    assert FigureTable.objects.count() == len(TableKey.values)
    assert compute_public_figures.apply().get()[TableKey.PLANS_BY_AXIS] > 0


def test_demo_cohorts_are_published_for_the_demo_and_labelled_fictitious(client):
    from opendata.demo import seed_demo_public_figures
    from regions.demo import seed_demo_cohorts

    seed_demo_cohorts()
    seed_demo_public_figures()
    document = client.get(reverse("opendata:table_json", args=["cohort-presence"])).json()
    assert document["fictitious"] is True
    assert len(document["rows"]) >= CohortStatistic.objects.filter(category="all").count()


def test_an_administrator_publishes_a_table_and_a_cohort_import_in_the_django_admin(
        client, world, django_capture_on_commit_callbacks):
    from opendata.models import CohortPublication, PublishedTable

    imported = generated_world(17, size=3)["hidden_import"]
    services.figures_compute()
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("admin:opendata_publishedtable_changelist")).status_code == 200
    table = PublishedTable.objects.get(key=TableKey.COHORT_PRESENCE)
    response = client.post(reverse("admin:opendata_publishedtable_change", args=[table.pk]),
                           {"is_published": "on"})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:opendata_cohortpublication_add"),
                               {"cohort_import": imported.pk})
    assert response.status_code == 302
    assert CohortPublication.objects.filter(cohort_import=imported).exists()
    client.logout()
    document = client.get(reverse("opendata:table_json", args=["cohort-presence"])).json()
    # The job ran after the commit: both publishable imports' cohorts are in the figures.
    assert {row["group"] for row in document["rows"]} == {"1996-2005 → 2006",
                                                         "2006-2015 → 2016"}
