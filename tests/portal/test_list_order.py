"""The order and the pages every file list shares (``portal.workspace.stable_order``,
``portal.pages.paginate``) and the indexes that let PostgreSQL walk them at ten years of data
(issue 16)."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import RequestFactory
from django.utils import timezone

from partners.models import Organisation
from portal.migration_operations import AddIndexConcurrently
from portal.pages import KeysFirst, paginate
from portal.workspace import stable_order
from tests.factories.partners import OrganisationFactory

pytestmark = pytest.mark.django_db


def _sql(queryset):
    return str(queryset.query).upper()


def test_a_descending_sort_on_a_column_never_blank_is_the_plain_order_an_index_walks():
    from enterprises.models import Case

    newest = stable_order(Case.objects.order_by("-opened_at"), "-opened_at")
    assert "ORDER BY" in _sql(newest)
    assert "NULLS LAST" not in _sql(newest)
    assert newest.query.order_by[-1] == "-pk"


def test_a_column_that_may_be_blank_keeps_its_blanks_last_in_both_directions():
    from enterprises.models import Case

    for ordering in ("next_follow_up", "-next_follow_up", "adviser__last_name"):
        assert "NULLS LAST" in _sql(stable_order(Case.objects.order_by(ordering), ordering))
    # The way to the column may be blank too: a case nobody is assigned has no adviser name.
    assert "NULLS LAST" in _sql(stable_order(Case.objects.order_by("-adviser__last_name"), ""))


def test_without_a_chosen_order_the_default_applies_then_the_newest_key():
    from enterprises.models import Case

    first, last = stable_order(Case.objects.order_by(), "-opened_at").query.order_by
    assert (first.expression.name, first.descending, first.nulls_last) == ("opened_at", True,
                                                                            None)
    assert last == "-pk"


@pytest.mark.parametrize("ordering", ["name", "-created_at", "region__code", "-office__city"])
def test_a_page_read_keys_first_holds_the_same_rows_in_the_same_order(ordering):
    now = timezone.now()
    for i in range(12):
        OrganisationFactory(name=f"Organisme {i % 4} {i:02}", created_at=now)
    rows = stable_order(Organisation.objects.select_related("region", "office")
                        .order_by(ordering), "name")
    keys_first = KeysFirst(rows)
    assert keys_first.count() == len(rows) == Organisation.objects.count()
    for start in range(0, 12, 5):
        assert [o.pk for o in keys_first[start:start + 5]] == [
            o.pk for o in rows[start:start + 5]]


def test_a_page_read_keys_first_keeps_the_rows_annotations_and_related_rows(
        django_assert_num_queries):
    from django.db.models import Count

    for i in range(3):
        OrganisationFactory(name=f"Organisme {i}")
    rows = stable_order(Organisation.objects.select_related("region")
                        .annotate(contacts_count=Count("contacts")).order_by("name"), "name")
    with django_assert_num_queries(2):  # the keys, then the rows
        page = KeysFirst(rows)[0:2]
        regions = [o.region.code for o in page]
    assert regions == [o.region.code for o in rows[0:2]]
    assert all(o.contacts_count == 0 for o in page)


def test_a_list_paginates_keys_first_unless_its_rows_are_distinct():
    OrganisationFactory.create_batch(3)
    request = RequestFactory().get("/?page=2&kind=non_profit")
    page, query = paginate(request, Organisation.objects.order_by("name", "pk"), 2)
    assert isinstance(page.paginator.object_list, KeysFirst)
    assert len(page.object_list) == 1 and page.number == 2
    assert query == "kind=non_profit"
    page, _query = paginate(request, Organisation.objects.order_by("name", "pk").distinct(), 2)
    assert not isinstance(page.paginator.object_list, KeysFirst)


# --- The indexes ----------------------------------------------------------------------------

LIST_ORDER_INDEXES = {
    ("enterprises", "0007_list_order_indexes"): ["case_opened_newest"],
    ("programs", "0006_list_order_indexes"): ["plan_submitted_newest", "plan_status_scope"],
    ("regionalisation", "0002_list_order_indexes"): ["opportunity_created_newest"],
}


def _index_state(name):
    """None when the index does not exist, else whether PostgreSQL may use it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c "
                       "ON c.oid = i.indexrelid WHERE c.relname = %s", [name])
        row = cursor.fetchone()
    return None if row is None else row[0]


def test_the_lists_default_orders_have_their_indexes_built_and_valid():
    for names in LIST_ORDER_INDEXES.values():
        for name in names:
            assert _index_state(name) is True, name


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_build_that_failed_is_built_again_when_the_migration_runs_again(
        reloaded_network):
    """A killed ``CREATE INDEX CONCURRENTLY`` leaves an invalid index under the index's name;
    the operation drops it and builds the index instead of failing on “already exists”."""
    key = ("enterprises", "0007_list_order_indexes")
    loader = MigrationLoader(connection)
    migration = loader.get_migration(*key)
    operation = migration.operations[0]
    assert isinstance(operation, AddIndexConcurrently)
    state = loader.project_state(key)  # the operation reads the model from the new state
    with connection.cursor() as cursor:  # what a build killed half-way leaves
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                       "'case_opened_newest'::regclass")
    assert _index_state("case_opened_newest") is False
    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("enterprises", editor, state, state)
    assert _index_state("case_opened_newest") is True


@pytest.mark.parametrize("url_name", ["enterprises:case_list", "programs:queue",
                                      "regionalisation:opportunity_list", "partners:directory"])
def test_a_lists_filter_form_reads_its_choice_lists_without_a_server_side_cursor(
        client, world, url_name):
    """Offices, regions and advisers are short lists: one plain query each, not a cursor
    declared, fetched and closed (``portal.workspace.ListedChoices``)."""
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(world["users"]["adviser"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert 'name="office"' in response.content.decode()  # the office choice list is there
    assert not [q["sql"] for q in captured.captured_queries if q["sql"].startswith("DECLARE")]
