"""The warehouse at size: 10,000 episodes and 2 million segments, loaded and queried.

Synthetic episodes (200 sentence-sized segments each, two ad spans, ten facts naming entities)
are loaded two ways and the throughput of each is printed:

- through `podsift.warehouse.store.load_episode`, the path every real run takes (one transaction per
  episode, `executemany` inserts), for the first `--store-episodes` episodes;
- through a bulk path for the rest: the same rows written to CSV and inserted with one
  `INSERT ... SELECT FROM read_csv` per table, as a backfill or migration would.

Then typical queries are timed on a read-only connection (median of several runs): one
episode's ad-free transcript, facts naming an entity, a substring search with ILIKE, and
`podsift.warehouse.search.search` (BM25 over the fts index, built first and timed too).

The database goes to a temporary folder (or `--db`), never into the repository.

Usage:
    python bench/warehouse.py [--episodes 10000] [--segments 200] [--store-episodes 100]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from podsift.tasks.core.records import (  # noqa: E402
    AdSpan,
    EpisodeItem,
    EpisodeResult,
    Fact,
    Segment,
    Transcript,
)
from podsift.warehouse import store  # noqa: E402
from podsift.warehouse.db import reader, writer  # noqa: E402
from podsift.warehouse.search import rebuild_search_index, search  # noqa: E402

FEEDS = 50
ENTITIES = (
    "Rotterdam Gothenburg Margaret Lindqvist Priya Raman Northwind Copperline Helsinki "
    "Wilmington Okafor Kyrill Singapore California Baltic Tomasz Gdansk Virtanen Fernleaf"
).split()
VOCAB = (
    "the a ship port harbor pilot weather storm wind tide channel berth cargo container crane "
    "crew engine power grid battery diesel fuel ammonia methanol ice fog river bank bridge "
    "captain tug boat rope ladder knot meter kilometer tonne hour minute year season winter "
    "summer morning evening people family town city coast sea ocean wave current water air "
    "quality energy cable plug train school simulator standard rule plan safety risk cost price "
    "market trade goods box truck rail road warehouse shift night day week month record number "
    "said says told asked thinks knows built opened closed moved carried handled reached grew "
    "large small new old fast slow early late quiet loud careful busy open safe clean green"
).split()
AD_LINES = (
    "This episode is supported by Northwind Rain Jackets, use the code HARBOR for a discount.",
    "Copperline Coffee roasts small batches, go to copperline coffee dot com slash harbor.",
)


def sentence(rng: random.Random) -> str:
    words = rng.choices(VOCAB, k=rng.randint(6, 18))
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), rng.choice(ENTITIES))
    return " ".join(words).capitalize() + "."


def synthetic_episode(n: int, segments_per_episode: int, rng: random.Random) -> EpisodeResult:
    """Episode `n`: sentence segments ~4.5 s each, two 30 s ad breaks, ten facts."""
    feed_id = f"feed{n % FEEDS:04d}"
    episode_id = f"ep{n:07d}"
    segments: list[Segment] = []
    is_ad: list[bool] = []
    ad_at = {segments_per_episode // 10, segments_per_episode // 2}
    t = 0.0
    spans: list[AdSpan] = []
    for i in range(segments_per_episode):
        ad = any(a <= i < a + 6 for a in ad_at)
        text = AD_LINES[i % 2] if ad else sentence(rng)
        length = 2.0 + 0.25 * len(text.split())
        segments.append(Segment(round(t, 3), round(t + length, 3), text))
        is_ad.append(ad)
        if ad and (i in ad_at):
            spans.append(AdSpan(t, t + 30.0, 0.9, "sponsor read"))
        t += length + 0.3
    facts = [
        Fact(
            segments[j].text,
            segments[j].start,
            segments[j].end,
            round(rng.random(), 4),
            (rng.choice(ENTITIES),),
        )
        for j in rng.sample([i for i, ad in enumerate(is_ad) if not ad], 10)
    ]
    published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)
    item = EpisodeItem(
        guid=f"guid-{n}",
        title=f"Episode {n}: {rng.choice(ENTITIES)} and the {rng.choice(VOCAB)}",
        audio_url=f"https://example.org/{feed_id}/{n}.mp3",
        published_at=published,
        duration_s=t,
        description="A synthetic episode for bench/warehouse.py.",
    )
    return EpisodeResult(
        episode_id=episode_id,
        feed_id=feed_id,
        item=item,
        audio_key=f"example.org/{feed_id}/{n}.mp3",
        status="done",
        transcript=Transcript(tuple(segments), "en", round(t, 3), "whisper:tiny.en"),
        is_ad=is_ad,
        ad_spans=sorted(spans, key=lambda s: s.start),
        facts=facts,
    )


def episodes(
    start: int, stop: int, segments_per_episode: int, seed: int = 7
) -> Iterator[EpisodeResult]:
    for n in range(start, stop):
        yield synthetic_episode(n, segments_per_episode, random.Random(seed * 1_000_003 + n))


def rows_of(result: EpisodeResult) -> int:
    segments = result.transcript.segments if result.transcript else ()
    return 1 + len(segments) + len(result.ad_spans) + len(result.facts)


def load_through_store(db: Path, results: Iterator[EpisodeResult]) -> tuple[int, int, float]:
    """(episodes, rows, seconds) loading each episode with store.load_episode."""
    count = rows = 0
    started = time.perf_counter()
    with writer(db) as con:
        for result in results:
            store.load_episode(con, result)
            count += 1
            rows += rows_of(result)
    return count, rows, time.perf_counter() - started


_JSON_ROWS = (
    "INSERT INTO {table} SELECT {casts} FROM (SELECT unnest(json_transform(?, '[\"JSON\"]')) AS r)"
)
_JSON_CASTS = {
    "segments": "r->>0, (r->>1)::INTEGER, (r->>2)::DOUBLE, (r->>3)::DOUBLE, r->>4, "
    "(r->>5)::BOOLEAN",
    "ad_spans": "r->>0, (r->>1)::INTEGER, (r->>2)::DOUBLE, (r->>3)::DOUBLE, (r->>4)::DOUBLE, r->>5",
    "facts": "r->>0, (r->>1)::INTEGER, r->>2, (r->>3)::DOUBLE, (r->>4)::DOUBLE, (r->>5)::DOUBLE, "
    "CAST(r->'$[6]' AS VARCHAR[])",
}


def load_json_rows(db: Path, results: Iterator[EpisodeResult]) -> tuple[int, int, float]:
    """(episodes, rows, seconds) like store.load_episode, one transaction per episode, but each
    child table's rows go in one INSERT with the rows as one JSON parameter instead of
    `executemany` (which DuckDB runs row by row). A candidate fix for warehouse/store.py."""
    import json

    count = rows = 0
    started = time.perf_counter()
    with writer(db) as con:
        for r in results:
            assert r.transcript is not None
            children = {
                "segments": [
                    [r.episode_id, i, s.start, s.end, s.text, flag]
                    for i, (s, flag) in enumerate(zip(r.transcript.segments, r.is_ad, strict=True))
                ],
                "ad_spans": [
                    [r.episode_id, i, a.start, a.end, a.confidence, a.reason]
                    for i, a in enumerate(r.ad_spans)
                ],
                "facts": [
                    [r.episode_id, i, f.text, f.start, f.end, f.score, list(f.entities)]
                    for i, f in enumerate(r.facts)
                ],
            }
            con.execute("BEGIN TRANSACTION")
            store._upsert_episode_row(con, r)
            store._delete_children(con, r.episode_id)
            for table, values in children.items():
                if values:
                    sql = _JSON_ROWS.format(table=table, casts=_JSON_CASTS[table])
                    con.execute(sql, [json.dumps(values)])
            con.execute("COMMIT")
            count += 1
            rows += rows_of(r)
    return count, rows, time.perf_counter() - started


def load_bulk(db: Path, results: Iterator[EpisodeResult], folder: Path) -> tuple[int, int, float]:
    """(episodes, rows, seconds) writing CSVs and inserting each table in one statement."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    files = {name: folder / f"{name}.csv" for name in ("episodes", "segments", "ad_spans", "facts")}
    handles = {name: path.open("w", newline="", encoding="utf-8") for name, path in files.items()}
    out = {name: csv.writer(fh) for name, fh in handles.items()}
    count = rows = 0
    try:
        for r in results:
            item = r.item
            published = item.published_at.replace(tzinfo=None).isoformat(sep=" ")
            transcript = r.transcript
            assert transcript is not None
            out["episodes"].writerow(
                [r.episode_id, r.feed_id, item.guid, r.audio_key, item.title, published,
                 item.audio_url, transcript.duration_s, item.description, r.status, None,
                 r.attempts, transcript.source, None, None, now, now]
            )  # fmt: skip
            out["segments"].writerows(
                [r.episode_id, i, s.start, s.end, s.text, flag]
                for i, (s, flag) in enumerate(zip(transcript.segments, r.is_ad, strict=True))
            )
            out["ad_spans"].writerows(
                [r.episode_id, i, a.start, a.end, a.confidence, a.reason]
                for i, a in enumerate(r.ad_spans)
            )
            out["facts"].writerows(
                [r.episode_id, i, f.text, f.start, f.end, f.score, "[" + ",".join(f.entities) + "]"]
                for i, f in enumerate(r.facts)
            )
            count += 1
            rows += rows_of(r)
    finally:
        for fh in handles.values():
            fh.close()
    written = time.perf_counter() - started
    with writer(db) as con:
        con.execute("BEGIN TRANSACTION")
        for name, path in files.items():
            columns = con.execute(
                f"SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_name = '{name}' ORDER BY ordinal_position"
            ).fetchall()
            types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns) + "}"
            con.execute(
                f"INSERT INTO {name} SELECT * FROM read_csv('{path}', header = false, "
                f"columns = {types}, quote = '\"', escape = '\"')"
            )
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    elapsed = time.perf_counter() - started
    print(f"  bulk: CSV written in {written:.1f} s, inserted in {elapsed - written:.1f} s")
    return count, rows, elapsed


