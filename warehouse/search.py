"""Full-text search over episodes: titles, show notes, non-ad transcript segments and facts.

Ranked by BM25, a title hit weighted up (`TITLE_BOOST`): a title names what the whole episode
is about, and Whisper may hear the word itself differently in the audio. A fact that repeats a
segment word for word is indexed once, as the fact, so each hit shows once.

Ranking uses DuckDB's `fts` extension. DuckDB would download it on first use, which fails
offline, so it is loaded from the binary the `duckdb-extension-fts` wheel ships (one DuckDB
version per wheel; pyproject pins both). Where that binary does not load (another platform, a
different DuckDB), an equivalent BM25 written in plain SQL ranks instead, so search still works.

The index lives in the warehouse: `search_docs` (one row per searchable text) plus the fts
extension's `fts_main_search_docs` schema, and `search_index_state` records what it was built
from. An fts index does not follow table changes, so the writer rebuilds it after each load
(`rebuild_search_index`). `search` never writes to the warehouse: when the stored index is
missing or stale it builds a fresh one in memory from a read-only attachment of the warehouse.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import duckdb

from podsift.tasks.core.errors import UsageError
from podsift.warehouse.db import (
    LOCK_WAIT_S,
    WarehouseError,
    reader,
    retry_while_locked,
    utcnow,
)

Engine = Literal["fts", "sql"]

FTS_SCHEMA = "fts_main_search_docs"
BM25_K = 1.2
BM25_B = 0.75
# A title hit's score is multiplied by this. Chosen on tests/warehouse/test_search.py's
# sample: a title naming the one searched word ranks first, while a sentence matching most words
# of a longer question ("how much sun do tomatoes need") still outranks the title that names
# one of them.
TITLE_BOOST = 1.6
# The fts extension's own tokenizer: lower-case, accents stripped, digits and punctuation split.
_IGNORE = r"[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|''\"`-]+"

# What is searchable. `{src}` is the catalog prefix of the warehouse tables ("" or "wh.main.").
# Titles and show notes of loaded episodes are documents at time 0.
_DOCS_SQL = """
SELECT CAST(row_number() OVER (ORDER BY kind, episode_id, seq) AS INTEGER) AS doc_id, *
FROM (
    SELECT 'title' AS kind, episode_id, 0 AS seq, 0.0 AS start_s, 0.0 AS end_s, title AS text
    FROM {src}episodes WHERE status = 'done' AND trim(COALESCE(title, '')) <> ''
    UNION ALL
    SELECT 'description', episode_id, 0, 0.0, 0.0, description
    FROM {src}episodes WHERE status = 'done' AND trim(COALESCE(description, '')) <> ''
    UNION ALL
    SELECT 'segment', episode_id, seq, start_s, end_s, text
    FROM {src}segments WHERE NOT is_ad
    UNION ALL
    SELECT 'fact', episode_id, seq, start_s, end_s, text FROM {src}facts
)
"""

# Changes whenever a load adds, replaces or removes an episode's rows, or when what is indexed
# changes (INDEX_VERSION: 2 added titles and show notes), so an older stored index is rebuilt.
INDEX_VERSION = 2
_FINGERPRINT_SQL = """
SELECT concat_ws('|', 'v{version}',
    (SELECT count(*) FROM {src}episodes),
    (SELECT CAST(max(updated_at) AS VARCHAR) FROM {src}episodes),
    (SELECT count(*) FROM {src}segments WHERE NOT is_ad),
    (SELECT count(*) FROM {src}facts))
"""

# Hits with what a person needs to find the moment: `{scores}` yields (doc_id, score).
_HITS_SQL = f"""
WITH scores AS ({{scores}})
SELECT d.kind, d.episode_id, e.title, COALESCE(f.name, f.title, f.url), d.start_s, d.end_s,
       d.text, s.score * (CASE d.kind WHEN 'title' THEN {TITLE_BOOST} ELSE 1.0 END) AS ranked,
       regexp_replace(e.audio_url, '#.*$', '') || '#t=' || CAST(floor(d.start_s) AS BIGINT)
