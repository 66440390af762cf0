"""Domain exceptions. Each carries one sentence a user can act on."""


class PodsiftError(Exception):
    """Base class for the failures podsift expects and reports without a traceback."""


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
    the episode's own failure; this one goes up to the flow, which knows better.
    """


class StorageError(TryLaterError, OSError):
    """podsift's own disk failed (data_dir full, read-only or unwritable)."""


class RateLimitedError(TryLaterError):
    """The server answered 429 and asked for a longer wait than a run sits out."""
