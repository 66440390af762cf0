"""config.yaml: typed, strict, paths relative to the file; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from podsift.flows.cli import main
from podsift.tasks.core.config import load_config, parse_config
from podsift.tasks.core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "feeds:\n  - url: feeds/show.xml\nwarehouse: wh.duckdb\n"))
    assert cfg.warehouse == (tmp_path / "wh.duckdb").resolve()
    assert cfg.data_dir == (tmp_path / "data").resolve()
    assert cfg.feeds[0].url == str((tmp_path / "feeds/show.xml").resolve())


def test_defaults_are_offline_and_sensible(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "feeds: []\n"))
    assert cfg.whisper.model == "tiny.en"
    assert cfg.whisper.compute_type == "int8"
    assert cfg.facts.backend == "offline"
    assert cfg.schedule.cron == "0 6 * * *"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds:\n  - url: a.xml\n    nmae: x\n", "unknown key 'feeds.0.nmae'"),
        ("whisper:\n  compute_typ: int8\n", "unknown key 'whisper.compute_typ'"),
        ("whisper:\n  beam_size: many\n", "bad value for 'whisper.beam_size'"),
        ("whisper:\n  compute_type: int4\n", "bad value for 'whisper.compute_type'"),
        ("feeds:\n  - name: nourl\n", "missing key 'feeds.0.url'"),
        ("feeds:\n  - url: ftp://example.org/f.xml\n", "neither an http(s) URL nor a file path"),
        ("feeds:\n  - url: 'http://'\n", "not a valid URL"),
        (
            "feeds:\n  - url: 'http://127.0.0.1:abc/feed.xml'\n",
            "'http://127.0.0.1:abc/feed.xml' is not a valid URL (Invalid port: 'abc')",
        ),
        ("max_attempts: 0\n", "bad value for 'max_attempts'"),
        ("facts:\n  backend: llm\n", "needs an llm"),
        ("- just\n- a list\n", "expected a mapping"),
        (
            "feeds: https://example.org/feed.xml\n",
            "bad value for 'feeds': expected a list (each feed is '- url: ...' with an optional "
            "'name: ...' below it), got a string ('https://example.org/feed.xml')",
        ),
        (
            "feeds:\n  - https://example.org/feed.xml\n",
            "bad value for 'feeds.0': expected a mapping of keys, got a string "
            "('https://example.org/feed.xml'); each feed is '- url: ...'",
        ),
        ("whisper: tiny.en\n", "bad value for 'whisper': expected a mapping of keys, got a string"),
        ("warehouse: [a, b]\n", "bad value for 'warehouse': expected a path, got a list"),
        (
            "feeds:\n  - url: a.xml\nmax_attempts: 2\nfeeds:\n  - url: b.xml\n",
            "invalid YAML at line 4 (key 'feeds' appears twice (first at line 1); the first "
            "would be silently ignored)",
        ),
        ("feeds:\n  - url: a.xml\n    url: b.xml\n", "key 'url' appears twice (first at line 2)"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)
    assert str(tmp_path) in str(err.value)  # which file


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="invalid YAML at line"):
        load_config(write(tmp_path, "feeds:\n  - url: [unclosed\n"))


def test_cli_config_errors_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "feeds:\n  - url: a.xml\nwarehose: x.duckdb\n")
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unknown key 'warehose'" in err
    assert main(["sql", "select 1", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_parse_config_refuses_internal_keys() -> None:
    with pytest.raises(ConfigError, match="unknown key 'base_dir'"):
        parse_config({"base_dir": "/"}, Path("."))


def test_the_same_feed_twice_is_polled_once_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "feeds:\n  - url: https://example.org/feed.xml\n    name: first\n"
        "  - url: shows/local.xml\n"
        "  - url: https://example.org/feed.xml\n    name: again\n"
        f"  - url: {tmp_path}/shows/local.xml\n",
    )
    cfg = load_config(path)
    assert [(f.url, f.name) for f in cfg.feeds] == [
        ("https://example.org/feed.xml", "first"),
        (str(tmp_path / "shows" / "local.xml"), None),
    ]
    assert cfg.warnings == (
        f"{path}: feeds.2 repeats the url of feeds.0 (https://example.org/feed.xml); "
        "it is polled once",
        f"{path}: feeds.3 repeats the url of feeds.1 ({tmp_path}/shows/local.xml); "
        "it is polled once",
    )
    with pytest.raises(ConfigError, match="unknown key 'warnings'"):
        parse_config({"warnings": ["x"]}, Path("."))


def test_a_bad_schedule_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match="bad value for 'schedule.timezone': unknown timezone"):
        load_config(write(tmp_path, "schedule:\n  timezone: Mars/Olympus\n"))
    # The cron is checked by `podsift serve`, with Prefect's own parser, before any server
    # starts (it used to fail inside Prefect, with a traceback, after the server was up).
    path = write(tmp_path, "feeds:\n  - url: a.xml\nschedule:\n  cron: every morning\n")
    assert main(["serve", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"podsift: {path}: bad value for 'schedule.cron': Invalid cron string")
    assert err.count("\n") == 1
    assert not (tmp_path / "data").exists()


def test_a_config_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes("feeds:\n  - url: a.xml\n    name: Café\n".encode("latin-1"))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}: not UTF-8 text (byte 0xe9 at line 3); save the file as UTF-8"
    )


def test_yaml_merge_keys_may_still_override(tmp_path: Path) -> None:
    text = "feeds:\n  - &show {url: a.xml, name: first}\n  - <<: *show\n    url: b.xml\n"
    cfg = load_config(write(tmp_path, text))
    assert [f.name for f in cfg.feeds] == ["first", "first"]


def _config_keys(model: type[BaseModel], prefix: str = "") -> dict[str, FieldInfo]:
    """Every settable key of `model`, dotted, with its field (nested sections walked)."""
    keys: dict[str, FieldInfo] = {}
    for name, info in model.model_fields.items():
        if not prefix and name in INTERNAL_KEYS:
            continue
        keys[prefix + name] = info
        section = info.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            keys.update(_config_keys(section, f"{prefix}{name}."))
    return keys


INTERNAL_KEYS = {"base_dir", "warnings"}  # set by load_config, refused in a file


def test_the_shipped_config_lists_every_key_with_its_default() -> None:
    """README promises it; a key added to tasks/core/config.py without config.yaml fails here."""
    from podsift.tasks.core.config import Config, LLMConfig

    shipped_path = Path(__file__).parents[2] / "config.yaml"
    text = shipped_path.read_text(encoding="utf-8")
    shipped = yaml.safe_load(text)
    missing, wrong = [], []
    for key, info in _config_keys(Config).items():
        node: object = shipped
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                missing.append(key)
                break
            node = node[part]
        else:
            default = info.get_default(call_default_factory=True)
            if key == "feeds":
                continue  # the shipped file names the demo feed on purpose
            if isinstance(default, BaseModel):
                continue  # a section: its keys are checked one by one
            shown = str(node) if isinstance(default, Path) else node
            if shown != (str(default) if isinstance(default, Path) else default):
                wrong.append(f"{key}: {node!r} in config.yaml, {default!r} in tasks/core/config.py")
    assert (missing, wrong) == ([], [])
    # facts.llm is off by default (null); its keys are named in the comment beside it.
    llm_line = next(line for line in text.splitlines() if line.strip().startswith("llm:"))
    assert all(f"{name}:" in llm_line for name in LLMConfig.model_fields), llm_line
    parse_config(shipped, shipped_path.parent)  # and the file is a valid config


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # NaN and infinity would pass a `gt=0` bound and then fail every feed in time_t.
        (
            "download: {timeout_s: .inf}\n",
            "bad value for 'download.timeout_s': expected a finite number, got a number (inf)",
        ),
        ("warehouse_wait_s: .nan\n", "bad value for 'warehouse_wait_s': expected a finite"),
        ("whisper: {max_seconds_per_episode: -.inf}\n", "'whisper.max_seconds_per_episode'"),
        (
            "facts: {backend: llm, llm: {base_url: 'http://x', model: m, timeout_s: .inf}}\n",
            "bad value for 'facts.llm.timeout_s': expected a finite number",
        ),
        # Finite but beyond what a clock or a socket takes.
        (
            "download: {timeout_s: 1.0e+12}\n",
            "bad value for 'download.timeout_s': expected a number less than or equal to 86400",
        ),
        ("warehouse_wait_s: 1.0e+300\n", "bad value for 'warehouse_wait_s': expected a number"),
        ("download: {max_bytes: -1}\n", "expected a number greater than 0, got a number (-1)"),
        # Wrong types are refused, not coerced.
        (
            "max_episodes_per_feed: true\n",
            "bad value for 'max_episodes_per_feed': expected a whole number, got true/false",
        ),
        (
            "download: {retries: '3'}\n",
            "bad value for 'download.retries': expected a whole number, got a string ('3')",
        ),
        ("max_attempts: 2.0\n", "bad value for 'max_attempts': expected a whole number"),
        ("keep_audio: 1\n", "bad value for 'keep_audio': expected true or false, got a number"),
        ("whisper: {vad_filter: 'yes'}\n", "bad value for 'whisper.vad_filter': expected true"),
        ("download: {timeout_s: true}\n", "bad value for 'download.timeout_s': expected a number"),
        ("download: {timeout_s: '60'}\n", "bad value for 'download.timeout_s': expected a number"),
        ("feeds:\n  - url: a.xml\n    name: 5\n", "bad value for 'feeds.0.name': expected text"),
        # Whisper knows a fixed set of languages.
        (
            "whisper: {language: klingon}\n",
            "bad value for 'whisper.language': unknown language 'klingon': expected a Whisper "
            "language code such as en, de or fr, or null",
        ),
    ],
)
def test_bad_numbers_types_and_languages_name_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_an_infinite_timeout_exits_2_before_any_feed_is_polled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path, "feeds:\n  - url: http://127.0.0.1:9/feed.xml\ndownload:\n  timeout_s: .inf\n"
    )
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"podsift: {path}: bad value for 'download.timeout_s': expected a finite number, "
        "got a number (inf)\n"
    )
    assert not (tmp_path / "data").exists()


def test_numbers_and_paths_as_the_shipped_config_writes_them_still_load(tmp_path: Path) -> None:
    """Strict types keep what YAML users write: ints for seconds, strings for paths, 1e3."""
    cfg = load_config(
        write(
            tmp_path,
            "download: {timeout_s: 60, max_bytes: 1048576}\nwarehouse_wait_s: 1e3\n"
            "whisper: {max_seconds_per_episode: 900, language: FR}\n"
            "warehouse: wh/x.duckdb\ndata_dir: d\npublish: {dir: pub}\n",
        )
    )
    assert cfg.download.timeout_s == 60.0
    assert cfg.warehouse_wait_s == 1000.0
    assert cfg.whisper.max_seconds_per_episode == 900.0
    assert cfg.whisper.language == "fr"
    assert cfg.warehouse == (tmp_path / "wh" / "x.duckdb").resolve()
    assert cfg.publish.dir == (tmp_path / "pub").resolve()
    assert load_config(write(tmp_path, "whisper: {language: null}\n")).whisper.language is None