FROM scores AS s
JOIN search_docs AS d USING (doc_id)
JOIN wh_episodes AS e ON e.episode_id = d.episode_id
LEFT JOIN wh_feeds AS f ON f.feed_id = e.feed_id
WHERE s.score IS NOT NULL
ORDER BY ranked DESC, d.episode_id, d.start_s, d.kind
LIMIT ? * 2 + 10
"""

_FTS_SCORES_SQL = f"""
SELECT doc_id, {FTS_SCHEMA}.match_bm25(doc_id, ?, k := {BM25_K}, b := {BM25_B}) AS score
FROM search_docs
"""

# A short English stop list for the SQL ranking (the fts extension uses its own, longer one).
STOPWORDS = tuple(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves""".split()
)


def _sql_terms(column: str) -> str:
    """SQL for the stemmed, stop-listed terms of `column`, one row each (as `term`).

    The stemmer is deliberately light (plural and -ing/-ed endings, a final e): the same rule
    applies to documents and queries, so "tomatoes" finds "tomato" as Porter's does.
    """
    ignore = _IGNORE.replace("'", "''")
    token = (
        f"unnest(string_split_regex(regexp_replace(lower(strip_accents(CAST({column} AS "
        f"VARCHAR))), '{ignore}', ' ', 'g'), '\\s+'))"
    )
    stem = """
        regexp_replace(regexp_replace(regexp_replace(t,
            '(ss)es$|ies$|([^su])s$', '\\1\\2'),
            '(...)(ing|ed)$', '\\1'),
            '(...)e$', '\\1')"""
    return (
        f"SELECT {stem} AS term FROM (SELECT {token} AS t) "
        "WHERE t <> '' AND NOT list_contains($stopwords, t)"
    )


_SQL_SCORES_SQL = f"""
SELECT doc_id, sum(idf * (tf * ({BM25_K} + 1))
                   / (tf + {BM25_K} * (1 - {BM25_B} + {BM25_B} * len / avgdl))) AS score
FROM (
    WITH doc_terms AS (
        SELECT doc_id, term FROM search_docs, LATERAL ({_sql_terms("search_docs.text")})
    ),
    query_terms AS (SELECT DISTINCT term FROM ({_sql_terms("$query")})),
    doc_len AS (
        SELECT d.doc_id, count(t.term) AS len
        FROM search_docs AS d LEFT JOIN doc_terms AS t USING (doc_id) GROUP BY d.doc_id
    ),
    stats AS (SELECT count(*) AS n, avg(len) AS avgdl FROM doc_len),
    tf AS (
        SELECT doc_id, term, count(*) AS tf FROM doc_terms
        WHERE term IN (SELECT term FROM query_terms) GROUP BY doc_id, term
    ),
    df AS (SELECT term, count(*) AS df FROM tf GROUP BY term)
    SELECT tf.doc_id, tf.tf, doc_len.len, stats.avgdl,
           log(((stats.n - df.df + 0.5) / (df.df + 0.5)) + 1) AS idf
    FROM tf JOIN df USING (term) JOIN doc_len USING (doc_id), stats
)
GROUP BY doc_id
"""


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked match: a transcript segment or a fact, where it is said, and how well it fits."""

    kind: str  # "title", "description" (show notes), "segment" or "fact"
    episode_id: str
    episode_title: str | None
    feed: str | None
    start_s: float
    end_s: float
    text: str
    score: float
    link: str | None  # audio_url#t=SECONDS, to open the audio at the moment


def fts_extension_path() -> Path | None:
    """The fts binary the `duckdb-extension-fts` wheel ships for this DuckDB version, if any."""
    spec = importlib.util.find_spec("duckdb_extension_fts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "extensions" / f"v{duckdb.__version__}" / "fts.duckdb_extension"
        if path.is_file():
            return path
    return None


def load_fts(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the fts extension without the network; False when it cannot be loaded here.

    The wheel's binary is loaded by path. Failing that, an fts already installed in DuckDB's
    extension folder (`INSTALL fts` on a connected machine) is tried. Nothing is downloaded.
    """
    con.execute("SET autoinstall_known_extensions = false")
    path = fts_extension_path()
    if path is not None:
        try:
            con.execute(f"LOAD '{_quote(str(path))}'")
            return True
        except duckdb.Error:
            pass  # wrong platform or DuckDB build: try an installed copy, else plain SQL
    try:
        con.execute("LOAD fts")
    except duckdb.Error:
        return False
    return True


