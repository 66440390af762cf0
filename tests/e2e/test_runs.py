"""Runs on a bad day: killed with SIGKILL at any point, started twice at once.

The warehouse after any of this, and one normal run, must be complete and consistent: every
episode loaded once and wholly, no half-loaded episode, no duplicate rows, no run left running.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from podsift.flows.cli import main
from podsift.tasks.core.errors import WarehouseBusyError
from podsift.tasks.core.records import EpisodeItem, EpisodeResult, Segment, Transcript
from podsift.warehouse import store
from podsift.warehouse.db import writer
from podsift.warehouse.lock import run_lock
from tests.conftest import FeedServer, check_warehouse_invariants, rss, write_config

# --- killed while loading one episode ---------------------------------------------------------


def episode_version(segments: int, attempts: int) -> EpisodeResult:
    """One episode with `segments` rows; `attempts` tells the versions apart in the warehouse."""
    segs = tuple(Segment(float(i), i + 0.5, f"sentence {i}") for i in range(segments))
    return EpisodeResult(
        episode_id="e1",
        feed_id="f1",
        item=EpisodeItem("g1", "Episode", "http://example.invalid/a.mp3"),
        audio_key="example.invalid/a.mp3",
        status="done",
        transcript=Transcript(segs, duration_s=float(segments)),
        is_ad=[False] * segments,
        attempts=attempts,
    )


def load_in_child(warehouse: str, segments: int, started: str) -> None:
    """Reload episode e1 with many segments (seconds of work), announcing the start."""
    with writer(Path(warehouse)) as con:
        Path(started).touch()
        store.load_episode(con, episode_version(segments, attempts=2))


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.05, 0.8, 2.0])
def test_sigkill_while_loading_leaves_old_or_new_episode_never_half(
    tmp_path: Path, delay_s: float
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with writer(warehouse) as con:
        store.save_feed_poll(
            con,
            feed_id="f1",
            url="http://example.invalid/feed.xml",
            name=None,
            title="Show",
            current_url=None,
            etag=None,
            last_modified=None,
            error=None,
        )
        store.load_episode(con, episode_version(10, attempts=1))
    started = tmp_path / "started"
    # spawn, not fork: the child must not inherit this process's DuckDB state.
    child = multiprocessing.get_context("spawn").Process(
        target=load_in_child, args=(str(warehouse), 3000, str(started))
    )
    child.start()
    deadline = time.monotonic() + 60
    while not started.exists() and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay_s)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    with writer(warehouse):  # the next run opens it: DuckDB replays or drops the WAL
        pass
    con = duckdb.connect(str(warehouse), read_only=True)
    attempts, segments = con.execute(
        "SELECT attempts, (SELECT count(*) FROM segments WHERE episode_id = 'e1') "
        "FROM episodes WHERE episode_id = 'e1'"
    ).fetchone()
    con.close()
    assert (attempts, segments) in {(1, 10), (2, 3000)}
    check_warehouse_invariants(warehouse)


# --- the run lock ------------------------------------------------------------------------------


@contextlib.contextmanager
def lock_held_elsewhere(warehouse: Path) -> Iterator[int]:
    """Another process holds the run lock of `warehouse`; yields its pid.

    The lock is re-entrant within one process, so "another run" must be another process.
    """
    code = (
        "import sys, time; from pathlib import Path; from warehouse.lock import run_lock\n"
        "with run_lock(Path(sys.argv[1])):\n"
        "    print('locked', flush=True); time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


def test_second_run_fails_fast_while_the_warehouse_is_locked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, ["http://127.0.0.1:9/feed.xml"])
    warehouse = tmp_path / "warehouse.duckdb"
    with lock_held_elsewhere(warehouse) as pid:
        started = time.monotonic()
        assert main(["run", "--config", str(config), "--quiet"]) == 1
        assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"podsift: another podsift run (pid {pid}) is already working")
    assert "wait for it to finish" in err
    assert not warehouse.exists()  # untouched: the second run wrote nothing


def test_run_daily_refuses_a_locked_warehouse(tmp_path: Path) -> None:
    from podsift.flows.daily import run_daily
    from podsift.tasks.core.config import load_config

    cfg = load_config(write_config(tmp_path, ["http://127.0.0.1:9/feed.xml"]))
    with (
        lock_held_elsewhere(cfg.warehouse),
        pytest.raises(WarehouseBusyError, match="already working"),
    ):
        run_daily(cfg)
    assert not cfg.warehouse.exists()


def test_run_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with run_lock(warehouse), run_lock(warehouse):  # the CLI, then the flow inside it
        pass
    with lock_held_elsewhere(warehouse):  # released once the outer hold ended
        pass


def test_lock_of_a_killed_run_is_released(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with (
        lock_held_elsewhere(warehouse) as pid,
        pytest.raises(WarehouseBusyError, match=f"pid {pid}"),
        run_lock(warehouse),
    ):
        pass
    with run_lock(warehouse):  # the holder was killed with SIGKILL: the lock is free again
        pass


# --- `podsift run` as a subprocess, killed, then run twice at once ----------------------------


class RunProcess:
    """`podsift run` in its own session, with its stderr lines collected as they come."""

    def __init__(self, config: Path, cwd: Path) -> None:
        exe = shutil.which("podsift")
        command = [exe] if exe else [sys.executable, "-m", "podsift.flows.cli"]
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "PREFECT_HOME"))
        }
        env.update(PYTHONUNBUFFERED="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
        self.proc = subprocess.Popen(
            [*command, "run", "--config", str(config)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so the Prefect server it starts can be cleaned up too
        )
        self.lines: list[str] = []
        self._out: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stderr, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout, self._out), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: Any, into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    @property
    def stdout(self) -> str:
        return "\n".join(self._out)

    def wait_for(self, text: str, timeout_s: float = 240) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"never saw {text!r}; stderr:\n" + "\n".join(self.lines[-40:]))

    def kill(self) -> None:
        """SIGKILL the run, then whatever it started (Prefect's server) in its session."""
        self.proc.kill()
        self.finish()

    def finish(self, timeout_s: float = 600) -> int:
        """Wait for the run to end; then end anything it left running in its session."""
        try:
            code = self.proc.wait(timeout_s)
        finally:
            # Prefect's server outlives a SIGKILLed parent and holds the output pipes open.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            for reader in self._readers:
                reader.join(10)
        return code


@pytest.fixture
def show(server: FeedServer) -> Iterator[FeedServer]:
    """Three spoken episodes and one that is gone."""
    names = ["speech_short", "episode_a", "episode_b"]
    items = []
    for day, name in enumerate(names, start=1):
        url = server.add_audio(name)
        items.append(
            {"guid": name, "title": name, "url": url, "pub": f"0{day} Mar 2025 06:00:00 GMT"}
        )
    items.append(
        {"guid": "gone", "url": server.url("/audio/gone.mp3"), "pub": "09 Mar 2025 06:00:00 GMT"}
    )
    server.add("/show.xml", body=rss(items), headers={"Content-Type": "application/rss+xml"})
    yield server


def done_episodes(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM episodes WHERE status = 'done'").fetchone()[0])
    finally:
        con.close()


def only_run(warehouse: Path) -> tuple[str, str]:
    """The status and message of the warehouse's one run."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        status, message = con.execute("SELECT status, message FROM runs").fetchone()
    finally:
        con.close()
    return status, message


def runs_table(warehouse: Path) -> list[tuple[str, int | None]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("SELECT status, episodes_done FROM runs ORDER BY started_at").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_killed_runs_then_a_normal_run_and_a_concurrent_one(
    show: FeedServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [show.url("/show.xml"), show.url("/missing.xml")])
    warehouse = tmp_path / "warehouse.duckdb"
    data_dir = tmp_path / "data"

    # 1. Killed during start-up, before anything was written.
    first = RunProcess(config, tmp_path)
    time.sleep(1.5)
    first.kill()

    # 2. Killed while transcribing.
    second = RunProcess(config, tmp_path)
    second.wait_for("downloading and transcribing")
    time.sleep(1.0)
    second.kill()
    check_warehouse_invariants(warehouse, data_dir, finished=False)

    # 3. Killed as soon as the first episode is loaded: the others are being analysed and loaded.
    third = RunProcess(config, tmp_path)
    third.wait_for(": done (")
    third.kill()
    check_warehouse_invariants(warehouse, data_dir, finished=False)
    loaded_before = done_episodes(warehouse)

    # 4. A normal run; a second `podsift run` started meanwhile stops at once.
    normal = RunProcess(config, tmp_path)
    normal.wait_for("to process")
    started = time.monotonic()
    rival = RunProcess(config, tmp_path)
    rival_code = rival.finish(timeout_s=60)
    assert time.monotonic() - started < 20
    assert rival_code == 1
    assert len(rival.lines) == 1, rival.lines
    assert rival.lines[0].startswith(f"podsift: another podsift run (pid {normal.proc.pid})")
    assert rival.stdout == ""
    assert normal.finish() == 1  # the gone episode failed; everything else is loaded
    # Episodes the killed runs loaded are not loaded again.
    assert f"{3 - loaded_before} done, 1 failed" in normal.stdout, normal.stdout
    assert f"feed {show.url('/missing.xml')}: HTTP 404 Not Found" in normal.stdout
    # Expected failures (a dead feed, a dead episode) are summary lines, never tracebacks.
    assert not any("Traceback" in line for line in normal.lines), "\n".join(normal.lines)

    check_warehouse_invariants(warehouse, data_dir)
    con = duckdb.connect(str(warehouse), read_only=True)
    episodes = dict(con.execute("SELECT guid, status FROM episodes").fetchall())
    con.close()
    assert episodes == {
        "speech_short": "done",
        "episode_a": "done",
        "episode_b": "done",
        "gone": "failed",
    }
    runs = runs_table(warehouse)
    assert runs[-1] == ("partial", 3 - loaded_before)
    assert [status for status, _ in runs[:-1]] == ["aborted"] * (len(runs) - 1)


@pytest.mark.slow
def test_ctrl_c_during_a_run_then_a_run_that_finishes_the_work(
    show: FeedServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, [show.url("/show.xml")])
    warehouse = tmp_path / "warehouse.duckdb"

    interrupted = RunProcess(config, tmp_path)
    interrupted.wait_for("downloading and transcribing")
    time.sleep(1.0)
    interrupted.proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
    assert interrupted.finish(timeout_s=120) == 130
    assert interrupted.lines[-1] == (
        "podsift: interrupted; episodes already loaded are kept, and the next run picks up the "
        "rest (reusing transcripts staged in data_dir)"
    )
    check_warehouse_invariants(warehouse, tmp_path / "data")
    status, message = only_run(warehouse)
    assert status == "aborted"
    assert message.startswith("interrupted (Ctrl-C) after 0 of 1 feed(s)")
    loaded_before = done_episodes(warehouse)

    rerun = RunProcess(config, tmp_path)
    assert rerun.finish() == 1  # the gone episode
    assert f"{3 - loaded_before} done, 1 failed" in rerun.stdout, rerun.stdout
    check_warehouse_invariants(warehouse, tmp_path / "data")
    assert done_episodes(warehouse) == 3


def test_an_enormous_title_is_clipped_in_progress_lines_and_the_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 200,000-character title used to be printed whole, three times, per episode."""
    from podsift.flows import progress
    from podsift.flows.daily import _count
    from podsift.tasks.run.summary import FeedOutcome

    title = "T" * 200_000
    result = EpisodeResult(
        episode_id="0" * 20,
        feed_id="f" * 16,
        item=EpisodeItem(guid="g", title=title, audio_url="a.mp3"),
        audio_key="a.mp3",
        status="failed",
        error="episode audio not found (HTTP 404): a.mp3",
    )
    outcome = FeedOutcome(feed="show")
    progress.enabled = True
    try:
        _count(outcome, result)
    finally:
        progress.enabled = False
    clipped = repr("T" * 77 + "...")
    assert outcome.failures == [
        f"episode {clipped} (show): episode audio not found (HTTP 404): a.mp3"
    ]
    assert capsys.readouterr().err == f"  episode {clipped}: failed (the summary says why)\n"
