"""Episodes that load with a doubt say so where a user looks: `episodes.warning` and, once, the
summary of the run that loaded them (the log alone is read by nobody on a scheduled run).

One `daily` run over a loopback feed whose items each leave one doubt: a duration the feed
overstates, a few damaged audio packets, a publisher transcript that fails so Whisper
transcribes, and one that fails while a lesser link serves; plus a clean episode. Real Whisper
on 5 s of speech, a real DuckDB file, real Prefect.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import duckdb
import pytest

from podsift.flows.daily import daily
from tests.conftest import (
    AUDIO,
    DATA,
    FeedServer,
    Route,
    check_warehouse_invariants,
    rss,
    write_config,
)

pytestmark = pytest.mark.slow

SPEECH = (AUDIO / "speech_short.mp3").read_bytes()  # 5 s of speech


def damaged_speech() -> bytes:
    """speech_short.mp3 with 200 bytes of noise over its middle: two packets that fail."""
    data = bytearray(SPEECH)
    noise = random.Random(7)
    middle = len(data) // 2
    for i in range(middle, middle + 200):
        data[i] = noise.randrange(256)
    return bytes(data)


def test_each_doubt_is_in_the_warehouse_and_once_in_the_summary(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    audio = {"clean", "overstated", "fallback", "lesser"}
    for name in audio:
        server.add(f"/audio/{name}.mp3", Route(body=SPEECH, headers={"Content-Type": "audio/mpeg"}))
    server.add("/audio/damaged.mp3", body=damaged_speech(), headers={"Content-Type": "audio/mpeg"})
    gone_vtt = server.add("/t/gone.vtt", status=404, body=b"no", etag=False)
    gone_json = server.add("/t/gone.json", status=404, body=b"no", etag=False)
    vtt = server.add("/t/ep.vtt", body=(DATA / "transcripts" / "interview.vtt").read_bytes())
    items = [
        {"guid": "clean", "title": "Clean", "url": server.url("/audio/clean.mp3")},
        {
            "guid": "overstated",
            "title": "Overstated",
            "url": server.url("/audio/overstated.mp3"),
            "duration": "10:00",
        },
        {"guid": "damaged", "title": "Damaged", "url": server.url("/audio/damaged.mp3")},
        {
            "guid": "fallback",
            "title": "Fallback",
            "url": server.url("/audio/fallback.mp3"),
            "raw": [f'<podcast:transcript url="{gone_vtt}" type="text/vtt"/>'],
        },
        {
            "guid": "lesser",
            "title": "Lesser",
            "url": server.url("/audio/lesser.mp3"),
            "raw": [
                f'<podcast:transcript url="{gone_json}" type="application/json"/>',
                f'<podcast:transcript url="{vtt}" type="text/vtt"/>',
            ],
        },
    ]
    feed = server.add("/feed.xml", body=rss(items), headers={"Content-Type": "application/rss+xml"})
    config = write_config(tmp_path, [feed])
    warehouse = tmp_path / "warehouse.duckdb"

    first = daily(str(config))

    assert first.exit_code == 0, first.render()
    assert first.counts.episodes_done == 5, first.render()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT guid, status, warning FROM episodes ORDER BY guid").fetchall()
    finally:
        con.close()
    assert {guid: status for guid, status, _ in rows} == dict.fromkeys(
        ("clean", "damaged", "fallback", "lesser", "overstated"), "done"
    )
    warning = {guid: text for guid, _, text in rows}
    assert warning["clean"] is None
    assert warning["overstated"] == (
        "the feed declares 600 s but the audio is 5 s long, as its header says: "
        "transcribed as it is"
    )
    assert re.fullmatch(
        r"\d+ damaged audio packets skipped \(0\.\d s of 5 s missing\)", warning["damaged"]
    ), warning["damaged"]
    assert warning["fallback"] == (
        f"publisher transcript not used (transcript {gone_vtt}: HTTP 404 Not Found): "
        "transcribed by Whisper instead"
    )
    assert warning["lesser"] == (
        f"publisher transcript not used (transcript {gone_json}: HTTP 404 Not Found): "
        "the publisher's vtt transcript used instead"
    )

    # The summary names each such episode once, with its feed, and no other.
    lines = first.render().splitlines()
    for guid, title in (
        ("overstated", "Overstated"),
        ("damaged", "Damaged"),
        ("fallback", "Fallback"),
        ("lesser", "Lesser"),
    ):
        told = f"  warning: episode '{title}' (feed0): {warning[guid]}"
        assert lines.count(told) == 1, first.render()
    assert sum(line.startswith("  warning: ") for line in lines) == 4, first.render()
    assert "'Clean'" not in first.render()

    # A run that loads nothing says nothing more; the warehouse keeps each warning.
    second = daily(str(config))
    assert second.exit_code == 0 and second.counts.episodes_done == 0, second.render()
    assert "warning:" not in second.render()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        kept = dict(con.execute("SELECT guid, warning FROM episodes").fetchall())
    finally:
        con.close()
    assert kept == warning
    check_warehouse_invariants(warehouse, tmp_path / "data")
