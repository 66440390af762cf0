"""The daily flow on Prefect's Dask task runner (a local Dask cluster with two worker
processes) loads the same warehouse rows as the default thread runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from podsift.flows.daily import daily
from podsift.flows.runner import make_task_runner
from podsift.tasks.core.config import load_config
from tests.conftest import FeedServer, rss, write_config

pytest.importorskip("prefect_dask")
pytestmark = pytest.mark.slow


def warehouse_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's content, without the columns that record when a run happened."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "episodes": con.execute(
                "SELECT * EXCLUDE (first_seen_at, updated_at) FROM episodes ORDER BY ALL"
            ).fetchall(),
            "segments": con.execute("SELECT * FROM segments ORDER BY ALL").fetchall(),
            "ad_spans": con.execute("SELECT * FROM ad_spans ORDER BY ALL").fetchall(),
            "facts": con.execute("SELECT * FROM facts ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def serve_two_episodes(server: FeedServer) -> str:
    items = []
    for i, name in enumerate(("episode_a", "episode_b")):
        server.add_audio(name)
        items.append(
            {
                "guid": f"garden-{i + 1}",
                "title": name,
                "url": server.url(f"/audio/{name}.mp3"),
                "pub": f"Mon, {3 + 7 * i:02d} Mar 2025 06:00:00 +0000",
                "duration": "0:21",
                "description": "Supported by Fernleaf Seeds.",
            }
        )
    return server.add("/garden.xml", body=rss(items, title="Green Garden Radio"))


def test_dask_runner_from_config(tmp_path: Path) -> None:
    from prefect_dask import DaskTaskRunner

    cfg = load_config(write_config(tmp_path, [], runner={"kind": "dask", "max_workers": 2}))
    runner = make_task_runner(cfg)
    assert isinstance(runner, DaskTaskRunner)
    assert runner.cluster_kwargs == {"n_workers": 2, "threads_per_worker": 1}
    remote = load_config(
        write_config(tmp_path, [], runner={"kind": "dask", "dask_address": "tcp://10.0.0.5:8786"})
    )
    assert make_task_runner(remote).address == "tcp://10.0.0.5:8786"


def test_dask_runner_loads_the_same_rows_as_threads(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    feed = serve_two_episodes(server)
    runs = {}
    for kind in ("thread", "dask"):
        folder = tmp_path / kind
        folder.mkdir()
        config = write_config(folder, [feed], runner={"kind": kind, "max_workers": 2})
        summary = daily(str(config))
        assert summary.exit_code == 0, summary.render()
        runs[kind] = warehouse_rows(folder / "warehouse.duckdb")

    assert [row[:2] for row in runs["dask"]["episodes"]] == [
        row[:2] for row in runs["thread"]["episodes"]
    ]
    assert len(runs["thread"]["episodes"]) == 2
    assert runs["thread"]["segments"] and runs["thread"]["facts"]
    for table in ("episodes", "segments", "ad_spans", "facts"):
        assert runs["dask"][table] == runs["thread"][table], table
