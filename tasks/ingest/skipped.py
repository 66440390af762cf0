"""Items of a feed that become no episode row, each with its reason, and how they are told.

Nothing a feed lists may disappear unexplained: reading the document (`read_feed`) and planning
the run (`podsift.tasks.run.plan`) each record a `SkippedItem` for every item they leave out,
and `describe_items` turns them into the sentence that goes into `feeds.last_warning` and the
run summary: `130 items, 128 loaded, 2 skipped: 1 without audio, 1 repeated GUID (...)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

SkipReason = Literal["unparseable", "no_audio", "repeated_guid", "same_audio", "over_limit"]

# In the order the sentence lists them, with the words it uses.
REASON_WORDS: dict[SkipReason, str] = {
    "unparseable": "unparseable",
    "no_audio": "without audio",
    "repeated_guid": "repeated GUID",
    "same_audio": "same audio as another item",
    "over_limit": "outside max_episodes_per_feed",
}
MAX_NAMED = 10  # titles quoted per reason; the rest are counted
MAX_TITLE = 80  # characters of a title quoted


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """One item of a feed that is no episode row, and why."""

    reason: SkipReason
    title: str
    other: str | None = None  # the title of the item it repeats (repeated GUID, same audio)
    detail: str | None = None  # what it has instead of audio, or what could not be parsed


def describe_items(listed: int, skipped: Sequence[SkippedItem]) -> str | None:
    """`N items, M loaded, K skipped: ...` with the counts and titles per reason, or None when
    nothing was skipped.

    Args:
        listed: the items the feed's document lists.
        skipped: those that are no episode row, from reading the document and from planning.
    """
    if not skipped:
        return None
    by_reason = {r: [s for s in skipped if s.reason == r] for r in REASON_WORDS}
    present = [(r, items) for r, items in by_reason.items() if items]
    counts = ", ".join(f"{len(items)} {REASON_WORDS[r]}" for r, items in present)
    names = "; ".join(f"{REASON_WORDS[r]}: {_names(items)}" for r, items in present)
    loaded = max(listed - len(skipped), 0)
    return f"{listed} items, {loaded} loaded, {len(skipped)} skipped: {counts} ({names})"


def _names(items: list[SkippedItem]) -> str:
    shown = [_name(s) for s in items[:MAX_NAMED]]
    if len(items) > MAX_NAMED:
        shown.append(f"and {len(items) - MAX_NAMED} more")
    return ", ".join(shown)


def _name(item: SkippedItem) -> str:
    text = _quote(item.title)
    if item.reason == "repeated_guid" and item.other is not None:
        text += f" has the GUID of {_quote(item.other)}"
    elif item.reason == "same_audio" and item.other is not None:
        text += f" has the audio of {_quote(item.other)}"
    elif item.reason in ("unparseable", "no_audio") and item.detail:
        text += f" ({item.detail})"
    return text


def _quote(title: str) -> str:
    """A title as the sentence quotes it: at most `MAX_TITLE` characters."""
    return repr(title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 3] + "...")
