"""Migration operations the portal's apps share.

:class:`AddIndexConcurrently` builds an index without locking the table's writes on PostgreSQL
(``CREATE INDEX CONCURRENTLY``): ten years of cases, plans and opportunities keep being written
while a new index is built. A migration using it must say ``atomic = False`` (PostgreSQL refuses
a concurrent build inside a transaction). On another database (SQLite, the local mode) it
creates the index the ordinary way, so the same migration runs everywhere; SQLite's indexes
know no ``NULLS LAST`` (its ``DESC`` puts blanks last already), so that part is left out there.

A concurrent build that fails (a unique violation, a cancelled statement, a killed server)
leaves an *invalid* index behind under the same name; running the migration again drops that
leftover first instead of failing on « already exists »."""

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresConcurrently
from django.db.models import OrderBy


class AddIndexConcurrently(PostgresConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            model = to_state.apps.get_model(app_label, self.model_name)
            if self.allow_migrate_model(schema_editor.connection.alias, model):
                schema_editor.add_index(model, self._without_nulls_order())
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
                "WHERE pg_class.relname = %s AND NOT pg_index.indisvalid", [self.index.name])
            leftover = cursor.fetchone() is not None
        if leftover:
            schema_editor.execute(
                f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(self.index.name)}")
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            model = from_state.apps.get_model(app_label, self.model_name)
            if self.allow_migrate_model(schema_editor.connection.alias, model):
                schema_editor.remove_index(model, self.index)
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def _without_nulls_order(self):
        """The index with its ``NULLS FIRST/LAST`` left out (databases whose indexes have
        none)."""
        if not self.index.expressions:
            return self.index
        index = self.index.clone()
        index.expressions = tuple(
            OrderBy(e.expression, descending=e.descending) if isinstance(e, OrderBy) else e
            for e in self.index.expressions)
        return index
