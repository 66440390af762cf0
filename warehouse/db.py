"""Connections to the warehouse file and its migrations.

DuckDB lets one process hold a file for writing, and readers in other processes cannot open it
meanwhile. So writers hold it briefly (open, write one episode, close) and both sides wait and
retry for a while when the file is busy rather than fail at once.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb

from podsift.tasks.core.errors import PodsiftError, WarehouseBusyError

T = TypeVar("T")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
LOCK_WAIT_S = 60.0
_MIGRATION_NAME = re.compile(r"^(\d+)_([\w-]+)\.sql$")


class WarehouseError(PodsiftError):
    """The warehouse is missing, or a query against it failed."""


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp the warehouse stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration, in order."""
    found = []
    for path in MIGRATIONS_DIR.glob("*.sql"):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match[1]), match[2], path.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the migrations this warehouse has not seen, each in its own transaction.

    Returns:
        The versions applied now.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, name, utcnow()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


_HOLDER = re.compile(r"Conflicting lock is held in (?P<prog>.+?) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True, slots=True)
class LockHolder:
    """The process DuckDB names as holding the warehouse file."""

    pid: int | None
    program: str | None
    since: datetime | None  # when that process started, local time, where /proc tells it

    def describe(self) -> str:
        """'pid 4242 (duckdb) since 06:00:03', or as much of it as is known."""
        if self.pid is None:
            return "another process"
        text = f"pid {self.pid}"
        if self.program:
            text += f" ({self.program})"
        if self.since:
            text += f" since {self.since:%H:%M:%S}"
        return text


def lock_holder(exc: BaseException) -> LockHolder:
    """Who holds the file, from DuckDB's lock-conflict message (it names the pid and program)."""
    match = _HOLDER.search(str(exc))
    if match is None:
        return LockHolder(None, None, None)
    pid = int(match["pid"])
    return LockHolder(pid, Path(match["prog"]).name or None, _process_start(pid))


def _process_start(pid: int) -> datetime | None:
    """When process `pid` started (Linux /proc; None elsewhere or when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        # Field 22, counted after the command name (which may hold spaces), in clock ticks
        # since boot.
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "lock" in text.lower() and ("Conflicting" in text or "Could not set lock" in text)


def retry_while_locked(attempt: Callable[[], T], path: Path, wait_s: float) -> T:
    """Call `attempt` (which opens or attaches `path`) until no other process holds the file.

    Raises:
        WarehouseError: the file cannot be opened for another reason.
        WarehouseBusyError: still held by another process after `wait_s`.
    """
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return attempt()
        except duckdb.IOException as exc:
            if not is_lock_conflict(exc):
                raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"warehouse {path} is held by {lock_holder(exc).describe()} "
                    f"and stayed busy for {wait_s:.0f} s; try again when it closes the file"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def open_connection(
    path: Path, *, read_only: bool, wait_s: float = LOCK_WAIT_S
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to `wait_s` while another process holds it.

    Raises:
        WarehouseError: a read-only open of a warehouse that does not exist yet.
        WarehouseBusyError: still held by another process after `wait_s`.
    """
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path} yet: the first `run` makes it")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return retry_while_locked(lambda: duckdb.connect(str(path), read_only=read_only), path, wait_s)


@contextmanager
def writer(path: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection with the schema up to date.

    A new or empty DuckDB file becomes a warehouse; another program's database (tables, none of
    them podsift's) is refused and left as it is, rather than given podsift's tables.

    Raises:
        WarehouseError: `path` holds a DuckDB database that is not a podsift warehouse.
        WarehouseBusyError: still held by another process after `wait_s`.
    """
    con = open_connection(path, read_only=False, wait_s=wait_s)
    try:
        problem = not_a_warehouse(con, path)
        if problem is not None and set(_database_objects(con)) - {"schema_migrations"}:
            raise WarehouseError(problem)
        migrate(con)
        yield con
    finally:
        con.close()


@contextmanager
def reader(path: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to a warehouse whose schema is up to date.

    A warehouse made by an older podsift is migrated in place first (a brief write). A file
    that is no podsift warehouse is refused and left as it is: reading never makes one.

    Raises:
        WarehouseError: no file at `path`, or a DuckDB file that is not a podsift warehouse.
        WarehouseBusyError: still held by another process after `wait_s`.
    """
    con = open_connection(path, read_only=True, wait_s=wait_s)
    try:
        problem = not_a_warehouse(con, path)
    except BaseException:
        con.close()
        raise
    if problem is not None:
        con.close()
        raise WarehouseError(problem)
    if _behind(con):
        con.close()
        with writer(path, wait_s=wait_s):
            pass  # opening a writer applies the missing migrations
        con = open_connection(path, read_only=True, wait_s=wait_s)
    try:
        yield con
    finally:
        con.close()


# What every podsift warehouse has had since its first migration: the record of migrations
# (holding that first one) and these tables.
_WAREHOUSE_TABLES = frozenset({"schema_migrations", "feeds", "episodes"})


def _database_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables and views of the open database (`schema.name` outside `main`), sorted."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND NOT temporary "
        "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
        "WHERE database_name = current_database() AND NOT internal AND NOT temporary "
        "ORDER BY 1, 2"
    ).fetchall()
    return [name if schema == "main" else f"{schema}.{name}" for schema, name in rows]


def not_a_warehouse(con: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """Why the database at `path`, open on `con`, is not a podsift warehouse, and what to do;
    None when it is one (however old).

    Someone else's database, or an empty file a typo'd path made, is not turned into one by a
    command that only reads: only `podsift run` makes a warehouse, and only of a new or empty
    file (`writer`).
    """
    names = _database_objects(con)
    if _WAREHOUSE_TABLES.issubset(names):
        try:
            first = con.execute("SELECT count(*) FROM schema_migrations WHERE version = 1")
            if (first.fetchone() or (0,))[0]:
                return None
        except duckdb.Error:
            pass  # another tool's schema_migrations (a text version, no such column)
    if not names:
        return (
            f"{path} is not a podsift warehouse (an empty DuckDB database, no podsift tables); "
            "run 'podsift run' to make one"
        )
    # Someone else's database: point at the config (`podsift run` refuses it too).
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (
        f"{path} is not a podsift warehouse (no podsift tables; it holds {shown}); "
        "check 'warehouse:' in the config"
    )


def _behind(con: duckdb.DuckDBPyConnection) -> bool:
    """True when migrations exist that this warehouse has not applied."""
    try:
        rows = con.execute("SELECT version FROM schema_migrations").fetchall()
    except duckdb.CatalogException:
        return True
    # By set, not by the highest version: a migration numbered below one already applied
    # (004 landed after 005) is still missing.
    return bool({m[0] for m in migrations()} - {row[0] for row in rows})


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, or ROLLBACK on any error."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
