"""Writes of the witness log. Every state change in every app calls `event_record` inside the
transaction that makes the change, as the last step of the service (the head lock is taken
last, so no other lock is ever waited for while holding it)."""

from __future__ import annotations

from typing import Any, Protocol

from django.db import models, transaction

from ggzy.core import clock

from .chain import digest, event_hash, to_canonical
from .models import WitnessCheckpoint, WitnessEvent, WitnessHead

HEAD_ID = 1  # the head's one row (migration 0002)


class Actor(Protocol):
    pk: Any
    organization_id: Any

    def get_full_name(self) -> str: ...

    def get_username(self) -> str: ...

    def role_codes(self) -> list[str]: ...


def head_lock_sql(connection: Any) -> tuple[str, list[Any]]:
    """The statement that locks the head row and reads it, with its parameters: for a service that
    sends it in the round trip of its own last write (`event_record(head=...)`), so that the head
    is still locked last."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""  # SQLite: writers are serialised
    sql = f"SELECT {quote('seq')}, {quote('hash')} FROM {quote(WitnessHead._meta.db_table)} WHERE {quote('id')} = %s"
    return sql + lock, [HEAD_ID]


def head_of(row: tuple[Any, ...] | None) -> WitnessHead:
    """The head from the row `head_lock_sql` read (None: only after a test flush; migration 0002
    creates the row)."""
    connection = transaction.get_connection()
    if row is None:
        return WitnessHead.objects.create(pk=HEAD_ID)
    head = WitnessHead(pk=HEAD_ID, seq=row[0], hash=row[1])
    head._state.adding, head._state.db = False, connection.alias
    return head


def _lock_head() -> WitnessHead:
    """The head row, locked until the transaction ends (one short statement: every audited write
    of every app takes this lock, so it is written in SQL rather than through the ORM's compiler)."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(*head_lock_sql(connection))
        row = cursor.fetchone()
    return head_of(row)


_APPEND_SQL: dict[str, tuple[str, str]] = {}  # per database vendor: the INSERT and the head's UPDATE
_EVENT_FIELDS = [field for field in WitnessEvent._meta.concrete_fields if not field.primary_key]


def _append_sql(connection: Any) -> tuple[str, str]:
    """The append's two statements, built once per database vendor (they depend only on the models)."""
    found = _APPEND_SQL.get(connection.vendor)
    if found is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in _EVENT_FIELDS)
        marks = ", ".join(["%s"] * len(_EVENT_FIELDS))
        insert = f"INSERT INTO {quote(WitnessEvent._meta.db_table)} ({columns}) VALUES ({marks})"
        update = (
            f"UPDATE {quote(WitnessHead._meta.db_table)} SET {quote('seq')} = %s, {quote('hash')} = %s, "
            f"{quote('updated_at')} = %s WHERE {quote('id')} = %s"
        )
        if connection.vendor == "postgresql":  # one statement: the insert inside the head's update
            insert = (
                f"WITH appended AS ({insert} RETURNING {quote('id')}) "
                f"{update} RETURNING (SELECT {quote('id')} FROM appended)"
            )
        found = _APPEND_SQL[connection.vendor] = (insert, update)
    return found


def _append(event: WitnessEvent, head: WitnessHead) -> None:
    """Insert the event and move the head to it: on PostgreSQL one statement (one round trip, under
    the head lock every audited write waits for), on SQLite two. The values are prepared by the
    models' fields, as the ORM would."""
    connection = transaction.get_connection()
    insert, update = _append_sql(connection)
    values = [field.get_db_prep_save(getattr(event, field.attname), connection) for field in _EVENT_FIELDS]
    moved = WitnessHead._meta.get_field("updated_at").get_db_prep_save(event.occurred_at, connection)
    head_values = [event.seq, event.hash, moved, head.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(insert, [*values, *head_values])
            row = cursor.fetchone()
            if row is None:
                raise WitnessHead.DoesNotExist("the witness head row is missing")
            event.pk = row[0]
        else:
            cursor.execute(insert, values)
            event.pk = cursor.lastrowid
            cursor.execute(update, head_values)
    event._state.adding, event._state.db = False, connection.alias
    head.seq, head.hash, head.updated_at = event.seq, event.hash, event.occurred_at


def event_record(
    *,
    action: str,
    actor: Actor | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    roles: list[str] | None = None,
    head: WitnessHead | None = None,
) -> WitnessEvent:
    """Append one event to the witness log and return it.

    The snapshots are checked before any database work, so a bad one (a float) raises without
    touching the caller's transaction. The append itself runs without a savepoint inside the
    caller's transaction (every audited write would otherwise pay two more round trips, SAVEPOINT
    and RELEASE): a database error there fails the caller's operation, as it should.

    `head`: the head as the caller locked it in this transaction, with `head_lock_sql` as the last
    lock it takes."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    before_c = to_canonical(before) if before is not None else None
    after_c = to_canonical(after) if after is not None else None
    authenticated = actor is not None and getattr(actor, "is_authenticated", True)
    actor_id = int(actor.pk) if authenticated and actor is not None else None
    actor_name = (actor.get_full_name() or actor.get_username()) if authenticated and actor is not None else ""
    if roles is None:
        roles = actor.role_codes() if authenticated and actor is not None else []
    organization_id = actor.organization_id if authenticated and actor is not None else None

    with transaction.atomic(savepoint=False):
        if head is None:
            head = _lock_head()
        occurred_at = clock.now()
        seq = head.seq + 1
        fields: dict[str, Any] = {
            "seq": seq,
            "occurred_at": occurred_at,
            "actor_id": actor_id,
            "actor_name": actor_name[:150],
            "actor_roles": ",".join(sorted(roles))[:200],
            "organization_id": organization_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before_digest": digest(before_c),
            "after_digest": digest(after_c),
            "prev_hash": head.hash,
        }
        event = WitnessEvent(**fields, before=before_c, after=after_c, hash=event_hash(**fields))
        # Field checks only: seq and hash uniqueness is the database's job (two fewer queries per event).
        event.full_clean(validate_unique=False, validate_constraints=False)
        _append(event, head)
    return event


@transaction.atomic
def checkpoint_publish() -> WitnessCheckpoint | None:
    """Publish the current head as a checkpoint, unless it is already published."""
    head = _lock_head()
    if head.seq == 0 or WitnessCheckpoint.objects.filter(seq=head.seq).exists():
        return None
    checkpoint = WitnessCheckpoint(seq=head.seq, hash=head.hash, created_at=clock.now())
    checkpoint.full_clean()
    checkpoint.save()
    return checkpoint
