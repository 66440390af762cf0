"""`podsift publish`: one ad-free feed per source feed, with its audio, VTT and chapters.

Layout under the publish folder, every name podsift's own (feeds by a slug of their configured
name, episodes by their id, never by a name the feed chose):

    <feed-slug>/feed.xml
    <feed-slug>/<episode_id>.mp3             the ad-free copy (or the original, for a local file)
    <feed-slug>/<episode_id>.vtt             the ad-free transcript
    <feed-slug>/<episode_id>.chapters.json   one chapter per stretch of content, a marker per ad

The warehouse keeps times in the original clock; the VTT and chapters use the clock of the
audio the item links to, through `CutPlan.to_adfree`. A file whose bytes would not change is
not rewritten, so a second publish touches nothing.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from podsift.tasks.ads.audio_cut import Cut, CutPlan
from podsift.tasks.core.records import PublishEpisode, PublishFeed
from podsift.tasks.publish.documents import (
    Channel,
    ContentStretch,
    FeedItem,
    RemovedAd,
    chapter_title,
    render_chapters,
    render_feed,
    render_vtt,
)

# Files podsift writes under a feed's folder; anything else there is left alone.
_OWN_FILE = re.compile(r"^[0-9a-f]{20}\.(?:mp3|m4a|aac|ogg|opus|wav|vtt|chapters\.json)$")
# A chapter's opening words come from this many of its first segments.
OPENING_SEGMENTS = 2


@dataclass(slots=True)
class FeedReport:
    """What publishing one feed did, for the CLI's summary."""

    slug: str
    feed_url: str
    items: int = 0
    ad_free: int = 0
    original: list[str] = field(default_factory=list)  # "title: why the original is linked"
    left_out: list[str] = field(default_factory=list)  # "title: why it has no item"
    written: int = 0
    unchanged: int = 0


def feed_slug(feed: PublishFeed, taken: set[str]) -> str:
    """A folder name from the feed's configured name (else its title), unique among `taken`."""
    text = unicodedata.normalize("NFKD", feed.name or feed.title or "")
    slug = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode().lower()).strip("-")
    slug = slug[:60].strip("-") or f"feed-{feed.feed_id[:8]}"
    if slug in taken:
        slug = f"{slug}-{feed.feed_id[:8]}"
    taken.add(slug)
    return slug


def publish_feeds(feeds: Sequence[PublishFeed], out_dir: Path, base_url: str) -> list[FeedReport]:
    """Write every feed's folder under `out_dir`; links are `base_url` joined with the path."""
    taken: set[str] = set()
    return [publish_feed(feed, out_dir, base_url, feed_slug(feed, taken)) for feed in feeds]


def publish_feed(feed: PublishFeed, out_dir: Path, base_url: str, slug: str) -> FeedReport:
    folder = out_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/") + "/" + quote(slug) + "/"
    report = FeedReport(slug=slug, feed_url=base + "feed.xml")
    items: list[FeedItem] = []
    keep: set[str] = set()
    for ep in feed.episodes:
        enclosure = _enclosure(ep, folder, base, report)
        if enclosure is None:
            continue
        url, length, mime, duration, plan, audio_name = enclosure
        if audio_name:
            keep.add(audio_name)
        vtt_name, chapters_name = f"{ep.episode_id}.vtt", f"{ep.episode_id}.chapters.json"
        keep.update((vtt_name, chapters_name))
        vtt, chapters = episode_documents(ep, plan, removed=bool(plan.cuts))
        _count(report, _write_if_changed(folder / vtt_name, vtt.encode("utf-8")))
        _count(report, _write_if_changed(folder / chapters_name, _json_bytes(chapters)))
        items.append(
            FeedItem(
                guid=ep.guid,
                title=ep.title,
                published_at=ep.published_at.replace(tzinfo=UTC)
                if ep.published_at and ep.published_at.tzinfo is None
                else ep.published_at,
                description=ep.description,
                enclosure_url=url,
                enclosure_length=length,
                enclosure_type=mime,
                duration_s=duration,
                transcript_url=base + vtt_name,
                chapters_url=base + chapters_name,
            )
        )
    report.items = len(items)
    channel = Channel.from_json(feed.channel) if feed.channel else None
    if channel is None or not channel.title:
        channel = Channel(title=feed.title or feed.name or feed.url)
    xml = render_feed(channel, items, feed_url=report.feed_url)
    _count(report, _write_if_changed(folder / "feed.xml", xml))
    for path in folder.iterdir():  # episodes no longer published (or re-cut under a new name)
        if _OWN_FILE.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)
    return report


