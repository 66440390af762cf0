"""Regenerate the committed demo and test audio from the text scripts in the repo.

Users and tests do NOT need this script: every MP3 it writes, `demo/feed.xml` and the texts
under `tests/data/audio/` are committed. Run it only after editing a script, to rebuild them.

It needs espeak-ng and ffmpeg on PATH (Debian: `apt-get install espeak-ng ffmpeg`) and uses
nothing else outside the standard library. Output is byte-for-byte deterministic for a given
espeak-ng and ffmpeg version: no timestamps or encoder strings go into the MP3s or the feed.

Usage:
    python scripts/make_audio.py           # rebuild demo/ and tests/data/audio/
    python scripts/make_audio.py --check   # only verify that espeak-ng and ffmpeg exist

Inputs and outputs:
    demo/scripts/<ep>.txt              -> demo/audio/<ep>.mp3, then demo/feed.xml
    tests/data/audio/scripts/<x>.txt   -> tests/data/audio/<x>.mp3, plus <x>.txt (the exact
                                          spoken words, one part a line) and <x>.json (the
                                          start/end, speaker and kind, ad or content, of each part)
    (generated)                        -> tests/data/audio/silence.mp3 and tone.mp3 (440 Hz),
                                          video_only.mp4 (a video stream, no audio)

Script format:
    # key: value                 not spoken; demo scripts set title, date, sponsor and notes
    [speaker] text ...           one spoken part; the speaker picks the voice (see VOICES)
    [speaker:ad] text ...        a part that is an advertisement (read by that speaker)
A part runs until the next `[...]` marker; blank lines are ignored. Numbers are spelled out
("twenty thirty") because espeak-ng reads "$310" as "dollar three hundred ten".
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.etree import ElementTree as ET

REPO = Path(__file__).resolve().parent.parent
DEMO_DIR = REPO / "demo"
DEMO_SCRIPTS = DEMO_DIR / "scripts"
DEMO_AUDIO = DEMO_DIR / "audio"
TEST_AUDIO = REPO / "tests" / "data" / "audio"
TEST_SCRIPTS = TEST_AUDIO / "scripts"

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2  # s16le mono
BITRATE = "32k"
# Pauses: a beat between turns, a longer gap where a show cuts to or from an ad break.
TURN_GAP_S = 0.5
AD_GAP_S = 1.0
EDGE_S = 0.3  # lead-in and tail, so the first word is not clipped by the decoder

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
FEED_TITLE = "The Podsift Demo Hour"
FEED_LINK = "https://example.com/podsift-demo"
FEED_DESCRIPTION = (
    "A tiny synthetic podcast bundled with podsift: three short interview and news episodes, "
    "each with a sponsor read, voiced by espeak-ng."
)
FEED_AUTHOR = "Podsift"


class ToolError(RuntimeError):
    """A required command-line tool is missing or failed."""


@dataclass(frozen=True, slots=True)
class Voice:
    """An espeak-ng voice: `name` is the -v value, `wpm` the -s speed, `pitch` 0-99."""

    name: str
    wpm: int
    pitch: int = 50


# Distinct voices so host, guest and the ad announcer sound like different people.
# Chosen by ear and by what Whisper tiny.en transcribes cleanly. Plain en-us flaps "water" into
# "Walter" and espeak-ng's female variants lose brand names and URLs, so the host is the +m3
# variant and the announcer is plain en-us pitched up to sound unlike the host.
VOICES: dict[str, Voice] = {
    "host": Voice("en-us+m3", 150, 45),
    "guest": Voice("en-gb", 150, 55),
    "guest2": Voice("en-us+f2", 150, 60),
    "announcer": Voice("en-us", 150, 65),
    # A second, deeper ad voice for a show with two sponsors (bench/data/long_episode.script).
    "announcer2": Voice("en-us+m3", 155, 30),
}


@dataclass(frozen=True, slots=True)
class ScriptPart:
    speaker: str
    is_ad: bool
    text: str


@dataclass(frozen=True, slots=True)
class EpisodeScript:
    name: str
    meta: dict[str, str]
    parts: tuple[ScriptPart, ...]

    @property
    def spoken_text(self) -> str:
        """The exact words spoken, one part per line."""
        return "\n".join(p.text for p in self.parts) + "\n"


@dataclass(frozen=True, slots=True)
class TimedPart:
    speaker: str
    kind: str  # "ad" or "content"
    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class RenderedAudio:
    path: Path
    duration_s: float
    size_bytes: int
    parts: tuple[TimedPart, ...] = ()


_MARKER = re.compile(r"^\[(?P<speaker>[a-z0-9]+)(?P<ad>:ad)?\]\s*(?P<text>.*)$")


def parse_script(name: str, source: str) -> EpisodeScript:
    """Parse the script format described in the module docstring.

    Raises:
        ValueError: on text before the first marker or an unknown speaker.
    """
    meta: dict[str, str] = {}
    parts: list[ScriptPart] = []
    speaker: str | None = None
    is_ad = False
    words: list[str] = []

    def flush() -> None:
        if speaker is not None and words:
            parts.append(ScriptPart(speaker, is_ad, " ".join(words)))

    for lineno, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep:
                meta[key.strip()] = value.strip()
            continue
        match = _MARKER.match(line)
        if match:
            flush()
            speaker = match["speaker"]
            if speaker not in VOICES:
                raise ValueError(
                    f"{name}:{lineno}: unknown speaker {speaker!r}: expected one of "
                    f"{', '.join(VOICES)}"
                )
            is_ad = bool(match["ad"])
            words = [match["text"]] if match["text"] else []
        elif speaker is None:
            raise ValueError(f"{name}:{lineno}: text before the first [speaker] marker")
        else:
            words.append(line)
    flush()
    return EpisodeScript(name, meta, tuple(parts))


def _run(cmd: list[str], stdin: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ToolError(f"{cmd[0]} not found: install it (apt-get install {cmd[0]})") from exc
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise ToolError(f"{cmd[0]} failed ({proc.returncode}): {' | '.join(err)}")
    return proc.stdout


def check_tools() -> None:
    """Raises ToolError unless espeak-ng and ffmpeg (with libmp3lame) are usable."""
    for tool in ("espeak-ng", "ffmpeg"):
        if shutil.which(tool) is None:
            raise ToolError(f"{tool} not found on PATH: install it (apt-get install {tool})")
    encoders = _run(["ffmpeg", "-hide_banner", "-encoders"]).decode()
    if "libmp3lame" not in encoders:
        raise ToolError("ffmpeg has no libmp3lame encoder: install a full ffmpeg build")


def synthesize(text: str, voice: Voice) -> bytes:
    """Speak `text` with espeak-ng; returns 16 kHz mono s16le PCM."""
    wav = _run(
        ["espeak-ng", "-v", voice.name, "-s", str(voice.wpm), "-p", str(voice.pitch), "--stdout"],
        stdin=text.encode(),
    )
    return _to_pcm(["-f", "wav", "-i", "pipe:0"], stdin=wav)


def _to_pcm(input_args: list[str], stdin: bytes | None = None) -> bytes:
    return _run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", *input_args]
        + ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"],
        stdin=stdin,
    )


def silence(seconds: float) -> bytes:
    return b"\x00" * (round(seconds * SAMPLE_RATE) * BYTES_PER_SAMPLE)


def _seconds(pcm_len: int) -> float:
    return pcm_len / (SAMPLE_RATE * BYTES_PER_SAMPLE)


def encode_mp3(pcm: bytes, out: Path) -> None:
    """Encode PCM to a CBR mono MP3 with no metadata, so reruns give identical bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_out = Path(tmp) / out.name
        _run(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"]
            + ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0"]
            + ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"]
            + ["-id3v2_version", "0", "-c:a", "libmp3lame", "-b:a", BITRATE, str(tmp_out)],
            stdin=pcm,
        )
        shutil.move(tmp_out, out)


