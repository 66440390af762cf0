"""The small things a first hour with the CLI trips over: bare `podsift`, the config hint,
`podsift ads` argument order, `-` for stdin, `entities` in the facts JSON, rounded views and
integer counts in the Parquet export."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from podsift.flows.cli import main
from podsift.flows.cli_parser import EXAMPLES, build_parser
from podsift.tasks.ads import detect_ads
from podsift.tasks.core.records import Segment, Transcript, load_transcript_file
from podsift.warehouse import store
from podsift.warehouse.db import writer
from tests.warehouse.test_warehouse import build_sample_warehouse, sample_results

DATA = Path(__file__).parents[1] / "data"
ADS = DATA / "ads"
FACTS = DATA / "facts"


def test_bare_podsift_lists_each_command_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "usage: podsift COMMAND [options]   (podsift COMMAND --help for more)"
    listed = [line.split()[0] for line in out[2:]]
    sub = next(a for a in build_parser()._actions if hasattr(a, "choices") and a.choices)
    assert listed == list(sub.choices)
    run_line = next(line for line in out if line.strip().startswith("run "))
    assert run_line.split(None, 1)[1] == "one pass of the daily flow over all feeds, then a summary"


def test_help_examples_keep_each_command_apart_from_its_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`podsift --help` printed `... > ads.jsonad spans, by another episode`: a command longer
    than the column ran into its note."""
    with pytest.raises(SystemExit):
        main(["--help"])
    lines = capsys.readouterr().out.split("examples:\n", 1)[1].splitlines()
    for command, note in EXAMPLES:
        [line] = [line for line in lines if line.strip().startswith(command)]
        assert line.strip() == command if not note else line.strip().endswith("  " + note)
        if note:
            assert line.strip()[len(command) :].strip() == note


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["run", "--bogus"], "usage: podsift run [-h] [--config PATH] [--quiet] [--verbose]"),
        (["export", "out", "more"], "usage: podsift export [-h] [--views] [--config PATH] DIR"),
    ],
)
def test_an_argument_a_command_does_not_take_shows_that_commands_usage(
    argv: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`podsift run --bogus` printed `usage: podsift [-h] COMMAND ...` and `podsift: error:
    ...`, which does not say what `run` takes."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        usage,
        f"podsift {argv[0]}: error: unrecognized arguments: {argv[-1]}",
    ]


def test_a_missing_config_says_how_to_name_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PODSIFT_CONFIG", raising=False)
    assert main(["run"]) == 2
    assert capsys.readouterr().err == (
        "podsift: config file not found: config.yaml (pass --config PATH or set PODSIFT_CONFIG)\n"
    )


def _spans(capsys: pytest.CaptureFixture[str], argv: list[str]) -> list[dict[str, object]]:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_ads_context_goes_before_or_after_the_transcript(
    capsys: pytest.CaptureFixture[str],
) -> None:
    episode, a, b = (str(ADS / f"context_repeat{s}.json") for s in ("", ".other1", ".other2"))
    after = _spans(capsys, ["ads", episode, "--context", a, "--context", b])
    before = _spans(capsys, ["ads", "--context", a, "--context", b, episode])
    between = _spans(capsys, ["ads", "--context", a, episode, "--context", b])
    assert after == before == between
    # The CLI gives exactly what the detector gives for the same transcript and context.
    direct = detect_ads(
        load_transcript_file(Path(episode)),
        context=[load_transcript_file(Path(a)), load_transcript_file(Path(b))],
    )
    assert [[s["start"], s["end"], s["reason"]] for s in after] == [
        [d.start, d.end, d.reason] for d in direct
    ]


