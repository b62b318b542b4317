"""The witness log: every append chains to the one before; any tampering is named by the verifier."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ggzy.witness import selectors, services
from ggzy.witness.chain import GENESIS_HASH
from ggzy.witness.models import WitnessCheckpoint, WitnessEvent

pytestmark = pytest.mark.django_db


def _append(count: int) -> list[WitnessEvent]:
    return [
        services.event_record(action="test.step", object_type="test.thing", object_id=str(n), after={"n": n})
        for n in range(count)
    ]


def _raw(sql: str, params: list) -> None:
    """Tamper as a database administrator would: switch off the append-only guard first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE witness_witnessevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE witness_witnessevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS witness_event_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS witness_event_no_delete")
            cursor.execute(sql, params)


def test_events_chain_and_head_follows():
    before = selectors.head_get()
    events = _append(3)
    assert [e.seq for e in events] == [before.seq + 1, before.seq + 2, before.seq + 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert selectors.head_get().hash == events[2].hash
    assert selectors.chain_verify().ok


def test_first_event_links_to_genesis():
    first = WitnessEvent.objects.order_by("seq").first()
    assert first is not None
    assert first.seq == 1
    assert first.prev_hash == GENESIS_HASH


def test_floats_are_refused_in_snapshots():
    count = WitnessEvent.objects.count()
    with pytest.raises(TypeError):
        services.event_record(action="test.float", after={"price": 1.5})
    assert WitnessEvent.objects.count() == count


def test_update_and_delete_are_refused_by_the_database():
    event = _append(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        WitnessEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        WitnessEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.action == "test.step"


@pytest.mark.parametrize("column,value", [("action", "project.forged"), ("actor_name", "某人"), ("object_id", "999")])
def test_changed_field_is_named(column, value):
    events = _append(5)
    target = events[2]
    _raw(f"UPDATE witness_witnessevent SET {column} = %s WHERE id = %s", [value, target.pk])
    result = selectors.chain_verify()
    assert result.problem is not None
    assert result.problem.seq == target.seq
    assert result.problem.kind == "changed"


def test_changed_snapshot_is_named():
    events = _append(4)
    target = events[1]
    _raw("UPDATE witness_witnessevent SET after = %s WHERE id = %s", ['{"n": 12345}', target.pk])
    result = selectors.chain_verify()
    assert result.problem is not None and result.problem.seq == target.seq


def test_deleted_event_is_named():
    events = _append(5)
    target = events[2]
    _raw("DELETE FROM witness_witnessevent WHERE id = %s", [target.pk])
    result = selectors.chain_verify()
    assert result.problem is not None
    assert result.problem.seq == target.seq
    assert result.problem.kind == "missing"


def test_deleted_tail_is_named():
    events = _append(3)
    _raw("DELETE FROM witness_witnessevent WHERE id = %s", [events[-1].pk])
    result = selectors.chain_verify()
    assert result.problem is not None
    assert result.problem.seq == events[-1].seq


def test_reordered_events_are_named():
    events = _append(4)
    a, b = events[1], events[2]
    _raw("UPDATE witness_witnessevent SET seq = %s WHERE id = %s", [10_000_000, a.pk])
    _raw("UPDATE witness_witnessevent SET seq = %s WHERE id = %s", [a.seq, b.pk])
    _raw("UPDATE witness_witnessevent SET seq = %s WHERE id = %s", [b.seq, a.pk])
    result = selectors.chain_verify()
    assert result.problem is not None
    assert result.problem.seq == a.seq


def test_inserted_event_is_named():
    events = _append(3)
    last = events[-1]
    _raw(
        "INSERT INTO witness_witnessevent (seq, occurred_at, actor_id, actor_name, actor_roles, organization_id,"
        " action, object_type, object_id, before, after, before_digest, after_digest, prev_hash, hash)"
        " VALUES (%s, %s, NULL, '', '', NULL, 'forged', '', '', NULL, NULL, '', '', %s, %s)",
        [last.seq + 1, last.occurred_at, last.hash, "f" * 64],
    )
    result = selectors.chain_verify()
    assert result.problem is not None
    assert result.problem.seq == last.seq + 1


def test_rewritten_history_contradicts_a_published_checkpoint():
    _append(3)
    checkpoint = services.checkpoint_publish()
    assert checkpoint is not None
    assert services.checkpoint_publish() is None  # nothing new to publish
    # An insider rewrites the log *and* recomputes every hash and the head: only the
    # checkpoint, already published, shows the fork.
    WitnessCheckpoint.objects.filter(pk=checkpoint.pk).update(hash="e" * 64)
    result = selectors.chain_verify()
    assert result.problem is not None
    assert result.problem.kind == "checkpoint"
    assert result.problem.seq == checkpoint.seq


def test_witness_verify_command_names_the_event():
    events = _append(3)
    out = io.StringIO()
    call_command("witness_verify", stdout=out)
    assert "见证日志完整" in out.getvalue()
    _raw("UPDATE witness_witnessevent SET action = %s WHERE id = %s", ["forged", events[1].pk])
    with pytest.raises(CommandError) as error:
        call_command("witness_verify", stdout=io.StringIO())
    assert f"第 {events[1].seq} 号事件" in str(error.value)
