"""The fifth bad-days audit: the run, the CLI and the config as a user meets them.

Real parts throughout: audio and feeds served over 127.0.0.1 (`tests/conftest.py::FeedServer`),
the `daily` flow on Prefect's test harness or the installed `podsift` command, a real DuckDB
file under `tmp_path`, the real Whisper model. Nothing is mocked.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
import wave
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import duckdb
import pytest
import yaml

from podsift.flows.daily import daily
from podsift.tasks.core.errors import AudioError, FeedError, RateLimitedError
from podsift.tasks.ingest.download import download_audio
from podsift.tasks.ingest.feeds import fetch_feed
from tests.conftest import AUDIO, FeedServer, check_warehouse_invariants, rss, write_config
from tests.e2e.test_reliability_cli import podsift
from tests.e2e.test_runs import RunProcess, only_run, show  # noqa: F401 (`show` is a fixture)

SPEECH = (AUDIO / "speech_short.mp3").read_bytes()


def fetch(url: str, tmp_path: Path, **kwargs: object) -> Path:
    dest = tmp_path / "audio" / "0123456789abcdef0123.audio"
    options: dict[str, object] = {"max_bytes": 10_000_000, "timeout_s": 5.0, "retries": 2}
    options.update(kwargs)
    return download_audio(url, dest, **options).path  # type: ignore[arg-type]


# --- audio servers that misbehave ------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "said"),
    [
        ("file:///etc/passwd", "to file:///etc/passwd, which podsift does not follow"),
        ("ftp://127.0.0.1/ep.mp3", "to ftp://127.0.0.1/ep.mp3, which podsift does not follow"),
        ("data:audio/mpeg;base64,SUQz", "to data:audio/mpeg;base64,SUQz, which podsift does not"),
        ("http://127.0.0.1:abc/ep.mp3", "which is not a valid URL (Invalid port: 'abc')"),
    ],
    ids=["file", "ftp", "data", "bad-port"],
)
def test_a_redirect_podsift_does_not_follow_is_named_and_not_retried(
    server: FeedServer, tmp_path: Path, location: str, said: str
) -> None:
    """They were retried as failed connections (`UnsupportedProtocol`), and a `data:` target
    failed the episode as `unexpected error (InvalidURL: ...)` without naming its URL. A feed
    redirected so says the same."""
    url = server.add("/ep.mp3", status=302, location=location)
    with pytest.raises(AudioError) as err:
        fetch(url, tmp_path)
    assert str(err.value).startswith("episode audio download redirected (HTTP 302 Found) ")
    assert said in str(err.value)
    assert str(err.value).endswith(f": {url}")
    assert server.hits("/ep.mp3") == 1  # the next try would be redirected the same way
    assert list((tmp_path / "audio").iterdir()) == []
    feed = server.add("/feed.xml", status=301, location=location)
    with pytest.raises(FeedError) as feed_err:
        fetch_feed(feed, timeout_s=5.0, retries=2)
    assert str(feed_err.value).startswith(f"feed {feed}: redirected (HTTP 301 Moved Permanently) ")
    assert said in str(feed_err.value)
    assert server.hits("/feed.xml") == 1


def _answer_206(first: int, last: int | None) -> object:
    def handler(req: BaseHTTPRequestHandler) -> None:
        end = len(SPEECH) - 1 if last is None else last
        req.send_response(206)
        req.send_header("Content-Type", "audio/mpeg")
        req.send_header("Content-Range", f"bytes {first}-{end}/{len(SPEECH)}")
        req.send_header("Content-Length", str(end - first + 1))
        req.end_headers()
        req.wfile.write(SPEECH[first : end + 1])

    return handler


def test_a_206_with_part_of_the_file_is_not_taken_for_the_episode(
    server: FeedServer, tmp_path: Path
) -> None:
    """podsift asks for the whole file; a CDN answering 206 with its first 1000 bytes used to
    be transcribed as the episode: `skipped`, `no speech found in 0 s of audio`, never retried.
    A 206 that covers the whole file is the file."""
    url = server.add("/part.mp3", handler=_answer_206(0, 999))  # type: ignore[arg-type]
    with pytest.raises(AudioError) as err:
        fetch(url, tmp_path, retries=1)
    assert str(err.value) == (
        "episode audio download answered 206 Partial Content with bytes 0-999 of "
        f"{len(SPEECH)}, not the whole file it was asked for: {url}"
    )
    assert server.hits("/part.mp3") == 2  # retried: a CDN's hiccup may pass
    whole = server.add("/whole.mp3", handler=_answer_206(0, None))  # type: ignore[arg-type]
    assert fetch(whole, tmp_path).read_bytes() == SPEECH


def test_a_503_asking_for_hours_or_ages_is_left_for_the_next_run(
    server: FeedServer, tmp_path: Path
) -> None:
    """A 503 with a long `Retry-After` (maintenance) was reported as `server error HTTP 503,
    still failing after retries` (no retry was made) and used up an attempt; a 27-digit wait
    was printed digit for digit."""
    hours = server.add("/down.mp3", status=503, body=b"x", headers={"Retry-After": "7200"})
    with pytest.raises(RateLimitedError) as err:
        fetch(hours, tmp_path)
    assert str(err.value) == (
        "episode audio download unavailable (HTTP 503): the server asks to wait 7200 s, left "
        f"for the next run: {hours}"
    )
    assert server.hits("/down.mp3") == 1
    ages = server.add("/ages.mp3", status=429, body=b"x", headers={"Retry-After": "9" * 27})
    with pytest.raises(RateLimitedError, match="asks to wait more than 1000 days, left for"):
        fetch(ages, tmp_path)


def test_a_stalled_audio_server_names_the_bound_it_hit(server: FeedServer, tmp_path: Path) -> None:
    """Headers, then nothing: bounded by `download.timeout_s` per try, and the message says so
    (it said only `timed out`)."""

    def stall(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Length", str(len(SPEECH)))
        req.end_headers()
        req.wfile.flush()
        time.sleep(3)

    url = server.add("/stall.mp3", handler=stall)
    began = time.monotonic()
    with pytest.raises(AudioError) as err:
        fetch(url, tmp_path, timeout_s=0.3, retries=1)
    assert time.monotonic() - began < 3
    assert str(err.value) == (
        "episode audio download timed out (no answer for 0.3 s, download.timeout_s, on each "
        f"of 2 tries): {url}"
    )


@pytest.mark.slow
def test_misbehaving_audio_servers_in_one_run(
    server: FeedServer, tmp_path: Path, prefect_harness: None
) -> None:
    """Through `daily`: each bad answer fails its episode alone with its reason, the 503 uses
    no attempt, the good episode loads, a 0.3 s clip is skipped with its length, and a feed
    listed twice (its scheme written in another case) is polled once."""
    items = [
        {"guid": "good", "title": "Good", "url": server.add_audio("speech_short")},
        {"guid": "down", "title": "Down", "url": server.url("/down.mp3")},
        {"guid": "file", "title": "To a file", "url": server.url("/file.mp3")},
        {"guid": "part", "title": "Partial", "url": server.url("/part.mp3")},
    ]
    items.append({"guid": "blip", "title": "Blip", "url": server.url("/blip.wav")})
    server.add("/blip.wav", body=_wav_of_silence(0.3), headers={"Content-Type": "audio/wav"})
    server.add("/down.mp3", status=503, body=b"x", headers={"Retry-After": "7200"})
    server.add("/file.mp3", status=302, location="file:///etc/passwd")
    server.add("/part.mp3", handler=_answer_206(0, 999))  # type: ignore[arg-type]
    feed = server.add("/show.xml", body=rss(items))
    config = write_config(tmp_path, [feed, feed.replace("http://", "HTTP://")])
    summary = daily(str(config))
    assert summary.exit_code == 1
    assert server.hits("/show.xml") == 1
    warehouse = tmp_path / "warehouse.duckdb"
    check_warehouse_invariants(warehouse, tmp_path / "data")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = {
            title: (status, attempts, error)
            for title, status, attempts, error in con.execute(
                "SELECT title, status, attempts, error FROM episodes"
            ).fetchall()
        }
        assert con.execute("SELECT count(*) FROM feeds").fetchone() == (1,)
    finally:
        con.close()
    assert rows["Good"][:2] == ("done", 1)
    assert rows["Down"][:2] == ("failed", 0)  # left for the next run, no attempt used
    assert "unavailable (HTTP 503): the server asks to wait 7200 s" in rows["Down"][2]
    assert rows["To a file"][:2] == ("failed", 1)
    assert "to file:///etc/passwd, which podsift does not follow" in rows["To a file"][2]
    assert rows["Partial"][:2] == ("failed", 1)
    assert "206 Partial Content with bytes 0-999" in rows["Partial"][2]
    # A clip under a second is not "0 s of audio", which reads as an empty file.
    assert rows["Blip"] == (
        "skipped",
        1,
        "no speech found in 0.3 s of audio (silence or music only)",
    )


def _wav_of_silence(seconds: float) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(b"\x00\x00" * int(16_000 * seconds))
    return buffer.getvalue()


# --- config files that are odd ---------------------------------------------------------------


def test_environment_variables_in_paths_are_expanded_or_named(tmp_path: Path) -> None:
    """`warehouse: $PODSIFT_TEST_ROOT/...` made a folder named `$PODSIFT_TEST_ROOT` beside the
    config and put the warehouse there; an unset variable now stops with the key named."""
    elsewhere = tmp_path / "elsewhere"
    config = tmp_path / "config.yaml"
    config.write_text(
        "feeds:\n  - url: feed.xml\nwarehouse: ${PODSIFT_TEST_ROOT}/wh.duckdb\n"
        "data_dir: $PODSIFT_TEST_ROOT/data\n",
        encoding="utf-8",
    )
    os.environ["PODSIFT_TEST_ROOT"] = str(elsewhere)
    try:
        # `podsift sql` names the warehouse it looks for, without starting Prefect.
        done = podsift("sql", "select 1", "--config", str(config), cwd=tmp_path)
    finally:
        del os.environ["PODSIFT_TEST_ROOT"]
    assert done.returncode == 1
    assert f"no warehouse at {elsewhere}/wh.duckdb yet" in done.stderr
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"podsift: {config}: bad value for 'warehouse': environment variable "
        "$PODSIFT_TEST_ROOT is not set ('${PODSIFT_TEST_ROOT}/wh.duckdb')\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml"]


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ('data_dir: ""', "data_dir"),
        ("warehouse: ''", "warehouse"),
        ('publish: {dir: " "}', "publish.dir"),
    ],
)
def test_an_empty_path_is_a_config_error(tmp_path: Path, setting: str, key: str) -> None:
    """`data_dir: ""` (a template's unset variable) put the staged audio in the config's own
    folder, and `publish.dir: ""` the published feeds."""
    config = tmp_path / "config.yaml"
    config.write_text(f"feeds:\n  - url: feed.xml\n{setting}\n", encoding="utf-8")
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"podsift: {config}: bad value for '{key}': the path is empty; name a file or folder "
        "(or leave the key out)\n"
    )


@pytest.mark.parametrize("text", ["", "# feeds go here\n", "feeds: []\n", "null\n"])
def test_a_config_without_feeds_names_its_file(tmp_path: Path, text: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    done = podsift("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        f"podsift: {config}: no feeds: add a feeds: list with at least one url\n"
    )


def test_the_same_feed_with_its_host_in_another_case_is_polled_once(tmp_path: Path) -> None:
    from podsift.tasks.core.config import load_config

    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "feeds": [
                    {"url": "https://Feeds.Example.org/show.xml", "name": "a"},
                    {"url": "HTTPS://feeds.example.org:443/show.xml", "name": "b"},
                    {"url": "https://feeds.example.org/show.xml/", "name": "c"},  # another path
                ]
            }
        ),
        encoding="utf-8",
    )
    cfg = load_config(config)
    assert [f.name for f in cfg.feeds] == ["a", "c"]
    assert cfg.warnings == (
        f"{config}: feeds.1 repeats the url of feeds.0 "
        "(HTTPS://feeds.example.org:443/show.xml); it is polled once",
    )


# --- transcript JSON written by Windows tools ------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
@pytest.mark.parametrize("command", ["ads", "facts"])
def test_transcript_json_with_a_bom_is_read(tmp_path: Path, command: str, encoding: str) -> None:
    """Notepad's UTF-8 BOM, and Windows PowerShell's UTF-16 for `podsift transcribe ep.mp3 >
    ep.json`: `not JSON (Unexpected UTF-8 BOM ...)` and `not UTF-8 text` before."""
    parts = json.loads((AUDIO / "speech_short.json").read_text(encoding="utf-8"))["parts"]
    segments = [{"start": p["start"], "end": p["end"], "text": p["text"]} for p in parts]
    path = tmp_path / "ep.json"
    path.write_text(json.dumps(segments), encoding=encoding)
    done = podsift(command, str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert isinstance(json.loads(done.stdout), list)
    spans = tmp_path / "spans.json"
    spans.write_text("[]", encoding=encoding)
    done = podsift("facts", str(path), "--ads", str(spans), cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_transcribe_names_an_empty_file(tmp_path: Path) -> None:
    """It said `audio cannot be decoded (invalid data found when processing input): not audio
    FFmpeg can read, or corrupt`, as for a damaged file."""
    (tmp_path / "ep.mp3").write_bytes(b"")
    done = podsift("transcribe", "ep.mp3", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "podsift: ep.mp3 is empty (0 bytes), not audio\n"


# --- interruptions ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_sigterm_during_a_run_ends_it_as_ctrl_c_does_and_stops_its_prefect_server(
    show: FeedServer,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
    stop: signal.Signals,
) -> None:
    """`kill`, `timeout 1h podsift run`, `docker stop` and systemd send SIGTERM; a closed
    terminal or SSH session sends SIGHUP. The process died at once with -15 (or -1), the run
    row said `failed`, `TerminationSignal: `, and Prefect's temporary server (a uvicorn child)
    was left running for good."""
    config = write_config(tmp_path, [show.url("/show.xml")])
    warehouse = tmp_path / "warehouse.duckdb"
    stopped = RunProcess(config, tmp_path)
    stopped.wait_for("downloading and transcribing")
    time.sleep(1.0)
    stopped.proc.send_signal(stop)
    code = stopped.proc.wait(120)
    # Everything the run started in its session has ended with it (before `finish` would
    # SIGKILL what is left).
    deadline = time.monotonic() + 15
    alive = True
    while alive and time.monotonic() < deadline:
        try:
            os.killpg(stopped.proc.pid, 0)
            time.sleep(0.2)
        except ProcessLookupError:
            alive = False
    assert not alive, "the Prefect server outlived a stopped run"
    assert stopped.finish() == code == 128 + stop
    assert stopped.lines[-1] == (
        "podsift: terminated; episodes already loaded are kept, and the next run picks up the "
        "rest (reusing transcripts staged in data_dir)"
    )
    assert not any("Traceback" in line for line in stopped.lines)
    check_warehouse_invariants(warehouse, tmp_path / "data")
    status, message = only_run(warehouse)
    assert status == "aborted"
    assert message.startswith(f"terminated ({stop.name}) after 0 of 1 feed(s)")

    rerun = RunProcess(config, tmp_path)
    assert rerun.finish() == 1  # the gone episode
    check_warehouse_invariants(warehouse, tmp_path / "data")
    with contextlib.closing(duckdb.connect(str(warehouse), read_only=True)) as con:
        assert con.execute("SELECT count(*) FROM episodes WHERE status = 'done'").fetchone() == (3,)
