"""The committed demo feed and test audio agree with each other.

They are made by `scripts/make_audio.py`; this test needs neither espeak-ng, ffmpeg nor ffprobe.
Durations come from PyAV (installed with faster-whisper) when present, else from walking the
MP3 frame headers, so the test runs on a bare `pip install`.
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO / "demo"
FEED = DEMO_DIR / "feed.xml"
TEST_AUDIO = REPO / "tests" / "data" / "audio"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"

# MPEG audio header tables for Layer III (ISO 11172-3 and 13818-3), in kbit/s and Hz.
_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


def mp3_frames_info(path: Path) -> tuple[float, int, int]:
    """Walk the Layer III frames of `path`.

    Returns:
        (duration in seconds, sample rate, channels). The LAME/Xing info frame is not audio and
        is not counted; encoder delay is ignored (tens of milliseconds).
    """
    data = path.read_bytes()
    pos = 0
    if data[:3] == b"ID3":  # skip an ID3v2 tag: its size is four 7-bit bytes
        size = sum((data[6 + i] & 0x7F) << (7 * (3 - i)) for i in range(4))
        pos = 10 + size
    samples = 0
    rate = channels = 0
    first = True
    while pos + 4 <= len(data):
        b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
        if data[pos] != 0xFF or b1 & 0xE0 != 0xE0:
            break  # end of the frames (e.g. an ID3v1 tag)
        version = {3: 1, 2: 2, 0: 25}[b1 >> 3 & 0x3]
        assert b1 >> 1 & 0x3 == 1, f"{path.name}: not Layer III at byte {pos}"
        bitrate = _BITRATES[1 if version == 1 else 2][b2 >> 4] * 1000
        rate = _SAMPLE_RATES[version][b2 >> 2 & 0x3]
        channels = 1 if b3 >> 6 == 3 else 2
        per_frame = 1152 if version == 1 else 576
        length = (per_frame // 8) * bitrate // rate + (b2 >> 1 & 0x1)
        if not (first and (b"Xing" in data[pos : pos + 64] or b"Info" in data[pos : pos + 64])):
            samples += per_frame
        first = False
        pos += length
    return samples / rate, rate, channels


def audio_info(path: Path) -> tuple[float, int, int]:
    """(duration s, sample rate, channels), decoded with PyAV if installed, else from headers."""
    try:
        import av
    except ImportError:
        return mp3_frames_info(path)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate, channels = stream.sample_rate, stream.channels
        samples = sum(frame.samples for frame in container.decode(stream))
    return samples / rate, rate, channels


def parse_duration(text: str) -> int:
    """itunes:duration as seconds: `SS`, `MM:SS` or `HH:MM:SS`."""
    seconds = 0
    for part in text.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds


def feed_items() -> list[ET.Element]:
    return ET.parse(FEED).getroot().findall("./channel/item")


def sponsors() -> dict[str, str]:
    """Episode name -> sponsor, from the `# sponsor:` line of each demo script."""
    out = {}
    for script in sorted((DEMO_DIR / "scripts").glob("*.txt")):
        for line in script.read_text(encoding="utf-8").splitlines():
            if line.startswith("# sponsor:"):
                out[script.stem] = line.partition(":")[2].strip()
    return out


def test_feed_is_rss2_with_three_complete_items() -> None:
    root = ET.parse(FEED).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.findtext("./channel/title") == "The Podsift Demo Hour"
    items = feed_items()
    assert len(items) == 3
    guids = set()
    for item in items:
        for tag in ("title", "guid", "pubDate", "description", f"{ITUNES}duration"):
            assert (item.findtext(tag) or "").strip(), f"item without {tag}"
        guids.add(item.findtext("guid"))
    assert len(guids) == 3


@pytest.mark.parametrize("index", range(3))
def test_enclosure_matches_the_committed_file(index: int) -> None:
    item = feed_items()[index]
    enclosure = item.find("enclosure")
    assert enclosure is not None
    url = enclosure.get("url", "")
    assert enclosure.get("type") == "audio/mpeg"
    assert "://" not in url and not url.startswith("/"), "enclosure url must be relative"
    path = DEMO_DIR / url
    assert path.is_file(), f"{url} missing"
    assert int(enclosure.get("length", "-1")) == path.stat().st_size
    assert path.stat().st_size < 250_000

    duration, rate, channels = audio_info(path)
    assert duration < 60
    assert abs(duration - parse_duration(item.findtext(f"{ITUNES}duration", ""))) <= 1.5
    assert (rate, channels) == (16_000, 1)


def test_every_episode_names_its_sponsor_in_the_show_notes() -> None:
    by_episode = sponsors()
    assert len(by_episode) == 3
    for item in feed_items():
        name = Path(item.find("enclosure").get("url", "")).stem  # type: ignore[union-attr]
        assert by_episode[name] in item.findtext("description", "")


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("speech_short", 4, 6),
        ("episode_a", 15, 25),
        ("episode_b", 15, 25),
        ("silence", 9.5, 10.5),
        ("tone", 9.5, 10.5),
    ],
)
def test_test_audio_is_small_and_as_long_as_described(name: str, low: float, high: float) -> None:
    path = TEST_AUDIO / f"{name}.mp3"
    assert path.stat().st_size < 120_000
    duration, rate, channels = audio_info(path)
    assert low <= duration <= high
    assert (rate, channels) == (16_000, 1)


@pytest.mark.parametrize("name", ["speech_short", "episode_a", "episode_b"])
def test_spoken_test_audio_has_its_text_and_timings(name: str) -> None:
    text = (TEST_AUDIO / f"{name}.txt").read_text(encoding="utf-8")
    manifest = json.loads((TEST_AUDIO / f"{name}.json").read_text(encoding="utf-8"))
    assert [p["text"] for p in manifest["parts"]] == text.splitlines()
    duration, _, _ = audio_info(TEST_AUDIO / f"{name}.mp3")
    assert manifest["parts"][-1]["end"] <= duration + 0.1


def test_both_test_episodes_carry_the_same_ad_read() -> None:
    ads = []
    for name in ("episode_a", "episode_b"):
        manifest = json.loads((TEST_AUDIO / f"{name}.json").read_text(encoding="utf-8"))
        ads.append([p["text"] for p in manifest["parts"] if p["kind"] == "ad"])
    assert ads[0] == ads[1] and len(ads[0]) == 1
    assert "nineteen dollars" in ads[0][0] and "dot com slash" in ads[0][0]


def test_frame_walker_agrees_with_pyav() -> None:
    """The header fallback must give the same answer as a real decoder."""
    pytest.importorskip("av")
    for path in [*sorted((DEMO_DIR / "audio").glob("*.mp3")), TEST_AUDIO / "tone.mp3"]:
        walked, rate, channels = mp3_frames_info(path)
        decoded, av_rate, av_channels = audio_info(path)
        assert (rate, channels) == (av_rate, av_channels)
        assert abs(walked - decoded) < 0.2, path.name
