"""Transcription with the real bundled model (tiny.en) on short committed audio."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from podsift.tasks.core.config import WhisperConfig
from podsift.tasks.core.errors import AudioError, TranscriptionError
from podsift.tasks.speech.transcribe import (
    check_duration,
    decode,
    decode_audio_file,
    resolve_model,
    transcribe_audio,
)
from tests.conftest import AUDIO

DEFAULTS = WhisperConfig()


def _words(text: str) -> set[str]:
    return {w.strip(".,!?").lower() for w in text.split()}


@pytest.mark.parametrize("batch_size", [DEFAULTS.batch_size, 0], ids=["batched", "sequential"])
def test_speech_is_transcribed_with_word_timestamps(batch_size: int) -> None:
    cfg = DEFAULTS.model_copy(update={"batch_size": batch_size})
    seen: list[tuple[float, float]] = []
    transcript = transcribe_audio(
        AUDIO / "speech_short.mp3", cfg, progress=lambda done, total: seen.append((done, total))
    )
    expected = _words((AUDIO / "speech_short.txt").read_text())
    heard = _words(" ".join(s.text for s in transcript.segments))
    assert len(expected & heard) >= len(expected) * 0.6, heard
    assert transcript.source == "whisper:tiny.en"
    assert transcript.duration_s is not None and 3 < transcript.duration_s < 10
    words = [w for s in transcript.segments for w in s.words]
    assert words, "word timestamps are kept"
    assert all(0 <= w.start <= w.end <= transcript.duration_s + 0.5 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:], strict=False))
    for segment in transcript.segments:
        assert segment.start == segment.words[0].start and segment.end == segment.words[-1].end
    assert seen[-1][0] == seen[-1][1] == pytest.approx(transcript.duration_s, abs=0.01)


def test_speech_after_a_pause_in_a_window_is_not_lost() -> None:
    # episode_b: content, a pause, then the sponsor read, all in one 30 s window. Decoded
    # without timestamp tokens, tiny.en ends the window at the pause; podsift decodes the
    # missed tail again, so the read is there.
    transcript = transcribe_audio(AUDIO / "episode_b.mp3", WhisperConfig())
    text = " ".join(s.text for s in transcript.segments).lower()
    assert "honey" in text
    assert "starter kit" in text
    assert transcript.segments[-1].end > 18.0


@pytest.mark.parametrize("name", ["silence.mp3", "tone.mp3"])
def test_no_speech_gives_no_segments(name: str) -> None:
    transcript = transcribe_audio(AUDIO / name, DEFAULTS)
    assert transcript.segments == ()
    assert transcript.duration_s and transcript.duration_s > 1


def test_truncated_download_is_refused(tmp_path: Path) -> None:
    data = (AUDIO / "episode_a.mp3").read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) * 2 // 5])
    # The MP3's header still counts the whole 21.6 s: the file contradicts itself, whatever
    # the feed says.
    for feed_says in (21, None):
        with pytest.raises(
            AudioError, match=r"audio is truncated: decoded \d+ s of the 22 s the file's header"
        ):
            transcribe_audio(cut, DEFAULTS, expected_duration_s=feed_says)


@pytest.mark.parametrize(
    "content", [b"", b"<html><body>not audio</body></html>" * 50, bytes(range(256)) * 40]
)
def test_garbage_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "episode.mp3"
    path.write_bytes(content)
    with pytest.raises(AudioError, match="audio"):
        transcribe_audio(path, DEFAULTS)


def _damaged_copy(tmp_path: Path, damaged_bytes: int) -> Path:
    """episode_a.mp3 (21 s) with `damaged_bytes` of noise written over its middle."""
    data = bytearray((AUDIO / "episode_a.mp3").read_bytes())
    noise = random.Random(7)
    middle = len(data) // 2
    for i in range(middle, middle + damaged_bytes):
        data[i] = noise.randrange(256)
    path = tmp_path / "damaged.mp3"
    path.write_bytes(bytes(data))
    return path


def test_audio_damaged_in_the_middle_is_refused_not_cut_short(tmp_path: Path) -> None:
    # faster-whisper's decoder stops at the first damaged packet and returns the audio before
    # it without a word; podsift skips damaged packets, and refuses the file when they cost
    # more than a sliver of it, naming where (the next run fetches it again).
    path = _damaged_copy(tmp_path, 16000)  # four seconds of audio at 32 kbit/s
    with pytest.raises(AudioError, match=r"cannot be decoded in full: \d+ damaged packets from"):
        decode(path)


def test_a_few_damaged_bytes_cost_nothing_but_their_frames(tmp_path: Path) -> None:
    whole = decode(AUDIO / "episode_a.mp3").size
    damaged = decode(_damaged_copy(tmp_path, 200)).size
    assert 0.97 * whole < damaged <= whole


def test_damaged_packets_skipped_are_said_not_only_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The file is kept, but the episode loads with a warning (episodes.warning) that names
    # what was skipped; the log line stays.
    assert decode_audio_file(AUDIO / "episode_a.mp3").damage is None
    with caplog.at_level("WARNING", logger="podsift.tasks.speech.transcribe"):
        decoded = decode_audio_file(_damaged_copy(tmp_path, 200))
    assert decoded.damage is not None
    assert re.fullmatch(
        r"\d+ damaged audio packets skipped \(0\.\d s of 22 s missing\)", decoded.damage
    ), decoded.damage
    assert decoded.damage in caplog.text


def test_a_file_without_an_audio_stream_is_refused() -> None:
    with pytest.raises(AudioError, match="holds no audio stream"):
        decode(AUDIO / "video_only.mp4")


def test_check_duration() -> None:
    assert check_duration(20.0, 21.0) is None
    assert check_duration(5.0, None) is None
    assert check_duration(2.0, 8.0) is None  # too short to judge
    with pytest.raises(AudioError, match="decoded 10 s of the 60 s the feed declares"):
        check_duration(10.0, 60.0)  # no header to say otherwise: the feed is trusted
    with pytest.raises(AudioError, match="decoded 10 s of the 60 s the file's header declares"):
        check_duration(10.0, None, header_s=60.0)
    with pytest.raises(AudioError, match="of the 60 s the file's header"):
        check_duration(10.0, 10.0, header_s=60.0)
    # The header agrees with what was decoded: the feed's duration is wrong, the file whole;
    # the episode goes on with a warning naming both durations.
    assert check_duration(10.0, 60.0, header_s=10.2) == (
        "the feed declares 60 s but the audio is 10 s long, as its header says: "
        "transcribed as it is"
    )
    assert check_duration(10.0, 60.0, header_s=11.5) is not None
    assert check_duration(10.0, 10.5, header_s=10.2) is None


def test_per_episode_time_limit() -> None:
    cfg = DEFAULTS.model_copy(update={"max_seconds_per_episode": 1e-6})
    with pytest.raises(TranscriptionError, match="per-episode limit"):
        transcribe_audio(AUDIO / "episode_a.mp3", cfg)


def test_decode_is_16k_mono_float() -> None:
    audio = decode(AUDIO / "speech_short.mp3")
    assert audio.dtype.name == "float32" and audio.ndim == 1
    assert 3 * 16000 < audio.size < 10 * 16000


def test_bundled_model_resolves_to_a_folder() -> None:
    assert Path(resolve_model("tiny.en"), "model.bin").exists()
    assert resolve_model("small.en") == "small.en"
