"""Audio that downloads fine but is not what the feed promised, with the real Whisper model.

faster-whisper decodes a truncated MP3 without complaint, and invents words on silence and noise;
these tests hold podsift to catching both, and to its per-episode time limit.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from podsift.tasks.core.config import Config, WhisperConfig
from podsift.tasks.core.errors import AudioError
from podsift.tasks.core.records import EpisodeItem
from podsift.tasks.ingest.download import audio_path_for
from podsift.tasks.run.episode import (
    EpisodeJob,
    load_staged_transcript,
    transcribe_episode,
    transcript_path_for,
)
from podsift.tasks.speech.transcribe import SAMPLE_RATE, decode_audio_file, transcribe_audio
from tests.conftest import AUDIO

pytestmark = pytest.mark.slow

EPISODE_A = AUDIO / "episode_a.mp3"  # 21.1 s of speech


def job_for(audio: Path, duration_s: float | None = None) -> EpisodeJob:
    item = EpisodeItem(guid="g", title="t", audio_url=str(audio), duration_s=duration_s)
    return EpisodeJob("0123456789abcdef0123", "feed", item, "key", attempts=1)


def truncated_copy(tmp_path: Path, share: float = 0.4) -> Path:
    data = EPISODE_A.read_bytes()
    path = tmp_path / "truncated.mp3"
    path.write_bytes(data[: int(len(data) * share)])
    return path


def test_truncated_mp3_decodes_short_without_error(tmp_path: Path) -> None:
    # Why the comparison is needed: nothing in the decoder notices the missing 60 %; the
    # header, written for the whole file, still says 21.6 s.
    decoded = decode_audio_file(truncated_copy(tmp_path))
    assert 7 < decoded.samples.size / SAMPLE_RATE < 10
    assert decoded.header_s is not None and 21 < decoded.header_s < 22


def test_truncated_mp3_is_caught_by_its_header(tmp_path: Path) -> None:
    # The cut file keeps the header written for the whole (its frame count: 21.6 s).
    with pytest.raises(
        AudioError, match=r"audio is truncated: decoded [789] s of the 22 s the file's header"
    ):
        transcribe_audio(truncated_copy(tmp_path), WhisperConfig(), expected_duration_s=21)
    cfg = Config(data_dir=tmp_path / "data")
    result = transcribe_episode(job_for(truncated_copy(tmp_path), duration_s=21), cfg)
    assert result.status == "failed"
    assert result.error is not None and result.error.startswith("audio is truncated")
    assert result.transcript is None
    # Nothing staged: a retry (once the publisher fixes the file) transcribes afresh.
    assert not transcript_path_for(cfg.data_dir, "0123456789abcdef0123").exists()


def test_complete_mp3_passes_the_duration_check() -> None:
    transcript = transcribe_audio(EPISODE_A, WhisperConfig(), expected_duration_s=21)
    assert transcript.segments


def test_a_feed_that_overstates_the_duration_does_not_fail_whole_audio(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A stale itunes:duration, or another ad load served by dynamic insertion: the feed says
    # ten minutes, the file (and its header) 21.6 s. It used to fail as truncated on every
    # attempt, and the episode was lost once they were used up.
    cfg = Config(data_dir=tmp_path / "data")
    with caplog.at_level("WARNING", logger="podsift.tasks.speech.transcribe"):
        result = transcribe_episode(job_for(EPISODE_A, duration_s=600), cfg)
    assert result.status == "transcribed", result.error
    assert result.transcript is not None and result.transcript.segments
    assert "the feed declares 600 s but the audio is 22 s long" in caplog.text
    # Said where a user sees it too (episodes.warning, the summary), and staged with the
    # transcript, so a load a later run makes from it still says so.
    told = "the feed declares 600 s but the audio is 22 s long, as its header says: "
    assert result.transcript.warnings == (told + "transcribed as it is",)
    staged = load_staged_transcript(transcript_path_for(cfg.data_dir, result.episode_id))
    assert staged is not None and staged.warnings == result.transcript.warnings


def test_corrupt_mp3_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.mp3"
    path.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + os.urandom(30_000))
    with pytest.raises(AudioError, match="audio cannot be decoded"):
        transcribe_audio(path, WhisperConfig())
    cfg = Config(data_dir=tmp_path / "data")
    result = transcribe_episode(job_for(path), cfg)
    assert result.status == "failed" and "cannot be decoded" in (result.error or "")
    # keep_audio is off: the download is deleted (a retry fetches it again), although
    # publish.ad_free_audio keeps a done episode's original until its cut.
    assert cfg.publish.ad_free_audio and not cfg.keep_audio
    assert not audio_path_for(cfg.data_dir, result.episode_id).exists()


@pytest.mark.parametrize("name", ["silence", "tone"])
def test_silence_and_tone_give_no_invented_words(tmp_path: Path, name: str) -> None:
    audio = AUDIO / f"{name}.mp3"
    transcript = transcribe_audio(audio, WhisperConfig())
    assert transcript.segments == ()
    result = transcribe_episode(job_for(audio), Config(data_dir=tmp_path / "data"))
    assert result.status == "skipped"
    assert result.error == "no speech found in 10 s of audio (silence or music only)"
    assert result.transcript is None
    assert not audio_path_for(tmp_path / "data", result.episode_id).exists()  # not kept


def test_keep_audio_keeps_the_download_of_a_skipped_episode(tmp_path: Path) -> None:
    cfg = Config(data_dir=tmp_path / "data", keep_audio=True)
    result = transcribe_episode(job_for(AUDIO / "silence.mp3"), cfg)
    assert result.status == "skipped"
    kept = audio_path_for(cfg.data_dir, result.episode_id)
    assert kept.read_bytes() == (AUDIO / "silence.mp3").read_bytes()


def test_per_episode_time_limit(tmp_path: Path) -> None:
    # The limit is checked as segments arrive, so the smallest limit still stops after the first.
    cfg = Config(data_dir=tmp_path / "data", whisper=WhisperConfig(max_seconds_per_episode=0.01))
    result = transcribe_episode(job_for(EPISODE_A), cfg)
    assert result.status == "failed"
    assert result.error is not None
    assert result.error.startswith("transcription exceeded the 0 s per-episode limit")
    assert "raise whisper.max_seconds_per_episode" in result.error
