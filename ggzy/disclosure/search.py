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

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Lookup
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _

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


def caseless(text: str) -> bool:
    """True when the text has no cased letter (Chinese, digits): a case-sensitive comparison then
    finds the same notices, and PostgreSQL has statistics for it (it has none for UPPER(col) LIKE,
    guesses a handful of rows and rechecks a lossy bitmap: docs/search.md)."""
    return text.lower() == text.upper()


def too_broad() -> ValidationError:
    message = _("检索范围过宽，未能在限定时间内完成。请使用更长、更具体的词语，或增加交易类型、日期等筛选条件。")
    return ValidationError({"q": ValidationError(message, code="search_too_broad")})


@contextmanager
def time_limit() -> Iterator[None]:
    """Run the search queries inside under `SEARCH_TIME_LIMIT_MS` on PostgreSQL.

    A string whose every pair of characters is common but which occurs nowhere (e.g. 管理机构 in a
    million notices) makes the index return most notices as candidates, and each must be read to
    find it absent: seconds of work that would tie up a connection for one visitor. Stopped, it
    raises the `too_broad` ValidationError; the page and the API show it as a request to narrow
    the search. docs/search.md measures the case and the alternative (trigrams, 7.9 GB)."""
    limit = settings.SEARCH_TIME_LIMIT_MS
    if connection.vendor != "postgresql" or not limit:
        yield
        return
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout')")
                (before,) = cursor.fetchone()
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(limit))])
            yield
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [before])
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == QUERY_CANCELED:
            raise too_broad() from error
        raise


QUERY_CANCELED = "57014"


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
