"""A Whisper model that cannot be used: a typo is a config error; a folder that holds no model
stops the episodes that need it without using up their attempts, and nothing is lost."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from podsift.tasks.core.config import load_config
from podsift.tasks.core.errors import ConfigError
from tests.conftest import AUDIO, FeedServer, rss, write_config


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("tiny.enn", "bad value for 'whisper.model': unknown model 'tiny.enn': expected one of "),
        ("/no/such/model", "bad value for 'whisper.model': no model folder at /no/such/model"),
        ("./models/mine", "no model folder at {root}/models/mine"),
    ],
)
def test_a_model_that_does_not_exist_is_a_config_error(
    tmp_path: Path, model: str, message: str
) -> None:
    config = write_config(tmp_path, ["a.xml"], whisper={"model": model})
    with pytest.raises(ConfigError) as err:
        load_config(config)
    assert str(err.value).startswith(f"{config}: ")
    assert message.format(root=tmp_path) in str(err.value)


def test_model_folders_resolve_against_the_config_folder(tmp_path: Path) -> None:
    (tmp_path / "models" / "mine").mkdir(parents=True)
    for model in ("./models/mine", "models/mine"):
        config = write_config(tmp_path, ["a.xml"], whisper={"model": model})
        assert load_config(config).whisper.model == str(tmp_path / "models" / "mine")
    config = write_config(tmp_path, ["a.xml"], whisper={"model": "Systran/faster-whisper-tiny"})
    assert load_config(config).whisper.model == "Systran/faster-whisper-tiny"  # a hub repo id


@pytest.mark.slow
def test_a_model_that_cannot_load_uses_up_no_attempts(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    from podsift.flows.daily import daily

    speech = (AUDIO / "speech_short.mp3").read_bytes()
    server.add("/ep.mp3", body=speech, headers={"Content-Type": "audio/mpeg"})
    feed = server.add("/feed.xml", body=rss([{"guid": "ep", "url": server.url("/ep.mp3")}]))
    (tmp_path / "models" / "empty").mkdir(parents=True)  # a folder, but no model in it
    broken = write_config(tmp_path, [feed], whisper={"model": "models/empty"}, max_attempts=1)

    first = daily(str(broken))

    assert first.exit_code == 1
    error = first.feeds[0].error or ""
    assert error.startswith("1 episode(s) not transcribed: cannot load whisper model ")
    assert server.hits("/ep.mp3") == 0  # nothing downloaded for a model that cannot run
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM episodes").fetchone() == (0,)
        assert con.execute("SELECT etag FROM feeds").fetchone() == (None,)
    finally:
        con.close()

    # The user fixes the model; with max_attempts 1 the episode still gets its one try.
    fixed = write_config(tmp_path, [feed], max_attempts=1)
    second = daily(str(fixed))

    assert second.exit_code == 0
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute("SELECT status, attempts FROM episodes WHERE guid = 'ep'").fetchone()
    finally:
        con.close()
    assert row == ("done", 1)
