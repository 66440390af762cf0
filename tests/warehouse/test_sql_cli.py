"""`podsift sql`, `podsift export` (and `podsift search`) as a user meets them, on a real warehouse:
answering while another process writes, refusing writes, the output formats, where the query
comes from, and Parquet files other engines can read."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from podsift.flows.cli import main
from podsift.warehouse.db import writer
from podsift.warehouse.search import rebuild_search_index
from tests.warehouse.test_warehouse import build_sample_warehouse

HOLD_S = 2.0


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_sample_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def config(tmp_path: Path, warehouse: Path) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"feeds:\n  - url: https://garden.example/feed.xml\nwarehouse: {warehouse.name}\n",
        encoding="utf-8",
    )
    return str(path)


@contextmanager
def held_for_writing(path: Path, seconds: float = HOLD_S) -> Iterator[subprocess.Popen[str]]:
    """Another process holds the warehouse with a write connection (as `podsift run` does while
    it loads an episode) for `seconds`, and writes a row meanwhile."""
    code = f"""
import sys, time, duckdb
con = duckdb.connect({str(path)!r})
print("held", flush=True)
time.sleep({seconds})
con.execute("UPDATE feeds SET last_error = 'written while held' WHERE name = 'garden'")
con.close()
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "held", proc.stderr.read() if proc.stderr else ""
        yield proc
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sql_waits_for_a_busy_warehouse_then_answers(
    warehouse: Path, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with held_for_writing(warehouse):
        started = time.monotonic()
        code = main(
            ["sql", "SELECT last_error FROM feeds WHERE name = 'garden'", "--format", "json",
             "--config", config]
        )  # fmt: skip
        waited = time.monotonic() - started
    assert code == 0, capsys.readouterr().err
    # It waited for the writer to let go, and then saw what the writer had written.
    assert waited > HOLD_S * 0.5
    assert json.loads(capsys.readouterr().out) == [{"last_error": "written while held"}]


def test_installed_command_waits_too(warehouse: Path, config: str) -> None:
    with held_for_writing(warehouse, seconds=1.5):
        done = subprocess.run(
            [sys.executable, "-m", "podsift.flows.cli", "sql", "--config", config,
             "--format", "csv",
             "SELECT count(*) AS episodes FROM episodes"],
            capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2],
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["episodes", "4"]


def test_search_and_export_wait_for_a_busy_warehouse(
    warehouse: Path, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with held_for_writing(warehouse, seconds=1.0):
        assert main(["search", "sourdough", "--limit", "1", "--config", config]) == 0
    assert "Kitchen Table / Sourdough  [0:00]" in capsys.readouterr().out
    with held_for_writing(warehouse, seconds=1.0):
        assert main(["export", str(tmp_path / "out"), "--config", config]) == 0
    assert (tmp_path / "out" / "episodes.parquet").is_file()


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("DELETE FROM episodes", "DELETE"),
        ("INSERT INTO feeds (feed_id, url) VALUES ('x', 'y')", "INSERT"),
        ("UPDATE episodes SET status = 'done'", "UPDATE"),
        ("DROP TABLE facts", "DROP"),
        ("CREATE TABLE mine AS SELECT 1", "CREATE"),
        ("SELECT 1; DELETE FROM segments", "DELETE"),
        ("COPY episodes TO 'stolen.csv'", "COPY"),
        ("ATTACH 'other.duckdb' AS other", "ATTACH"),
    ],
)
def test_sql_refuses_writes_with_a_clear_message(
    warehouse: Path, config: str, capsys: pytest.CaptureFixture[str], statement: str, kind: str
) -> None:
    assert main(["sql", statement, "--config", config]) == 2  # a usage error
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"podsift: sql is read-only: {kind} statements are refused "
        "(only runs write to the warehouse)\n"
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM episodes").fetchone() == (4,)
        assert con.execute("SELECT count(*) FROM segments").fetchone() == (11,)
    finally:
        con.close()


