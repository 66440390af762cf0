"""One `podsift run` per warehouse at a time.

The run holds an advisory lock on `<warehouse>.lock` for its whole length; a second run finds it
taken and stops at once with a message naming the holder. The kernel drops the lock when the
holder exits, even on SIGKILL, so a killed run never blocks the next one.

The lock is re-entrant within a process: the CLI takes it before Prefect starts (so a second
run fails fast, not after Prefect's start-up) and the flow takes it again inside.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from podsift.tasks.core.errors import WarehouseBusyError

_held: dict[Path, int] = {}  # lock file -> how many times this process holds it
_held_guard = threading.Lock()


@contextmanager
def run_lock(warehouse: Path) -> Iterator[None]:
    """Hold the run lock for `warehouse` (re-entrant within this process).

    Raises:
        WarehouseBusyError: another process holds it.
    """
    path = warehouse.with_name(warehouse.name + ".lock").resolve()
    with _held_guard:
        if _held.get(path):
            _held[path] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _held_guard:
                _held[path] -= 1
        return
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            raise WarehouseBusyError(
                f"another podsift run ({holder}) is already working on {warehouse}; "
                "wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}".encode(), 0)
        with _held_guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(path, None)
    finally:
        os.close(fd)  # closing the descriptor releases the lock
