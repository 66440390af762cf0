"""Full-text search on a real warehouse: the fts extension loaded offline, the SQL BM25 used when
it cannot load, the stored index and its staleness, and `podsift search`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import podsift.warehouse.search as search_mod
from podsift.flows.cli import main
from podsift.tasks.core.errors import UsageError
from podsift.tasks.core.records import Fact, Segment, Transcript
from podsift.warehouse import store
from podsift.warehouse.db import WarehouseError, writer
from podsift.warehouse.search import rebuild_search_index, search, stored_index_is_fresh
from tests.warehouse.test_warehouse import build_sample_warehouse, sample_results

REPO = Path(__file__).parents[2]
ENGINES = [pytest.param(True, id="fts"), pytest.param(False, id="sql")]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return build_sample_warehouse(tmp_path / "warehouse.duckdb")


@pytest.fixture
def no_fts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A machine where fts cannot load: the wheel's binary is not usable, none is installed."""
    bogus = tmp_path / "fts.duckdb_extension"
    bogus.write_bytes(b"not a shared object")
    monkeypatch.setattr(search_mod, "fts_extension_path", lambda: bogus)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # DuckDB looks for installed extensions here


def test_fts_loads_from_the_wheel_with_no_network_and_nothing_installed(tmp_path: Path) -> None:
    """In a fresh process whose home has no DuckDB extensions, a plain LOAD fails (DuckDB would
    need to download it) and load_fts still loads the binary the wheel ships."""
    code = """
import duckdb
from podsift.warehouse.search import load_fts
con = duckdb.connect()
try:
    con.execute("LOAD fts")
    print("plain LOAD worked")
except duckdb.Error:
    print("plain LOAD failed")
print("load_fts", load_fts(con))
print(con.execute("SELECT stem('tomatoes', 'porter')").fetchone()[0])
"""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["plain LOAD failed", "load_fts True", "tomato"]
    assert not (tmp_path / ".duckdb").exists()  # nothing installed or downloaded


@pytest.mark.parametrize("use_fts", ENGINES)
def test_search_ranks_the_best_match_first(warehouse: Path, use_fts: bool) -> None:
    hits = search(warehouse, "how much sun do tomatoes need", 5, use_fts=use_fts)
    top = hits[0]
    assert top.text == "Tomatoes need at least six hours of direct sun every day."
    assert (top.episode_title, top.feed, top.start_s, top.end_s) == ("Tomatoes", "garden", 14, 25)
    assert top.link == "https://cdn.example/garden-1.mp3#t=14"
    # Said once, and also a fact: one hit, as the fact; then the episode named by its title.
    assert top.kind == "fact"
    assert [(h.kind, h.text) for h in hits[1:3]] == [
        ("title", "Tomatoes"),
        ("fact", "Water tomato plants deeply at the roots."),
    ]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("use_fts", ENGINES)
def test_search_stems_words_and_limits(warehouse: Path, use_fts: bool) -> None:
    hits = search(warehouse, "tomato", 10, use_fts=use_fts)
    # "tomato" finds "Tomatoes"; the episode's show notes ("Tomatoes. Supported by ...") are
    # the same hit as its title, and the segments the same as the facts they contain.
    assert hits[0].kind == "title"
    assert sorted((h.kind, h.text) for h in hits) == [
        ("fact", "Tomatoes need at least six hours of direct sun every day."),
        ("fact", "Water tomato plants deeply at the roots."),
        ("title", "Tomatoes"),
    ]
    assert len(search(warehouse, "tomato", 1, use_fts=use_fts)) == 1
    past_the_hour = search(warehouse, "lavender borage", 3, use_fts=use_fts)[0]
    assert past_the_hour.link == "https://cdn.example/garden-2.mp3#t=3600"


@pytest.mark.parametrize("use_fts", ENGINES)
def test_ads_are_not_searched(warehouse: Path, use_fts: bool) -> None:
    # The sponsor read in the audio is not searched; the show notes that name the sponsor are.
    hits = search(warehouse, "Fernleaf promo code", 10, use_fts=use_fts)
    assert sorted((h.kind, h.text) for h in hits) == [
        ("description", "Honey bees. Supported by Fernleaf Seeds."),
        ("description", "Sourdough. Supported by Fernleaf Seeds."),
        ("description", "Tomatoes. Supported by Fernleaf Seeds."),
    ]
    assert search(warehouse, "Crumb Ovens", 10, use_fts=use_fts) == []


def _load_lighthouse(warehouse: Path) -> None:
    """An episode whose title says "Lighthouse" while Whisper heard "light house"; each of its
    sentences is also a fact, word for word."""
    tomatoes = sample_results()[0]
    lines = [
        (0.0, 5.0, "The light house on the point was built in 1871."),
        (5.0, 9.0, "Its keeper climbed one hundred steps every night."),
        (9.0, 14.0, "The lamp could be seen from thirty kilometres at sea."),
    ]
    episode = replace(
        tomatoes,
        episode_id="1" * 20,
        item=replace(
            tomatoes.item, guid="coast-1", title="Lighthouse", description="Keepers and lamps."
        ),
        audio_key="cdn.example/coast-1.mp3",
        transcript=Transcript(segments=tuple(Segment(a, b, t) for a, b, t in lines)),
        is_ad=[False] * 3,
        ad_spans=[],
        facts=[Fact(t, a, b, 0.8) for a, b, t in lines],
    )
    with writer(warehouse) as con:
        store.load_episode(con, episode)


