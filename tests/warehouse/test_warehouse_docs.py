"""docs/warehouse.md stays true: every ```sql example runs, through `podsift sql`'s own read-only
path, against a real warehouse, and returns rows; every table, view and column is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podsift.warehouse import store
from podsift.warehouse.db import reader, writer
from podsift.warehouse.query import run_query
from tests.warehouse.test_warehouse import build_sample_warehouse

DOC = Path(__file__).parents[2] / "docs" / "warehouse.md"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```", re.MULTILINE | re.DOTALL)
EXAMPLES = SQL_BLOCK.findall(DOC.read_text(encoding="utf-8"))
# Derived tables the docs describe together in prose, not column by column.
SEARCH_INDEX = {"search_docs", "search_index_state"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_sample_warehouse(tmp_path_factory.mktemp("docs") / "warehouse.duckdb")
    with writer(path) as con:
        store.start_run(con, "run0001")
        store.finish_run(
            con, "run0001", "partial", store.RunCounts(feeds_polled=2, episodes_new=4,
                                                       episodes_done=3, episodes_failed=1)
        )  # fmt: skip
    return path


def test_the_docs_have_at_least_eight_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("sql", EXAMPLES, ids=[f"example{i + 1}" for i in range(len(EXAMPLES))])
def test_example_query_runs_and_finds_rows(warehouse: Path, sql: str) -> None:
    columns, rows = run_query(warehouse, sql)
    assert columns
    assert rows, f"the example returns nothing on the sample warehouse:\n{sql}"


def test_every_table_view_and_column_is_documented(warehouse: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    with reader(warehouse) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()
    sections = {m[1]: m.end() for m in re.finditer(r"^### `(\w+)`", text, re.MULTILINE)}
    missing = []
    for table, column in columns:
        if table in SEARCH_INDEX:
            assert f"`{table}`" in text
            continue
        if table not in sections:
            missing.append(table)
            continue
        start = sections[table]
        end = text.find("\n### ", start)
        section = text[start : end if end != -1 else len(text)]
        if f"`{column}`" not in section:
            missing.append(f"{table}.{column}")
    assert missing == []


def _documented_statuses(table: str) -> list[str]:
    """The values the docs list in `table`'s `status` row, in order."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"### `{table}`")
    section = text[start : text.find("\n### ", start + 1)]
    row = next(line for line in section.splitlines() if line.startswith("| `status` |"))
    meaning = row.split("|")[3]
    return re.findall(r"(?:^ |, )`(\w+)`", meaning)


def test_status_types_match_the_documented_statuses() -> None:
    from typing import get_args

    from podsift.tasks.core.records import STORED_STATUSES

    assert _documented_statuses("episodes") == list(STORED_STATUSES)
    assert _documented_statuses("runs") == list(get_args(store.RunStatus))
