"""Lock what you decide on: one place that takes row locks (STYLE rule 9).

On PostgreSQL `select_for_update` takes row locks. On SQLite every write transaction already
runs as BEGIN IMMEDIATE (settings), so writers are serialised and the lock is implied.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models.sql import Query

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], **lookup: object) -> M:
    """Fetch one row for update inside the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock() must run inside transaction.atomic()")
    return model._default_manager.select_for_update().get(**lookup)


def lock_instance(instance: M) -> M:
    """Re-read a model instance under a row lock; returns the fresh copy."""
    return lock(type(instance), pk=instance.pk)


C = TypeVar("C", bound=models.Model)
_WITH_SQL: dict[tuple[str, type[models.Model], type[models.Model], str, bool], tuple[str, str]] = {}


def _columns(model: type[models.Model], connection: Any) -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(field.column) for field in model._meta.concrete_fields)


def _ordering(model: type[models.Model], connection: Any) -> str:
    """The model's default ordering (plain field names) as an ORDER BY list; by id without one."""
    quote = connection.ops.quote_name
    terms = []
    pk = model._meta.pk
    assert pk is not None
    columns = []
    for name in model._meta.ordering or []:
        assert isinstance(name, str), "lock_with() orders by field names only"
        field = pk if name.lstrip("-") == "pk" else model._meta.get_field(name.lstrip("-"))
        assert isinstance(field, models.Field)
        columns.append(field.column)
        terms.append(f"{quote(field.column)}{' DESC' if name.startswith('-') else ''}")
    if pk.column not in columns:  # a total order
        terms.append(quote(pk.column))
    return ", ".join(terms)


def _instances(model: type[M], rows: list[tuple[Any, ...]], connection: Any) -> list[M]:
    """Model instances of rows of `_columns(model)`, through the converters the ORM applies."""
    fields = list(model._meta.concrete_fields)
    compiler = connection.ops.compiler("SQLCompiler")(Query(model), connection, connection.alias)
    converters = compiler.get_converters([field.get_col(model._meta.db_table) for field in fields])
    names = [field.attname for field in fields]
    return [
        model.from_db(connection.alias, names, list(values)) for values in compiler.apply_converters(rows, converters)
    ]


def lock_with(model: type[M], pk: object, children: type[C], parent_field: str) -> tuple[M, list[C]]:
    """The row `pk` of `model`, locked as `lock` does, and the `children` rows that refer to it
    through `parent_field`, read after the lock (in their default ordering). On PostgreSQL the two
    statements go in one round trip (the client-side binding Django uses sends them as one query);
    each still takes its own snapshot, so the children are as committed when the lock was granted
    (a JOIN would read them as of before a wait for the lock). The SQL is built once, not compiled
    by the ORM per call. Measured on the bid path (docs/auction-engine.md,
    "Performance", session 8): each round trip of a locked transaction waits for the cores and the
    GIL on a busy server."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("lock_with() must run inside transaction.atomic()")
    return _with_children(model, pk, children, parent_field, connection, for_update=True)


def read_with(model: type[M], pk: object, children: type[C], parent_field: str) -> tuple[M | None, list[C]]:
    """As `lock_with`, without the lock and outside a transaction too: the row (None when it does
    not exist) and its children in one round trip on PostgreSQL. For reads on every request (the
    signed-in user and their roles)."""
    connection = transaction.get_connection()
    try:
        return _with_children(model, pk, children, parent_field, connection, for_update=False)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        return None, []


def _with_children(
    model: type[M], pk: object, children: type[C], parent_field: str, connection: Any, for_update: bool
) -> tuple[M, list[C]]:
    relation = children._meta.get_field(parent_field)
    assert isinstance(relation, models.ForeignKey), "lock_with() follows a foreign key"
    key = (connection.vendor, model, children, parent_field, for_update)
    found = _WITH_SQL.get(key)
    if found is None:
        quote = connection.ops.quote_name
        # SQLite: writers are serialised, no row locks.
        suffix = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
        column = relation.column
        found = _WITH_SQL[key] = (
            f"SELECT {_columns(model, connection)} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} = %s{suffix}",
            f"SELECT {_columns(children, connection)} FROM {quote(children._meta.db_table)} "
            f"WHERE {quote(column)} = %s ORDER BY {_ordering(children, connection)}",
        )
    parent_sql, children_sql = found
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{parent_sql}; {children_sql}", [pk, pk])
            parent_rows = cursor.fetchall()
            cursor.nextset()
            children_rows = cursor.fetchall()
        else:
            cursor.execute(parent_sql, [pk])
            parent_rows = cursor.fetchall()
            cursor.execute(children_sql, [pk])
            children_rows = cursor.fetchall()
    if not parent_rows:
        missing = f"{model._meta.object_name} matching query does not exist."
        raise model.DoesNotExist(missing)  # type: ignore[attr-defined]
    parent = _instances(model, parent_rows, connection)[0]
    found_children = _instances(children, children_rows, connection)
    for child in found_children:
        relation.set_cached_value(child, parent)
    return parent, found_children
