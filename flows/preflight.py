"""Checks before Prefect starts: folders, free space, PREFECT_HOME, the schedule, the warehouse.

Each failure is one sentence the user can act on (a `ConfigError` naming the config file, or a
`PodsiftError`), raised before Prefect's slow start-up rather than minutes into it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from podsift.tasks.core.errors import ConfigError, PodsiftError

# A run needs room for Prefect's SQLite database (about 6 MB) and the staged files.
MIN_FREE_BYTES = 20 * 1024 * 1024


def prefect_env(cfg: Any, *, verbose: bool) -> None:
    """Prefect settings podsift wants, unless the user set them: a project-local home."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)  # Prefect makes its home, not the parents
    os.environ.setdefault("PREFECT_HOME", str(cfg.data_dir / "prefect"))
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def check_folders(cfg: Any, origin: Path) -> None:
    """Refuse, before Prefect starts, a `data_dir` or `warehouse` that cannot work.

    Raises:
        ConfigError: a path that is a file where a folder is needed (or the reverse), or a
            folder podsift cannot create or write.
        PodsiftError: less than `MIN_FREE_BYTES` free where data_dir lives.
    """
    if cfg.warehouse.is_dir():
        raise ConfigError(
            f"{origin}: warehouse {cfg.warehouse} is a folder; name a file, "
            "e.g. data/warehouse.duckdb"
        )
    for key, path, folder in (
        ("warehouse", cfg.warehouse, cfg.warehouse.parent),
        ("data_dir", cfg.data_dir, cfg.data_dir),
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            where = "" if folder == path else f": {folder}"
            raise ConfigError(f"{origin}: {key} {path}{where} is a file, not a folder") from None
        except NotADirectoryError:
            raise ConfigError(
                f"{origin}: {key} {path}: part of that path is a file, not a folder"
            ) from None
        except OSError as exc:
            raise ConfigError(f"{origin}: {key}: cannot create {folder} ({exc.strerror})") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"{origin}: {key}: {folder} is not writable")
    free = shutil.disk_usage(cfg.data_dir).free
    if free < MIN_FREE_BYTES:
        raise PodsiftError(
            f"only {free // 1024} KB free on the disk holding data_dir {cfg.data_dir}; a run "
            f"needs at least {MIN_FREE_BYTES // (1024 * 1024)} MB there (Prefect's database, "
            "staged audio and transcripts): free some space or move data_dir"
        )


def check_prefect_home() -> None:
    """Without PREFECT_API_URL, Prefect's temporary server keeps its SQLite database in
    PREFECT_HOME; when it cannot, the server retries for minutes and then times out. Say so now.

    Raises:
        PodsiftError: PREFECT_HOME cannot be created or written, or its disk is full.
    """
    if os.environ.get("PREFECT_API_URL"):
        return
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    hint = "set PREFECT_HOME to a writable folder, or PREFECT_API_URL to a running Prefect server"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PodsiftError(f"cannot create PREFECT_HOME {home} ({exc.strerror}); {hint}") from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise PodsiftError(f"PREFECT_HOME {home} is not writable; {hint}")
    free = shutil.disk_usage(home).free
    if free < MIN_FREE_BYTES:
        raise PodsiftError(
            f"only {free // 1024} KB free on the disk holding PREFECT_HOME {home}; Prefect's "
            f"database needs at least {MIN_FREE_BYTES // (1024 * 1024)} MB: free some space or "
            + hint
        )


def check_schedule(cfg: Any, origin: Path) -> None:
    """Check `schedule.cron` with Prefect's parser before any server starts.

    Raises:
        ConfigError: naming the key, e.g. "bad value for 'schedule.cron': ...".
    """
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cfg.schedule.cron, timezone=cfg.schedule.timezone)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(["schedule", *(str(p) for p in first["loc"])])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(
            f"{origin}: bad value for '{key}': {msg} (five fields: minute hour day month "
            'weekday, e.g. "0 6 * * *")'
        ) from None


def check_warehouse_opens(warehouse: Path) -> None:
    """Open the warehouse once, so that one that cannot be opened (not a DuckDB file, damaged)
    fails now, in one line, rather than after Prefect's start-up. One held by another process
    passes: the flow waits for it while it prepares episodes."""
    from podsift.tasks.core.errors import WarehouseBusyError
    from podsift.warehouse.db import writer

    try:
        with writer(warehouse, wait_s=0):
            pass
    except WarehouseBusyError:
        pass