def render_episode(script: EpisodeScript, out: Path) -> RenderedAudio:
    """Speak every part, join them with pauses and write `out` as MP3."""
    pcm = bytearray(silence(EDGE_S))
    timed: list[TimedPart] = []
    prev: ScriptPart | None = None
    for part in script.parts:
        if prev is not None:
            pcm += silence(AD_GAP_S if part.is_ad != prev.is_ad else TURN_GAP_S)
        start = _seconds(len(pcm))
        pcm += synthesize(part.text, VOICES[part.speaker])
        kind = "ad" if part.is_ad else "content"
        timed.append(
            TimedPart(part.speaker, kind, round(start, 3), round(_seconds(len(pcm)), 3), part.text)
        )
        prev = part
    pcm += silence(EDGE_S)
    encode_mp3(bytes(pcm), out)
    return RenderedAudio(out, _seconds(len(pcm)), out.stat().st_size, tuple(timed))


def render_lavfi(source: str, out: Path) -> RenderedAudio:
    """Render an ffmpeg lavfi source (e.g. a sine) to MP3."""
    pcm = _to_pcm(["-f", "lavfi", "-i", source])
    encode_mp3(pcm, out)
    return RenderedAudio(out, _seconds(len(pcm)), out.stat().st_size)


def load_scripts(folder: Path) -> list[EpisodeScript]:
    return [
        parse_script(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))
    ]


