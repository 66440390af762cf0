"""The CLI and the security promises: config errors, a read-only `podsift sql`, and an LLM API
key that comes only from the environment and never reaches logs, output or the warehouse.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from podsift.flows.cli import main
from podsift.warehouse import store
from podsift.warehouse.db import writer
from tests.conftest import AUDIO, FeedServer, Route, rss, write_config

# --- config errors, through the real `podsift` command ----------------------------------------


def podsift(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("podsift")
    command = [exe] if exe else [sys.executable, "-m", "podsift.flows.cli"]
    env = {k: v for k, v in os.environ.items() if k != "PODSIFT_CONFIG"}
    return subprocess.run(
        [*command, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


CONFIG_ERRORS = {
    "missing-file": (None, "config file not found: "),
    "bad-yaml": ("feeds:\n  - url: [unclosed\n", "invalid YAML at line 3"),
    "unknown-key": ("feeds:\n  - url: a.xml\nwarehose: x.duckdb\n", "unknown key 'warehose'"),
    "wrong-type": (
        "feeds:\n  - url: a.xml\nwhisper:\n  beam_size: many\n",
        "bad value for 'whisper.beam_size'",
    ),
    "not-url-or-path": (
        "feeds:\n  - url: ftp://example.org/f.xml\n",
        "bad value for 'feeds.0.url': 'ftp://example.org/f.xml' is neither an http(s) URL nor "
        "a file path",
    ),
    "url-without-host": ("feeds:\n  - url: 'https://'\n", "is not a valid URL (no host)"),
    "api-key-in-file": (
        "feeds:\n  - url: a.xml\nfacts:\n  backend: llm\n  llm:\n    base_url: http://x/v1\n"
        "    model: m\n    api_key: sk-secret\n",
        "unknown key 'facts.llm.api_key'",
    ),
}


@pytest.mark.parametrize("case", list(CONFIG_ERRORS), ids=list(CONFIG_ERRORS))
def test_config_error_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    text, message = CONFIG_ERRORS[case]
    config = tmp_path / "config.yaml"
    if text is not None:
        config.write_text(text, encoding="utf-8")
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"podsift: {config}" if text else "podsift: config file not")
    assert message in done.stderr
    assert "sk-secret" not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was started


# Folders that cannot work: each case makes the obstacle, then names data_dir / warehouse.
FOLDER_ERRORS = {
    "data-dir-is-a-file": ("data_dir: taken", "data_dir {root}/taken is a file, not a folder"),
    "data-dir-under-a-file": (
        "data_dir: taken/data",
        "data_dir {root}/taken/data: part of that path is a file, not a folder",
    ),
    "warehouse-is-a-folder": (
        "warehouse: folder.duckdb",
        "warehouse {root}/folder.duckdb is a folder; name a file, e.g. data/warehouse.duckdb",
    ),
    "warehouse-under-a-file": (
        "warehouse: taken/warehouse.duckdb",
        "warehouse {root}/taken/warehouse.duckdb: {root}/taken is a file, not a folder",
    ),
}


@pytest.mark.parametrize("case", list(FOLDER_ERRORS), ids=list(FOLDER_ERRORS))
def test_unusable_folders_are_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    """Refused before Prefect starts (they used to end in a Python or Prefect traceback)."""
    setting, message = FOLDER_ERRORS[case]
    (tmp_path / "taken").write_text("a file where a folder should be\n")
    (tmp_path / "folder.duckdb").mkdir()
    config = tmp_path / "config.yaml"
    config.write_text(f"feeds:\n  - url: a.xml\n{setting}\n", encoding="utf-8")
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == f"podsift: {config}: {message.format(root=tmp_path)}\n"
    started = [p for p in tmp_path.rglob("*") if p.name.endswith((".duckdb", "prefect"))]
    assert started == [tmp_path / "folder.duckdb"]  # no warehouse, no Prefect home


def test_a_file_that_is_not_a_warehouse_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "warehouse.duckdb").write_text("not a DuckDB file\n" * 100)
    config = tmp_path / "config.yaml"
    config.write_text("feeds:\n  - url: a.xml\nwarehouse: warehouse.duckdb\n")
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith(f"podsift: cannot open warehouse {tmp_path}/warehouse.duckdb: ")
    assert "not a valid DuckDB database file" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr  # before Prefect starts: no traceback


def _someone_elses_database(path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE TABLE invoices (id INTEGER, total DOUBLE)")
        con.execute("INSERT INTO invoices VALUES (1, 9.5)")
    finally:
        con.close()


def _an_empty_database(path: Path) -> None:
    import duckdb

    duckdb.connect(str(path)).close()


READ_COMMANDS = {
    "sql": ["sql", "SELECT 1"],
    "search": ["search", "harbor"],
    "publish": ["publish", "out"],
    "export": ["export", "exported"],
}


@pytest.mark.parametrize("command", list(READ_COMMANDS))
@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (
            _someone_elses_database,
            "is not a podsift warehouse (no podsift tables; it holds invoices); "
            "check 'warehouse:' in the config",
        ),
        (
            _an_empty_database,
            "is not a podsift warehouse (an empty DuckDB database, no podsift tables); "
            "run 'podsift run' to make one",
        ),
        (None, None),
    ],
    ids=["someone-elses", "empty", "missing"],
)
def test_read_commands_leave_a_file_that_is_no_warehouse_alone(
    tmp_path: Path, command: str, make: Any, problem: str | None
) -> None:
    """`podsift sql`, `search`, `publish` and `export` pointed at another program's DuckDB file
    (or an empty one) used to create podsift's tables in it, and then answered from them: the
    file changed, and the answer was empty rather than an error. A path that names no file
    still makes none."""
    warehouse = tmp_path / "other.duckdb"
    if make is not None:
        make(warehouse)
    before = warehouse.read_bytes() if make is not None else None
    config = tmp_path / "config.yaml"
    config.write_text("feeds:\n  - url: a.xml\nwarehouse: other.duckdb\n")
    done = podsift(*READ_COMMANDS[command], "--config", str(config), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    if problem is None:
        assert done.stderr == (
            f"podsift: no warehouse at {warehouse} yet: the first `run` makes it\n"
        )
        assert not warehouse.exists()
    else:
        assert done.stderr == f"podsift: {warehouse} {problem}\n"
        assert warehouse.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["config.yaml"] + (["other.duckdb"] if make is not None else [])
    ), "nothing written beside it (no WAL, no export or publish folder)"


def test_run_refuses_another_programs_database_and_makes_an_empty_one_a_warehouse(
    tmp_path: Path,
) -> None:
    """`warehouse:` naming another program's DuckDB file: `podsift run` used to add its tables
    to it (and load episodes there). It stops before Prefect starts, in one line, and leaves
    the file as it was. An empty DuckDB file (made by hand, or by a run killed at once) is
    podsift's to fill: the preflight makes it a warehouse."""
    from podsift.flows.preflight import check_warehouse_opens

    other = tmp_path / "other.duckdb"
    _someone_elses_database(other)
    before = other.read_bytes()
    config = tmp_path / "config.yaml"
    config.write_text("feeds:\n  - url: a.xml\nwarehouse: other.duckdb\n")
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"podsift: {other} is not a podsift warehouse (no podsift tables; it holds invoices); "
        "check 'warehouse:' in the config\n"
    )
    assert other.read_bytes() == before
    empty = tmp_path / "empty.duckdb"
    _an_empty_database(empty)
    check_warehouse_opens(empty)
    config.write_text("feeds:\n  - url: a.xml\nwarehouse: empty.duckdb\n")
    done = podsift(
        "sql",
        "SELECT count(*) AS n FROM episodes",
        "--format",
        "csv",
        "--config",
        str(config),
        cwd=tmp_path,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "n\n0\n", "")


