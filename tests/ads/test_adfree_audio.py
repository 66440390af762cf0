"""Ad-free audio, for real: the bundled Whisper model hears the cut file, PyAV decodes it.

`midroll.mp3` (scripts/make_audio.py) is content, a host-read mid-roll at a known time, then
content again; `midroll.json` says where each part is.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from podsift.tasks.ads.audio_cut import (
    MIN_KEPT_SHARE,
    Cut,
    CutPlan,
    adfree_path_for,
    cut_audio,
    make_adfree_audio,
    plan_cuts,
    probe_duration,
)
from podsift.tasks.core.config import WhisperConfig
from podsift.tasks.core.records import AdSpan, Segment, Word
from podsift.tasks.speech.transcribe import transcribe_audio
from tests.conftest import AUDIO

MIDROLL = AUDIO / "midroll.mp3"
AD_ONLY = {"kettle", "tea", "percent", "code", "brought"}
CONTENT_IN_ORDER = ["lighthouse", "tall", "lighthouse", "electricity", "keepers"]


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def known_ad() -> tuple[float, float]:
    parts = json.loads((AUDIO / "midroll.json").read_text())["parts"]
    ad = next(p for p in parts if p["kind"] == "ad")
    return ad["start"], ad["end"]


@pytest.fixture(scope="module")
def heard() -> list[Segment]:
    return list(transcribe_audio(MIDROLL, WhisperConfig()).segments)


@pytest.mark.slow
def test_the_cut_copy_has_no_ad_words_and_every_content_word_in_order(
    heard: list[Segment], tmp_path: Path
) -> None:
    start, end = known_ad()
    original = probe_duration(MIDROLL)
    # The span as a detector gives it: sentence times, a little off the audio's own edges.
    plan = plan_cuts([AdSpan(start + 0.2, end - 0.3, 0.9, "test")], heard, original)
    (cut,) = plan.cuts
    # Snapped into the pauses around the read (1 s of silence each side in the script).
    assert start - 1.0 <= cut.start <= start + 0.1
    assert end - 0.1 <= cut.end <= end + 1.0
    dest = tmp_path / "midroll-adfree.mp3"
    cut_audio(MIDROLL, dest, plan)
    assert abs(probe_duration(dest) - (original - plan.removed_s)) <= 0.2
    again = " ".join(s.text for s in transcribe_audio(dest, WhisperConfig()).segments)
    said = words_of(again)
    assert not AD_ONLY & set(said), again
    positions = [said.index(w, 0) for w in ("lighthouse",)]
    at = positions[0]
    for word in CONTENT_IN_ORDER[1:]:
        at = said.index(word, at + 1)  # ValueError if missing or out of order
    assert list(tmp_path.iterdir()) == [dest]  # no temporary file left beside it


@pytest.mark.slow
def test_the_copy_keeps_codec_family_rate_and_bitrate(heard: list[Segment], tmp_path: Path) -> None:
    import av

    start, end = known_ad()
    plan = plan_cuts([AdSpan(start, end, 0.9, "test")], heard, probe_duration(MIDROLL))
    dest = tmp_path / "copy.mp3"
    cut_audio(MIDROLL, dest, plan)
    with av.open(str(MIDROLL)) as a, av.open(str(dest)) as b:
        sa, sb = a.streams.audio[0], b.streams.audio[0]
        assert sb.codec_context.name in ("mp3", "mp3float")
        assert (sb.rate, sb.channels) == (sa.rate, sa.channels)
        assert abs((sb.bit_rate or 0) - (sa.bit_rate or 0)) <= 8000


def test_a_join_fades_instead_of_clicking(tmp_path: Path) -> None:
    """A loud tone cut in the middle: the samples around the join ramp, with no step."""
    import av
    import numpy as np

    rate = 16000
    tone = AUDIO / "tone.mp3"
    plan = CutPlan((Cut(4.0, 6.0),), probe_duration(tone))
    dest = tmp_path / "tone-cut.mp3"
    cut_audio(tone, dest, plan)
    with av.open(str(dest)) as c:
        samples = np.concatenate([f.to_ndarray()[0] for f in c.decode(audio=0)])
    assert abs(len(samples) / rate - 8.0) <= 0.2
    # The envelope in 5 ms windows (two periods of 440 Hz): at the join it dips towards zero
    # and comes back, where a hard cut would keep it flat (and click).
    window = rate // 200
    env = np.array(
        [np.abs(samples[i : i + window]).max() for i in range(0, len(samples) - window, window)]
    )
    loud = np.median(env)
    near = env[int(3.8 * 200) : int(4.3 * 200)]
    assert near.min() < 0.3 * loud
    assert env[int(4.5 * 200) : int(7.5 * 200)].min() > 0.8 * loud  # and only there


def test_the_clock_maps_original_times_to_the_copy() -> None:
    plan = CutPlan((Cut(0.0, 10.0), Cut(30.0, 40.0)), 100.0)
    assert plan.removed_s == 20.0
    assert plan.keeps() == [(10.0, 30.0), (40.0, 100.0)]
    assert [plan.to_adfree(t) for t in (0.0, 5.0, 10.0, 20.0, 30.0, 35.0, 40.0, 100.0)] == [
        0.0,
        0.0,
        0.0,
        10.0,
        20.0,
        20.0,
        20.0,
        80.0,
    ]


def test_cuts_sit_in_the_gap_between_words() -> None:
    words = [Word(0.0, 1.0, "a"), Word(1.6, 2.0, "b"), Word(2.1, 3.0, "c"), Word(4.0, 5.0, "d")]
    segments = [Segment(0.0, 5.0, "a b c d", tuple(words))]
    plan = plan_cuts([AdSpan(1.5, 3.2, 0.9, "ad")], segments, 6.0)
    assert plan.cuts == (Cut(1.3, 3.5, "ad"),)
    # A span reaching the first word is cut from the file's start (no stub before the show).
    assert plan_cuts([AdSpan(0.05, 1.5, 0.9, "ad")], segments, 6.0).cuts[0].start == 0.0
    # A span reaching the last word runs to the file's end.
    assert plan_cuts([AdSpan(3.5, 5.0, 0.9, "ad")], segments, 6.0).cuts[0].end == 6.0


def test_spans_covering_most_of_the_episode_keep_the_original(tmp_path: Path) -> None:
    plan = CutPlan((Cut(0.0, 8.0),), 10.0)
    assert plan.kept_s < MIN_KEPT_SHARE * plan.duration_s
    made = make_adfree_audio(MIDROLL, plan, tmp_path / "x.mp3")
    assert made.status == "original"
    assert made.reason is not None and "80% of the episode" in made.reason
    assert not (tmp_path / "x.mp3").exists()


def test_no_ads_no_copy(tmp_path: Path) -> None:
    made = make_adfree_audio(MIDROLL, CutPlan((), 28.0), tmp_path / "x.mp3")
    assert (made.status, made.reason, made.path) == ("original", "no ads found", None)


def test_audio_that_cannot_be_decoded_keeps_the_original_and_leaves_no_file(
    tmp_path: Path,
) -> None:
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3" + b"\x00" * 7 + b"not an mp3 at all " * 200)
    plan = CutPlan((Cut(1.0, 2.0),), 10.0)
    dest = adfree_path_for(tmp_path / "data", "e" * 20, plan)
    made = make_adfree_audio(corrupt, plan, dest)
    assert made.status == "original"
    assert made.reason is not None and made.reason.startswith(
        "the original audio could not be re-encoded"
    )
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no temporary file either


def test_a_copy_with_the_same_cuts_is_reused(tmp_path: Path) -> None:
    plan = CutPlan((Cut(9.0, 19.0),), probe_duration(MIDROLL))
    dest = adfree_path_for(tmp_path, "m" * 20, plan)
    first = make_adfree_audio(MIDROLL, plan, dest)
    mtime = dest.stat().st_mtime_ns
    second = make_adfree_audio(None, plan, dest)  # the original is gone: keep_audio false
    assert first == second and first.status == "cut"
    assert dest.stat().st_mtime_ns == mtime
    assert first.bytes == dest.stat().st_size
    assert abs((first.duration_s or 0) - (probe_duration(MIDROLL) - 10.0)) <= 0.2


def test_a_full_disk_keeps_the_original_and_leaves_no_partial_file(tmp_path: Path) -> None:
    """Real ENOSPC: the copy's temporary file is a symlink to /dev/full."""
    import os

    plan = CutPlan((Cut(9.0, 19.0),), probe_duration(MIDROLL))
    dest = adfree_path_for(tmp_path, "f" * 20, plan)
    dest.parent.mkdir(parents=True)
    os.symlink("/dev/full", dest.with_name(dest.name + f".tmp-{os.getpid()}"))
    made = make_adfree_audio(MIDROLL, plan, dest)
    assert made.status == "original"
    assert made.reason == (
        f"the ad-free copy could not be written in {dest.parent}: No space left on device"
    )
    assert list(dest.parent.iterdir()) == []


