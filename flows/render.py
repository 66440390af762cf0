"""How the CLI prints results: query rows as a table, CSV or JSON; search hits as text or JSON."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from podsift.tasks.core.timefmt import format_clock

# How `podsift search` marks what kind of text a hit is (transcript segments go unmarked).
SEARCH_LABELS = {"fact": "fact: ", "title": "title: ", "description": "show notes: "}


def write_json(data: Any, out: Any, *, indent: int | None = 2) -> None:
    """Print `data` as strict JSON and a newline (values mapped by `_jsonable`)."""
    # Rendered in full before anything is written, so a value json cannot take never leaves
    # half a document on stdout; `default=str` is the last resort for a type not mapped below.
    text = json.dumps(
        _jsonable(data), indent=indent, ensure_ascii=False, allow_nan=False, default=str
    )
    out.write(text + "\n")


def _jsonable(value: Any) -> Any:
    """A value as JSON takes it: NaN and Infinity as null (Python's json writes them, JSON has
    neither, other readers refuse them, and a DOUBLE column can hold them), times as ISO 8601
    text, an INTERVAL as its seconds, a UUID as text, a BLOB as DuckDB writes it (`\\xFF` for
    each byte that is not printable)."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return blob_text(bytes(value))
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def write_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str, out: Any) -> None:
    """Print a result as an aligned table, CSV, or a JSON list of objects."""
    if fmt == "json":
        write_json([dict(zip(columns, r, strict=True)) for r in rows], out)
        return
    if fmt == "csv":
        w = csv.writer(out)
        w.writerow(columns)
        w.writerows([[_csv_cell(v) for v in row] for row in rows])
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [min(max([len(c)] + [len(r[i]) for r in cells]), 80) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    out.write(line.rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(
            "  ".join(_clip(v, w).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            + "\n"
        )
    out.write(f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n")


def blob_text(value: bytes) -> str:
    """A BLOB as DuckDB prints it: printable ASCII as is, every other byte as `\\xHH`."""
    return "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02X}" for b in value)


def _csv_cell(value: Any) -> Any:
    # csv writes str(value): b'..' for a BLOB, which no reader takes back.
    if isinstance(value, bytes | bytearray | memoryview):
        return blob_text(bytes(value))
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes | bytearray | memoryview):
        return blob_text(bytes(value))
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "NaN"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value).replace("\n", " ")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def write_search_json(hits: list[Any], out: Any) -> None:
    """Print search hits as a JSON list of objects."""
    write_json(
        [
            {
                "feed": h.feed,
                "episode_id": h.episode_id,
                "episode": h.episode_title,
                "kind": h.kind,
                "start": h.start_s,
                "end": h.end_s,
                "time": format_clock(h.start_s),
                "text": h.text,
                "score": round(h.score, 4),
                "link": h.link,
            }
            for h in hits
        ],
        out,
    )


def write_search_text(hits: list[Any], out: Any) -> None:
    """Print search hits ranked: show / episode [time], the text, then the link."""
    for rank, h in enumerate(hits, 1):
        where = f"{h.feed or '?'} / {h.episode_title or h.episode_id}"
        print(f"{rank}. {where}  [{format_clock(h.start_s)}]", file=out)
        label = SEARCH_LABELS.get(h.kind, "")
        text = " ".join(h.text.split())
        print(f"   {label}{_clip(text, 200) if h.kind == 'description' else text}", file=out)
        if h.link:
            print(f"   {h.link}", file=out)
