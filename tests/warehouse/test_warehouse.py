"""The warehouse's store basics on a real DuckDB file: migrations, all-or-nothing loads, reloads.

`sample_results` and `build_sample_warehouse` also serve the search, docs and CLI tests: two
shows, hand-made episodes (no Whisper), with ads, facts and entities.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from podsift.tasks.core.records import AdSpan, EpisodeItem, EpisodeResult, Fact, Segment, Transcript
from podsift.tasks.ingest.feeds import episode_id_for, feed_id_for
from podsift.warehouse import store
from podsift.warehouse.db import migrate, migrations, writer

GARDEN_URL = "https://garden.example/feed.xml"
KITCHEN_URL = "https://kitchen.example/feed.xml"
GARDEN = feed_id_for(GARDEN_URL)
KITCHEN = feed_id_for(KITCHEN_URL)
BEES_WARNING = "3 damaged audio packets skipped (0.4 s of 3610 s missing)"


def _episode(
    feed_id: str,
    guid: str,
    title: str,
    published: datetime,
    lines: list[tuple[float, float, str, bool]],
    facts: list[Fact],
    ads: list[AdSpan],
) -> EpisodeResult:
    segments = tuple(Segment(start, end, text) for start, end, text, _ in lines)
    return EpisodeResult(
        episode_id=episode_id_for(feed_id, guid),
        feed_id=feed_id,
        item=EpisodeItem(
            guid=guid,
            title=title,
            audio_url=f"https://cdn.example/{guid}.mp3",
            published_at=published,
            duration_s=lines[-1][1],
            description=f"{title}. Supported by Fernleaf Seeds.",
        ),
        audio_key=f"cdn.example/{guid}.mp3",
        status="done",
        transcript=Transcript(segments=segments, duration_s=lines[-1][1], source="whisper:tiny.en"),
        is_ad=[flag for *_, flag in lines],
        ad_spans=ads,
        facts=facts,
        audio_bytes=1000,
        audio_sha256="0" * 64,
    )


def sample_results() -> list[EpisodeResult]:
    """Three loaded episodes over two shows and two months, and one that failed."""
    tomatoes = _episode(
        GARDEN,
        "garden-1",
        "Tomatoes",
        datetime(2025, 3, 3, 6, tzinfo=UTC),
        [
            (0.0, 6.0, "This episode is brought to you by Fernleaf Seeds, use code GROW.", True),
            (6.0, 14.0, "Welcome back to Green Garden Radio.", False),
            (14.0, 25.0, "Tomatoes need at least six hours of direct sun every day.", False),
            (25.0, 33.0, "Water tomato plants deeply at the roots, never on the leaves.", False),
            (33.0, 40.0, "Fernleaf Seeds ships free on orders over twenty dollars.", True),
        ],
        [
            Fact(
                "Tomatoes need at least six hours of direct sun every day.",
                14.0,
                25.0,
                0.9,
                ("Tomatoes",),
            ),
            Fact("Water tomato plants deeply at the roots.", 25.0, 33.0, 0.7, ()),
        ],
        [
            AdSpan(0.0, 6.0, 0.95, "sponsor read with promo code"),
            AdSpan(33.0, 40.0, 0.9, "sponsor read with price"),
        ],
    )
    bees = _episode(
        GARDEN,
        "garden-2",
        "Honey bees",
        datetime(2025, 4, 7, 6, tzinfo=UTC),
        [
            (0.0, 9.0, "Honey bees visit flowers to gather nectar and pollen.", False),
            (9.0, 20.0, "A single hive can hold sixty thousand bees in summer.", False),
            (3600.0, 3610.0, "Lavender and borage bring bees to a vegetable garden.", False),
        ],
        [
            Fact(
                "A single hive can hold sixty thousand bees in summer.", 9.0, 20.0, 0.8, ("Hive",)
            ),
        ],
        [],
    )
    # Loaded with a doubt (episodes.warning): a few damaged packets were skipped.
    assert bees.transcript is not None
    bees.transcript = replace(bees.transcript, warnings=(BEES_WARNING,))
    bread = _episode(
        KITCHEN,
        "kitchen-1",
        "Sourdough",
        datetime(2025, 3, 10, 7, tzinfo=UTC),
        [
            (0.0, 12.0, "Sourdough bread rises with wild yeast from Paris bakers.", False),
            (12.0, 20.0, "Today's show is sponsored by Crumb Ovens, visit crumb dot com.", True),
            (20.0, 31.0, "Feed the starter with flour and water every twelve hours.", False),
        ],
        [
            Fact("Sourdough bread rises with wild yeast.", 0.0, 12.0, 0.85, ("Sourdough", "Paris")),
        ],
        [AdSpan(12.0, 20.0, 0.8, "sponsor read with URL")],
    )
    lost = EpisodeResult(
        episode_id=episode_id_for(KITCHEN, "kitchen-2"),
        feed_id=KITCHEN,
        item=EpisodeItem(
            guid="kitchen-2", title="Lost episode", audio_url="https://cdn.example/gone.mp3"
        ),
        audio_key="cdn.example/gone.mp3",
        status="failed",
        error="episode audio not found (HTTP 404)",
    )
    return [tomatoes, bees, bread, lost]


def build_sample_warehouse(path: Path) -> Path:
    """A real warehouse at `path` with the feeds and episodes of `sample_results`."""
    with writer(path) as con:
        for feed_id, url, name, title in (
            (GARDEN, GARDEN_URL, "garden", "Green Garden Radio"),
            (KITCHEN, KITCHEN_URL, None, "Kitchen Table"),
        ):
            store.save_feed_poll(
                con,
                feed_id=feed_id,
                url=url,
                name=name,
                title=title,
                current_url=None,
                etag='"abc"',
                last_modified=None,
                error=None,
            )
        for result in sample_results():
            store.load_episode(con, result)
    return path


def _count(con: duckdb.DuckDBPyConnection, table: str, episode_id: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table} WHERE episode_id = ?", [episode_id]).fetchone()
    assert row is not None
    return int(row[0])


def test_migrate_is_idempotent(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        applied = migrate(con)
        assert applied == [version for version, _, _ in migrations()]
        assert applied[:2] == [1, 2]
        assert migrate(con) == []
        assert migrate(con) == []
        versions = con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        assert [v for (v,) in versions] == applied
    finally:
        con.close()


def test_load_episode_writes_every_row(tmp_path: Path) -> None:
    path = build_sample_warehouse(tmp_path / "w.duckdb")
    tomatoes = sample_results()[0]
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert _count(con, "episodes", tomatoes.episode_id) == 1
        assert _count(con, "segments", tomatoes.episode_id) == 5
        assert _count(con, "ad_spans", tomatoes.episode_id) == 2
        assert _count(con, "facts", tomatoes.episode_id) == 2
        entities = con.execute(
            "SELECT entities FROM facts WHERE episode_id = ? AND seq = 0", [tomatoes.episode_id]
        ).fetchone()
        assert entities == (["Tomatoes"],)
        failed = con.execute(
            "SELECT status, error FROM episodes WHERE guid = 'kitchen-2'"
        ).fetchall()
        assert failed == [("failed", "episode audio not found (HTTP 404)")]
    finally:
        con.close()


def _broken(result: EpisodeResult) -> EpisodeResult:
    """The same episode, but its last fact breaks a NOT NULL column: the load fails midway,
    after the episode row, the segments and the ad spans are written."""
    bad = Fact(None, 1.0, 2.0, 0.5)  # type: ignore[arg-type]
    return replace(result, facts=[*result.facts, bad])


def test_failed_load_leaves_no_rows_of_a_new_episode(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    tomatoes = sample_results()[0]
    with writer(path) as con:
        with pytest.raises(duckdb.ConstraintException):
            store.load_episode(con, _broken(tomatoes))
        for table in ("episodes", "segments", "ad_spans", "facts"):
            assert _count(con, table, tomatoes.episode_id) == 0, table
        store.load_episode(con, tomatoes)  # the connection is still usable
        assert _count(con, "segments", tomatoes.episode_id) == 5


def test_failed_reload_keeps_the_earlier_load(tmp_path: Path) -> None:
    path = build_sample_warehouse(tmp_path / "w.duckdb")
    tomatoes = sample_results()[0]
    changed = replace(
        tomatoes,
        item=replace(tomatoes.item, title="Tomatoes, revised"),
        transcript=Transcript(segments=(Segment(0.0, 1.0, "only this"),)),
        is_ad=[False],
    )
    with writer(path) as con:
        with pytest.raises(duckdb.ConstraintException):
            store.load_episode(con, _broken(changed))
        title = con.execute(
            "SELECT title FROM episodes WHERE episode_id = ?", [tomatoes.episode_id]
        ).fetchone()
        assert title == ("Tomatoes",)
        assert _count(con, "segments", tomatoes.episode_id) == 5
        assert _count(con, "facts", tomatoes.episode_id) == 2


def test_reload_replaces_rows_without_duplicates(tmp_path: Path) -> None:
    path = build_sample_warehouse(tmp_path / "w.duckdb")
    tomatoes = sample_results()[0]
    shorter = replace(
        tomatoes,
        transcript=Transcript(
            segments=tomatoes.transcript.segments[1:3],  # type: ignore[union-attr]
            duration_s=40.0,
        ),
        is_ad=[False, False],
        ad_spans=[],
        facts=tomatoes.facts[:1],
        attempts=2,
    )
    with writer(path) as con:
        store.load_episode(con, tomatoes)  # the same load again changes nothing
        assert _count(con, "segments", tomatoes.episode_id) == 5
        store.load_episode(con, shorter)
        assert _count(con, "episodes", tomatoes.episode_id) == 1
        assert _count(con, "segments", tomatoes.episode_id) == 2
        assert _count(con, "ad_spans", tomatoes.episode_id) == 0
        assert _count(con, "facts", tomatoes.episode_id) == 1
        row = con.execute(
            "SELECT attempts FROM episodes WHERE episode_id = ?", [tomatoes.episode_id]
        ).fetchone()
        assert row == (2,)
        total = con.execute("SELECT count(*), count(DISTINCT episode_id) FROM episodes").fetchone()
        assert total == (4, 4)


def _warnings(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(con.execute("SELECT guid, warning FROM episodes ORDER BY guid").fetchall())


def test_an_episode_loaded_with_a_doubt_says_so_and_a_clean_reload_clears_it(
    tmp_path: Path,
) -> None:
    path = build_sample_warehouse(tmp_path / "w.duckdb")
    tomatoes, bees, _, _ = sample_results()
    with writer(path) as con:
        assert _warnings(con) == {
            "garden-1": None,
            "garden-2": BEES_WARNING,
            "kitchen-1": None,
            "kitchen-2": None,  # failed: its error says why
        }
        # The overview shows it beside the error (migration 007).
        overview = "SELECT title, warning FROM episode_overview WHERE warning IS NOT NULL"
        assert con.execute(overview).fetchall() == [(bees.item.title, BEES_WARNING)]
        # Two doubts in one line; a reload replaces the last load's warning.
        assert tomatoes.transcript is not None
        doubts = (
            "publisher transcript not used (transcript https://garden.example/t.vtt: HTTP 404 "
            "Not Found): transcribed by Whisper instead",
            "the feed declares 600 s but the audio is 40 s long, as its header says: "
            "transcribed as it is",
        )
        store.load_episode(
            con, replace(tomatoes, transcript=replace(tomatoes.transcript, warnings=doubts))
        )
        assert _warnings(con)["garden-1"] == "; ".join(doubts)
        store.load_episode(con, tomatoes)
        assert _warnings(con)["garden-1"] is None
        failed = replace(bees)
        failed.mark_failed("audio is truncated: decoded 9 s of the 22 s the file's header declares")
        store.load_episode(con, failed)
        assert _warnings(con)["garden-2"] is None


def test_a_warehouse_from_before_episode_warnings_gains_the_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warehouse made by the podsift before 006 (episodes without `warning`) gains the
    column when it is next opened, by a reader too; its episodes read NULL, new loads write
    it."""
    import podsift.warehouse.db as db
    from podsift.warehouse.db import reader

    before = tmp_path / "migrations-v5"
    before.mkdir()
    for version, name, sql in migrations():
        if version < 6:
            (before / f"{version:03d}_{name}.sql").write_text(sql, encoding="utf-8")
    path = tmp_path / "old.duckdb"
    with monkeypatch.context() as patch:
        patch.setattr(db, "MIGRATIONS_DIR", before)
        with writer(path) as con:
            assert "warning" not in {r[0] for r in con.execute("DESCRIBE episodes").fetchall()}
            con.execute(
                "INSERT INTO episodes (episode_id, feed_id, guid, title, audio_url, status, "
                "attempts, first_seen_at, updated_at) VALUES ('e1', 'f1', 'g1', 'Old', "
                "'https://a/1.mp3', 'done', 1, TIMESTAMP '2025-01-01', TIMESTAMP '2025-01-01')"
            )

    with reader(path) as con:  # `podsift sql` on the old file: migrated first
        assert con.execute("SELECT guid, warning FROM episodes").fetchall() == [("g1", None)]
        versions = [v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()]
        assert 6 in versions
    with writer(path) as con:
        bees = sample_results()[1]
        store.load_episode(con, bees)
        assert _warnings(con) == {"g1": None, "garden-2": BEES_WARNING}


