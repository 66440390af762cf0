"""Domain exceptions. Each carries one sentence a user can act on."""

import re
import signal

# The user-info part of a URL (`https://user:secret@host/feed`, `https://TOKEN@host/feed`):
# a private feed's credentials, which messages must not repeat.
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#@\s]+@")


def redact_credentials(text: str) -> str:
    """`text` with the credentials of every URL in it replaced by `***`.

    A private feed's URL may carry a user name and password (or a token as the user name);
    they are needed to fetch it, but not in `feeds.last_error`, the run summary or a log line.
    """
    return _URL_CREDENTIALS.sub(r"\1***@", text) if "@" in text else text


def _redacted(args: tuple[object, ...]) -> list[object]:
    """An exception's arguments with the credentials of their URLs redacted."""
    return [redact_credentials(a) if isinstance(a, str) else a for a in args]


class PodsiftError(Exception):
    """Base class for the failures podsift expects and reports without a traceback.

    Its message names no URL's credentials: they are redacted as it is made.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*_redacted(args))


class UsageError(PodsiftError):
    """The command was asked for something it refuses (a write in `sql`, empty search words):
    the CLI exits 2, as for a bad argument."""


class ConfigError(UsageError):
    """config.yaml is missing, unreadable or invalid."""


class FeedError(PodsiftError):
    """A feed could not be fetched or is not a feed."""


class AudioError(PodsiftError):
    """An episode's audio could not be fetched, or what arrived is not usable audio."""


class TranscriptionError(PodsiftError):
    """Whisper could not transcribe the audio (or took longer than allowed)."""


class WarehouseBusyError(PodsiftError):
    """Another podsift process holds the warehouse."""


class TryLaterError(Exception):
    """A failure that says nothing about the episode: the machine's disk, or a server asking
    to be left alone for a while. The episode fails for this run but does not use up one of
    its attempts, so days of it never exhaust `max_attempts`.

    Deliberately not a `PodsiftError`: the per-episode stages catch those and record them as
    the episode's own failure; this one goes up to the flow, which knows better. Its message,
    too, names no URL's credentials.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*_redacted(args))


class StorageError(TryLaterError, OSError):
    """podsift's own disk failed (data_dir full, read-only or unwritable)."""


class RateLimitedError(TryLaterError):
    """The server answered 429 (or 503) and asked for a longer wait than a run sits out."""


class Terminated(KeyboardInterrupt):
    """The process was asked to stop (SIGTERM: `kill`, `timeout`, `docker stop`, systemd;
    SIGHUP: the terminal it ran in was closed). `args[0]` is the signal's number.

    A KeyboardInterrupt, so everything that lets Ctrl-C through (and cleans up for it) does the
    same for this: the run is recorded as aborted and the process exits normally, which stops
    the Prefect server it started (a process the signal itself ends leaves that running).
    """

    @property
    def signal_number(self) -> int:
        return int(self.args[0]) if self.args else int(signal.SIGTERM)

    @property
    def signal_name(self) -> str:
        """`SIGTERM`, `SIGHUP`."""
        return signal.Signals(self.signal_number).name
