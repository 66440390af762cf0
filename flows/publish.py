"""`podsift publish`: the warehouse's loaded episodes, written as ad-free feeds.

Reads the warehouse (read-only, briefly), then writes files only; `podsift.tasks.publish.writer`
decides
what goes where.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from podsift.tasks.core.config import Config
from podsift.tasks.publish.writer import FeedReport, publish_feeds
from podsift.warehouse.published import read_publishable


def default_base_url(cfg: Config) -> str:
    """Where `podsift serve` serves publish.dir."""
    host = cfg.publish.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{cfg.publish.port}/"


@dataclass(frozen=True, slots=True)
class PublishSummary:
    out_dir: Path
    feeds: list[FeedReport]

    def render(self) -> str:
        if not self.feeds:
            return "nothing to publish yet: no loaded episodes (run `podsift run` first)"
        lines = []
        for f in self.feeds:
            ad_free = f"{f.ad_free} ad-free" if f.ad_free else "none ad-free"
            lines.append(
                f"{f.slug}: {f.items} items ({ad_free}) -> {self.out_dir / f.slug / 'feed.xml'}"
            )
            lines.append(f"  subscribe: {f.feed_url}")
            lines += [f"  original audio linked: {why}" for why in f.original]
            lines += [f"  left out: {why}" for why in f.left_out]
        written = sum(f.written for f in self.feeds)
        unchanged = sum(f.unchanged for f in self.feeds)
        lines.append(f"{written} files written, {unchanged} unchanged")
        return "\n".join(lines)


def publish_all(cfg: Config, out_dir: Path, base_url: str | None = None) -> PublishSummary:
    """Write one ad-free feed per source feed under `out_dir`."""
    feeds = read_publishable(cfg.warehouse)
    reports = publish_feeds(feeds, out_dir, base_url or default_base_url(cfg))
    return PublishSummary(out_dir, reports)
