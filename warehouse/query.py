"""Read-only SQL for people: `podsift sql`.

Only reading statements run. The connection is opened read-only, and access to files outside
the warehouse is switched off (so `COPY ... TO` or `ATTACH` cannot write elsewhere either).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from podsift.tasks.core.errors import UsageError
from podsift.warehouse.db import WarehouseError, reader

READING_STATEMENTS = {
    duckdb.StatementType.SELECT,
    duckdb.StatementType.EXPLAIN,
    duckdb.StatementType.PRAGMA,
}


def check_read_only(sql: str) -> list[str]:
    """Split `sql` into statements and refuse any that would write.

    Raises:
        UsageError: a statement writes, there is none, or the SQL does not parse.
    """
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise UsageError(f"SQL does not parse: {_first_line(exc)}") from None
    if not statements:
        raise UsageError("no SQL statement given")
    for statement in statements:
        if statement.type not in READING_STATEMENTS:
            kind = statement.type.name
            raise UsageError(
                f"sql is read-only: {kind} statements are refused "
                "(only runs write to the warehouse)"
            )
    return [s.query for s in statements]


def run_query(warehouse: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run read-only SQL against the warehouse; the last statement's result is returned.

    Raises:
        UsageError: a writing statement or SQL that does not parse.
        WarehouseError: a query that fails, no warehouse yet, or a file that is not one.
    """
    statements = check_read_only(sql)
    with reader(warehouse) as con:
        prepare_reader(con)
        try:
            for statement in statements[:-1]:
                con.execute(statement)
            cursor = con.execute(statements[-1])
            columns = [d[0] for d in cursor.description or ()]
            rows = cursor.fetchall() if cursor.description else []
        except duckdb.Error as exc:
            raise WarehouseError(f"query failed: {_first_line(exc)}") from None
    return columns, rows


def prepare_reader(con: duckdb.DuckDBPyConnection) -> None:
    """Lock a read-only connection down: no file access beyond the open warehouse."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
