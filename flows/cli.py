"""The `podsift` command line: a thin layer over functions the tests call directly.

Errors go to stderr as one sentence; JSON goes to stdout alone. `podsift run` exits 0 when
everything succeeded, 1 when some feed or episode failed, 2 on a usage or config error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from podsift.tasks.core.errors import ConfigError, PodsiftError, UsageError
from podsift.tasks.core.timefmt import format_clock

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2
# A run needs room for Prefect's SQLite database (about 6 MB) and the staged files.
MIN_FREE_BYTES = 20 * 1024 * 1024

DESCRIPTION = """\
podsift: a daily podcast ingestion pipeline. It polls the RSS feeds in config.yaml, downloads
new episodes, transcribes them with Whisper (offline, on the CPU), finds and strips the ads,
extracts the facts each episode states, and loads it all into a DuckDB warehouse.
"""

# Every example runs as written in a fresh clone (tests/test_cli_help.py runs them on the demo).
EXAMPLES = (
    ("podsift run", "one pass over every feed in ./config.yaml"),
    ('podsift sql "select title, status from episodes"', ""),
    ('podsift sql --format csv "select * from facts" > facts.csv', ""),
    ("podsift search tram --limit 5", "ranked matches: titles, show notes, speech, facts"),
    ("podsift transcribe demo/audio/ep1.mp3 > ep1.json", ""),
    ("podsift transcribe demo/audio/ep2.mp3 > ep2.json", ""),
    ("podsift ads ep1.json --context ep2.json > ads.json", "ad spans, by another episode"),
    ("podsift facts ep1.json --ads ads.json", "facts, leaving the ads out"),
    ("podsift export out/", "every table as out/<table>.parquet"),
    ("podsift publish", "ad-free feeds in publish.dir (data/publish)"),
    ("podsift serve", "run daily on schedule.cron; serve the ad-free feeds"),
)
EPILOG = (
    "examples:\n"
    + "".join(f"  {command:<46}{note}".rstrip() + "\n" for command, note in EXAMPLES)
    + "\n--config defaults to $PODSIFT_CONFIG, else ./config.yaml.\n"
)


def _add_config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $PODSIFT_CONFIG, else ./config.yaml)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podsift",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    run = sub.add_parser(
        "run",
        help="one pass of the daily flow over all feeds, then a summary",
        description="Poll every feed once, process new episodes, load them, print a summary. "
        "Exit 0: all succeeded; 1: some feed or episode failed (the rest is loaded); "
        "2: usage or config error.",
    )
    _add_config(run)
    run.add_argument("--quiet", action="store_true", help="print only the summary")
    run.add_argument("--verbose", action="store_true", help="show Prefect's own log lines")

    serve = sub.add_parser(
        "serve",
        help="keep running, starting the daily flow on schedule.cron; serve the ad-free feeds",
        description="Serve the daily flow as a Prefect deployment on schedule.cron. Without "
        "PREFECT_API_URL, a local Prefect server is started (loopback only) and stopped on "
        "Ctrl-C; with PREFECT_API_URL set, that server is used. The ad-free feeds in "
        "publish.dir are rewritten after each run and served on publish.host:publish.port "
        "(default 127.0.0.1:8765), with Range requests.",
    )
    _add_config(serve)
    serve.add_argument("--port", type=int, default=4200, help="local Prefect server port")

    sql = sub.add_parser(
        "sql",
        help="read-only SQL against the warehouse",
        description="Run read-only SQL against the warehouse. The query comes from the "
        "argument, from --file, or from stdin ('-' or no argument). Writes are refused.",
    )
    sql.add_argument("query", nargs="?", help="SQL text, or '-' to read stdin")
    sql.add_argument("--file", metavar="PATH", help="read the SQL from a file")
    sql.add_argument("--format", choices=("table", "csv", "json"), default="table")
    _add_config(sql)

    tr = sub.add_parser(
        "transcribe",
        help="transcribe an audio file: transcript JSON on stdout",
        description="Transcribe AUDIO with the whisper settings of config.yaml (defaults "
        "when there is none) and print the transcript JSON.",
    )
    tr.add_argument("audio", help="an audio file (mp3, m4a, wav, ...)")
    _add_config(tr)

    ads = sub.add_parser(
        "ads",
        help="find ad spans in a transcript JSON",
        description="Print the ad spans of TRANSCRIPT as JSON: start, end, confidence, reason.",
    )
    ads.add_argument(
        "transcript",
        nargs="+",  # one; more is refused with a message that says how to give context
        help="transcript JSON (a list of segments or {segments}), or '-' to read stdin",
    )
    ads.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="OTHER.json",
        help="a transcript of another episode of the same show (repeated reads are ads); "
        "once per file, before or after TRANSCRIPT",
    )
    ads.add_argument("--description", help="the episode's show notes (names sponsors)")

    facts = sub.add_parser(
        "facts",
        help="extract the facts a transcript states",
        description="Print the facts of TRANSCRIPT as JSON: text, start, end, score.",
    )
    facts.add_argument("transcript", help="transcript JSON, or '-' to read stdin")
    facts.add_argument("--ads", metavar="SPANS.json", help="ad spans to leave out")
    facts.add_argument("--max", type=int, dest="max_facts", help="at most this many facts")
    facts.add_argument(
        "--title", default="", help="the episode's title (facts that say its words rank higher)"
    )
    facts.add_argument(
        "--description",
        default="",
        help="the episode's show notes, plain text or HTML (likewise; as `podsift run` uses them)",
    )

    search = sub.add_parser(
        "search",
        help="ranked matches in titles, show notes, transcripts and facts",
        description="Search episodes' titles and show notes and what they say (transcripts "
        "without their ads, and facts), each passage once, "
        "ranked by relevance (BM25). Prints each match's show, episode, time and text, and a "
        "link that opens the audio at that moment.",
    )
    search.add_argument("text", help="words to look for")
    search.add_argument("--limit", type=int, default=10, help="at most N matches (default 10)")
    search.add_argument("--format", choices=("text", "json"), default="text")
    _add_config(search)

    export = sub.add_parser(
        "export",
        help="every table as Parquet, one file per table, named after it",
        description="Write every warehouse table to DIR/<table>.parquet (replacing files of "
        "those names) for other engines. The warehouse is only read.",
    )
    export.add_argument("dir", metavar="DIR", help="folder to write into (created if missing)")
    export.add_argument("--views", action="store_true", help="also export the views")
    _add_config(export)

    publish = sub.add_parser(
        "publish",
        help="one ad-free feed per source feed, with audio, VTT transcripts and chapters",
        description="Write DIR/<feed-slug>/feed.xml for every feed, beside each episode's "
        "ad-free audio (cut by `podsift run`), its ad-free transcript (.vtt) and its chapters "
        "(.chapters.json). Links are --base-url joined with each file's path. Files that would "
        "not change are not rewritten. `podsift serve` serves publish.dir over HTTP.",
    )
    publish.add_argument(
        "dir", metavar="DIR", nargs="?", help="folder to write into (default: publish.dir)"
    )
    publish.add_argument(
        "--base-url",
        metavar="URL",
        help="where DIR is served (default: publish.base_url, else http://publish.host:port/)",
    )
    _add_config(publish)
    return parser


def fail(message: str, code: int = EXIT_FAILURES) -> int:
    print(f"podsift: {message}", file=sys.stderr)
    return code


def command_list(parser: argparse.ArgumentParser) -> str:
    """What bare `podsift` prints: each command with its one-line help."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    width = max(len(name) for name in helps)
    lines = ["usage: podsift COMMAND [options]   (podsift COMMAND --help for more)", ""]
    lines += [f"  {name:<{width}}  {text}" for name, text in helps.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(command_list(parser))
        return EXIT_OK
    args = parser.parse_args(argv)
    handler = COMMANDS[args.command]
    try:
        return handler(args)
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except PodsiftError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        if args.command == "run":
            return fail(
                "interrupted; episodes already loaded are kept, and the next run picks up "
                "the rest (reusing transcripts staged in data_dir)",
                130,
            )
        return fail("interrupted", 130)
    except BrokenPipeError:
        return EXIT_OK


def _config(args: argparse.Namespace, *, required: bool = True):  # type: ignore[no-untyped-def]
    from podsift.tasks.core.config import Config, default_config_path, load_config

    path = Path(args.config) if args.config else default_config_path()
    if not required and not path.exists():
        return Config()
    return load_config(path)


def prefect_env(cfg: Any, *, verbose: bool) -> None:
    """Prefect settings podsift wants, unless the user set them: a project-local home."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)  # Prefect makes its home, not the parents
    os.environ.setdefault("PREFECT_HOME", str(cfg.data_dir / "prefect"))
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def check_folders(cfg: Any, origin: Path) -> None:
    """Refuse, before Prefect starts, a `data_dir` or `warehouse` that cannot work.

    Raises:
        ConfigError: a path that is a file where a folder is needed (or the reverse), or a
            folder podsift cannot create or write.
        PodsiftError: less than `MIN_FREE_BYTES` free where data_dir lives.
    """
    if cfg.warehouse.is_dir():
        raise ConfigError(
            f"{origin}: warehouse {cfg.warehouse} is a folder; name a file, "
            "e.g. data/warehouse.duckdb"
        )
    for key, path, folder in (
        ("warehouse", cfg.warehouse, cfg.warehouse.parent),
        ("data_dir", cfg.data_dir, cfg.data_dir),
    ):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            where = "" if folder == path else f": {folder}"
            raise ConfigError(f"{origin}: {key} {path}{where} is a file, not a folder") from None
        except NotADirectoryError:
            raise ConfigError(
                f"{origin}: {key} {path}: part of that path is a file, not a folder"
            ) from None
        except OSError as exc:
            raise ConfigError(f"{origin}: {key}: cannot create {folder} ({exc.strerror})") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"{origin}: {key}: {folder} is not writable")
    free = shutil.disk_usage(cfg.data_dir).free
    if free < MIN_FREE_BYTES:
        raise PodsiftError(
            f"only {free // 1024} KB free on the disk holding data_dir {cfg.data_dir}; a run "
            f"needs at least {MIN_FREE_BYTES // (1024 * 1024)} MB there (Prefect's database, "
            "staged audio and transcripts): free some space or move data_dir"
        )


def check_prefect_home() -> None:
    """Without PREFECT_API_URL, Prefect's temporary server keeps its SQLite database in
    PREFECT_HOME; when it cannot, the server retries for minutes and then times out. Say so now.

    Raises:
        PodsiftError: PREFECT_HOME cannot be created or written, or its disk is full.
    """
    if os.environ.get("PREFECT_API_URL"):
        return
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    hint = "set PREFECT_HOME to a writable folder, or PREFECT_API_URL to a running Prefect server"
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PodsiftError(f"cannot create PREFECT_HOME {home} ({exc.strerror}); {hint}") from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise PodsiftError(f"PREFECT_HOME {home} is not writable; {hint}")
    free = shutil.disk_usage(home).free
    if free < MIN_FREE_BYTES:
        raise PodsiftError(
            f"only {free // 1024} KB free on the disk holding PREFECT_HOME {home}; Prefect's "
            f"database needs at least {MIN_FREE_BYTES // (1024 * 1024)} MB: free some space or "
            + hint
        )


def cmd_run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    cfg = _config(args)
    if not cfg.feeds:
        return fail("config has no feeds: add a feeds: list with at least one url", EXIT_USAGE)
    for warning in cfg.warnings:
        print(f"podsift: {warning}", file=sys.stderr)
    check_folders(cfg, _config_path(args))
    prefect_env(cfg, verbose=args.verbose)
    check_prefect_home()
    from podsift.flows import progress
    from podsift.tasks.core.errors import WarehouseBusyError
    from podsift.warehouse.db import writer
    from podsift.warehouse.lock import run_lock

    # Held from here, before Prefect's start-up, so a second run fails at once; the flow takes
    # the same (re-entrant) lock again for runs started by `podsift serve` or Prefect workers.
    with run_lock(cfg.warehouse):
        # A warehouse that cannot be opened (not a DuckDB file, damaged) fails now, in one
        # line, rather than after Prefect's start-up. One held by another process is the
        # flow's to wait for, while it prepares episodes.
        try:
            with writer(cfg.warehouse, wait_s=0):
                pass
        except WarehouseBusyError:
            pass
        progress.enabled = not args.quiet
        progress.say(f"podsift: {len(cfg.feeds)} feed(s), warehouse {cfg.warehouse}")
        from podsift.flows.daily import daily

        try:
            summary = daily(str(_config_path(args)))
        except RuntimeError as exc:
            if "Prefect API server" not in str(exc):
                raise
            # Prefect's temporary server could not start: usually a full disk or an unwritable
            # PREFECT_HOME, where its SQLite database lives.
            home = os.environ.get("PREFECT_HOME", "")
            return fail(
                f"Prefect's temporary server did not start ({exc}); check free space and "
                f"permissions in PREFECT_HOME ({home}), or set PREFECT_API_URL to a running "
                "Prefect server"
            )
    # The summary's time is the command's: the flow's own time plus Prefect's start-up.
    wall = time.monotonic() - began
    summary.startup_s = max(0.0, wall - summary.wall_s)
    summary.wall_s = wall
    print(summary.render())
    return summary.exit_code


def _config_path(args: argparse.Namespace) -> Path:
    from podsift.tasks.core.config import default_config_path

    return (Path(args.config) if args.config else default_config_path()).resolve()


def check_schedule(cfg: Any, origin: Path) -> None:
    """Check `schedule.cron` with Prefect's parser before any server starts.

    Raises:
        ConfigError: naming the key, e.g. "bad value for 'schedule.cron': ...".
    """
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cfg.schedule.cron, timezone=cfg.schedule.timezone)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(["schedule", *(str(p) for p in first["loc"])])
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(
            f"{origin}: bad value for '{key}': {msg} (five fields: minute hour day month "
            'weekday, e.g. "0 6 * * *")'
        ) from None


def cmd_serve(args: argparse.Namespace) -> int:
    cfg = _config(args)
    check_schedule(cfg, _config_path(args))
    check_folders(cfg, _config_path(args))
    prefect_env(cfg, verbose=True)
    check_prefect_home()
    from podsift.flows.serve import serve

    return serve(_config_path(args), cfg, port=args.port)


def cmd_sql(args: argparse.Namespace) -> int:
    if args.file:
        try:
            query = Path(args.file).read_text(encoding="utf-8")
        except OSError as exc:
            return fail(f"cannot read SQL file {args.file}: {exc.strerror}", EXIT_USAGE)
    elif args.query and args.query != "-":
        query = args.query
    elif not sys.stdin.isatty():
        query = sys.stdin.read()
    else:
        return fail("give a query, --file PATH, or SQL on stdin", EXIT_USAGE)
    cfg = _config(args)
    from podsift.warehouse.query import run_query

    columns, rows = run_query(cfg.warehouse, query)
    write_rows(columns, rows, args.format, sys.stdout)
    return EXIT_OK


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def write_rows(columns: list[str], rows: list[tuple[Any, ...]], fmt: str, out: Any) -> None:
    """Print a result as an aligned table, CSV, or a JSON list of objects."""
    if fmt == "json":
        json.dump(
            [dict(zip(columns, map(_jsonable, r), strict=True)) for r in rows],
            out,
            indent=2,
            ensure_ascii=False,
        )
        out.write("\n")
        return
    if fmt == "csv":
        w = csv.writer(out)
        w.writerow(columns)
        w.writerows(rows)
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


def _cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else "NaN"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return str(value).replace("\n", " ")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_transcribe(args: argparse.Namespace) -> int:
    cfg = _config(args, required=False)
    from podsift.tasks.speech.transcribe import transcribe_audio

    audio = Path(args.audio)
    if not audio.is_file():
        return fail(f"audio file not found: {audio}", EXIT_USAGE)
    transcript = transcribe_audio(audio, cfg.whisper)
    json.dump(transcript.to_json(), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def _read_transcript(path: str) -> list[Any]:
    """A transcript JSON file, or standard input for '-'.

    Raises:
        UsageError: a missing or unreadable file, or JSON that is not a transcript.
    """
    from podsift.tasks.core.records import load_transcript_file, segments_from_json

    name = "stdin" if path == "-" else path
    try:
        if path == "-":
            return segments_from_json(json.loads(sys.stdin.read()))
        return load_transcript_file(path)
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


def cmd_ads(args: argparse.Namespace) -> int:
    from podsift.tasks.ads import detect_ads

    if len(args.transcript) > 1:
        extra = ", ".join(args.transcript[1:])
        return fail(
            f"ads takes one TRANSCRIPT, got {len(args.transcript)} ({args.transcript[0]}, "
            f"{extra}); give each other episode its own --context, e.g. "
            "ads ep.json --context a.json --context b.json",
            EXIT_USAGE,
        )
    if "-" in args.context:
        return fail("--context reads files; only TRANSCRIPT may be '-' (stdin)", EXIT_USAGE)
    segments = _read_transcript(args.transcript[0])
    context = [_read_transcript(p) for p in args.context]
    spans = detect_ads(segments, context=context, description=args.description)
    json.dump([s.to_json() for s in spans], sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_facts(args: argparse.Namespace) -> int:
    from podsift.tasks.core.records import spans_from_json
    from podsift.tasks.facts import extract_facts

    segments = _read_transcript(args.transcript)
    spans = []
    if args.ads:
        try:
            with open(args.ads, encoding="utf-8") as fh:
                spans = spans_from_json(json.load(fh))
        except FileNotFoundError:
            return fail(f"ad spans file not found: {args.ads}", EXIT_USAGE)
        except OSError as exc:
            return fail(f"cannot read {args.ads}: {exc.strerror or exc}", EXIT_USAGE)
        except json.JSONDecodeError as exc:
            return fail(f"{args.ads}: not JSON ({exc.msg} at line {exc.lineno})", EXIT_USAGE)
        except (ValueError, KeyError, TypeError, AttributeError):
            return fail(
                f"{args.ads}: not an ad spans JSON list (expected "
                '[{"start": s, "end": s, "confidence": c, "reason": text}, ...], '
                "as the ads command prints)",
                EXIT_USAGE,
            )
    facts = extract_facts(
        segments, spans, max_facts=args.max_facts, title=args.title, notes=args.description
    )
    json.dump([f.to_json() for f in facts], sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    if not args.text.strip():
        return fail("give some words to search for", EXIT_USAGE)
    if args.limit < 1:
        return fail(f"--limit must be at least 1, not {args.limit}", EXIT_USAGE)
    cfg = _config(args)
    from podsift.warehouse.search import search

    hits = search(cfg.warehouse, args.text, args.limit)
    if args.format == "json":
        json.dump(
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
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return EXIT_OK
    if not hits:
        print(f"no matches for {args.text!r}", file=sys.stderr)
        return EXIT_OK
    for rank, h in enumerate(hits, 1):
        where = f"{h.feed or '?'} / {h.episode_title or h.episode_id}"
        print(f"{rank}. {where}  [{format_clock(h.start_s)}]")
        label = SEARCH_LABELS.get(h.kind, "")
        text = " ".join(h.text.split())
        print(f"   {label}{_clip(text, 200) if h.kind == 'description' else text}")
        if h.link:
            print(f"   {h.link}")
    return EXIT_OK


# How `podsift search` marks what kind of text a hit is (transcript segments go unmarked).
SEARCH_LABELS = {"fact": "fact: ", "title": "title: ", "description": "show notes: "}


def cmd_export(args: argparse.Namespace) -> int:
    cfg = _config(args)
    from podsift.warehouse.export import export_parquet

    written = export_parquet(cfg.warehouse, Path(args.dir), views=args.views)
    for path in written:
        print(path)
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    cfg = _config(args)
    from podsift.flows.publish import publish_all

    base_url = args.base_url or cfg.publish.base_url
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        return fail(f"--base-url {base_url!r} is not an http(s) URL", EXIT_USAGE)
    out_dir = Path(args.dir) if args.dir else cfg.publish.dir
    print(publish_all(cfg, out_dir, base_url).render())
    return EXIT_OK


COMMANDS = {
    "run": cmd_run,
    "serve": cmd_serve,
    "sql": cmd_sql,
    "transcribe": cmd_transcribe,
    "ads": cmd_ads,
    "facts": cmd_facts,
    "search": cmd_search,
    "export": cmd_export,
    "publish": cmd_publish,
}


if __name__ == "__main__":
    sys.exit(main())