def save_feeds(db: Path) -> None:
    with writer(db) as con:
        for i in range(FEEDS):
            store.save_feed_poll(
                con,
                feed_id=f"feed{i:04d}",
                url=f"https://example.org/feed{i:04d}.xml",
                name=f"Show {i}",
                title=f"Show {i}",
                current_url=None,
                etag=None,
                last_modified=None,
                error=None,
            )


def median_ms(run: Callable[[], Any], repeat: int = 7) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def time_queries(db: Path, episodes_total: int) -> None:
    rng = random.Random(3)
    with reader(db) as con:
        counts = con.execute(
            "SELECT (SELECT count(*) FROM episodes), (SELECT count(*) FROM segments), "
            "(SELECT count(*) FROM facts), (SELECT count(*) FROM ad_spans)"
        ).fetchone()
        print(f"rows: episodes {counts[0]:,}, segments {counts[1]:,}, facts {counts[2]:,}, "
              f"ad_spans {counts[3]:,}; file {db.stat().st_size / 1e6:.0f} MB")  # fmt: skip

        def one_transcript() -> Any:
            episode = f"ep{rng.randrange(episodes_total):07d}"
            return con.execute(
                "SELECT start_s, end_s, text FROM segments WHERE episode_id = ? AND NOT is_ad "
                "ORDER BY seq",
                [episode],
            ).fetchall()

        def one_clean_view() -> Any:
            episode = f"ep{rng.randrange(episodes_total):07d}"
            return con.execute(
                "SELECT * FROM clean_transcripts WHERE episode_id = ?", [episode]
            ).fetchall()

        def facts_entity() -> Any:
            return con.execute(
                "SELECT f.episode_id, e.title, f.start_s, f.text FROM facts f "
                "JOIN episodes e USING (episode_id) WHERE list_contains(f.entities, ?) "
                "ORDER BY f.score DESC LIMIT 50",
                [rng.choice(ENTITIES)],
            ).fetchall()

        def facts_ilike() -> Any:
            return con.execute(
                "SELECT episode_id, start_s, text FROM facts WHERE text ILIKE ? LIMIT 50",
                [f"%{rng.choice(ENTITIES)}%"],
            ).fetchall()

        def segments_ilike() -> Any:
            return con.execute(
                "SELECT episode_id, start_s, text FROM segments "
                "WHERE NOT is_ad AND text ILIKE ? LIMIT 20",
                [f"%{rng.choice(ENTITIES).lower()} {rng.choice(VOCAB)}%"],
            ).fetchall()

        def segments_ilike_count() -> Any:
            return con.execute(
                "SELECT count(*) FROM segments WHERE NOT is_ad AND text ILIKE ?",
                [f"%{rng.choice(ENTITIES)}%"],
            ).fetchone()

        for name, query in (
            ("one episode's ad-free transcript (segments)", one_transcript),
            ("one episode from the clean_transcripts view", one_clean_view),
            ("facts naming an entity (list_contains)", facts_entity),
            ("facts mentioning an entity (ILIKE)", facts_ilike),
            ("text search, ILIKE, first 20 hits", segments_ilike),
            ("text search, ILIKE, count over all", segments_ilike_count),
        ):
            ms, result = median_ms(query)
            size = len(result) if isinstance(result, list) else result
            print(f"  {name:48} {ms:8.1f} ms   ({size} rows)")

    started = time.perf_counter()
    with writer(db) as con:
        engine = rebuild_search_index(con)
    print(f"  search index rebuilt ({engine}) in {time.perf_counter() - started:.1f} s")
    for words in ("Lindqvist pilot", "ammonia fuel", "storm channel tide"):
        ms, hits = median_ms(lambda w=words: search(db, w, limit=10), repeat=3)  # type: ignore[misc]
        print(f"  warehouse.search({words!r}) {ms:8.1f} ms   ({len(hits)} hits)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--segments", type=int, default=200, help="segments per episode")
    parser.add_argument("--store-episodes", type=int, default=100, help="loaded via store")
    parser.add_argument("--json-episodes", type=int, default=300, help="via JSON-rows insert")
    parser.add_argument("--db", type=Path, help="default: a new file in a temp folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="podsift-bench-wh-"))
    db = args.db or folder / "warehouse.duckdb"
    print(f"warehouse: {db}; load average {os.getloadavg()[0]:.2f}")
    save_feeds(db)
    n_store = min(args.store_episodes, args.episodes)
    count, rows, secs = load_through_store(db, episodes(0, n_store, args.segments))
    print(
        f"store.load_episode: {count:,} episodes, {rows:,} rows in {secs:.1f} s = "
        f"{count / secs:,.1f} episodes/s, {rows / secs:,.0f} rows/s "
        f"(all {args.episodes:,} would take {args.episodes / count * secs / 60:.1f} min)"
    )
    n_json = min(args.json_episodes, args.episodes - n_store)
    count, rows, secs = load_json_rows(db, episodes(n_store, n_store + n_json, args.segments))
    print(
        f"JSON-rows insert:   {count:,} episodes, {rows:,} rows in {secs:.1f} s = "
        f"{count / secs:,.1f} episodes/s, {rows / secs:,.0f} rows/s "
        f"(all {args.episodes:,} would take {args.episodes / count * secs / 60:.1f} min)"
    )
    n_store += n_json
    if args.episodes > n_store:
        count, rows, secs = load_bulk(db, episodes(n_store, args.episodes, args.segments), folder)
        print(
            f"bulk CSV insert:    {count:,} episodes, {rows:,} rows in {secs:.1f} s = "
            f"{count / secs:,.1f} episodes/s, {rows / secs:,.0f} rows/s (generation included)"
        )
    time_queries(db, args.episodes)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
