"""Reading what the CLI's commands are given: SQL text, transcript JSON, ad spans JSON.

Each failure is a `UsageError` (the CLI exits 2) that names the file and what is wrong with it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from podsift.tasks.core.errors import UsageError


def read_sql(query: str | None, file: str | None) -> str:
    """The SQL of `podsift sql`: from --file, the argument, or stdin ('-' or no argument).

    Raises:
        UsageError: an unreadable file, or no query from anywhere.
    """
    if file:
        try:
            return _utf8(Path(file).read_bytes(), f"SQL file {file}")
        except OSError as exc:
            raise UsageError(f"cannot read SQL file {file}: {exc.strerror}") from None
    if query and query != "-":
        return query
    if not sys.stdin.isatty():
        raw = getattr(sys.stdin, "buffer", None)  # None for a text stream put in its place
        return sys.stdin.read() if raw is None else _utf8(raw.read(), "SQL on stdin", "send")
    raise UsageError("give a query, --file PATH, or SQL on stdin")


def _utf8(data: bytes, what: str, fix: str = "save it as") -> str:
    """`data` as UTF-8 text (a BOM dropped), or a UsageError naming the first bad byte's line.

    A query saved in Latin-1 or Windows-1252 (`café`) used to end in a UnicodeDecodeError
    traceback from a file, and in DuckDB's own refusal of the half-decoded text from stdin.
    """
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UsageError(
            f"{what} is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); {fix} UTF-8"
        ) from None


def read_transcript(path: str) -> list[Any]:
    """A transcript JSON file, or standard input for '-'.

    Raises:
        UsageError: a missing or unreadable file, or JSON that is not a transcript.
    """
    from podsift.tasks.core.records import segments_from_json

    name = "stdin" if path == "-" else path
    try:
        return segments_from_json(json.loads(_json_text(_read_bytes(path))))
    except FileNotFoundError:
        raise UsageError(f"transcript file not found: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder, not a transcript JSON file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{name}: not a transcript JSON file (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{name}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


def read_ad_spans(path: str) -> list[Any]:
    """An ad spans JSON file, as the ads command prints it.

    Raises:
        UsageError: a missing or unreadable file, or JSON that is not a list of ad spans.
    """
    from podsift.tasks.core.records import spans_from_json

    try:
        return spans_from_json(json.loads(_json_text(_read_bytes(path))))
    except FileNotFoundError:
        raise UsageError(f"ad spans file not found: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not an ad spans JSON file (not UTF-8 text)") from None
    except ValueError as exc:  # the shape or a value: the message names the span
        raise UsageError(f"{path}: {exc}") from None


def _read_bytes(path: str) -> bytes:
    """The bytes of `path`, or of standard input for '-'."""
    if path == "-":
        raw = getattr(sys.stdin, "buffer", None)  # None for a text stream put in its place
        return sys.stdin.read().encode("utf-8") if raw is None else bytes(raw.read())
    return Path(path).read_bytes()


def _json_text(data: bytes) -> str:
    """JSON bytes as text: UTF-8, with or without a BOM, or UTF-16 with its BOM.

    Windows tools write JSON so: Notepad and PowerShell 7 `Out-File -Encoding utf8BOM` with a
    UTF-8 BOM, Windows PowerShell's `podsift transcribe ep.mp3 > ep.json` in UTF-16. Both ended
    in `not JSON (Unexpected UTF-8 BOM ...)` or `not UTF-8 text`.

    Raises:
        UnicodeDecodeError: neither.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")