def test_ads_with_several_files_after_one_context_says_what_to_do(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ads", "--context", "a.json", "b.json", "ep.json"]) == 2
    assert capsys.readouterr().err == (
        "podsift: ads takes one TRANSCRIPT, got 2 (b.json, ep.json); give each other episode "
        "its own --context, e.g. ads ep.json --context a.json --context b.json\n"
    )


def test_ads_and_facts_read_the_transcript_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript = FACTS / "reef_interview.json"
    ads = str(FACTS / "reef_interview.ads.json")
    from_file = _spans(capsys, ["ads", str(transcript)])
    monkeypatch.setattr("sys.stdin", io.StringIO(transcript.read_text(encoding="utf-8")))
    assert _spans(capsys, ["ads", "-"]) == from_file

    assert main(["facts", str(transcript), "--ads", ads]) == 0
    facts_from_file = json.loads(capsys.readouterr().out)
    monkeypatch.setattr("sys.stdin", io.StringIO(transcript.read_text(encoding="utf-8")))
    assert main(["facts", "-", "--ads", ads]) == 0
    assert json.loads(capsys.readouterr().out) == facts_from_file

    monkeypatch.setattr("sys.stdin", io.StringIO("[{"))
    assert main(["facts", "-"]) == 2
    assert capsys.readouterr().err.startswith("podsift: stdin: not JSON (")


def test_every_fact_in_the_json_has_entities(capsys: pytest.CaptureFixture[str]) -> None:
    from podsift.tasks.core.records import load_transcript_file, spans_from_json
    from podsift.tasks.facts import extract_facts

    transcript = FACTS / "reef_interview.json"
    ads = FACTS / "reef_interview.ads.json"
    assert main(["facts", str(transcript), "--ads", str(ads)]) == 0
    printed = json.loads(capsys.readouterr().out)
    extracted = extract_facts(
        load_transcript_file(transcript), spans_from_json(json.loads(ads.read_text()))
    )
    assert [set(f) for f in printed] == [{"text", "start", "end", "score", "entities"}] * len(
        extracted
    )
    assert [f["entities"] for f in printed] == [list(f.entities) for f in extracted]
    # A fact naming nothing still has the key, as an empty list.
    from podsift.tasks.core.records import Fact

    assert Fact("Rates rose.", 1.0, 2.0, 0.5).to_json()["entities"] == []


def test_views_round_what_people_read_and_count_in_integers(tmp_path: Path) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    # Whisper's times are floats: these segment lengths sum to 27.980000000000004 in DuckDB.
    tomatoes = sample_results()[0]
    times = [0.0, 2.14, 7.87, 13.38, 14.53, 15.66, 19.37, 25.07, 27.98]
    segments = tuple(
        Segment(a, b, f"Sentence {i} about compost.")
        for i, (a, b) in enumerate(zip(times, times[1:], strict=False))
    )
    with writer(warehouse) as con:
        store.load_episode(
            con,
            replace(
                tomatoes,
                episode_id="2" * 20,
                item=replace(tomatoes.item, guid="compost", title="Compost"),
                audio_key="cdn.example/compost.mp3",
                transcript=Transcript(segments=segments),
                is_ad=[False] * len(segments),
                ad_spans=[],
                facts=[],
            ),
        )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        raw = con.execute(
            "SELECT episode_id, sum(end_s - start_s) FROM segments WHERE NOT is_ad "
            "GROUP BY episode_id ORDER BY episode_id"
        ).fetchall()
        shown = con.execute(
            "SELECT episode_id, speech_s FROM clean_transcripts ORDER BY episode_id"
        ).fetchall()
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'ad_minutes_by_feed_month'"
            ).fetchall()
        )
    finally:
        con.close()
    assert shown == [(episode, round(total, 2)) for episode, total in raw]
    assert ("2" * 20, 27.98) in shown and ("2" * 20, 27.98) not in raw
    assert types["ad_count"] == "BIGINT" and types["episodes"] == "BIGINT"

    out = tmp_path / "out"
    assert main(["export", str(out), "--views", "--config", _config(tmp_path, warehouse)]) == 0
    con = duckdb.connect()
    try:
        schema = dict(
            con.execute(
                "SELECT name, type FROM parquet_schema(?) WHERE name IN ('ad_count', 'episodes')",
                [str(out / "ad_minutes_by_feed_month.parquet")],
            ).fetchall()
        )
        counts = con.execute(
            "SELECT feed, month, ad_count FROM read_parquet(?) ORDER BY ALL",
            [str(out / "ad_minutes_by_feed_month.parquet")],
        ).fetchall()
    finally:
        con.close()
    assert schema == {"ad_count": "INT64", "episodes": "INT64"}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        expected = con.execute(
            "SELECT COALESCE(f.name, f.title, f.url), "
            "CAST(date_trunc('month', e.published_at) AS DATE), count(a.episode_id) "
            "FROM episodes e JOIN feeds f USING (feed_id) LEFT JOIN ad_spans a USING (episode_id) "
            "WHERE e.status = 'done' GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert counts == expected
    assert all(isinstance(n, int) for *_, n in counts)


def _config(tmp_path: Path, warehouse: Path) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(f"feeds: []\nwarehouse: {warehouse}\n", encoding="utf-8")
    return str(path)


def test_facts_takes_the_title_and_show_notes_as_the_run_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from podsift.tasks.core.records import load_transcript_file, spans_from_json
    from podsift.tasks.facts import extract_facts

    transcript = FACTS / "reef_interview.json"
    ads = FACTS / "reef_interview.ads.json"
    title, notes = "Coral bleaching on the reef", "<p>Why the reef <b>bleached</b> this year.</p>"
    args = ["facts", str(transcript), "--ads", str(ads), "--title", title]
    assert main([*args, "--description", notes]) == 0
    printed = json.loads(capsys.readouterr().out)
    extracted = extract_facts(
        load_transcript_file(transcript),
        spans_from_json(json.loads(ads.read_text())),
        title=title,
        notes=notes,
    )
    assert printed == [f.to_json() for f in extracted]


def test_publish_into_a_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = build_sample_warehouse(tmp_path / "warehouse.duckdb")
    config = _config(tmp_path, warehouse)
    taken = tmp_path / "taken"
    taken.write_text("not a folder\n")
    # Both ended in a NotADirectoryError traceback after the warehouse was read.
    assert main(["publish", str(taken), "--config", config]) == 1
    assert (
        capsys.readouterr().err
        == f"podsift: cannot publish to {taken}: it exists and is not a folder\n"
    )
    assert main(["publish", str(taken / "sub"), "--config", config]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"podsift: cannot publish to {taken / 'sub'}: Not a directory (")
    assert err.count("\n") == 1
    assert taken.read_text() == "not a folder\n"
