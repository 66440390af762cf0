"""The `podsift` command line: a thin layer over functions the tests call directly.

Errors go to stderr as one sentence; JSON goes to stdout alone. `podsift run` exits 0 when
everything succeeded, 1 when some feed or episode failed, 2 on a usage or config error. The
arguments and help text are in `cli_parser`, the checks before Prefect starts in `preflight`,
reading the files a command is given in `inputs`, and printing results in `render`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from podsift.flows.cli_parser import build_parser, command_list, parse_arguments
from podsift.flows.inputs import read_ad_spans, read_sql, read_transcript
from podsift.flows.preflight import (
    check_folders,
    check_prefect_home,
    check_schedule,
    check_warehouse_opens,
    prefect_env,
)
from podsift.flows.render import write_json, write_rows, write_search_json, write_search_text
from podsift.tasks.core.errors import AudioError, PodsiftError, Terminated, UsageError

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_FAILURES) -> int:
    print(f"podsift: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(command_list(parser))
        return EXIT_OK
    args = parse_arguments(parser, argv)
    handler = COMMANDS[args.command]
    try:
        with _sigterm_as_interrupt(args.command != "serve"):
            return handler(args)
    except UsageError as exc:
        return fail(str(exc), EXIT_USAGE)
    except PodsiftError as exc:
        return fail(str(exc))
    except KeyboardInterrupt as exc:
        how, code = ("interrupted", 130)
        terminated = _terminated(exc)
        if terminated is not None:
            how, code = ("terminated", 128 + terminated.signal_number)
        if args.command == "run":
            return fail(
                f"{how}; episodes already loaded are kept, and the next run picks up "
                "the rest (reusing transcripts staged in data_dir)",
                code,
            )
        return fail(how, code)
    except BrokenPipeError:
        return EXIT_OK


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


# Stop requests other than Ctrl-C: `kill`, `timeout`, `docker stop`, systemd (SIGTERM), and a
# closed terminal or SSH session (SIGHUP; not on Windows).
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _sigterm_as_interrupt(enabled: bool) -> Iterator[None]:
    """SIGTERM (`kill`, `timeout`, `docker stop`) or SIGHUP (the terminal closed) ends the
    command as Ctrl-C does.

    The run is recorded as aborted and the process exits normally, so the Prefect server it
    started stops too: the signal's default action left that server running for good. Not for
    `serve`, which stops its own server and flows; not outside the main thread (a test calling
    `main`), where signals cannot be handled.
    """
    previous: dict[int, object] = {}
    if enabled:
        with contextlib.suppress(ValueError):
            for number in _STOP_SIGNALS:
                previous[number] = signal.signal(number, _raise_terminated)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]


def _terminated(exc: BaseException) -> Terminated | None:
    """The `Terminated` that `exc` is, or that it interrupted, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, Terminated):
            return seen
        seen = seen.__context__
    return None


def _config(args: argparse.Namespace, *, required: bool = True):  # type: ignore[no-untyped-def]
    from podsift.tasks.core.config import Config, default_config_path, load_config

    path = Path(args.config) if args.config else default_config_path()
    if not required and not path.exists():
        return Config()
    return load_config(path)


def cmd_run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    cfg = _config(args)
    if not cfg.feeds:
        return fail(
            f"{_given_config_path(args)}: no feeds: add a feeds: list with at least one url",
            EXIT_USAGE,
        )
    for warning in cfg.warnings:
        print(f"podsift: {warning}", file=sys.stderr)
    check_folders(cfg, _config_path(args))
    prefect_env(cfg, verbose=args.verbose)
    check_prefect_home()
    from podsift.flows import progress
    from podsift.warehouse.lock import run_lock

    # Held from here, before Prefect's start-up, so a second run fails at once; the flow takes
    # the same (re-entrant) lock again for runs started by `podsift serve` or Prefect workers.
    with run_lock(cfg.warehouse):
        check_warehouse_opens(cfg.warehouse)
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


def _given_config_path(args: argparse.Namespace) -> Path:
    """The config file as the user named it (for messages, as `load_config` names it)."""
    from podsift.tasks.core.config import default_config_path

    return Path(args.config) if args.config else default_config_path()


def _config_path(args: argparse.Namespace) -> Path:
    from podsift.tasks.core.config import default_config_path

    return (Path(args.config) if args.config else default_config_path()).resolve()


def cmd_serve(args: argparse.Namespace) -> int:
    cfg = _config(args)
    check_schedule(cfg, _config_path(args))
    check_folders(cfg, _config_path(args))
    prefect_env(cfg, verbose=True)
    check_prefect_home()
    from podsift.flows.serve import serve

    return serve(_config_path(args), cfg, port=args.port)


def cmd_sql(args: argparse.Namespace) -> int:
    query = read_sql(args.query, args.file)
    cfg = _config(args)
    from podsift.warehouse.query import run_query

    columns, rows = run_query(cfg.warehouse, query)
    write_rows(columns, rows, args.format, sys.stdout)
    return EXIT_OK


def cmd_transcribe(args: argparse.Namespace) -> int:
    cfg = _config(args, required=False)
    from podsift.tasks.speech.transcribe import transcribe_audio

    audio = Path(args.audio)
    if audio.is_dir():  # it said "audio file not found", as if the folder were missing
        return fail(f"{audio} is a folder, not an audio file", EXIT_USAGE)
    if not audio.is_file():
        return fail(f"audio file not found: {audio}", EXIT_USAGE)
    if audio.stat().st_size == 0:  # FFmpeg says "invalid data found", as for a corrupt file
        return fail(f"{audio} is empty (0 bytes), not audio", EXIT_USAGE)
    try:
        transcript = transcribe_audio(audio, cfg.whisper)
    except AudioError as exc:  # name the file: the message is written for an episode's row
        return fail(f"{audio}: {exc}", EXIT_USAGE)
    write_json(transcript.to_json(), sys.stdout, indent=None)
    return EXIT_OK


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
    segments = read_transcript(args.transcript[0])
    context = [read_transcript(p) for p in args.context]
    spans = detect_ads(
        segments, context=context, description=args.description, detector=args.detector
    )
    write_json([s.to_json() for s in spans], sys.stdout)
    return EXIT_OK


def cmd_facts(args: argparse.Namespace) -> int:
    from podsift.tasks.facts import extract_facts

    segments = read_transcript(args.transcript)
    spans = read_ad_spans(args.ads) if args.ads else []
    facts = extract_facts(
        segments, spans, max_facts=args.max_facts, title=args.title, notes=args.description
    )
    write_json([f.to_json() for f in facts], sys.stdout)
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
        write_search_json(hits, sys.stdout)
    elif not hits:
        print(f"no matches for {args.text!r}", file=sys.stderr)
    else:
        write_search_text(hits, sys.stdout)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    if not args.dir.strip():  # Path("") is the current folder: files would land there unasked
        return fail("export needs a folder to write into: podsift export DIR", EXIT_USAGE)
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
    if out_dir.exists() and not out_dir.is_dir():
        return fail(f"cannot publish to {out_dir}: it exists and is not a folder")
    try:
        summary = publish_all(cfg, out_dir, base_url)
    except OSError as exc:  # a path through a file, a read-only or full disk: one line, no trace
        where = f" ({exc.filename})" if exc.filename else ""
        return fail(f"cannot publish to {out_dir}: {exc.strerror or exc}{where}")
    print(summary.render())
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
