"""One way to print a time in the audio's clock: ``m:ss`` under an hour, ``h:mm:ss`` above."""

from __future__ import annotations

import math


def format_clock(seconds: float) -> str:
    """Format a position or duration in seconds as a clock reading.

    Seconds are truncated, not rounded, so a position reads as the second it starts in
    (12.7 s is said during "0:12"). Negative or non-finite input reads as "0:00".

    Args:
        seconds: A time in seconds.

    Returns:
        ``"0:12"`` for 12.7, ``"1:02:05"`` for 3725.
    """
    whole = int(seconds) if math.isfinite(seconds) and seconds > 0 else 0
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