def test_oldest_schema_upgrades_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A warehouse made when only 001 existed opens with today's code, views and data intact."""
    import podsift.warehouse.db as db

    oldest = tmp_path / "migrations-v1"
    oldest.mkdir()
    first = db.MIGRATIONS_DIR / "001_init.sql"
    (oldest / first.name).write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "old.duckdb"
    with monkeypatch.context() as patch:
        patch.setattr(db, "MIGRATIONS_DIR", oldest)
        con = duckdb.connect(str(path))
        assert migrate(con) == [1]
        # Rows as the first podsift wrote them, through SQL against the 001 columns only.
        con.execute(
            "INSERT INTO feeds (feed_id, url, name, title) VALUES ('f1', 'https://a/f.xml', "
            "'old', 'Old Show')"
        )
        con.execute(
            "INSERT INTO episodes (episode_id, feed_id, guid, title, published_at, audio_url, "
            "duration_s, status, attempts, first_seen_at, updated_at) VALUES ('e1', 'f1', 'g1', "
            "'First', TIMESTAMP '2024-11-05 06:00', 'https://a/1.mp3', 60, 'done', 1, "
            "TIMESTAMP '2024-11-05 07:00', TIMESTAMP '2024-11-05 07:00')"
        )
        con.execute(
            "INSERT INTO segments VALUES ('e1', 0, 0, 10, 'Buy our mattress', true), "
            "('e1', 1, 10, 60, 'Comets are made of ice and dust', false)"
        )
        con.execute("INSERT INTO ad_spans VALUES ('e1', 0, 0, 10, 0.9, 'sponsor')")
        con.execute(
            "INSERT INTO facts VALUES ('e1', 0, 'Comets are made of ice and dust', 10, 60, 0.8, "
            "['Comets'])"
        )
        con.close()

    with writer(path) as con:  # today's code: migrates on open
        versions = [
            v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        ]
        assert versions == [v for v, _, _ in migrations()]
        assert con.execute("SELECT count(*) FROM segments").fetchone() == (2,)
        overview = con.execute(
            "SELECT feed, title, ad_minutes, fact_count, status FROM episode_overview"
        ).fetchall()
        assert overview == [("old", "First", 0.17, 1, "done")]
        link = con.execute("SELECT link FROM fact_links").fetchone()
        assert link == ("https://a/1.mp3#t=10",)
        assert con.execute("SELECT entity FROM fact_entities").fetchall() == [("Comets",)]
        store.load_episode(con, sample_results()[0])  # and today's writes work on it
    with writer(path) as con:
        assert migrate(con) == []


def test_a_migration_numbered_below_the_newest_applied_still_runs(tmp_path: Path) -> None:
    """004 (ad-free audio) landed after 005: a warehouse at 005 without 004 gains it on open,
    for readers too (they check by set of versions, not by the highest one)."""
    from podsift.warehouse.db import reader

    path = tmp_path / "w.duckdb"
    with writer(path) as con:
        con.execute("DROP TABLE adfree_audio")
        con.execute("ALTER TABLE feeds DROP COLUMN channel_json")
        con.execute("DELETE FROM schema_migrations WHERE version = 4")
    with reader(path) as con:
        assert con.execute("SELECT count(*) FROM adfree_audio").fetchone() == (0,)
        versions = [
            v for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        ]
        assert versions == [v for v, _, _ in migrations()]
