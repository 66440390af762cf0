"""A full disk and a feed that crashes the parser, in one `daily` run, then a run after the
space is freed: each failure stops its own item, the rest loads, and nothing is lost.

The disk is really full for the files concerned: their temporary names are symlinks to
`/dev/full`, where every write fails with ENOSPC, exactly as on a full `data_dir`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from podsift.flows.daily import daily
from podsift.tasks.ingest.download import audio_path_for
from podsift.tasks.ingest.feeds import episode_id_for, feed_id_for
from podsift.tasks.run.episode import transcript_path_for
from podsift.tasks.run.summary import RunSummary
from tests.conftest import (
    AUDIO,
    DATA,
    FeedServer,
    Route,
    check_warehouse_invariants,
    rss,
    write_config,
)
from tests.ingest.test_download import refuse_first

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full"),
]

SPEECH = (AUDIO / "speech_short.mp3").read_bytes()


@dataclass
class FullDisk:
    warehouse: Path
    data_dir: Path
    urls: dict[str, str]
    summaries: list[RunSummary] = field(default_factory=list)
    after_run_1: dict[str, tuple[str, str | None, int]] = field(default_factory=dict)

    def episodes(self) -> dict[str, tuple[str, str | None, int]]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            rows = con.execute("SELECT guid, status, error, attempts FROM episodes").fetchall()
        finally:
            con.close()
        return {guid: (status, error, attempts) for guid, status, error, attempts in rows}


@pytest.fixture(scope="module")
def full_disk(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FullDisk]:
    server = FeedServer()
    root = tmp_path_factory.mktemp("full_disk")
    for name in ("no-room-audio", "no-room-transcript", "fine"):
        server.add(f"/audio/{name}.mp3", body=SPEECH, headers={"Content-Type": "audio/mpeg"})
    # Rate limited for hours during run 1 (a 429 asking for 7200 s), served in run 2.
    server.add(
        "/audio/rate-limited.mp3",
        Route(handler=refuse_first(1, 429, "7200", SPEECH)),
    )
    items = [
        {"guid": name, "title": name, "url": server.url(f"/audio/{name}.mp3"), "pub": pub}
        for name, pub in [
            ("no-room-audio", "Mon, 03 Mar 2025 06:00:00 +0000"),
            ("no-room-transcript", "Tue, 04 Mar 2025 06:00:00 +0000"),
            ("fine", "Wed, 05 Mar 2025 06:00:00 +0000"),
            ("rate-limited", "Thu, 06 Mar 2025 06:00:00 +0000"),
        ]
    ]
    urls = {
        "crashes-parser": server.add(
            "/surrogate.xml", body=(DATA / "feeds" / "invalid_char_reference.rss").read_bytes()
        ),
        "show": server.add("/show.xml", body=rss(items)),
    }
    config = write_config(root, list(urls.values()))
    day = FullDisk(root / "warehouse.duckdb", root / "data", urls)
    show = feed_id_for(urls["show"])
    # The pipeline runs its episodes in threads of this process: its temporary files carry
    # this pid. Writing to them fills the disk.
    pid = os.getpid()
    audio_part = audio_path_for(day.data_dir, episode_id_for(show, "no-room-audio"))
    audio_part = audio_part.with_name(audio_part.name + f".part-{pid}")
    staged = transcript_path_for(day.data_dir, episode_id_for(show, "no-room-transcript"))
    staged_tmp = staged.with_name(staged.name + f".tmp-{pid}")
    full = [audio_part, staged_tmp]
    for path in full:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to("/dev/full")
    try:
        day.summaries.append(daily(str(config)))
        day.after_run_1 = day.episodes()
        for path in full:  # space is freed
            path.unlink(missing_ok=True)
        day.summaries.append(daily(str(config)))
        yield day
    finally:
        server.close()


def test_a_full_disk_fails_only_the_episode_that_hit_it(full_disk: FullDisk) -> None:
    first = full_disk.after_run_1
    assert first["fine"] == ("done", None, 1)
    # A full disk is the machine's failure, not the episode's: no attempt is used up, so a
    # week of full disk never exhausts max_attempts.
    status, error, attempts = first["no-room-audio"]
    assert (status, attempts) == ("failed", 0)
    assert error == (
        f"cannot stage episode audio in {full_disk.data_dir / 'audio'}: No space left on device "
        f"(data_dir full or not writable?): {full_disk.urls['show'].replace('show.xml', '')}"
        "audio/no-room-audio.mp3"
    )
    status, error, attempts = first["no-room-transcript"]
    assert (status, attempts) == ("failed", 0)
    assert error == (
        f"cannot write in data_dir {full_disk.data_dir}: No space left on device "
        "(tried again next run, no attempt used)"
    )
    assert full_disk.summaries[0].exit_code == 1


def test_a_long_rate_limit_uses_up_no_attempt(full_disk: FullDisk) -> None:
    status, error, attempts = full_disk.after_run_1["rate-limited"]
    assert (status, attempts) == ("failed", 0)
    assert (error or "").startswith(
        "episode audio download rate limited (HTTP 429): the server asks to wait 7200 s, "
        "left for the next run: "
    )


def test_a_feed_that_crashes_the_parser_fails_alone(full_disk: FullDisk) -> None:
    outcome = full_disk.summaries[0].feeds[0]
    url = full_disk.urls["crashes-parser"]
    assert outcome.error == (
        f"feed {url}: malformed XML at line 4 (reference to invalid character number)"
    )
    assert full_disk.summaries[0].feeds[1].error is None


def test_after_space_is_freed_the_next_run_loads_what_failed(full_disk: FullDisk) -> None:
    assert full_disk.episodes() == {
        "no-room-audio": ("done", None, 1),
        "no-room-transcript": ("done", None, 1),
        "fine": ("done", None, 1),
        "rate-limited": ("done", None, 1),
    }
    second: Any = full_disk.summaries[1]
    assert second.counts.episodes_done == 3
    check_warehouse_invariants(full_disk.warehouse, full_disk.data_dir)


# --- text DuckDB cannot store ----------------------------------------------------------------


def test_half_an_emoji_in_a_transcript_loads_as_a_replacement_character(tmp_path: Path) -> None:
    """JSON allows a lone surrogate (`"\\ud83d"`, a transcript cut inside an emoji); DuckDB
    cannot store one, and the whole load used to fail. It loads with U+FFFD in its place."""
    import json

    from podsift.tasks.core.records import EpisodeItem, EpisodeResult, Segment, Transcript
    from podsift.warehouse import store
    from podsift.warehouse.db import writer

    text = json.loads('"Thanks to our sponsor \\ud83d"')  # what json.loads gives for half an emoji
    result = EpisodeResult(
        episode_id="0" * 20,
        feed_id="f" * 16,
        item=EpisodeItem(guid="g", title=json.loads('"Episode \\udc00"'), audio_url="a.mp3"),
        audio_key="a.mp3",
        status="done",
        transcript=Transcript(segments=(Segment(0.0, 2.0, text), Segment(2.0, 3.0, "Bye."))),
    )
    warehouse = tmp_path / "warehouse.duckdb"
    with writer(warehouse) as con:
        store.ensure_feed(con, feed_id="f" * 16, url="https://x.test/feed.xml", name=None)
        store.load_episode(con, result)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        title = con.execute("SELECT title FROM episodes").fetchone()
        texts = con.execute("SELECT text FROM segments ORDER BY seq").fetchall()
    finally:
        con.close()
    assert title == ("Episode \ufffd",)
    assert texts == [("Thanks to our sponsor \ufffd",), ("Bye.",)]


def test_a_full_disk_under_the_warehouse_fails_that_load_and_keeps_the_file(
    tmp_path: Path,
) -> None:
    """DuckDB cannot write its WAL (real ENOSPC): the episode's transaction is rolled back and
    it is reported failed; the warehouse stays usable and the next load goes through. (Its
    transcript stays staged, so the next run loads it without transcribing.)"""
    from podsift.tasks.core.config import Config, FeedConfig
    from podsift.tasks.core.records import EpisodeItem, EpisodeResult, Segment, Transcript
    from podsift.tasks.run.loading import load_result as _load
    from podsift.warehouse import store
    from podsift.warehouse.db import writer
    from podsift.warehouse.gate import WarehouseGate

    warehouse = tmp_path / "warehouse.duckdb"
    with writer(warehouse) as con:
        store.ensure_feed(con, feed_id="f" * 16, url="https://x.test/feed.xml", name=None)
    cfg = Config(warehouse=warehouse, data_dir=tmp_path / "data")
    gate = WarehouseGate(cfg.warehouse, cfg.data_dir, wait_s=0, say=print)
    feed = FeedConfig(url="https://x.test/feed.xml")

    def episode(n: int) -> EpisodeResult:
        segments = tuple(Segment(float(i), i + 1.0, "words " * 20) for i in range(500))
        return EpisodeResult(
            episode_id=str(n) * 20,
            feed_id="f" * 16,
            item=EpisodeItem(guid=f"g{n}", title=f"Episode {n}", audio_url=f"{n}.mp3"),
            audio_key=f"{n}.mp3",
            status="done",
            transcript=Transcript(segments=segments),
        )

    wal = tmp_path / "warehouse.duckdb.wal"
    wal.symlink_to("/dev/full")
    first = episode(1)
    assert _load(gate, feed, first)  # attempted (not deferred)
    wal.unlink()
    assert first.status == "failed"
    assert (first.error or "").startswith("could not be written to the warehouse (")
    assert "No space left on device" in (first.error or "")

    second = episode(2)
    assert _load(gate, feed, second)
    assert second.status == "done"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT guid, status FROM episodes").fetchall() == [("g2", "done")]
        assert con.execute("SELECT count(*) FROM segments").fetchone() == (500,)
    finally:
        con.close()
    check_warehouse_invariants(warehouse)
