"""Multi-row INSERT for the batch write path, one statement per table and batch.

SQLAlchemy's generic executemany costs a lot per row here: its parameter
processing, and on PostgreSQL either one pipelined statement per row or, with
RETURNING, a multi-VALUES statement whose text changes with the row count,
which psycopg re-parses and the server re-plans for every batch. This module
sends each table's rows as:

- PostgreSQL: ``INSERT ... SELECT * FROM unnest(CAST(%(c)b AS type[]), ...)``,
  one round trip with one binary array per column. The text depends only on the
  columns, so psycopg prepares it once per connection.
- SQLite: the driver's own ``executemany`` (one compiled statement stepped per
  row, no Python per row beyond the tuple), or multi-row ``VALUES`` chunks
  when rows must come back (sqlite3's executemany drops RETURNING rows).

Values pass through each column type's bind processor for the dialect, so
the stored form is exactly what SQLAlchemy itself would write (UTC
datetimes, SQLite's datetime strings). RETURNING values come back as the
driver gives them: ask only for integer and string columns.

``ON CONFLICT`` semantics match row-by-row execution: for DO NOTHING the
first row with a key wins, for DO UPDATE the last (PostgreSQL refuses to
update one row twice in a statement, so duplicates are folded first).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None

# SQLite ≥ 3.32 allows 32766 bound variables per statement, older ones 999.
_SQLITE_VARS = 32766 if sqlite3.sqlite_version_info >= (3, 32, 0) else 999
_SQLITE_ROWS = 500  # rows per multi-VALUES statement at most


@dataclass(frozen=True, slots=True)
class _Plan:
    columns: tuple[str, ...]
    processors: tuple[Processor, ...]
    head: str  # INSERT INTO t (cols)
    tail: str  # ON CONFLICT ... RETURNING ...
    unnest: str  # PostgreSQL: the whole statement, one array parameter per column
    row: str  # SQLite: one row's placeholders


_plans: dict[tuple[object, ...], _Plan] = {}


def insert_rows(
    session: Session,
    table: Table | Any,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (all with the same keys) in as few statements as the
    database allows; rows hitting ``conflict`` are skipped, or have their
    ``update`` columns overwritten. Returns the ``returning`` columns of the
    rows written (not of skipped ones), in no particular order."""
    if not rows:
        return []
    if conflict:
        rows = _fold_duplicates(rows, conflict, keep_last=bool(update))
    conn = session.connection()
    dialect = conn.dialect
    plan = _plan(dialect, table, tuple(rows[0]), tuple(conflict), tuple(update), tuple(returning))
    values = _columns(rows, plan)
    if dialect.name == "postgresql":
        result = conn.exec_driver_sql(plan.unnest, {f"c{i}": v for i, v in enumerate(values)})
        return [tuple(r) for r in result] if returning else []
    if dialect.name != "sqlite":
        raise NotImplementedError(f"unsupported database dialect {dialect.name}")
    tuples = list(zip(*values, strict=True))
    one = plan.row
    if not returning:
        conn.exec_driver_sql(f"{plan.head} VALUES {one}{plan.tail}", tuples)
        return []
    out: list[tuple[Any, ...]] = []
    step = max(1, min(_SQLITE_ROWS, _SQLITE_VARS // len(plan.columns)))
    for i in range(0, len(tuples), step):
        chunk = tuples[i : i + step]
        sql = f"{plan.head} VALUES {', '.join([one] * len(chunk))}{plan.tail}"
        flat = [v for t in chunk for v in t]
        out.extend(tuple(r) for r in conn.exec_driver_sql(sql, tuple(flat)))
    return out


def _columns(rows: Sequence[dict[str, Any]], plan: _Plan) -> list[list[Any]]:
    """Each column's processed values (column-wise: the loops stay in C)."""
    out = []
    for c, p in zip(plan.columns, plan.processors, strict=True):
        values = list(map(operator.itemgetter(c), rows))
        if p is not None:
            memo: dict[Any, Any] = {}  # a batch repeats values (its timestamp): convert once
            values = [_processed(v, p, memo) for v in values]
        out.append(values)
    return out


def _processed(value: Any, p: Callable[[Any], Any], memo: dict[Any, Any]) -> Any:
    try:
        return memo[value]
    except KeyError:
        out = memo[value] = p(value)
        return out
    except TypeError:  # unhashable
        return p(value)


def _fold_duplicates(
    rows: Sequence[dict[str, Any]], conflict: Sequence[str], *, keep_last: bool
) -> Sequence[dict[str, Any]]:
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        key = tuple(r[c] for c in conflict)
        if keep_last or key not in by_key:
            by_key[key] = r
    return rows if len(by_key) == len(rows) else list(by_key.values())


def _plan(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    returning: tuple[str, ...],
) -> _Plan:
    key = (dialect.name, dialect.driver, table.name, columns, conflict, update, returning)
    plan = _plans.get(key)
    if plan is None:
        plan = _plans[key] = _build_plan(dialect, table, columns, conflict, update, returning)
    return plan


def _build_plan(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    returning: tuple[str, ...],
) -> _Plan:
    missing = [
        c.name
        for c in table.columns
        if c.name not in columns and c.default is not None and not c.primary_key
    ]
    if missing:  # raw SQL would not apply Python-side defaults: be explicit
        raise ValueError(f"rows for {table.name} lack defaulted columns {missing}")
    q = dialect.identifier_preparer.quote
    cols = [table.c[c] for c in columns]
    tail = ""
    if conflict:
        target = ", ".join(q(c) for c in conflict)
        if update:
            sets = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)
            tail = f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
        else:
            tail = f" ON CONFLICT ({target}) DO NOTHING"
    if returning:
        tail += " RETURNING " + ", ".join(q(c) for c in returning)
    head = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(q(c) for c in columns)})"
    )
    # %b: binary arrays; psycopg's text array dumper escapes every element
    # with a regex, about 20 times slower.
    arrays = ", ".join(
        f"CAST(%(c{i})b AS {c.type.compile(dialect=dialect)}[])" for i, c in enumerate(cols)
    )
    return _Plan(
        columns=columns,
        processors=tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in cols),
        head=head,
        tail=tail,
        unnest=f"{head} SELECT * FROM unnest({arrays}){tail}",
        row="(" + ", ".join("?" * len(columns)) + ")",
    )
