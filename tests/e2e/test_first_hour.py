"""The first hour with podsift, as a new user has it: the `--help` examples, run as written in
a fresh copy of the demo, and honest, quiet output from a run where something fails.

Slow: real `podsift` processes, Prefect's temporary server, the real Whisper model.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from podsift.flows.cli_parser import EXAMPLES

pytestmark = pytest.mark.slow

REPO = Path(__file__).parents[2]


def shell(command: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run an example line as a user types it (redirections included), with this checkout's
    podsift; returns the process and its wall time."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PODSIFT_"))}
    env.update(PYTHONPATH=str(REPO), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    line = re.sub(r"^podsift\b", f"'{sys.executable}' -m flows.cli", command)
    began = time.monotonic()
    done = subprocess.run(
        line, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    return done, time.monotonic() - began


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """What a fresh clone has: the demo and the shipped config.yaml."""
    shutil.copytree(REPO / "demo", tmp_path / "demo")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def test_help_examples_work_on_the_demo(clone: Path) -> None:
    results = {}
    for command, _ in EXAMPLES:
        if command == "podsift serve":
            continue  # runs until Ctrl-C; tests/e2e/test_serve.py covers it
        done, took = shell(command, clone)
        assert done.returncode == 0, f"{command}\n{done.stderr}"
        results[command] = (done, took)

    run, took = results["podsift run"]
    summary = re.search(
        r"^podsift run \w+: ok in (\d+\.\d) s \(start-up (\d+\.\d) s\)$", run.stdout, re.M
    )
    assert summary, run.stdout
    # The summary's time is the command's wall time (less the interpreter's own start).
    assert took - 5 < float(summary[1]) <= took, (summary[0], took)
    assert float(summary[2]) < float(summary[1])

    con = duckdb.connect(str(clone / "data" / "warehouse.duckdb"), read_only=True)
    try:
        titles = sorted(r[0] for r in con.execute("SELECT title FROM episodes").fetchall())
        n_facts = con.execute("SELECT count(*) FROM facts").fetchone()[0]
        tables = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
            ).fetchall()
        }
    finally:
        con.close()
    sql = results['podsift sql "select title, status from episodes"'][0].stdout.splitlines()
    assert sorted(line.split("  ")[0].strip() for line in sql[2:-1]) == titles
    assert sql[-1] == "(3 rows)"

    with (clone / "facts.csv").open(encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == n_facts

    search = results["podsift search tram --limit 5"][0].stdout.splitlines()
    assert search[0] == "1. demo / A Tram to the Airport  [0:00]"
    assert search[1] == "   title: A Tram to the Airport"

    transcript = json.loads((clone / "ep1.json").read_text(encoding="utf-8"))
    assert "tram" in " ".join(s["text"] for s in transcript["segments"]).lower()
    spans = json.loads((clone / "ads.json").read_text(encoding="utf-8"))
    assert len(spans) == 1  # the demo's one sponsor read
    said = " ".join(
        s["text"]
        for s in transcript["segments"]
        if s["start"] >= spans[0]["start"] - 0.5 and s["end"] <= spans[0]["end"] + 0.5
    )
    assert "green kitchen" in said.lower()
    facts = json.loads(results["podsift facts ep1.json --ads ads.json"][0].stdout)
    assert facts and all("green kitchen" not in f["text"].lower() for f in facts)

    from podsift.warehouse.export import DERIVED_TABLES

    exported = results["podsift export out/"][0].stdout.split()
    assert sorted(Path(p).name for p in exported) == sorted(
        f"{t}.parquet" for t in tables - DERIVED_TABLES
    )
    assert all((clone / p).is_file() for p in exported)

    published = results["podsift publish"][0].stdout.splitlines()
    assert published[0] == f"demo: 3 items (3 ad-free) -> {clone / 'data/publish/demo/feed.xml'}"
    assert published[1] == "  subscribe: http://127.0.0.1:8765/demo/feed.xml"
    assert published[-1] == "10 files written, 0 unchanged"  # feed.xml and 3 x (mp3, vtt, json)


def test_a_failure_is_said_once_and_podsift_once_per_line(clone: Path) -> None:
    config = clone / "config.yaml"
    text = config.read_text(encoding="utf-8").replace(
        "    name: demo\n", "    name: demo\n  - url: gone/feed.xml\n    name: gone\n", 1
    )
    config.write_text(text, encoding="utf-8")
    done, _ = shell("podsift run --config config.yaml", clone)
    assert done.returncode == 1, done.stderr
    said = done.stdout + done.stderr
    missing = str(clone / "gone" / "feed.xml")
    assert said.count(missing) == 1, said
    assert re.search(r"^    - feed .*gone/feed\.xml", done.stdout, re.M), done.stdout
    assert "feed gone: failed (the summary says why)" in done.stderr
    assert "WARNING" not in said, said
    assert [line for line in said.splitlines() if line.count("podsift") > 1] == []
