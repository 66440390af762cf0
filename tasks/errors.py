"""Domain exceptions. Each carries one sentence a user can act on."""


class PodsiftError(Exception):
    """Base class for the failures podsift expects and reports without a traceback."""


class ConfigError(PodsiftError):
    """config.yaml is missing, unreadable or invalid."""


class FeedError(PodsiftError):
    """A feed could not be fetched or is not a feed."""


class AudioError(PodsiftError):
    """An episode's audio could not be fetched, or what arrived is not usable audio."""


class TranscriptionError(PodsiftError):
    """Whisper could not transcribe the audio (or took longer than allowed)."""


class WarehouseBusyError(PodsiftError):
    """Another podsift process holds the warehouse."""


class StorageError(OSError):
    """podsift's own disk failed (data_dir full, read-only or unwritable): not the episode's
    fault, so it does not use up one of the episode's attempts.

    Deliberately not a `PodsiftError`: the per-episode stages catch those and record them as
    the episode's failure; this one goes up to the flow, which knows it is the machine's.
    """
