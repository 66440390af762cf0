"""The run summary: what each feed's ingestion did, the run's status, and the text the CLI prints.

`FeedOutcome.record` counts one loaded episode; `RunSummary` adds the feeds up into the
`runs` table's counts, the run's status and exit code, and `render` is the summary the CLI
and Prefect's run artifact show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from podsift.tasks.core.records import EpisodeResult
from podsift.tasks.core.timefmt import format_clock
from podsift.warehouse import store


def episode_label(title: str) -> str:
    """An episode title as progress lines and the summary quote it: at most 80 characters."""
    return repr(title if len(title) <= 80 else title[:77] + "...")


@dataclass(slots=True)
class FeedOutcome:
    """What one feed's ingestion did."""

    feed: str
    error: str | None = None
    warning: str | None = None  # what the document needed repaired, and the items no episode
    unchanged: bool = False
    not_polled: bool = False  # the warehouse was held and podsift had no snapshot to plan from
    counts: store.RunCounts = field(default_factory=store.RunCounts)
    failures: list[str] = field(default_factory=list)
    adfree_cut: int = 0  # episodes given an ad-free copy of their audio
    adfree_removed_s: float = 0.0
    adfree_kept: list[str] = field(default_factory=list)  # why an episode's original is kept
    # Episodes loaded with a doubt (`episodes.warning`): `episode 'Title' (feed): warning`.
    episode_warnings: list[str] = field(default_factory=list)

    def record(self, result: EpisodeResult) -> str:
        """Count one loaded episode.

        Returns:
            The episode's progress line.
        """
        title = episode_label(result.item.title)
        c = self.counts
        if result.status == "done":
            c.episodes_done += 1
            c.ads_found += len(result.ad_spans)
            c.facts_extracted += len(result.facts)
            if result.audio_sha256 and result.transcript and result.transcript.duration_s:
                c.minutes_transcribed += result.transcript.duration_s / 60.0
            adfree = result.adfree
            if adfree is not None and adfree.status == "cut":
                self.adfree_cut += 1
                self.adfree_removed_s += adfree.removed_s
            elif adfree is not None and adfree.cuts:  # ads found, but the copy was not made
                self.adfree_kept.append(f"episode {title} ({self.feed}): {adfree.reason}")
            counted = f"{len(result.ad_spans)} ads, {len(result.facts)} facts"
            if result.warning:
                self.episode_warnings.append(f"episode {title} ({self.feed}): {result.warning}")
                counted += "; with a warning, the summary says it"
            return f"  episode {title}: done ({counted})"
        if result.status == "skipped":
            c.episodes_skipped += 1
            return f"  episode {title}: skipped: {result.error}"
        c.episodes_failed += 1
        self.failures.append(f"episode {title} ({self.feed}): {result.error}")
        return f"  episode {title}: failed (the summary says why)"


@dataclass(slots=True)
class RunSummary:
    """The run as the CLI prints it and the `runs` table records it."""

    run_id: str
    warehouse: Path
    started_at: datetime
    wall_s: float = 0.0  # the flow's own time; the CLI sets it to the command's wall time
    startup_s: float | None = None  # imports and Prefect's start-up, when the CLI measured it
    feeds: list[FeedOutcome] = field(default_factory=list)

    @property
    def counts(self) -> store.RunCounts:
        total = sum((o.counts for o in self.feeds), store.RunCounts())
        total.feeds_polled = sum(1 for o in self.feeds if not o.not_polled)
        total.feeds_failed = sum(1 for o in self.feeds if o.error)
        return total

    @property
    def waiting(self) -> int:
        """Episodes processed but not loaded: the warehouse was held (0 when none)."""
        return self.counts.episodes_deferred + sum(1 for o in self.feeds if o.not_polled)

    @property
    def status(self) -> store.RunStatus:
        c = self.counts
        if self.waiting:
            return "deferred"
        return "partial" if (c.feeds_failed or c.episodes_failed) else "ok"

    @property
    def exit_code(self) -> int:
        """0 when nothing failed (deferred loads are not failures), 1 when something did."""
        c = self.counts
        return 1 if (c.feeds_failed or c.episodes_failed) else 0

    def failures(self) -> list[str]:
        out = []
        for o in self.feeds:
            if o.error:
                out.append(o.error)
            out.extend(o.failures)
        return out

    def message(self) -> str | None:
        """The `runs` row's message for a finished run: what waits and what failed."""
        notes = self.failures()
        if self.waiting:
            notes.insert(0, f"{self.waiting} episode(s) or feed(s) wait for a held warehouse")
        return "; ".join(notes)[:2000] or None

    def render(self) -> str:
        c = self.counts
        unchanged = sum(1 for o in self.feeds if o.unchanged)
        took = f"{self.wall_s:.1f} s"
        if self.startup_s is not None:
            took += f" (start-up {self.startup_s:.1f} s)"
        lines = [
            f"podsift run {self.run_id}: {self.status} in {took}",
            f"  feeds polled      {c.feeds_polled} ({unchanged} unchanged, "
            f"{c.feeds_failed} failed)",
            f"  episodes          {c.episodes_new} new, {c.episodes_done} done, "
            f"{c.episodes_failed} failed, {c.episodes_skipped} skipped",
            f"  transcribed       {c.minutes_transcribed:.1f} min of audio",
            f"  ads found         {c.ads_found}",
            f"  facts extracted   {c.facts_extracted}",
        ]
        cut = sum(o.adfree_cut for o in self.feeds)
        kept = [why for o in self.feeds for why in o.adfree_kept]
        if cut or kept:
            removed = sum(o.adfree_removed_s for o in self.feeds)
            lines.append(
                f"  ad-free audio     {cut} cut ({format_clock(removed)} of ads removed)"
                + (f", {len(kept)} kept the original" if kept else "")
            )
        lines.append(f"  warehouse         {self.warehouse}")
        if c.episodes_deferred:
            lines.append(
                f"  waiting           {c.episodes_deferred} episode(s) wait for the warehouse "
                "(held by another process); the next run loads them from their staged "
                "transcripts"
            )
        not_polled = [o.feed for o in self.feeds if o.not_polled]
        if not_polled:
            lines.append(
                f"  not polled        {', '.join(not_polled)} (the warehouse stayed held); "
                "the next run polls them"
            )
        failures = self.failures()
        if failures:
            lines.append("  failures:")
            lines.extend(f"    - {msg}" for msg in failures)
        lines.extend(f"  warning: {o.warning}" for o in self.feeds if o.warning)
        lines.extend(f"  warning: {w}" for o in self.feeds for w in o.episode_warnings)
        lines.extend(f"  original audio kept: {why}" for why in kept)
        return "\n".join(lines)