def rebuild_search_index(con: duckdb.DuckDBPyConnection, *, use_fts: bool | None = None) -> Engine:
    """Rebuild the warehouse's search index from its current rows (a writer connection).

    Call it after loading episodes: the fts index does not follow table changes.

    Args:
        con: a read-write connection to the warehouse, schema migrated.
        use_fts: True or False to force an engine; None uses fts when it loads.

    Returns:
        The engine the index was built for: "fts", or "sql" when fts is not available (then
        only `search_docs` is stored, and searches rank it with SQL).
    """
    engine: Engine = "fts" if (use_fts is not False and load_fts(con)) else "sql"
    if use_fts and engine != "fts":
        raise WarehouseError("the DuckDB fts extension cannot be loaded on this machine")
    con.execute("BEGIN TRANSACTION")
    try:
        row = con.execute(_FINGERPRINT_SQL.format(src="", version=INDEX_VERSION)).fetchone()
        fingerprint = row[0] if row else ""
        con.execute(f"DROP SCHEMA IF EXISTS {FTS_SCHEMA} CASCADE")
        con.execute("CREATE OR REPLACE TABLE search_docs AS " + _DOCS_SQL.format(src=""))
        if engine == "fts":
            _create_fts_index(con)
        con.execute(
            "CREATE OR REPLACE TABLE search_index_state "
            "(built_at TIMESTAMP NOT NULL, engine VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL)"
        )
        con.execute(
            "INSERT INTO search_index_state VALUES (?, ?, ?)", [utcnow(), engine, fingerprint]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return engine


def search_index_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the stored index was built from the warehouse's current rows (a writer's
    connection): a run that loaded nothing, but refreshed a title from the feed, rebuilds it."""
    try:
        if not _has_table(con, "", "search_index_state"):
            return False
        stored = con.execute("SELECT fingerprint FROM search_index_state").fetchone()
        current = con.execute(_FINGERPRINT_SQL.format(src="", version=INDEX_VERSION)).fetchone()
    except duckdb.Error:  # an index of another shape: rebuild it
        return False
    return stored is not None and current is not None and stored[0] == current[0]


def search(
    warehouse: Path,
    text: str,
    limit: int = 10,
    *,
    use_fts: bool | None = None,
    wait_s: float = LOCK_WAIT_S,
) -> list[Hit]:
    """Rank non-ad transcript segments and facts against `text` by BM25, best first.

    Uses the stored index when it is up to date; otherwise builds one in memory (the warehouse
    is only read). Waits up to `wait_s` while a writer holds the warehouse.

    Args:
        warehouse: the warehouse file.
        text: words to look for; every word counts, none is required.
        limit: at most this many hits.
        use_fts: True or False to force an engine; None uses fts when it loads.
        wait_s: how long to wait for a busy warehouse.

    Raises:
        UsageError: empty search text, or a limit below 1.
        WarehouseError: no warehouse yet, or fts forced but unavailable.
        WarehouseBusyError: the warehouse stayed busy for `wait_s`.
    """
    if not text.strip():
        raise UsageError("give some words to search for")
    if limit < 1:
        raise UsageError(f"limit must be at least 1, not {limit}")
    con, fts = _open_for_search(warehouse, use_fts=use_fts, wait_s=wait_s)
    try:
        con.execute("CREATE TEMP VIEW wh_episodes AS SELECT * FROM wh.main.episodes")
        con.execute("CREATE TEMP VIEW wh_feeds AS SELECT * FROM wh.main.feeds")
        if _stored_index_is_fresh(con, need_fts=fts):
            con.execute("USE wh")
        else:
            con.execute(
                "CREATE TABLE memory.main.search_docs AS " + _DOCS_SQL.format(src="wh.main.")
            )
            if fts:
                _create_fts_index(con)
        if fts:
            sql = _HITS_SQL.format(scores=_FTS_SCORES_SQL)
            rows = con.execute(sql, [text, limit]).fetchall()
        else:
            sql = _HITS_SQL.format(scores=_SQL_SCORES_SQL).replace("LIMIT ?", "LIMIT $limit")
            params = {"query": text, "stopwords": list(STOPWORDS), "limit": limit}
            rows = con.execute(sql, params).fetchall()
    except duckdb.Error as exc:
        raise WarehouseError(f"search failed: {str(exc).strip().splitlines()[0]}") from None
    finally:
        con.close()
    return distinct_hits([Hit(*row) for row in rows], limit)


def _plain(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def distinct_hits(hits: list[Hit], limit: int) -> list[Hit]:
    """The best `limit` hits, each passage once.

    A fact is a sentence the episode says, so it is usually also (part of) a segment: two hits
    of one episode whose times overlap and one of whose texts (without case and punctuation)
    contains the other are one passage, shown as the better-ranked of the two. An episode's
    title and show notes are one hit too: the episode itself.
    """
    kept: list[Hit] = []
    for hit in hits:
        if not any(_same_passage(k, hit) for k in kept):
            kept.append(hit)
        if len(kept) == limit:
            break
    return kept


_ABOUT_EPISODE = ("title", "description")


def _same_passage(a: Hit, b: Hit) -> bool:
    if a.episode_id != b.episode_id:
        return False
    if a.kind in _ABOUT_EPISODE or b.kind in _ABOUT_EPISODE:
        return a.kind in _ABOUT_EPISODE and b.kind in _ABOUT_EPISODE
    if a.start_s > b.end_s or b.start_s > a.end_s:
        return False
    plain_a, plain_b = _plain(a.text), _plain(b.text)
    return plain_a in plain_b or plain_b in plain_a


def stored_index_is_fresh(
    warehouse: Path, *, use_fts: bool | None = None, wait_s: float = LOCK_WAIT_S
) -> bool:
    """True when the warehouse's stored search index matches its rows (searches need no build).

    Args:
        warehouse: the warehouse file.
        use_fts: as for `search`: the stored index must be an fts one when fts is used.
        wait_s: how long to wait while a writer holds the warehouse.
    """
    con, fts = _open_for_search(warehouse, use_fts=use_fts, wait_s=wait_s)
    try:
        return _stored_index_is_fresh(con, need_fts=fts)
    finally:
        con.close()


def _open_for_search(
    warehouse: Path, *, use_fts: bool | None, wait_s: float
) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """An in-memory connection with the warehouse attached read-only as `wh`, fts if wanted.

    In memory, so an index can be built when the stored one is stale without writing to the
    warehouse (a read-only connection can create nothing, not even an attached :memory:).
    A file that is no podsift warehouse is refused, and an older one migrated, as `reader` does.
    """
    with reader(warehouse, wait_s=wait_s):
        pass
    con = duckdb.connect()
    try:
        fts = use_fts is not False and load_fts(con)
        if use_fts and not fts:
            raise WarehouseError("the DuckDB fts extension cannot be loaded on this machine")
        _attach_read_only(con, warehouse, wait_s)
    except BaseException:
        con.close()
        raise
    return con, fts


def _stored_index_is_fresh(con: duckdb.DuckDBPyConnection, *, need_fts: bool) -> bool:
    if not _has_table(con, "wh", "search_index_state"):
        return False
    row = con.execute("SELECT engine, fingerprint FROM wh.main.search_index_state").fetchone()
    if row is None or (need_fts and row[0] != "fts"):
        return False
    current = con.execute(_FINGERPRINT_SQL.format(src="wh.main.", version=INDEX_VERSION)).fetchone()
    return current is not None and current[0] == row[1]


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ? "
        "AND database_name = COALESCE(NULLIF(?, ''), current_database())",
        [name, catalog],
    ).fetchone()
    return bool(row and row[0])


def _create_fts_index(con: duckdb.DuckDBPyConnection) -> None:
    # The extension's own defaults, spelled out: they are part of what a query matches.
    con.execute(
        "PRAGMA create_fts_index('search_docs', 'doc_id', 'text', stemmer = 'porter', "
        "stopwords = 'english', strip_accents = 1, lower = 1, overwrite = 1)"
    )


def _attach_read_only(con: duckdb.DuckDBPyConnection, warehouse: Path, wait_s: float) -> None:
    """ATTACH the warehouse read-only as `wh`, waiting while a writer holds it."""
    retry_while_locked(
        lambda: con.execute(f"ATTACH '{_quote(str(warehouse))}' AS wh (READ_ONLY)"),
        warehouse,
        wait_s,
    )


def _quote(text: str) -> str:
    return text.replace("'", "''")
