"""`podsift serve` really runs the daily flow on its own, on a once-a-minute cron.

Slow on purpose: it starts a real local Prefect server, serves the deployment, waits for the
scheduler to start a run, then stops everything with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import feedparser
import httpx
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def finished_runs(warehouse: Path) -> list[tuple[str, int]]:
    if not warehouse.exists():
        return []
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return []  # the flow holds it right now
    try:
        return con.execute(
            "SELECT status, episodes_done FROM runs WHERE finished_at IS NOT NULL"
        ).fetchall()
    except duckdb.Error:
        return []
    finally:
        con.close()


def test_serve_runs_the_flow_on_schedule(tmp_path: Path) -> None:
    shutil.copytree(REPO / "demo", tmp_path / "demo")
    config = tmp_path / "config.yaml"
    config.write_text(
        "feeds:\n  - url: demo/feed.xml\n    name: demo\n"
        "schedule: {cron: '* * * * *', timezone: UTC}\n"
        f"publish: {{port: {(feeds_port := free_port())}}}\n",
        encoding="utf-8",
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "podsift.flows.cli",
            "serve",
            "--config",
            str(config),
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    try:
        deadline = time.monotonic() + 420
        runs: list[tuple[str, int]] = []
        while time.monotonic() < deadline and not runs:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(3)
            runs = finished_runs(warehouse)
        assert runs, "no scheduled run finished:\n" + (tmp_path / "serve.log").read_text()
        assert runs[0] == ("ok", 3)
        # After the run the ad-free feed is published and served, Range requests and all.
        feed_url = f"http://127.0.0.1:{feeds_port}/demo/feed.xml"
        feed = None
        while time.monotonic() < deadline and feed is None:
            r = httpx.get(feed_url)
            feed = r if r.status_code == 200 else None
            time.sleep(0.5 if feed is None else 0)
        assert feed is not None, (tmp_path / "serve.log").read_text()
        assert feed.headers["content-type"] == "application/rss+xml; charset=utf-8"
        parsed = feedparser.parse(feed.content)
        assert len(parsed.entries) == 3
        audio_url = parsed.entries[0].enclosures[0].href
        assert audio_url.startswith(f"http://127.0.0.1:{feeds_port}/demo/")
        whole = httpx.get(audio_url)
        part = httpx.get(audio_url, headers={"Range": "bytes=1000-1999"})
        assert (whole.status_code, part.status_code) == (200, 206)
        assert part.content == whole.content[1000:2000]
        assert int(parsed.entries[0].enclosures[0].length) == len(whole.content)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert code == 0, output
    assert "starting a local Prefect server" in output
    assert "Prefect server stopped" in output
    # One line says where the UI is and when the next run is due; no misleading warning, and no
    # second (temporary) server beside the local one.
    ready = [line for line in output.splitlines() if "; next run " in line]
    assert len(ready) == 1, output
    assert re.fullmatch(
        rf"podsift serve: UI at http://127\.0\.0\.1:{port}; next run \d{{4}}-\d\d-\d\d "
        r"\d\d:\d\d UTC \(cron '\* \* \* \* \*'\); Ctrl-C stops",
        ready[0],
    ), ready[0]
    assert "ephemeral" not in output and "temporary server" not in output, output
    with socket.socket() as sock:  # the server is gone: nothing answers on its port
        assert sock.connect_ex(("127.0.0.1", port)) != 0
    with socket.socket() as sock:  # nor on the feeds' port
        assert sock.connect_ex(("127.0.0.1", feeds_port)) != 0


def test_the_ready_line_names_the_ui_and_the_next_run_in_the_schedule_timezone() -> None:
    from datetime import UTC, datetime

    from podsift.flows.serve import ready_line
    from podsift.tasks.core.config import Config, ScheduleConfig

    cfg = Config(schedule=ScheduleConfig(cron="0 6 * * 1", timezone="Europe/Paris"))
    thursday_noon = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert ready_line(cfg, "http://127.0.0.1:4200", thursday_noon) == (
        "UI at http://127.0.0.1:4200; next run 2026-12-07 06:00 Europe/Paris "
        "(cron '0 6 * * 1'); Ctrl-C stops"
    )
    assert ready_line(cfg, None, thursday_noon).startswith("serving; next run 2026-12-07 06:00")