def format_duration(seconds: float) -> str:
    """itunes:duration as HH:MM:SS."""
    total = round(seconds)
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def build_feed(episodes: list[tuple[EpisodeScript, RenderedAudio]], feed_dir: Path) -> bytes:
    """RSS 2.0 + itunes feed; enclosure URLs are relative to the feed file's folder."""
    ET.register_namespace("itunes", ITUNES_NS)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, tag, attrs)
        if text is not None:
            el.text = text
        return el

    def itunes(tag: str) -> str:
        return f"{{{ITUNES_NS}}}{tag}"

    sub(channel, "title", FEED_TITLE)
    sub(channel, "link", FEED_LINK)
    sub(channel, "description", FEED_DESCRIPTION)
    sub(channel, "language", "en-us")
    sub(channel, itunes("author"), FEED_AUTHOR)
    sub(channel, itunes("summary"), FEED_DESCRIPTION)
    sub(channel, itunes("explicit"), "false")
    ET.SubElement(channel, itunes("category"), {"text": "News"})

    def published(script: EpisodeScript) -> datetime:
        return datetime.strptime(script.meta["date"], "%Y-%m-%d %H:%M:%S %z")

    # Newest first, as real feeds list them.
    for script, audio in sorted(episodes, key=lambda e: published(e[0]), reverse=True):
        meta = script.meta
        item = sub(channel, "item")
        sub(item, "title", meta["title"])
        sub(item, "guid", f"podsift-demo-{script.name}", isPermaLink="false")
        sub(item, "pubDate", format_datetime(published(script)))
        sub(item, "description", meta["notes"])
        sub(item, itunes("duration"), format_duration(audio.duration_s))
        sub(item, itunes("episodeType"), "full")
        sub(
            item,
            "enclosure",
            url=audio.path.relative_to(feed_dir).as_posix(),
            length=str(audio.size_bytes),
            type="audio/mpeg",
        )
    ET.indent(rss, space="  ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def write_manifest(audio: RenderedAudio, script: EpisodeScript) -> None:
    """Write `<name>.txt` (exact spoken text) and `<name>.json` (part timings) beside the MP3."""
    audio.path.with_suffix(".txt").write_text(script.spoken_text, encoding="utf-8")
    manifest = {
        "audio": audio.path.name,
        "duration": round(audio.duration_s, 3),
        "parts": [
            {"start": p.start, "end": p.end, "kind": p.kind, "speaker": p.speaker, "text": p.text}
            for p in audio.parts
        ],
    }
    audio.path.with_suffix(".json").write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
    )


def report(audio: RenderedAudio) -> None:
    rel = audio.path.relative_to(REPO)
    print(f"{rel}: {audio.duration_s:.2f} s, {audio.size_bytes} bytes")
    for p in audio.parts:
        print(f"    {p.start:6.2f}-{p.end:6.2f}  {p.kind:7s} {p.speaker:9s} {p.text[:60]}")


def make_demo() -> None:
    episodes = []
    for script in load_scripts(DEMO_SCRIPTS):
        audio = render_episode(script, DEMO_AUDIO / f"{script.name}.mp3")
        report(audio)
        episodes.append((script, audio))
    # Written last so durations and byte sizes describe the files just made.
    (DEMO_DIR / "feed.xml").write_bytes(build_feed(episodes, DEMO_DIR))
    print(f"{(DEMO_DIR / 'feed.xml').relative_to(REPO)}: {len(episodes)} items")


def make_test_audio() -> None:
    for script in load_scripts(TEST_SCRIPTS):
        audio = render_episode(script, TEST_AUDIO / f"{script.name}.mp3")
        write_manifest(audio, script)
        report(audio)
    for name, source in (
        ("silence", f"anullsrc=r={SAMPLE_RATE}:cl=mono:d=10"),
        ("tone", f"sine=frequency=440:sample_rate={SAMPLE_RATE}:duration=10"),
    ):
        report(render_lavfi(source, TEST_AUDIO / f"{name}.mp3"))
    make_video_only(TEST_AUDIO / "video_only.mp4")


def make_video_only(out: Path) -> None:
    """A one-second MP4 with a video stream and no audio: an enclosure podsift must refuse."""
    _run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
        + ["-i", "color=c=black:s=16x16:d=1", "-r", "5", "-c:v", "mpeg4"]
        + ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", str(out)]
    )
    print(f"{out.relative_to(REPO)}: video only, {out.stat().st_size} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the tools exist")
    args = parser.parse_args(argv)
    try:
        check_tools()
        if args.check:
            print("espeak-ng and ffmpeg found")
            return 0
        make_demo()
        make_test_audio()
    except (ToolError, ValueError) as exc:
        print(f"make_audio: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
