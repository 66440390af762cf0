"""A DuckDB client left open (a notebook, the DuckDB CLI) must not break the daily run.

Another real process holds the warehouse file read-write, as `duckdb warehouse.duckdb` does. The
run says so once, naming the holder, prepares the episodes meanwhile, and loads them when the
file is free; past `warehouse_wait_s` it defers them, and the next run loads them from their
staged transcripts without downloading or transcribing again.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from podsift.flows.cli import main
from podsift.tasks.ingest.feeds import episode_id_for, feed_id_for
from tests.conftest import FeedServer, check_warehouse_invariants, rss, write_config

pytestmark = pytest.mark.slow


@contextmanager
def held_open(warehouse: Path, seconds: float = 300) -> Iterator[subprocess.Popen[str]]:
    """Another process with a read-write DuckDB connection to `warehouse`, for `seconds`."""
    code = (
        "import sys, time, duckdb\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(warehouse), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def serve(server: FeedServer, names: list[str]) -> str:
    items = []
    for day, name in enumerate(names, start=1):
        url = server.add_audio(name)
        items.append(
            {"guid": name, "title": name, "url": url, "pub": f"0{day} Mar 2025 06:00:00 GMT"}
        )
    return server.add("/show.xml", body=rss(items), headers={"Content-Type": "application/rss+xml"})


def rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


WAITING = re.compile(
    r"^waiting for the warehouse: held by pid (\d+) \(python[\w.]*\) since \d\d:\d\d:\d\d; "
)


def test_a_held_warehouse_defers_loads_and_the_next_run_loads_them_without_transcribing(
    tmp_path: Path,
    server: FeedServer,
    prefect_harness: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed = serve(server, ["speech_short"])
    # A second, empty feed: the holder is still named once for the run, not once per feed.
    quiet = server.add("/quiet.xml", body=rss([]), headers={"Content-Type": "application/rss+xml"})
    config = write_config(tmp_path, [feed, quiet], warehouse_wait_s=2)
    warehouse = tmp_path / "warehouse.duckdb"
    assert main(["run", "--config", str(config)]) == 0
    capsys.readouterr()

    # A new episode appears while someone has the warehouse open, and keeps it open.
    serve(server, ["speech_short", "episode_a"])
    with held_open(warehouse) as holder:
        code = main(["run", "--config", str(config)])
        out, err = capsys.readouterr()
        assert code == 0, err
        waiting = [line for line in err.splitlines() if line.startswith("waiting for")]
        assert len(waiting) == 1, err
        match = WAITING.match(waiting[0])
        assert match and int(match[1]) == holder.pid, waiting[0]
        assert "loads wait up to 2 s (warehouse_wait_s)" in waiting[0]
        assert re.search(r"^podsift run \w+: deferred in \d+\.\d s", out, re.M), out
        assert "waiting           1 episode(s) wait for the warehouse" in out, out
        assert holder.poll() is None  # it held the file throughout

    # The episode was prepared meanwhile: its audio fetched once, its transcript staged.
    episode_id = episode_id_for(feed_id_for(feed), "episode_a")
    assert (tmp_path / "data" / "transcripts" / f"{episode_id}.json").exists()
    assert server.hits("/audio/episode_a.mp3") == 1
    assert rows(warehouse, "SELECT guid FROM episodes ORDER BY guid") == [("speech_short",)]

    # The next run loads it from the staged transcript and writes the deferred run's row.
    assert main(["run", "--config", str(config), "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "waiting for" not in err
    assert server.hits("/audio/episode_a.mp3") == 1  # not downloaded (so not transcribed) again
    assert rows(warehouse, "SELECT guid, status FROM episodes ORDER BY guid") == [
        ("episode_a", "done"),
        ("speech_short", "done"),
    ]
    runs = rows(
        warehouse,
        "SELECT status, episodes_done, episodes_deferred, message FROM runs ORDER BY started_at",
    )
    assert runs == [
        ("ok", 1, 0, None),
        ("deferred", 0, 1, "1 episode(s) or feed(s) wait for a held warehouse"),
        ("ok", 1, 0, None),
    ]
    assert not list((tmp_path / "data" / "state" / "pending-runs").glob("*"))
    check_warehouse_invariants(warehouse, tmp_path / "data")


def test_a_warehouse_freed_within_the_limit_is_loaded_in_the_same_run(
    tmp_path: Path,
    server: FeedServer,
    prefect_harness: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    feed = serve(server, ["speech_short"])
    config = write_config(tmp_path, [feed], warehouse_wait_s=600)
    warehouse = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(warehouse)).close()  # a warehouse someone made, with no run yet
    with held_open(warehouse, seconds=4) as holder:
        code = main(["run", "--config", str(config)])
        holder.wait(30)
    out, err = capsys.readouterr()
    assert code == 0, err
    waiting = [line for line in err.splitlines() if line.startswith("waiting for")]
    assert len(waiting) == 1 and WAITING.match(waiting[0]), err
    assert re.search(r"^podsift run \w+: ok in ", out, re.M), out
    assert rows(warehouse, "SELECT guid, status FROM episodes") == [("speech_short", "done")]
    assert rows(warehouse, "SELECT status, episodes_done FROM runs") == [("ok", 1)]
