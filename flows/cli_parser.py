"""The `podsift` command line's arguments and help text: what `podsift --help` shows."""

from __future__ import annotations

import argparse

DESCRIPTION = """\
podsift: a daily podcast ingestion pipeline. It polls the RSS feeds in config.yaml, downloads
new episodes, transcribes them with Whisper (offline, on the CPU), finds and strips the ads,
extracts the facts each episode states, and loads it all into a DuckDB warehouse.
"""

# Every example runs as written in a fresh clone (tests/e2e/test_first_hour.py runs them on
# the demo).
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
# The notes' column starts two spaces after the longest command that has a note, so no note
# runs into its command.
_COMMAND_WIDTH = max(len(command) for command, note in EXAMPLES if note) + 2
EPILOG = (
    "examples:\n"
    + "".join(f"  {command:<{_COMMAND_WIDTH}}{note}".rstrip() + "\n" for command, note in EXAMPLES)
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
    ads.add_argument(
        "--detector",
        choices=("learned", "rules"),
        default="learned",
        help="learned: the model fitted on real labelled episodes (default); rules: the "
        "rule-based reading alone, as before issue 24",
    )

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


def parse_arguments(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """`parser.parse_args(argv)`, but an argument the command does not take is refused by the
    command, with its own usage (`podsift run: error: unrecognized arguments: --bogus`).

    argparse leaves a subcommand's unknown arguments to the top-level parser, which printed
    `usage: podsift [-h] COMMAND ...`, the one usage line that does not say what `run` takes.
    """
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        _subcommands(parser).choices[args.command].error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    return args


def _subcommands(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def command_list(parser: argparse.ArgumentParser) -> str:
    """What bare `podsift` prints: each command with its one-line help."""
    sub = _subcommands(parser)
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    width = max(len(name) for name in helps)
    lines = ["usage: podsift COMMAND [options]   (podsift COMMAND --help for more)", ""]
    lines += [f"  {name:<{width}}  {text}" for name, text in helps.items()]
    return "\n".join(lines)