def _an_older_warehouse(path: Path) -> None:
    """A warehouse as a podsift of migrations 001-003 left it, with one loaded episode."""
    import duckdb

    from podsift.warehouse.db import migrations

    con = duckdb.connect(str(path))
    try:
        con.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
            "applied_at TIMESTAMP NOT NULL)"
        )
        for version, name, sql in migrations():
            if version <= 3:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
        con.execute("INSERT INTO feeds (feed_id, url, title) VALUES ('f1', 'a.xml', 'Old Show')")
        con.execute(
            "INSERT INTO episodes (episode_id, feed_id, guid, title, audio_url, status, attempts)"
            " VALUES ('e1', 'f1', 'g1', 'Harbor Days', 'https://cdn.example/e1.mp3', 'done', 1)"
        )
        con.execute("INSERT INTO segments VALUES ('e1', 0, 0.0, 4.0, 'Welcome aboard.', false)")
    finally:
        con.close()


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        (["sql", "SELECT title FROM episodes", "--format", "csv"], "title\nHarbor Days\n"),
        (["search", "harbor"], "Harbor Days"),
        (["export", "out"], "episodes.parquet"),
        (["publish", "out"], "1 items"),
    ],
    ids=["sql", "search", "export", "publish"],
)
def test_read_commands_bring_an_older_warehouse_up_to_date(
    tmp_path: Path, command: list[str], answer: str
) -> None:
    """A warehouse an older podsift made (its first migrations only) is still one: each read
    command applies the migrations it lacks, as `podsift run` would, then answers."""
    import duckdb

    from podsift.warehouse.db import migrations

    _an_older_warehouse(tmp_path / "warehouse.duckdb")
    config = tmp_path / "config.yaml"
    config.write_text("feeds:\n  - url: a.xml\nwarehouse: warehouse.duckdb\n")
    done = podsift(*command, "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert answer in done.stdout
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        applied = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
    finally:
        con.close()
    assert [row[0] for row in applied] == [version for version, _, _ in migrations()]


def test_unusable_prefect_home_is_one_line(tmp_path: Path) -> None:
    """Prefect's temporary server used to retry for three minutes, printing tracebacks."""
    (tmp_path / "taken").write_text("a file\n")
    config = write_config(tmp_path, ["a.xml"])
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PODSIFT_CONFIG")}
    env["PREFECT_HOME"] = str(tmp_path / "taken" / "prefect")
    exe = shutil.which("podsift")
    command = [exe] if exe else [sys.executable, "-m", "podsift.flows.cli"]
    done = subprocess.run(
        [*command, "run", "--config", str(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"podsift: cannot create PREFECT_HOME {tmp_path}/taken/prefect (Not a directory); set "
        "PREFECT_HOME to a writable folder, or PREFECT_API_URL to a running Prefect server\n"
    )


def test_a_nearly_full_disk_is_refused_before_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real full disk needs a mount; here the threshold is raised above any free space."""
    import podsift.flows.preflight

    monkeypatch.setattr(podsift.flows.preflight, "MIN_FREE_BYTES", 1 << 62)
    config = write_config(tmp_path, ["a.xml"])
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("podsift: only ")
    assert f"KB free on the disk holding data_dir {tmp_path}/data; a run needs at least" in err


# --- podsift sql cannot write -----------------------------------------------------------------

WRITES = [
    "INSERT INTO feeds (feed_id, url) VALUES ('x', 'y')",
    "UPDATE episodes SET status = 'done'",
    "DELETE FROM feeds",
    "DROP TABLE feeds",
    "CREATE TABLE t AS SELECT 1",
    "ALTER TABLE feeds ADD COLUMN x INTEGER",
    "SELECT 1; DELETE FROM feeds",
    "COPY feeds TO '{dir}/stolen.csv'",
    "EXPORT DATABASE '{dir}/export'",
    "ATTACH '{dir}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD fts",
    "SET enable_external_access = true",
    "CHECKPOINT",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('{dir}/config.yaml')",
]


@pytest.fixture
def loaded_warehouse(tmp_path: Path) -> Path:
    config = write_config(tmp_path, ["http://example.invalid/feed.xml"])
    with writer(tmp_path / "warehouse.duckdb") as con:
        store.save_feed_poll(
            con,
            feed_id="f1",
            url="http://example.invalid/feed.xml",
            name="show",
            title="Show",
            current_url=None,
            etag=None,
            last_modified=None,
            error=None,
        )
    return config


@pytest.mark.parametrize("sql", WRITES)
def test_sql_cannot_write_or_reach_files(
    loaded_warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    files = sorted(p.name for p in tmp_path.iterdir())
    query = sql.format(dir=tmp_path)
    code = main(["sql", query, "--config", str(loaded_warehouse)])
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1
    # A statement that writes is refused before it runs (a usage error, exit 2); one that
    # reads but reaches for a file fails in DuckDB (exit 1).
    if "podsift: sql is read-only" in out.err:
        assert code == 2, out.err
    else:
        assert "file system operations are disabled" in out.err and code == 1, out.err
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert (
        main(
            [
                "sql",
                "SELECT count(*) AS n FROM feeds",
                "--config",
                str(loaded_warehouse),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["n", "1"]


# --- the LLM API key --------------------------------------------------------------------------


class LLMServer:
    """A loopback OpenAI-compatible endpoint that records the keys it is sent."""

    def __init__(self) -> None:
        self.fail_with: int | None = None
        self.authorizations: list[str] = []
        self.facts: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                prompt = json.loads(self.rfile.read(length))["messages"][-1]["content"]
                # Echo the first transcript line back as the fact: grounded by construction.
                said = next(ln for ln in prompt.splitlines() if ln.startswith("["))
                server.facts.append(said.split("] ", 1)[1])
                auth = self.headers.get("Authorization", "")
                server.authorizations.append(auth)
                if server.fail_with:
                    # A careless server that echoes the request's key in its error body.
                    body = f"internal error for {auth}".encode()
                    status = server.fail_with
                else:
                    facts = {"facts": [{"text": server.facts[-1]}]}
                    answer = {"choices": [{"message": {"content": json.dumps(facts)}}]}
                    body, status = json.dumps(answer).encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def llm() -> Iterator[LLMServer]:
    srv = LLMServer()
    yield srv
    srv.close()


def files_containing(root: Path, secret: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()]


@pytest.mark.slow
def test_llm_api_key_comes_from_the_environment_and_leaks_nowhere(
    tmp_path: Path,
    server: FeedServer,
    llm: LLMServer,
    prefect_harness: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = f"sk-test-{uuid.uuid4().hex}"
    monkeypatch.setenv("PODSIFT_TEST_LLM_KEY", secret)
    audio = server.add("/a.mp3", Route(body=(AUDIO / "speech_short.mp3").read_bytes(), headers={}))
    feed = server.add("/feed.xml", body=rss([{"guid": "fox", "title": "Fox", "url": audio}]))
    config = write_config(
        tmp_path,
        [feed],
        facts={
            "backend": "llm",
            "llm": {
                "base_url": llm.base_url,
                "model": "test-model",
                "api_key_env": "PODSIFT_TEST_LLM_KEY",
            },
        },
    )
    caplog.set_level(logging.DEBUG)

    # Run 1: the endpoint fails and echoes the key back; the episode fails, the key is redacted.
    llm.fail_with = 500
    assert main(["run", "--config", str(config)]) == 1
    # Run 2: the endpoint works; the failed episode is retried from its staged transcript.
    llm.fail_with = None
    assert main(["run", "--config", str(config)]) == 0

    assert llm.authorizations and set(llm.authorizations) == {f"Bearer {secret}"}
    import duckdb

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    status, attempts = con.execute("SELECT status, attempts FROM episodes").fetchone()
    facts = con.execute("SELECT text FROM facts").fetchall()
    runs = con.execute("SELECT message FROM runs ORDER BY started_at").fetchall()
    con.close()
    assert (status, attempts) == ("done", 2)
    assert facts == [(llm.facts[-1],)]
    assert "failed with HTTP 500: internal error for Bearer ***" in runs[0][0]

    output = capsys.readouterr()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for where, text in [("stdout", output.out), ("stderr", output.err), ("logs", logged)]:
        assert secret not in text, f"API key leaked to {where}"
    assert files_containing(tmp_path, secret.encode()) == []  # warehouse, WAL, staged files


# --- misused commands: one line, exit 2 --------------------------------------------------------

TRANSCRIPT = Path(__file__).parents[1] / "data" / "transcripts" / "interview.whisper.json"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ads", "{tmp}"], "{tmp} is a folder, not a transcript JSON file"),
        (["facts", "{tmp}/garbage.json"], "{tmp}/garbage.json: not JSON (Expecting value at line"),
        (["ads", str(AUDIO / "speech_short.mp3")], "not a transcript JSON file (not UTF-8 text)"),
        (["facts", "{tmp}/object.json"], "must be a list of segments or an object with 'segments'"),
        (["ads", "{tmp}/nope.json"], "transcript file not found: {tmp}/nope.json"),
        (["facts", str(TRANSCRIPT), "--ads", "{tmp}"], "cannot read {tmp}: Is a directory"),
        (
            ["facts", str(TRANSCRIPT), "--ads", "{tmp}/object.json"],
            '{tmp}/object.json: not an ad spans JSON list (expected [{"start": s, ',
        ),
        (["facts", str(TRANSCRIPT), "--ads", "{tmp}/garbage.json"], "garbage.json: not JSON ("),
        (["transcribe", "{tmp}"], "{tmp} is a folder, not an audio file"),
    ],
    ids=[
        "folder",
        "not-json",
        "mp3-as-transcript",
        "object-without-segments",
        "missing",
        "ads-folder",
        "ads-object",
        "ads-not-json",
        "transcribe-folder",
    ],
)
def test_misused_transcript_commands_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "garbage.json").write_text("garbage\n")
    (tmp_path / "object.json").write_text('{"a": 1}\n')
    assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1, out.err
    assert message.replace("{tmp}", str(tmp_path)) in out.err


def _written(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        # Times no transcript can have; Python's json reads the NaN and Infinity tokens.
        (
            ["facts", "{tmp}/t.json"],
            {
                "t.json": '[{"start": 0, "end": 2, "text": "a"}, '
                '{"start": NaN, "end": 4, "text": "b"}]'
            },
            "{tmp}/t.json: transcript segment 1 has start NaN, not a finite number of seconds",
        ),
        (
            ["ads", "{tmp}/t.json"],
            {"t.json": '[{"start": 10, "end": 3, "text": "Lake Mead holds water."}]'},
            "{tmp}/t.json: transcript segment 0 ends before it starts (start 10 s, end 3 s)",
        ),
        (
            ["facts", "-"],
            {},
            "stdin: transcript segment 0 has start -5 s: times cannot be negative",
        ),
        (
            ["facts", "{tmp}/t.json"],
            {"t.json": '[[0, 2, "hello"]]'},
            '{tmp}/t.json: transcript segment 0 is a list, not an object like {"start": s,',
        ),
        (
            ["facts", "{tmp}/t.json"],
            {"t.json": '[{"start": 0, "end": 2, "text": "Hi", "words": [null]}]'},
            "{tmp}/t.json: word 0 of transcript segment 0 is null, not an object",
        ),
        # Ad spans given to --ads.
        (
            ["facts", str(TRANSCRIPT), "--ads", "{tmp}/ads.json"],
            {"ads.json": '[{"start": NaN, "end": 4, "confidence": 0.5, "reason": "x"}]'},
            "{tmp}/ads.json: ad span 0 has start NaN, not a finite number of seconds",
        ),
        (
            ["facts", str(TRANSCRIPT), "--ads", "{tmp}/ads.json"],
            {"ads.json": '[{"start": 0, "end": 4, "confidence": 2.5, "reason": "x"}]'},
            "{tmp}/ads.json: ad span 0 has confidence 2.5, not a number from 0 to 1",
        ),
        (
            ["facts", str(TRANSCRIPT), "--ads", "{tmp}/ads.json"],
            {"ads.json": '[{"start": 9, "end": 4}, {"start": 0, "end": 100}]'},
            "{tmp}/ads.json: ad span 0 ends before it starts (start 9 s, end 4 s)",
        ),
    ],
    ids=[
        "nan-time",
        "end-before-start",
        "negative-from-stdin",
        "segment-not-object",
        "word-null",
        "ads-nan",
        "ads-confidence",
        "ads-reversed",
    ],
)
def test_impossible_transcripts_and_ad_spans_are_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    files: dict[str, str],
    message: str,
) -> None:
    for name, text in files.items():
        _written(tmp_path, name, text)
    monkeypatch.setattr(
        "sys.stdin", io.StringIO('[{"start": -5, "end": -1, "text": "The dam is old."}]')
    )
    assert main([a.replace("{tmp}", str(tmp_path)) for a in args]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("podsift: " + message.replace("{tmp}", str(tmp_path)))
    assert out.err.count("\n") == 1
    assert "Error" not in out.err  # no Python exception names


def test_null_text_gives_strict_json_without_the_word_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript = _written(
        tmp_path,
        "t.json",
        '[{"start": 0, "end": 2, "text": null}, {"start": 2, "end": 6, '
        '"text": "The Eiffel Tower is 330 meters tall and was built in 1889."}]',
    )
    assert main(["facts", transcript]) == 0
    out = capsys.readouterr().out
    facts = json.loads(out, parse_constant=lambda token: pytest.fail(f"{token} in JSON"))
    assert [f["text"] for f in facts] == [
        "The Eiffel Tower is 330 meters tall and was built in 1889."
    ]
    assert "None" not in out


def test_transcribe_names_a_file_that_is_not_audio_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "episode.mp3"
    bad.write_bytes(b"this is no audio at all" * 100)
    assert main(["transcribe", str(bad)]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        f"podsift: {bad}: audio cannot be decoded (invalid data found when processing input): "
        "not audio FFmpeg can read, or corrupt\n"
    )
