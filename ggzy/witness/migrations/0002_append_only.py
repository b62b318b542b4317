"""The witness log is append-only at the database level too.

Triggers refuse UPDATE and DELETE on events. Only a maintenance session that says so
explicitly may purge (the test suite's flush between transactional tests): on PostgreSQL by
`SET ggzy.witness_purge = 'on'`, on SQLite through the function the platform registers on
its own connections (`ggzy.witness.db`). Anyone else must drop or disable the trigger first,
which `witness_verify` then exposes through the broken chain.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION witness_refuse_change() RETURNS trigger AS $$
BEGIN
    IF current_setting('ggzy.witness_purge', true) = 'on' THEN
        RETURN COALESCE(OLD, NEW);
    END IF;
    RAISE EXCEPTION 'witness log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER witness_event_no_update BEFORE UPDATE OR DELETE ON witness_witnessevent
    FOR EACH ROW EXECUTE FUNCTION witness_refuse_change();
CREATE TRIGGER witness_event_no_truncate BEFORE TRUNCATE ON witness_witnessevent
    FOR EACH STATEMENT EXECUTE FUNCTION witness_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS witness_event_no_update ON witness_witnessevent;
DROP TRIGGER IF EXISTS witness_event_no_truncate ON witness_witnessevent;
DROP FUNCTION IF EXISTS witness_refuse_change();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER witness_event_no_update BEFORE UPDATE ON witness_witnessevent
       WHEN NOT ggzy_witness_purge_allowed()
       BEGIN SELECT RAISE(ABORT, 'witness log is append-only'); END;""",
    """CREATE TRIGGER witness_event_no_delete BEFORE DELETE ON witness_witnessevent
       WHEN NOT ggzy_witness_purge_allowed()
       BEGIN SELECT RAISE(ABORT, 'witness log is append-only'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS witness_event_no_update;",
    "DROP TRIGGER IF EXISTS witness_event_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    apps.get_model("witness", "WitnessHead").objects.get_or_create(pk=1)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("witness", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