def test_sql_cannot_reach_files_outside_the_warehouse(
    warehouse: Path, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n", encoding="utf-8")
    assert main(["sql", f"SELECT * FROM read_csv('{secret}')", "--config", config]) == 1
    assert capsys.readouterr().err.startswith("podsift: query failed:")


def test_sql_formats(warehouse: Path, config: str, capsys: pytest.CaptureFixture[str]) -> None:
    query = "SELECT title, fact_count, ad_minutes FROM episode_overview ORDER BY title"
    assert main(["sql", query, "--format", "csv", "--config", config]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["title", "fact_count", "ad_minutes"],
        ["Honey bees", "1", "0.0"],
        ["Lost episode", "0", "0.0"],
        ["Sourdough", "1", "0.13"],
        ["Tomatoes", "2", "0.22"],
    ]
    assert main(["sql", query, "--format", "json", "--config", config]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[3] == {"title": "Tomatoes", "fact_count": 2, "ad_minutes": 0.22}
    assert main(["sql", "SELECT published_at FROM episodes WHERE title = 'Tomatoes'",
                 "--format", "json", "--config", config]) == 0  # fmt: skip
    assert json.loads(capsys.readouterr().out) == [{"published_at": "2025-03-03T06:00:00"}]
    assert main(["sql", query, "--config", config]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["title", "fact_count", "ad_minutes"]
    assert table[-1] == "(4 rows)"


def test_sql_json_is_strict_json_even_for_nan_and_infinity(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DOUBLE can hold NaN and infinity; JSON cannot, and other readers refuse the tokens
    Python would write. They come out as null."""
    query = "SELECT 'nan'::DOUBLE AS a, 'inf'::DOUBLE AS b, [1.5, '-inf'::DOUBLE] AS c"
    assert main(["sql", query, "--format", "json", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out and "Infinity" not in out
    strict = json.loads(out, parse_constant=lambda token: pytest.fail(f"{token} in JSON"))
    assert strict == [{"a": None, "b": None, "c": [1.5, None]}]


def test_sql_json_and_csv_take_every_duckdb_type(
    config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """INTERVAL, UUID, TIME and BLOB values (e.g. `finished_at - started_at` over `runs`) used
    to end `--format json` in a TypeError traceback after half a document on stdout, and CSV
    wrote a BLOB as Python's `b'...'`."""
    query = (
        "SELECT NULL AS n, INTERVAL 3 DAY + INTERVAL 90 SECOND AS iv, "
        "'5b0c1ac4-0ea1-4a9e-9c3e-8f1d7f6b2a10'::UUID AS u, TIME '03:04:05' AS t, "
        "'ok\\x00\\xFF'::BLOB AS b, [INTERVAL 2 SECOND] AS l, "
        "max(finished_at - started_at) AS took FROM runs"
    )
    assert main(["sql", query, "--format", "json", "--config", config]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    [row] = json.loads(captured.out)
    assert row == {
        "n": None,
        "iv": 3 * 86400 + 90.0,
        "u": "5b0c1ac4-0ea1-4a9e-9c3e-8f1d7f6b2a10",
        "t": "03:04:05",
        "b": "ok\\x00\\xFF",
        "l": [2.0],
        "took": row["took"],
    }
    assert row["took"] is None or isinstance(row["took"], float)
    assert main(["sql", "SELECT 'ok\\x00\\xFF'::BLOB AS b", "--format", "csv",
                 "--config", config]) == 0  # fmt: skip
    assert capsys.readouterr().out.splitlines() == ["b", "ok\\x00\\xFF"]
    assert main(["sql", "SELECT 'ok\\x00'::BLOB AS b", "--config", config]) == 0
    assert "ok\\x00" in capsys.readouterr().out


def test_sql_from_a_file_and_from_stdin(
    warehouse: Path,
    config: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    query = "-- how many facts\nSELECT count(*) AS facts\nFROM facts;\n"
    path = tmp_path / "facts.sql"
    path.write_text(query, encoding="utf-8")
    assert main(["sql", "--file", str(path), "--format", "csv", "--config", config]) == 0
    assert capsys.readouterr().out.splitlines() == ["facts", "4"]

    for argv in (["sql", "-"], ["sql"]):
        monkeypatch.setattr(sys, "stdin", io.StringIO(query))
        assert main([*argv, "--format", "csv", "--config", config]) == 0
        assert capsys.readouterr().out.splitlines() == ["facts", "4"]

    assert main(["sql", "--file", str(tmp_path / "none.sql"), "--config", config]) == 2
    assert "cannot read SQL file" in capsys.readouterr().err


def test_sql_without_a_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("feeds: []\nwarehouse: none.duckdb\n", encoding="utf-8")
    assert main(["sql", "SELECT 1", "--config", str(config)]) == 1
    assert capsys.readouterr().err == (
        f"podsift: no warehouse at {tmp_path / 'none.duckdb'} yet: the first `run` makes it\n"
    )


def test_export_writes_each_table_as_parquet(
    warehouse: Path, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with writer(warehouse) as con:
        rebuild_search_index(con)  # derived index tables are left out of the export
    out = tmp_path / "parquet"
    assert main(["export", str(out), "--config", config]) == 0
    printed = capsys.readouterr().out.split()
    tables = [
        "ad_spans",
        "adfree_audio",
        "episodes",
        "facts",
        "feeds",
        "runs",
        "schema_migrations",
        "segments",
    ]
    assert sorted(p.name for p in out.iterdir()) == [f"{t}.parquet" for t in tables]
    assert sorted(Path(p).name for p in printed) == [f"{t}.parquet" for t in tables]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in tables:
            want = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            got = con.execute(
                f"SELECT * FROM read_parquet('{out / (table + '.parquet')}') ORDER BY ALL"
            ).fetchall()
            assert got == want, table
        entities = con.execute(
            f"SELECT entities FROM read_parquet('{out / 'facts.parquet'}') WHERE text LIKE "
            "'Sourdough%'"
        ).fetchone()
        assert entities == (["Sourdough", "Paris"],)
    finally:
        con.close()

    # Again, with views; the files are replaced, and nothing but parquet files lands in DIR.
    assert main(["export", str(out), "--views", "--config", config]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"episode_overview.parquet", "fact_links.parquet", "fact_entities.parquet"} <= names
    assert all(n.endswith(".parquet") and not n.startswith(".") for n in names)


def test_export_refuses_a_file_as_folder(
    warehouse: Path, config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    assert main(["export", str(target), "--config", config]) == 1
    assert capsys.readouterr().err == (
        f"podsift: cannot export to {target}: it exists and is not a folder\n"
    )


def test_export_to_an_empty_folder_name_is_refused(
    config: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`podsift export ""` (an unset shell variable: `podsift export "$OUT"`) wrote every table
    into the current folder."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for empty in ("", "  "):
        assert main(["export", empty, "--config", config]) == 2
        assert capsys.readouterr().err == (
            "podsift: export needs a folder to write into: podsift export DIR\n"
        )
    assert list(here.iterdir()) == []


def test_sql_that_is_not_utf8_is_one_line(
    config: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A query saved as Latin-1 (`café`) ended in a UnicodeDecodeError traceback from --file,
    and in a DuckDB error over half-decoded text from stdin. A UTF-8 BOM is read past."""
    path = tmp_path / "latin.sql"
    path.write_bytes("SELECT 1;\nSELECT 'café' AS x".encode("latin-1"))
    assert main(["sql", "--file", str(path), "--config", config]) == 2
    assert capsys.readouterr().err == (
        f"podsift: SQL file {path} is not UTF-8 text (byte 0xe9 at line 2); save it as UTF-8\n"
    )
    for data, code in ((b"SELECT '\xe9' AS x", 2), (b"\xef\xbb\xbfSELECT 'caf\xc3\xa9' AS x", 0)):
        done = subprocess.run(
            [sys.executable, "-m", "podsift.flows.cli", "sql", "--format", "csv",
             "--config", config],
            input=data, capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        assert done.returncode == code, done.stderr
        if code:
            assert done.stderr == (
                b"podsift: SQL on stdin is not UTF-8 text (byte 0xe9 at line 1); send UTF-8\n"
            )
        else:
            assert done.stdout.decode().splitlines() == ["x", "café"]
