"""A run's way into a warehouse that other processes (a notebook, the DuckDB CLI) may hold.

DuckDB lets one process open a file for writing, and while it does no other process can open
it at all. A run therefore does its slow work (download, transcribe, ads, facts) without the
warehouse and opens it only to read what it knows and to load. When the file is held:

- the holder is named once ("waiting for the warehouse: held by pid 4242 (duckdb) since
  06:00:03"), however many feeds and episodes then wait;
- loads wait for it, up to `wait_s` in all for the run (config `warehouse_wait_s`);
- once that has passed, the rest is *deferred*: its transcripts are staged, so the next run
  loads it without transcribing again. The run's own `runs` row, which cannot be written
  either, is kept under `data_dir/state/pending-runs/` and written by the next run that opens
  the warehouse.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from podsift.tasks.core.errors import WarehouseBusyError
from podsift.warehouse import store
from podsift.warehouse.db import lock_holder, migrate, open_connection


class WarehouseGate:
    """Opens the warehouse for one run, waiting for a holder within the run's limit.

    A plain class (not a dataclass), so Prefect passes the same object to each feed's subflow.
    """

    def __init__(
        self,
        path: Path,
        data_dir: Path,
        *,
        wait_s: float,
        say: Callable[[str], None],
    ) -> None:
        self.path = path
        self.pending_dir = data_dir / "state" / "pending-runs"
        self.wait_s = wait_s
        self._say = say
        self._deadline: float | None = None  # set when a load first has to wait
        self._told = False
        self._flushed = False

    @contextmanager
    def writer(self, *, wait: bool) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A short read-write connection, or None when the warehouse is held.

        Args:
            wait: wait for the holder (within what is left of the run's limit); without it,
                a held warehouse gives None at once.
        """
        con = self._open(wait=wait)
        if con is None:
            yield None
            return
        try:
            migrate(con)
            if not self._flushed:
                self._write_pending_runs(con)
                self._flushed = True
            yield con
        finally:
            con.close()

    def _open(self, *, wait: bool) -> duckdb.DuckDBPyConnection | None:
        try:
            return open_connection(self.path, read_only=False, wait_s=0)
        except WarehouseBusyError as exc:
            self._tell(exc)
        if not wait:
            return None
        if self._deadline is None:
            self._deadline = time.monotonic() + self.wait_s
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            return open_connection(self.path, read_only=False, wait_s=remaining)
        except WarehouseBusyError:
            return None

    def _tell(self, exc: WarehouseBusyError) -> None:
        if self._told:
            return
        self._told = True
        holder = lock_holder(exc.__cause__ or exc)
        minutes = self.wait_s / 60
        limit = f"{minutes:.0f} min" if minutes >= 1 else f"{self.wait_s:.0f} s"
        self._say(
            f"waiting for the warehouse: held by {holder.describe()}; episodes are prepared "
            f"meanwhile and loads wait up to {limit} (warehouse_wait_s)"
        )

    def keep_run_for_later(self, record: dict[str, Any]) -> None:
        """Keep a run's row, which the held warehouse could not take, for the next run."""
        self.pending_dir.mkdir(parents=True, exist_ok=True)
        path = self.pending_dir / f"{record['run_id']}.json"
        tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
        try:
            tmp.write_text(json.dumps(record, default=str), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def _write_pending_runs(self, con: duckdb.DuckDBPyConnection) -> None:
        for path in sorted(self.pending_dir.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                record = run_record_from_json(data)
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a damaged file is left for a person to look at
            store.record_run(con, **record)
            path.unlink(missing_ok=True)


def run_record(
    run_id: str,
    started_at: datetime,
    finished_at: datetime,
    status: str,
    counts: store.RunCounts,
    message: str | None,
) -> dict[str, Any]:
    """A `runs` row as `keep_run_for_later` stores it."""
    return {
        "run_id": run_id,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "status": status,
        "counts": asdict(counts),
        "message": message,
    }


def run_record_from_json(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": str(data["run_id"]),
        "started_at": datetime.fromisoformat(data["started_at"]),
        "finished_at": datetime.fromisoformat(data["finished_at"]),
        "status": str(data["status"]),
        "counts": store.RunCounts(**data["counts"]),
        "message": data.get("message"),
    }
