"""The instalments of a plan add up to its approved amount: a deferred constraint trigger on
PostgreSQL, checked at commit, so no write (a service, the admin, SQL) can leave a schedule that
does not add up. SQLite (bin/run) has the service rule only."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION programs_instalments_add_up() RETURNS trigger AS $$
DECLARE
  pid bigint;
  n integer;
  total numeric;
  approved numeric;
BEGIN
  IF TG_TABLE_NAME = 'programs_actionplan' THEN
    pid := NEW.id;
  ELSIF TG_OP = 'DELETE' THEN
    pid := OLD.plan_id;
  ELSE
    pid := NEW.plan_id;
  END IF;
  SELECT count(*), COALESCE(sum(amount), 0) INTO n, total
    FROM programs_instalment WHERE plan_id = pid;
  IF n = 0 THEN
    RETURN NULL;
  END IF;
  SELECT approved_amount INTO approved FROM programs_actionplan WHERE id = pid;
  IF NOT FOUND THEN
    RETURN NULL;  -- the plan itself was deleted
  END IF;
  IF approved IS NULL OR total <> approved THEN
    RAISE EXCEPTION 'The instalments of plan % add up to % instead of its approved amount %.',
      pid, total, approved USING ERRCODE = '23514', CONSTRAINT = 'instalments_add_up';
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

FORWARD = FUNCTION + """
CREATE CONSTRAINT TRIGGER instalments_add_up
  AFTER INSERT OR UPDATE OR DELETE ON programs_instalment
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programs_instalments_add_up();
CREATE CONSTRAINT TRIGGER plan_instalments_add_up
  AFTER UPDATE OF approved_amount ON programs_actionplan
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION programs_instalments_add_up();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS plan_instalments_add_up ON programs_actionplan;
DROP TRIGGER IF EXISTS instalments_add_up ON programs_instalment;
DROP FUNCTION IF EXISTS programs_instalments_add_up();
"""


def _run(schema_editor, sql):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: « % » stays as is
            cursor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("programs", "0004_deciding_and_funding")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
