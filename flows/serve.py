"""`podsift serve`: run the daily flow on `schedule.cron` with Prefect's own scheduler.

Prefect will not schedule on its temporary (ephemeral) server: `flow.serve` there only logs
"Cannot schedule flows on an ephemeral server" and never runs. So without PREFECT_API_URL this
starts a local Prefect server (loopback, PREFECT_HOME under data_dir), waits until it is
healthy, serves the deployment against it, and stops both on Ctrl-C. With PREFECT_API_URL set,
that server is used as is.

Prefect reads its settings once, at import: the local server's URL is handed to it with
`temporary_settings`, not only through the environment, or the runner would still see no API
URL (warn that it cannot schedule, and start a second, temporary server for each run).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from http.server import ThreadingHTTPServer
from pathlib import Path

import httpx

from podsift.flows.feedserver import start_feed_server
from podsift.tasks.core.config import Config
from podsift.tasks.core.errors import PodsiftError

DEPLOYMENT_NAME = "podsift-daily"
SERVER_START_TIMEOUT_S = 180.0


class ServeError(PodsiftError):
    """The local Prefect server could not be started."""


def _say(message: str) -> None:
    print(f"podsift serve: {message}", file=sys.stderr, flush=True)


@contextmanager
def local_prefect_server(cfg: Config, port: int) -> Iterator[str]:
    """Start `prefect server start` on 127.0.0.1:`port` and yield its API URL.

    Raises:
        ServeError: the server exited or did not become healthy in time.
    """
    home = Path(os.environ.get("PREFECT_HOME") or cfg.data_dir / "prefect")
    home.mkdir(parents=True, exist_ok=True)
    api_url = f"http://127.0.0.1:{port}/api"
    env = dict(
        os.environ,
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_UI_ENABLED=os.environ.get("PREFECT_UI_ENABLED", "true"),
    )
    env.pop("PREFECT_API_URL", None)
    log_path = home / "server.log"
    log = open(log_path, "ab")  # noqa: SIM115  (lives as long as the server)
    _say(f"starting a local Prefect server on {api_url} (log: {log_path})")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_healthy(server, api_url, log_path)
        yield api_url
    finally:
        _stop(server)
        log.close()
        _say("Prefect server stopped")


def _wait_healthy(server: subprocess.Popen[bytes], api_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise ServeError(
                    f"the local Prefect server exited with code {server.returncode}; "
                    f"see {log_path} (is port {api_url.split(':')[2].split('/')[0]} in use?)"
                )
            try:
                if client.get(f"{api_url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise ServeError(
        f"the local Prefect server did not answer within "
        f"{SERVER_START_TIMEOUT_S:.0f} s; see {log_path}"
    )


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def next_run(cfg: Config, after: datetime | None = None) -> datetime:
    """When `schedule.cron` next starts the daily flow, in the schedule's timezone."""
    from prefect.server.schemas.schedules import CronSchedule

    schedule = CronSchedule(cron=cfg.schedule.cron, timezone=cfg.schedule.timezone)
    dates = asyncio.run(schedule.get_dates(n=1, start=after))
    return datetime.fromisoformat(dates[0].isoformat())


def ready_line(cfg: Config, ui_url: str | None, after: datetime | None = None) -> str:
    """The one line `podsift serve` prints once it is serving."""
    due = next_run(cfg, after)
    where = f"UI at {ui_url}" if ui_url else "serving"
    return (
        f"{where}; next run {due:%Y-%m-%d %H:%M} {cfg.schedule.timezone} "
        f"(cron {cfg.schedule.cron!r}); Ctrl-C stops"
    )


def serve_deployment(config_path: Path, cfg: Config, api_url: str) -> None:
    """Serve the daily flow as a deployment on `schedule.cron`; blocks until interrupted."""
    from prefect.schedules import Cron
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from podsift.flows.daily import daily

    ui_url = api_url.removesuffix("/api") if api_url.endswith("/api") else None
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        _say(ready_line(cfg, ui_url))
        daily.serve(
            name=DEPLOYMENT_NAME,
            schedules=[Cron(cfg.schedule.cron, timezone=cfg.schedule.timezone)],
            parameters={"config_path": str(config_path), "publish": True},
            description="podsift: poll feeds, transcribe, strip ads, extract facts, load DuckDB",
            pause_on_shutdown=False,
            print_starting_message=False,
        )


def serve(config_path: Path, cfg: Config, *, port: int = 4200) -> int:
    """The `podsift serve` command: the schedule, and the ad-free feeds over HTTP.

    Returns:
        The exit code: 0 after a clean Ctrl-C.

    Raises:
        ServeError: the feeds' address cannot be bound.
    """
    feeds = _serve_feeds(cfg)
    try:
        return _serve_schedule(config_path, cfg, port)
    finally:
        feeds.shutdown()


def _serve_feeds(cfg: Config) -> ThreadingHTTPServer:
    from podsift.flows.publish import default_base_url

    try:
        server = start_feed_server(cfg.publish.dir, cfg.publish.host, cfg.publish.port)
    except OSError as exc:
        raise ServeError(
            f"cannot serve the ad-free feeds on {cfg.publish.host}:{cfg.publish.port}: "
            f"{exc.strerror or exc} (set publish.port in config.yaml)"
        ) from None
    _say(
        f"ad-free feeds from {cfg.publish.dir} at {cfg.publish.base_url or default_base_url(cfg)}"
        "<feed>/feed.xml (rewritten after each run)"
    )
    return server


def _serve_schedule(config_path: Path, cfg: Config, port: int) -> int:
    if os.environ.get("PREFECT_API_URL"):
        with suppress(KeyboardInterrupt):
            serve_deployment(config_path, cfg, os.environ["PREFECT_API_URL"])
        return 0
    with local_prefect_server(cfg, port) as api_url:
        os.environ["PREFECT_API_URL"] = api_url  # for processes the runner starts
        try:
            serve_deployment(config_path, cfg, api_url)
        except KeyboardInterrupt:
            _say("interrupted, shutting down")
    return 0
