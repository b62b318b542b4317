"""Chinese substring search over notices.

Chinese has no spaces between words, so a word index does not find "天山路桥" inside
"新疆天山路桥建设有限公司", and LIKE '%…%' reads every row. Every notice therefore keeps the set of
its character bigrams (each pair of adjacent characters, lower-cased, as one integer). A query
matches only notices that hold all of the query's bigrams — PostgreSQL answers that from a GIN
index on the array (`@>`), with no extension and no dependence on the database's locale — and the
candidates are then checked with a real substring comparison, so a notice whose bigrams happen to
occur apart is never shown. SQLite, the embedded default for small installations, does the plain
substring comparison. docs/search.md gives the measurements behind this choice.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup
from django.db.models.sql.compiler import SQLCompiler

_SHIFT = 21  # code points are below 2**21, so a pair fits in 42 bits of a bigint


def _pairs(text: str) -> set[int]:
    lowered = text.lower()
    return {(ord(a) << _SHIFT) | ord(b) for a, b in pairwise(lowered) if not a.isspace() and not b.isspace()}


def grams(*texts: str) -> list[int]:
    """The bigrams of a notice's title and body, sorted."""
    found: set[int] = set()
    for text in texts:
        found |= _pairs(text)
    return sorted(found)


def query_grams(query: str) -> list[int]:
    """The bigrams every match must hold (empty for a one-character query)."""
    return sorted(_pairs(query.strip()))


class GramsField(models.Field):
    """A bigint[] on PostgreSQL (with a GIN index), text on SQLite (kept, never searched)."""

    description = "character bigrams"

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "bigint[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if value is None:
            return None
        if connection.vendor == "postgresql":
            return [int(v) for v in value]
        return " ".join(str(int(v)) for v in value)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> list[int] | None:
        if value is None:
            return None
        if isinstance(value, str):
            return [int(v) for v in value.split()]
        return list(value)


@GramsField.register_lookup
class ContainsAll(Lookup):
    lookup_name = "contains_all"

    def get_db_prep_lookup(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        return ("%s", [self.lhs.output_field.get_db_prep_value(value, connection)])

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        if connection.vendor != "postgresql":
            raise NotImplementedError("bigram search runs on PostgreSQL; SQLite compares substrings")
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> {rhs}::bigint[]", [*lhs_params, *rhs_params]