def episode_documents(
    ep: PublishEpisode, plan: CutPlan, *, removed: bool
) -> tuple[str, dict[str, Any]]:
    """The episode's ad-free VTT and its chapters, in the clock of the audio `plan` cuts."""
    cues = [
        (plan.to_adfree(start), plan.to_adfree(end), text)
        for start, end, text, is_ad in ep.segments
        if not is_ad
    ]
    stretches: list[ContentStretch] = []
    bounds = [(-1.0, 0.0)] + [(s, e) for s, e, _ in ep.ad_spans]
    for i, (_, after) in enumerate(bounds):
        until = bounds[i + 1][0] if i + 1 < len(bounds) else float("inf")
        content = [
            seg for seg in ep.segments if not seg[3] and seg[0] >= after - 0.01 and seg[0] < until
        ]
        if not content:
            continue
        first, last = content[0][0], content[-1][1]
        fact = next((text for start, text in ep.facts if first - 0.01 <= start <= last), None)
        opening = " ".join(seg[2] for seg in content[:OPENING_SEGMENTS])
        at = 0.0 if not stretches and i == 0 else plan.to_adfree(first)
        stretches.append(ContentStretch(start_s=at, title=chapter_title(fact, opening)))
    ads = [RemovedAd(plan.to_adfree(s), s, reason) for s, _, reason in ep.ad_spans]
    chapters = render_chapters(stretches, ads)
    if not removed:
        # The linked audio still has its ads: the markers say where they are, not that they
        # were cut.
        for chapter in chapters["chapters"]:
            if chapter["title"].startswith("Ad removed: "):
                chapter["title"] = "Ad: " + chapter["title"].removeprefix("Ad removed: ")
    return render_vtt(cues), chapters


def _enclosure(
    ep: PublishEpisode, folder: Path, base: str, report: FeedReport
) -> tuple[str, int, str, float, CutPlan, str | None] | None:
    """(url, length, type, duration, the clock's plan, the local file's name) of the item's
    audio, or None when there is no audio to link (the item is left out, with the reason)."""
    if ep.adfree_status == "cut" and ep.adfree_path is not None and ep.adfree_path.exists():
        name = f"{ep.episode_id}.mp3"
        _count(report, _copy_if_changed(ep.adfree_path, folder / name))
        report.ad_free += 1
        plan = CutPlan(tuple(Cut(a, b) for a, b in ep.cuts), ep.duration_s)
        duration = ep.adfree_duration_s or plan.kept_s
        return base + name, ep.adfree_path.stat().st_size, "audio/mpeg", duration, plan, name
    if ep.adfree_status == "cut":
        why = "the ad-free copy is missing from data_dir"
    else:
        why = ep.adfree_reason or "no ad-free copy was made"
    identity = CutPlan((), ep.duration_s)
    mime = mimetypes.guess_type(urlsplit(ep.audio_url).path)[0] or "audio/mpeg"
    if urlsplit(ep.audio_url).scheme in ("http", "https"):
        report.original.append(f"{ep.title}: {why}")
        return ep.audio_url, ep.audio_bytes or 0, mime, ep.duration_s, identity, None
    local = Path(ep.audio_url.removeprefix("file://"))
    if local.is_file():  # a local feed's audio: served from here, as the copy would be
        name = f"{ep.episode_id}{local.suffix.lower() or '.mp3'}"
        if not _OWN_FILE.match(name):
            name = f"{ep.episode_id}.mp3"
        _count(report, _copy_if_changed(local, folder / name))
        report.original.append(f"{ep.title}: {why}")
        return base + name, local.stat().st_size, mime, ep.duration_s, identity, name
    report.left_out.append(f"{ep.title}: its audio is neither a URL nor a file here ({why})")
    return None


def _count(report: FeedReport, written: bool) -> None:
    if written:
        report.written += 1
    else:
        report.unchanged += 1


def _json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _write_if_changed(path: Path, content: bytes) -> bool:
    """Write `content` to `path` atomically unless it holds those bytes already."""
    try:
        if path.read_bytes() == content:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _copy_if_changed(src: Path, dst: Path) -> bool:
    """Copy `src` to `dst` (keeping its mtime) unless `dst` has its size and mtime already."""
    s = src.stat()
    try:
        d = dst.stat()
        if d.st_size == s.st_size and d.st_mtime_ns == s.st_mtime_ns:
            return False
    except FileNotFoundError:
        pass
    tmp = dst.with_name(dst.name + f".tmp-{os.getpid()}")
    try:
        shutil.copy2(src, tmp)
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)
    return True
