"""Which episodes a run processes: new ones, failed ones with tries left, none Whisper cannot do.

Pure policy over what the warehouse knows (`PlanInputs`); the flow reads those inputs, calls
`plan_feed`, and wires the jobs to the stages; the items the plan leaves out are named in the
feed's warning. `PlanInputs` are also kept as a small snapshot under `data_dir`, so that a run
can plan and transcribe while another process holds the warehouse (a notebook left open) and
load once it is free.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from podsift.tasks.core.config import Config, WhisperConfig
from podsift.tasks.core.errors import TranscriptionError
from podsift.tasks.core.records import EpisodeItem, FeedState, KnownEpisode
from podsift.tasks.ingest.audio_identity import audio_key, same_audio
from podsift.tasks.ingest.feeds import episode_id_for
from podsift.tasks.ingest.skipped import SkippedItem
from podsift.tasks.run.episode import EpisodeJob, transcript_path_for


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """What planning needs to know about one feed from the warehouse."""

    state: FeedState | None = None
    known: list[KnownEpisode] = field(default_factory=list)
    retryable: list[tuple[KnownEpisode, EpisodeItem]] = field(default_factory=list)
    recent_done: list[str] = field(default_factory=list)  # newest first, for ad context

    def to_json(self) -> dict[str, Any]:
        return {
            "state": asdict(self.state) if self.state else None,
            "known": [asdict(k) for k in self.known],
            "retryable": [[asdict(k), _item_json(i)] for k, i in self.retryable],
            "recent_done": list(self.recent_done),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanInputs:
        return cls(
            state=FeedState(**data["state"]) if data.get("state") else None,
            known=[KnownEpisode(**k) for k in data.get("known", [])],
            retryable=[(KnownEpisode(**k), _item_from_json(i)) for k, i in data["retryable"]],
            recent_done=[str(e) for e in data.get("recent_done", [])],
        )


def _item_json(item: EpisodeItem) -> dict[str, Any]:
    out = asdict(item)
    out["published_at"] = item.published_at.isoformat() if item.published_at else None
    return out


def _item_from_json(data: dict[str, Any]) -> EpisodeItem:
    published = data.get("published_at")
    return EpisodeItem(
        **{
            **data,
            "published_at": datetime.fromisoformat(published) if published else None,
            "transcript_urls": tuple(tuple(pair) for pair in data.get("transcript_urls", ())),
        }
    )


def snapshot_path(data_dir: Path, feed_id: str) -> Path:
    return data_dir / "state" / f"{feed_id}.json"


def save_plan_snapshot(data_dir: Path, feed_id: str, inputs: PlanInputs) -> None:
    """Keep `inputs` as the feed's snapshot (atomically: temp file, then rename)."""
    path = snapshot_path(data_dir, feed_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(inputs.to_json()), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_plan_snapshot(data_dir: Path, feed_id: str) -> PlanInputs | None:
    """The feed's last snapshot, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(snapshot_path(data_dir, feed_id).read_text(encoding="utf-8"))
        return PlanInputs.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class FeedPlan:
    """What a run does with one feed's items: the jobs, and the items that are no episode."""

    jobs: list[EpisodeJob]
    new: int  # episodes never seen before
    skipped: list[SkippedItem]  # each item that is no episode row, with why
    # (episode_id, item) of each known episode the feed still lists and the run does not
    # process: the warehouse keeps the enclosure URL, title, show notes, date and stated
    # duration the feed gives it now (a show that moves its audio to another host would
    # otherwise be linked at the dead address; a fixed typo would never show).
    relisted: list[tuple[str, EpisodeItem]] = field(default_factory=list)


def plan_jobs(
    feed_id: str,
    items: Iterable[EpisodeItem],
    known: list[KnownEpisode],
    retryable: list[tuple[KnownEpisode, EpisodeItem]],
    cfg: Config,
) -> tuple[list[EpisodeJob], int]:
    """`plan_feed`'s jobs and count of new episodes.

    Returns:
        (jobs, number of episodes never seen before)
    """
    plan = plan_feed(feed_id, items, known, retryable, cfg)
    return plan.jobs, plan.new


def plan_feed(
    feed_id: str,
    items: Iterable[EpisodeItem],
    known: list[KnownEpisode],
    retryable: list[tuple[KnownEpisode, EpisodeItem]],
    cfg: Config,
) -> FeedPlan:
    """Decide which items to process: new ones, and failed ones with tries left (or, tries
    used up, whose item now lists another audio file: those start counting again).

    An item is the same episode as a known one when its GUID matches, or (a GUID that changed)
    when its audio key matches that of exactly one known episode whose GUID no item of this
    poll still carries: a key that two known episodes share, or that belongs to an episode
    the feed still lists under its own GUID, proves nothing, and the item is kept as new.

    Only the newest `max_episodes_per_feed` items are processed; older ones that the warehouse
    does not hold yet are skipped, as are items that repeat a GUID or an audio file of a newer
    one (`read_feed` has left those out already; items from elsewhere are checked the same
    way). Every skipped item is in the plan's `skipped`.
    """
    items = list(items)
    by_guid = {k.guid: k for k in known}
    listed_guids = {item.guid for item in items}
    audio_owners: dict[str, list[KnownEpisode]] = {}
    for k in known:
        if k.audio_key:
            audio_owners.setdefault(k.audio_key, []).append(k)
    by_audio = {
        key: owners[0]
        for key, owners in audio_owners.items()
        if len(owners) == 1 and owners[0].guid not in listed_guids
    }
    jobs: dict[str, EpisodeJob] = {}
    skipped: list[SkippedItem] = []
    matched: list[tuple[str, EpisodeItem]] = []
    planned: dict[str, EpisodeItem] = {}  # by GUID
    planned_audio: dict[str, list[EpisodeItem]] = {}
    new = 0
    newest_first = sorted(
        items,
        key=lambda i: i.published_at or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    for item in newest_first:
        key = audio_key(item.audio_url)
        earlier = planned.get(item.guid)
        if earlier is not None:
            skipped.append(SkippedItem("repeated_guid", item.title, other=earlier.title))
            continue
        twin = next((i for i in planned_audio.get(key, ()) if same_audio(i, item)), None)
        if twin is not None:
            skipped.append(SkippedItem("same_audio", item.title, other=twin.title))
            continue
        rank = len(planned)
        planned[item.guid] = item
        planned_audio.setdefault(key, []).append(item)
        match = by_guid.get(item.guid)
        if match is None and key in by_audio:
            # One known episode stands for one item: a second item with its key (one that
            # declares another length) is another file.
            match = by_audio.pop(key)
        if match is not None:
            matched.append((match.episode_id, item))
        if cfg.max_episodes_per_feed and rank >= cfg.max_episodes_per_feed:
            if match is None:  # a row already when known; failed ones are retried below
                skipped.append(SkippedItem("over_limit", item.title))
            continue
        if match is None:
            episode_id = episode_id_for(feed_id, item.guid)
            jobs[episode_id] = EpisodeJob(episode_id, feed_id, item, key, attempts=1)
            new += 1
        elif match.status == "failed" and (
            match.attempts < cfg.max_attempts or _other_file(match, key)
        ):
            # An episode that used up its tries on one file gets fresh ones when the feed
            # lists another (a publisher fixes a dead link): `attempts` counts tries of the
            # file the episode has now.
            jobs[match.episode_id] = EpisodeJob(
                match.episode_id,
                feed_id,
                replace(item, guid=match.guid),
                key,
                attempts=1 if match.attempts >= cfg.max_attempts else match.attempts + 1,
            )
    for match, item in retryable:  # failed earlier, not (or no longer) in this poll
        if match.episode_id not in jobs and match.attempts < cfg.max_attempts:
            jobs[match.episode_id] = EpisodeJob(
                match.episode_id,
                feed_id,
                item,
                match.audio_key or audio_key(item.audio_url),
                attempts=match.attempts + 1,
            )
    relisted = [(episode_id, item) for episode_id, item in matched if episode_id not in jobs]
    return FeedPlan(list(jobs.values()), new, skipped, relisted)


def _other_file(known: KnownEpisode, key: str) -> bool:
    """Whether the feed now lists another audio file for `known` than the one it tried."""
    return bool(known.audio_key) and key != known.audio_key


class WhisperCheck:
    """Whether the Whisper model loads, asked once per run and settings, not once per feed.

    A run makes one; `podsift serve` runs many in one process, so a model fixed between runs
    is tried again.
    """

    def __init__(self) -> None:
        self._problems: dict[str, str | None] = {}  # settings -> why they failed (None: loaded)

    def problem(self, whisper: WhisperConfig) -> str | None:
        """Why `whisper`'s model cannot load, or None when it loads."""
        from podsift.tasks.speech.transcribe import load_model

        key = whisper.model_dump_json()
        if key not in self._problems:
            try:
                load_model(whisper)
                self._problems[key] = None
            except TranscriptionError as exc:
                self._problems[key] = str(exc)
        return self._problems[key]

    def held_back(self, jobs: list[EpisodeJob], cfg: Config) -> tuple[list[EpisodeJob], str]:
        """Jobs that need Whisper when its model cannot be loaded, with the reason.

        Loading here costs nothing extra with the thread runner: the model is cached for the
        process, and the transcription threads use the same one. Dask workers load their own,
        so there a model failure shows per episode.
        """
        if cfg.runner.kind != "thread":
            return [], ""
        needs = [
            j
            for j in jobs
            if not transcript_path_for(cfg.data_dir, j.episode_id).exists()
            and not (cfg.whisper.use_publisher_transcripts and j.item.transcript_urls)
        ]
        if not needs:
            return [], ""
        problem = self.problem(cfg.whisper)
        return (needs, problem) if problem else ([], "")
