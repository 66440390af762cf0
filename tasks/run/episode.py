"""One episode, from feed item to a loadable result: download, transcribe, ads, facts.

Everything expensive is staged under `data_dir` by episode id, so a rerun (after a crash, or a
failed load) reuses the transcript instead of transcribing again. Nothing here writes to the
warehouse: the caller loads the returned `EpisodeResult` in one transaction.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from podsift.tasks.ads import detect_ads, mark_ad_segments
from podsift.tasks.ads.audio_cut import (
    AdFreeAudio,
    adfree_path_for,
    make_adfree_audio,
    plan_cuts,
    probe_duration,
)
from podsift.tasks.core.config import Config
from podsift.tasks.core.errors import PodsiftError, TryLaterError, redact_credentials
from podsift.tasks.core.records import (
    AdSpan,
    EpisodeItem,
    EpisodeResult,
    Fact,
    Segment,
    Transcript,
    segments_from_json,
    without_lone_surrogates,
)
from podsift.tasks.facts import extract_facts
from podsift.tasks.ingest.download import (
    StagedAudio,
    audio_path_for,
    download_audio,
    remove_stale_parts,
)
from podsift.tasks.speech.publisher_transcripts import fetch_publisher_transcript
from podsift.tasks.speech.transcribe import Progress, transcribe_audio

MAX_CONTEXT_EPISODES = 5


@dataclass(frozen=True, slots=True)
class EpisodeJob:
    """An episode to process, with what the ad detector may compare it against."""

    episode_id: str
    feed_id: str
    item: EpisodeItem
    audio_key: str
    attempts: int  # counting this one
    context_ids: tuple[str, ...] = field(default_factory=tuple)


def transcript_path_for(data_dir: Path, episode_id: str) -> Path:
    return data_dir / "transcripts" / f"{episode_id}.json"


def stage_transcript(path: Path, transcript: Transcript) -> None:
    """Write the transcript JSON atomically (temp file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path.parent, "*.tmp-*")  # what a killed run was writing
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    try:
        # Half an emoji (a lone surrogate) from a publisher's transcript is staged as U+FFFD,
        # as the warehouse stores it, rather than failing the episode on every run.
        text = json.dumps(transcript.to_json(), ensure_ascii=False)
        tmp.write_text(without_lone_surrogates(text), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # a failed write (a full disk) leaves no temp file behind


def load_staged_transcript(path: Path) -> Transcript | None:
    """A transcript staged by an earlier run, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        segments = segments_from_json(data)
    except (OSError, ValueError):
        return None
    meta = data if isinstance(data, dict) else {}
    return Transcript(
        segments=tuple(segments),
        language=str(meta.get("language") or "en"),
        duration_s=meta.get("duration"),
        source=str(meta.get("source") or "staged"),
        warnings=_staged_warnings(meta.get("warnings")),
    )


def _staged_warnings(raw: Any) -> tuple[str, ...]:
    """The `warnings` a staged transcript carries (none in one staged before they existed)."""
    if not isinstance(raw, list):
        return ()
    return tuple(w for w in raw if isinstance(w, str) and w)


def publisher_transcript_warning(failures: Sequence[str], used: str | None) -> str | None:
    """The episode's warning when publisher transcript links failed, naming each failure.

    Args:
        failures: one message per link that could not be fetched or parsed.
        used: the source of the transcript used instead (`publisher:vtt`, `whisper:tiny.en`).
    """
    if not failures:
        return None
    why = "; ".join(failures)
    if used is not None and used.startswith("publisher:"):
        instead = f"the publisher's {used.removeprefix('publisher:')} transcript used instead"
    else:
        instead = "transcribed by Whisper instead"
    return redact_credentials(f"publisher transcript not used ({why}): {instead}")


def obtain_transcript(
    job: EpisodeJob, cfg: Config, progress: Progress | None = None
) -> tuple[Transcript, int | None, str | None]:
    """The episode's transcript: staged if present, else the publisher's, else Whisper's.

    Returns:
        (transcript, audio bytes, audio sha256); the audio fields are None when staged. The
        transcript's `warnings` name the publisher transcript links that failed, first, then
        what the audio left in doubt; they are staged with it.
    """
    staged_path = transcript_path_for(cfg.data_dir, job.episode_id)
    staged = load_staged_transcript(staged_path)
    if staged is not None:
        return staged, None, None
    failures: list[str] = []
    if cfg.whisper.use_publisher_transcripts and job.item.transcript_urls:
        # The feed's own transcript costs one small GET instead of a download and Whisper;
        # when none of its links can be fetched and parsed, transcribe as usual.
        published, failures = fetch_publisher_transcript(
            job.item,
            timeout_s=cfg.download.timeout_s,
            retries=cfg.download.retries,
            language=cfg.whisper.language or "en",
        )
        for failure in failures:
            logging.getLogger(__name__).warning("publisher transcript skipped: %s", failure)
        if published is not None:
            published = _with_publisher_warning(published, failures)
            stage_transcript(staged_path, published)
            return published, None, None
    audio = _download(job.item, audio_path_for(cfg.data_dir, job.episode_id), cfg)
    try:
        transcript = transcribe_audio(
            audio.path, cfg.whisper, expected_duration_s=job.item.duration_s, progress=progress
        )
        transcript = _with_publisher_warning(transcript, failures)
        stage_transcript(staged_path, transcript)
    finally:
        # The ad-free copy is cut from this file after the ads are found (analyse_episode),
        # which deletes it then.
        if not cfg.keep_audio and not cfg.publish.ad_free_audio:
            audio.path.unlink(missing_ok=True)
    return transcript, audio.size, audio.sha256


def _with_publisher_warning(transcript: Transcript, failures: Sequence[str]) -> Transcript:
    """`transcript` with the warning its publisher transcript links' failures make, first."""
    warning = publisher_transcript_warning(failures, transcript.source)
    if warning is None:
        return transcript
    return replace(transcript, warnings=(warning, *transcript.warnings))


def _download(item: EpisodeItem, path: Path, cfg: Config) -> StagedAudio:
    """The item's audio staged at `path`, with the configured limits."""
    return download_audio(
        item.audio_url,
        path,
        max_bytes=cfg.download.max_bytes,
        timeout_s=cfg.download.timeout_s,
        retries=cfg.download.retries,
        expected_bytes=item.audio_length,
    )


def context_transcripts(cfg: Config, episode_ids: Sequence[str]) -> list[list[Segment]]:
    """Staged transcripts of the feed's earlier episodes, for cross-episode ad repetition."""
    found = []
    for episode_id in episode_ids[:MAX_CONTEXT_EPISODES]:
        staged = load_staged_transcript(transcript_path_for(cfg.data_dir, episode_id))
        if staged is not None:
            found.append(list(staged.segments))
    return found


def failed_result(job: EpisodeJob, error: str | None = None) -> EpisodeResult:
    """The result of `job` as a failure; stages fill it in as they succeed."""
    return EpisodeResult(
        episode_id=job.episode_id,
        feed_id=job.feed_id,
        item=job.item,
        audio_key=job.audio_key,
        status="failed",
        attempts=job.attempts,
        error=error,
    )


def transcribe_episode(
    job: EpisodeJob, cfg: Config, progress: Progress | None = None
) -> EpisodeResult:
    """Download and transcribe one episode (or reuse its staged transcript).

    Returns:
        status `transcribed` with the transcript; `skipped` when the audio holds no speech;
        `failed` with an error a user can act on. Unexpected exceptions propagate.
    """
    result = failed_result(job)
    try:
        transcript, result.audio_bytes, result.audio_sha256 = obtain_transcript(job, cfg, progress)
    except PodsiftError as exc:
        result.mark_failed(str(exc))
        discard_unused_audio(result, cfg)
        return result
    if not transcript.segments:
        seconds = transcript.duration_s
        # A clip under 10 s keeps its tenths: "0 s of audio" read as an empty file.
        shown = f"{seconds:.1f}" if seconds and seconds < 9.95 else f"{seconds or 0:.0f}"
        length = f"{shown} s of " if seconds else ""
        result.mark_skipped(f"no speech found in {length}audio (silence or music only)")
        discard_unused_audio(result, cfg)
        return result
    result.mark_transcribed(transcript)
    return result


def analyse_episode(
    result: EpisodeResult,
    cfg: Config,
    *,
    context: Sequence[Sequence[Segment]] = (),
) -> EpisodeResult:
    """Find the ads and facts of a transcribed episode; the result becomes `done`.

    Args:
        result: a `transcribed` result.
        cfg: the run's config (ad detector, facts backend).
        context: transcripts of other episodes of the same feed, for ad repetition.
    """
    if result.status != "transcribed" or result.transcript is None:
        return result
    segments = list(result.transcript.segments)
    spans = detect_ads(
        segments,
        context=context,
        description=result.item.description or None,
        detector=cfg.ads.detector,
    )
    try:
        facts = find_facts(
            segments, spans, cfg, title=result.item.title, notes=result.item.description
        )
    except PodsiftError as exc:
        result.mark_failed(str(exc))
        discard_unused_audio(result, cfg)
        return result
    result.mark_done(list(spans), mark_ad_segments(segments, spans), list(facts))
    if cfg.publish.ad_free_audio:
        result.adfree = adfree_for_episode(result, cfg)
    return result


def discard_unused_audio(result: EpisodeResult, cfg: Config) -> None:
    """Delete the staged original audio of an episode that ended failed or skipped, unless
    `keep_audio`.

    Nothing reads it again: a retry downloads afresh, and only a done episode's ad-free cut
    needs the original (`adfree_for_episode` deletes it after the cut). Without this, every
    failed or skipped episode would leave its download in `data_dir/audio` for good.
    """
    if cfg.keep_audio or result.status not in ("failed", "skipped"):
        return
    path = audio_path_for(cfg.data_dir, result.episode_id)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # a file that will not go must not fail the episode or the run
        logging.getLogger(__name__).warning("could not delete %s: %s", path, exc)


def adfree_for_episode(result: EpisodeResult, cfg: Config) -> AdFreeAudio:
    """The ad-free copy of a `done` episode's audio, or why its feed keeps the original.

    The original is the staged download; when the transcript came from the feed's publisher or
    an earlier run (and the audio was not kept), it is downloaded again for the cut. The
    original is deleted afterwards unless `keep_audio`. Never raises for the episode's own
    problems: an episode whose copy fails is still loaded, with the reason.
    """
    assert result.transcript is not None  # a done result has its transcript
    segments = result.transcript.segments
    audio = audio_path_for(cfg.data_dir, result.episode_id)
    try:
        if result.ad_spans and not audio.exists():
            # The copy may exist already (a run whose load waited for the warehouse).
            plan = plan_cuts(result.ad_spans, segments, _duration(result, None))
            dest = adfree_path_for(cfg.data_dir, result.episode_id, plan)
            if dest.exists() or not plan.cuts:
                return make_adfree_audio(None, plan, dest)
            _download(result.item, audio, cfg)
        plan = plan_cuts(result.ad_spans, segments, _duration(result, audio))
        dest = adfree_path_for(cfg.data_dir, result.episode_id, plan)
        made = make_adfree_audio(audio, plan, dest)
        if made.status == "cut":
            for stale in dest.parent.glob(f"{result.episode_id}-*.mp3"):
                if stale != dest:  # a copy cut by earlier, different spans
                    stale.unlink(missing_ok=True)
        return made
    except (PodsiftError, TryLaterError) as exc:
        return AdFreeAudio(
            "original", None, None, 0.0, None, f"the audio could not be fetched to cut: {exc}"
        )
    finally:
        if not cfg.keep_audio:
            audio.unlink(missing_ok=True)


def _duration(result: EpisodeResult, audio: Path | None) -> float:
    """The original's duration: the file's own when it is here, else the transcript's."""
    if audio is not None and audio.exists():
        try:
            return probe_duration(audio)
        except Exception:  # noqa: BLE001 (a file PyAV cannot open: the cut reports it)
            pass
    transcript = result.transcript
    if transcript is not None and transcript.duration_s:
        return float(transcript.duration_s)
    if result.item.duration_s:
        return float(result.item.duration_s)
    return max((s.end for s in transcript.segments), default=0.0) if transcript else 0.0


def find_facts(
    segments: Sequence[Segment],
    spans: Sequence[AdSpan],
    cfg: Config,
    *,
    title: str = "",
    notes: str = "",
) -> list[Fact]:
    """Facts from the configured backend: the offline extractor (which ranks by the episode's
    title and show notes too), or an LLM endpoint."""
    llm = cfg.facts.llm
    if cfg.facts.backend == "llm" and llm is not None:
        from podsift.tasks.facts.llm import extract_facts_llm

        api_key = os.environ.get(llm.api_key_env) if llm.api_key_env else None
        return extract_facts_llm(
            segments,
            spans,
            base_url=llm.base_url,
            model=llm.model,
            api_key=api_key,
            timeout_s=llm.timeout_s,
            max_facts=cfg.facts.max_facts,
        )
    return extract_facts(segments, spans, max_facts=cfg.facts.max_facts, title=title, notes=notes)
