"""Publisher transcripts (`podcast:transcript`): parsing, choosing the best link, and the
pipeline using them instead of Whisper, over a real loopback HTTP server."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from podsift.tasks.core.config import load_config
from podsift.tasks.core.records import EpisodeItem, Segment, Transcript
from podsift.tasks.ingest.feeds import parse_feed
from podsift.tasks.run.episode import (
    EpisodeJob,
    load_staged_transcript,
    obtain_transcript,
    publisher_transcript_warning,
    stage_transcript,
    transcript_path_for,
)
from podsift.tasks.speech.publisher_transcripts import (
    TranscriptFetchError,
    fetch_publisher_transcript,
    parse_transcript,
    parse_vtt,
    rank_transcripts,
)
from tests.conftest import AUDIO, DATA, FeedServer, Route, rss, write_config

TRANSCRIPTS = DATA / "transcripts"
GOLDEN = sorted(p for p in TRANSCRIPTS.iterdir() if not p.name.endswith(".expected.json"))


@pytest.mark.parametrize("source", GOLDEN, ids=lambda p: p.name)
def test_parser_golden(source: Path) -> None:
    fmt = "json" if source.suffix == ".json" else source.suffix[1:]
    segments = parse_transcript(source.read_bytes(), fmt)
    expected = json.loads((source.parent / (source.name + ".expected.json")).read_text())
    got = [{"start": s.start, "end": s.end, "text": s.text} for s in segments]
    assert got == expected
    for segment in segments:  # every segment has word times inside its own span
        assert segment.words
        assert segment.start <= segment.words[0].start <= segment.words[-1].end <= segment.end
        assert "".join(w.word for w in segment.words).strip() == segment.text


def test_cues_are_recut_into_sentences() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nThe tide turns at noon. The pilot\n\n"
        "00:00:03.000 --> 00:00:05.000\nboards at one.\n"
    )
    texts = [s.text for s in parse_vtt(vtt)]
    assert texts == ["The tide turns at noon.", "The pilot boards at one."]


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (b"1\n00:00:01,000 --> 00:00:02,000\nhello\n", "vtt", "no WEBVTT header"),
        (b"WEBVTT\n\nNOTE nothing timed here\n", "vtt", "no timed cues"),
        (b"{not json", "json", "not valid JSON"),
        (b'{"version": "1.0.0"}', "json", "JSON transcript"),
        (b"just words, no times", "srt", "no timed cues"),
        (
            b'{"segments": [{"startTime": 0, "endTime": 1, "body": "Hi"}, [1, 2, "there"]]}',
            "json",
            r"^JSON transcript segment 1 is not an object$",
        ),
        (
            b'{"segments": [{"startTime": NaN, "endTime": 1, "body": "Hi"}]}',
            "json",
            r"^JSON transcript segment 0 has impossible times \(startTime nan, endTime 1\)$",
        ),
        (
            b'{"segments": [{"startTime": 5, "endTime": 1, "body": "Hi"}]}',
            "json",
            r"segment 0 has impossible times \(startTime 5, endTime 1\)$",
        ),
        (
            b'{"segments": [{"endTime": 1, "body": "Hi"}]}',
            "json",
            r"^JSON transcript segment 0 has no 'startTime'$",
        ),
        (
            b'[{"start": 0, "end": Infinity, "text": "Hi"}]',
            "json",
            r"^JSON transcript: transcript segment 0 has end Infinity, not a finite number",
        ),
    ],
)
def test_bad_documents_are_refused(content: bytes, fmt: str, message: str) -> None:
    with pytest.raises(TranscriptFetchError, match=message):
        parse_transcript(content, fmt)


def test_links_ranked_json_then_vtt_then_srt_and_html_skipped() -> None:
    links = [
        ("https://x.test/t.html", "text/html"),
        ("https://x.test/t.srt", "application/x-subrip"),
        ("https://x.test/t.vtt", "text/vtt"),
        ("https://x.test/t.txt", "text/plain"),
        ("https://x.test/t.json", "application/json"),
        ("https://x.test/other.srt", ""),  # no type: the extension decides
    ]
    ranked = [(link.format, link.url) for link in rank_transcripts(links)]
    assert ranked == [
        ("json", "https://x.test/t.json"),
        ("vtt", "https://x.test/t.vtt"),
        ("srt", "https://x.test/t.srt"),
        ("srt", "https://x.test/other.srt"),
    ]


def _transcript_links(server: FeedServer, json_status: int = 200) -> list[str]:
    """Serve the fixtures and return the podcast:transcript elements naming them."""
    server.add("/t/ep.html", body=b"<html><body>Transcript</body></html>")
    server.add("/t/ep.srt", body=(TRANSCRIPTS / "interview.srt").read_bytes())
    server.add("/t/ep.vtt", body=(TRANSCRIPTS / "interview.vtt").read_bytes())
    server.add(
        "/t/ep.json", body=(TRANSCRIPTS / "interview.podcast.json").read_bytes(), status=json_status
    )
    return [
        f'<podcast:transcript url="{server.url("/t/ep.html")}" type="text/html"/>',
        f'<podcast:transcript url="{server.url("/t/ep.srt")}" type="application/x-subrip"/>',
        f'<podcast:transcript url="{server.url("/t/ep.vtt")}" type="text/vtt"/>',
        f'<podcast:transcript url="{server.url("/t/ep.json")}" type="application/json"/>',
    ]


def test_best_link_fetched_and_a_failing_one_gives_way(server: FeedServer) -> None:
    _, items = parse_feed(
        rss([{"guid": "g1", "url": "http://x.test/a.mp3", "raw": _transcript_links(server)}]),
        server.url("/feed.xml"),
    )
    transcript, failures = fetch_publisher_transcript(items[0], retries=0)
    assert transcript is not None and transcript.source == "publisher:json"
    assert failures == []
    assert server.hits("/t/ep.json") == 1 and server.hits("/t/ep.vtt") == 0

    server.routes["/t/ep.json"].status = 404
    transcript, failures = fetch_publisher_transcript(items[0], retries=0)
    assert transcript is not None and transcript.source == "publisher:vtt"
    assert len(failures) == 1 and "HTTP 404" in failures[0]
    assert transcript.segments[0].text == "Welcome to the Harbor Report."


def test_a_transcript_timed_past_the_episode_gives_way(server: FeedServer) -> None:
    """Cues at 999 hours for a 10-minute episode, or every cue at 0:00, cannot be the
    episode's times: such a transcript used to be loaded as it was (segments, ads and facts at
    moments the audio does not have). It now gives way like a broken link, and each failure
    names its link; a transcript within the declared length is still used."""
    far = server.add(
        "/t/far.srt", body=b"1\n999:00:01,000 --> 999:00:05,000\nHello from the future.\n"
    )
    zero = server.add(
        "/t/zero.srt",
        body=b"1\n00:00:00,000 --> 00:00:00,000\nNo times.\n\n"
        b"2\n00:00:00,000 --> 00:00:00,000\nAt all.\n",
    )
    page = server.add("/t/page.vtt", body=b"<!DOCTYPE html><html><body>Sign in</body></html>")
    item = EpisodeItem(
        guid="g1",
        title="t",
        audio_url="http://x.test/a.mp3",
        duration_s=600.0,
        transcript_urls=((page, "text/vtt"), (far, "application/srt"), (zero, "text/srt")),
    )
    transcript, failures = fetch_publisher_transcript(item, retries=0)
    assert transcript is None
    assert failures == [
        f"transcript {page}: not a WebVTT document (no WEBVTT header)",
        f"transcript {far}: its cues run to 999:00:05, past the episode's 10:00 the feed declares",
        f"transcript {zero}: its cues carry no times (every one at 0:00)",
    ]
    undeclared = replace(item, duration_s=None, transcript_urls=((far, "application/srt"),))
    assert fetch_publisher_transcript(undeclared, retries=0)[1] == [
        f"transcript {far}: its cues run to 999:00:05, past a week, longer than any episode"
    ]
    fits = server.add("/t/fits.srt", body=(TRANSCRIPTS / "interview.srt").read_bytes())
    ok = replace(item, duration_s=3600.0, transcript_urls=((fits, "application/srt"),))
    transcript, failures = fetch_publisher_transcript(ok, retries=0)
    assert transcript is not None and transcript.source == "publisher:srt" and failures == []


def test_no_usable_link_falls_back_to_whisper(tmp_path: Path, server: FeedServer) -> None:
    """Every link broken: obtain_transcript downloads the audio and transcribes it."""
    server.add("/t/ep.vtt", body=b"this is not WebVTT")
    server.add("/a.mp3", body=(AUDIO / "speech_short.mp3").read_bytes())
    item = EpisodeItem(
        guid="g1",
        title="t",
        audio_url=server.url("/a.mp3"),
        transcript_urls=((server.url("/t/ep.vtt"), "text/vtt"),),
    )
    cfg = load_config(write_config(tmp_path, []))
    transcript, audio_bytes, _ = obtain_transcript(EpisodeJob("e1", "f1", item, "k", 1), cfg)
    assert transcript.source == "whisper:tiny.en"
    assert audio_bytes and server.hits("/a.mp3") == 1
    # The episode loads with a warning naming the link and why it failed (episodes.warning),
    # staged with the transcript for a load a later run makes from it.
    told = (
        f"publisher transcript not used (transcript {server.url('/t/ep.vtt')}: not a WebVTT "
        "document (no WEBVTT header)): transcribed by Whisper instead"
    )
    assert transcript.warnings == (told,)
    staged = load_staged_transcript(transcript_path_for(cfg.data_dir, "e1"))
    assert staged is not None and staged.warnings == (told,)
    heard = set(" ".join(s.text for s in transcript.segments).lower().split())
    spoken = set((AUDIO / "speech_short.txt").read_text().lower().split())
    assert len(heard & spoken) >= len(spoken) // 2, heard


def test_a_failing_link_that_gives_way_to_another_is_a_warning(
    tmp_path: Path, server: FeedServer
) -> None:
    """The JSON link is gone, the VTT one serves: the VTT is loaded (no audio fetched), with a
    warning naming the JSON link; with every link good there is none."""
    links = _transcript_links(server)
    _, items = parse_feed(
        rss([{"guid": "g1", "url": server.url("/a.mp3"), "raw": links}]), server.url("/f.xml")
    )
    cfg = load_config(write_config(tmp_path, []))
    clean, _, _ = obtain_transcript(EpisodeJob("e1", "f1", items[0], "k", 1), cfg)
    assert clean.source == "publisher:json" and clean.warnings == ()
    assert "warnings" not in json.loads(transcript_path_for(cfg.data_dir, "e1").read_text())

    server.routes["/t/ep.json"].status = 404
    transcript, audio_bytes, _ = obtain_transcript(EpisodeJob("e2", "f1", items[0], "k", 1), cfg)
    assert transcript.source == "publisher:vtt" and audio_bytes is None
    assert transcript.warnings == (
        f"publisher transcript not used (transcript {server.url('/t/ep.json')}: HTTP 404 "
        "Not Found): the publisher's vtt transcript used instead",
    )
    staged = load_staged_transcript(transcript_path_for(cfg.data_dir, "e2"))
    assert staged is not None and staged.warnings == transcript.warnings
    assert server.hits("/a.mp3") == 0


def test_publisher_transcript_warning_names_each_failure_without_credentials() -> None:
    assert publisher_transcript_warning([], "whisper:tiny.en") is None
    failures = [
        "transcript https://listener:s3cret@host.test/t.json: HTTP 403 Forbidden",
        "transcript https://host.test/t.vtt: not a WebVTT document (no WEBVTT header)",
    ]
    assert publisher_transcript_warning(failures, "whisper:tiny.en") == (
        "publisher transcript not used (transcript https://***@host.test/t.json: HTTP 403 "
        "Forbidden; transcript https://host.test/t.vtt: not a WebVTT document (no WEBVTT "
        "header)): transcribed by Whisper instead"
    )


def test_publisher_transcripts_can_be_turned_off(tmp_path: Path, server: FeedServer) -> None:
    server.add("/a.mp3", body=(AUDIO / "speech_short.mp3").read_bytes())
    links = _transcript_links(server)
    _, items = parse_feed(
        rss([{"guid": "g1", "url": server.url("/a.mp3"), "raw": links}]), server.url("/f.xml")
    )
    cfg = load_config(write_config(tmp_path, [], whisper={"use_publisher_transcripts": False}))
    transcript, _, _ = obtain_transcript(EpisodeJob("e1", "f1", items[0], "k", 1), cfg)
    assert transcript.source == "whisper:tiny.en"
    assert server.hits("/t/ep.json") == 0


@pytest.mark.slow
def test_daily_flow_uses_the_feeds_transcript(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    """An item with VTT, SRT and JSON transcripts: the JSON one is loaded, no audio fetched."""
    from podsift.flows.daily import daily

    server.add("/audio/ep.mp3", Route(body=(AUDIO / "episode_a.mp3").read_bytes()))
    items = [
        {
            "guid": "harbor-1",
            "title": "Harbor",
            "url": server.url("/audio/ep.mp3"),
            "duration": "0:21",
            "raw": _transcript_links(server),
        }
    ]
    server.add("/feed.xml", body=rss(items), headers={"Content-Type": "application/rss+xml"})
    config = write_config(tmp_path, [server.url("/feed.xml")])

    summary = daily(str(config))

    assert summary.exit_code == 0
    assert server.hits("/audio/ep.mp3") == 0
    assert server.hits("/t/ep.json") == 1
    assert server.hits("/t/ep.vtt") == server.hits("/t/ep.srt") == server.hits("/t/ep.html") == 0
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        status, source = con.execute(
            "SELECT status, transcript_source FROM episodes WHERE guid = 'harbor-1'"
        ).fetchone()
        texts = [r[0] for r in con.execute("SELECT text FROM segments ORDER BY seq").fetchall()]
    finally:
        con.close()
    assert (status, source) == ("done", "publisher:json")
    assert texts == ["Welcome to the Harbor Report.", "Thank you, Daniel.", "Glad to be here."]


def test_half_an_emoji_in_a_publisher_transcript_is_staged_as_a_replacement(
    tmp_path: Path,
) -> None:
    # JSON may carry a lone surrogate ("\ud83d", an emoji cut in half); UTF-8 cannot. Staging
    # used to fail on it, on every run, and leave its temp file behind.
    content = json.dumps({"segments": [{"start": 0.0, "end": 2.0, "text": "Hello \ud83d there."}]})
    segments = parse_transcript(content.encode(), "json")
    path = tmp_path / "staged" / "episode.json"
    stage_transcript(path, Transcript(segments=tuple(segments), language="en"))
    staged = load_staged_transcript(path)
    assert staged is not None and staged.segments[0].text == "Hello \ufffd there."
    assert [p.name for p in path.parent.iterdir()] == ["episode.json"]


def test_a_failed_staging_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "episode.json"
    target.mkdir()  # a folder where the file goes: the final rename fails
    transcript = Transcript(segments=(Segment(0.0, 1.0, "Hello."),), language="en")
    with pytest.raises(OSError):
        stage_transcript(target, transcript)
    assert [p.name for p in tmp_path.iterdir()] == ["episode.json"]
