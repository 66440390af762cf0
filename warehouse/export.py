"""`podsift export DIR`: every warehouse table as a Parquet file, for other engines.

The warehouse is opened read-only (through `reader`: an older one is migrated first, a file
that is no podsift warehouse refused). `podsift.warehouse.query` switches file access off for
people's SQL; export needs it to write, so it runs only its own statements, and writes only
into the folder the user named. Each file is written beside its final name and renamed into
place, so a reader never sees half a file.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from podsift.warehouse.db import LOCK_WAIT_S, WarehouseError, reader

# Derived from other tables and rebuilt after each load (see warehouse.search): not exported.
DERIVED_TABLES = frozenset({"search_docs", "search_index_state"})


def export_parquet(
    warehouse: Path, out_dir: Path, *, views: bool = False, wait_s: float = LOCK_WAIT_S
) -> list[Path]:
    """Write each table of the warehouse (and with `views`, each view) to `out_dir/NAME.parquet`.

    Args:
        warehouse: the warehouse file.
        out_dir: the folder to write into; created when missing. Files already there with the
            same names are replaced.
        views: also export the views (episode_overview, fact_links, ...).
        wait_s: how long to wait while a podsift run holds the warehouse.

    Returns:
        The files written, in the order written.

    Raises:
        WarehouseError: no warehouse (or a file that is not one: nothing is written), `out_dir`
            is not a writable folder, or a COPY failed.
        WarehouseBusyError: the warehouse stayed busy for `wait_s`.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise WarehouseError(f"cannot export to {out_dir}: it exists and is not a folder")
    with reader(warehouse, wait_s=wait_s) as con:
        names = _relations(con, views=views)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create {out_dir}: {exc.strerror}") from None
        written = []
        for name in names:
            target = out_dir / f"{name}.parquet"
            partial = out_dir / f".{name}.parquet.partial"
            try:
                con.execute(
                    f"COPY (SELECT * FROM main.{_ident(name)}) TO '{_literal(partial)}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
            except duckdb.Error as exc:
                partial.unlink(missing_ok=True)
                first = str(exc).strip().splitlines()[0]
                raise WarehouseError(f"exporting {name} to {target} failed: {first}") from None
            os.replace(partial, target)
            written.append(target)
        return written


def _relations(con: duckdb.DuckDBPyConnection, *, views: bool) -> list[str]:
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
        ).fetchall()
        if row[0] not in DERIVED_TABLES
    ]
    if not views:
        return tables
    view_names = [
        row[0]
        for row in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY view_name"
        ).fetchall()
    ]
    return tables + view_names


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return str(path).replace("'", "''")