def test_an_aac_original_gives_an_mp3_copy(tmp_path: Path) -> None:
    """AAC in, MP3 out (issue 12 allows either): the source is made here from midroll.mp3."""
    import av

    source = tmp_path / "midroll.m4a"
    with av.open(str(MIDROLL)) as src, av.open(str(source), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000, layout="mono")
        stream.bit_rate = 48000
        for frame in src.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    original = probe_duration(source)
    plan = CutPlan((Cut(9.0, 19.0),), original)
    made = make_adfree_audio(source, plan, tmp_path / "copy.mp3")
    assert (made.status, made.mime_type) == ("cut", "audio/mpeg")
    assert abs((made.duration_s or 0) - (original - 10.0)) <= 0.2
    with av.open(str(tmp_path / "copy.mp3")) as copy:
        assert copy.streams.audio[0].codec_context.name in ("mp3", "mp3float")
        assert abs((copy.streams.audio[0].bit_rate or 0) - 48000) <= 8000


def test_the_copy_is_named_by_its_cuts_not_by_how_long_the_file_was_read_to_be() -> None:
    a = CutPlan((Cut(0.0, 10.0), Cut(50.0, 60.0)), 60.0)
    b = CutPlan((Cut(0.0, 10.0), Cut(50.0, 60.02)), 60.02)  # Whisper's duration, not the header's
    assert a.key() == b.key()
    assert a.key() != CutPlan((Cut(0.0, 11.0), Cut(50.0, 60.0)), 60.0).key()


def test_a_copy_a_killed_run_was_writing_is_removed_by_the_next_cut(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    plan = CutPlan((Cut(9.0, 19.0),), probe_duration(MIDROLL))
    dest = adfree_path_for(tmp_path, "k" * 20, plan)
    dest.parent.mkdir(parents=True)
    stale = dest.parent / f"{'j' * 20}-0123456789.mp3.tmp-{dead.stdout.strip()}"
    stale.write_bytes(b"half a copy")
    assert make_adfree_audio(MIDROLL, plan, dest).status == "cut"
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]