@pytest.mark.parametrize("use_fts", ENGINES)
def test_a_title_finds_the_episode_whisper_heard_differently(
    warehouse: Path, use_fts: bool
) -> None:
    _load_lighthouse(warehouse)
    hits = search(warehouse, "lighthouse", 5, use_fts=use_fts)
    assert [(h.kind, h.episode_title, h.text, h.start_s) for h in hits] == [
        ("title", "Lighthouse", "Lighthouse", 0.0)
    ]
    notes = search(warehouse, "keepers lamps", 5, use_fts=use_fts)
    assert (notes[0].kind, notes[0].text) == ("description", "Keepers and lamps.")


@pytest.mark.parametrize("use_fts", ENGINES)
def test_a_fact_and_its_identical_segment_are_one_hit(warehouse: Path, use_fts: bool) -> None:
    _load_lighthouse(warehouse)
    hits = search(warehouse, "light house steps night kilometres sea", 3, use_fts=use_fts)
    assert sorted((h.kind, h.start_s) for h in hits) == [
        ("fact", 0.0),
        ("fact", 5.0),
        ("fact", 9.0),
    ]


def test_both_engines_rank_alike(warehouse: Path) -> None:
    for query in ("bees garden", "sourdough yeast starter", "water plants", "sun"):
        by_fts = search(warehouse, query, 5, use_fts=True)
        by_sql = search(warehouse, query, 5, use_fts=False)
        assert [(h.kind, h.episode_id, h.start_s) for h in by_fts] == [
            (h.kind, h.episode_id, h.start_s) for h in by_sql
        ], query


@pytest.mark.parametrize("use_fts", ENGINES)
def test_stored_index_is_used_until_a_load_makes_it_stale(warehouse: Path, use_fts: bool) -> None:
    assert not stored_index_is_fresh(warehouse, use_fts=use_fts)
    with writer(warehouse) as con:
        assert rebuild_search_index(con, use_fts=use_fts) == ("fts" if use_fts else "sql")
    assert stored_index_is_fresh(warehouse, use_fts=use_fts)
    assert search(warehouse, "hive", 3, use_fts=use_fts)[0].text.startswith("A single hive")

    bees = sample_results()[1]
    retold = replace(
        bees,
        transcript=Transcript(segments=(Segment(0.0, 8.0, "Bumblebees nest underground."),)),
        is_ad=[False],
        facts=[Fact("Bumblebees nest underground.", 0.0, 8.0, 0.9)],
    )
    with writer(warehouse) as con:
        store.load_episode(con, retold)
    assert not stored_index_is_fresh(warehouse, use_fts=use_fts)
    # Stale: search builds a fresh index in memory and sees the reload, without writing.
    assert search(warehouse, "hive", 3, use_fts=use_fts) == []
    hits = search(warehouse, "underground nest", 3, use_fts=use_fts)
    assert [(h.kind, h.text) for h in hits] == [("fact", "Bumblebees nest underground.")]
    assert not stored_index_is_fresh(warehouse, use_fts=use_fts)  # search wrote nothing


def test_an_sql_index_does_not_satisfy_an_fts_search(warehouse: Path) -> None:
    with writer(warehouse) as con:
        rebuild_search_index(con, use_fts=False)
    assert stored_index_is_fresh(warehouse, use_fts=False)
    assert not stored_index_is_fresh(warehouse, use_fts=True)
    assert search(warehouse, "sourdough", 1, use_fts=True)[0].episode_title == "Sourdough"


@pytest.mark.usefixtures("no_fts")
def test_without_fts_search_falls_back_to_sql(warehouse: Path) -> None:
    assert not search_mod.load_fts(__import__("duckdb").connect())
    hits = search(warehouse, "how much sun do tomatoes need", 3)
    assert hits[0].text == "Tomatoes need at least six hours of direct sun every day."
    with writer(warehouse) as con:
        assert rebuild_search_index(con) == "sql"
    assert stored_index_is_fresh(warehouse)
    with pytest.raises(WarehouseError, match="fts extension cannot be loaded"):
        search(warehouse, "sun", 3, use_fts=True)


def test_search_refuses_empty_text_and_a_missing_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse at"):
        search(tmp_path / "none.duckdb", "bees", 3)
    path = build_sample_warehouse(tmp_path / "w.duckdb")
    with pytest.raises(UsageError, match="give some words"):
        search(path, "  ", 3)


def _config(tmp_path: Path, warehouse: Path) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"feeds:\n  - url: https://garden.example/feed.xml\nwarehouse: {warehouse}\n",
        encoding="utf-8",
    )
    return str(path)


def test_cli_search_prints_episode_time_text_and_link(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, warehouse)
    assert main(["search", "direct sun", "--limit", "2", "--config", config]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] in ("1. garden / Tomatoes  [0:14]",)
    assert out[1].strip().endswith("Tomatoes need at least six hours of direct sun every day.")
    assert out[2].strip() == "https://cdn.example/garden-1.mp3#t=14"
    assert len([line for line in out if line[:1].isdigit()]) == 1  # fact = its segment

    assert main(["search", "sourdough", "--limit", "1", "--config", config]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "1. Kitchen Table / Sourdough  [0:00]",
        "   title: Sourdough",
    ]

    assert main(["search", "lavender", "--format", "json", "--config", config]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits[0]["time"] == "1:00:00" and hits[0]["episode"] == "Honey bees"

    assert main(["search", "zebra", "--config", config]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no matches for 'zebra'" in captured.err

    assert main(["search", "bees", "--limit", "0", "--config", config]) == 2
    assert capsys.readouterr().err == "podsift: --limit must be at least 1, not 0\n"

    assert main(["search", "", "--config", config]) == 2
    assert capsys.readouterr().err == "podsift: give some words to search for\n"
    assert main(["search", "   ", "--config", config]) == 2
    assert capsys.readouterr().err == "podsift: give some words to search for\n"
