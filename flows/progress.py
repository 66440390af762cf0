"""Progress lines on stderr while episodes download and transcribe."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable

from podsift.tasks.core.timefmt import format_clock

_lock = threading.Lock()
enabled = False  # the CLI turns this on; library use stays quiet
REPORT_EVERY_S = 5.0


def say(message: str) -> None:
    if enabled:
        with _lock:
            print(message, file=sys.stderr, flush=True)


def transcription_progress(title: str) -> Callable[[float, float], None]:
    """A callback printing '<title>: 42% of 12:30' at most every few seconds, and at the end."""
    last = [0.0]
    label = title if len(title) <= 60 else title[:57] + "..."

    def report(done_s: float, total_s: float) -> None:
        now = time.monotonic()
        finished = done_s >= total_s
        if not finished and now - last[0] < REPORT_EVERY_S:
            return
        last[0] = now
        pct = 100.0 * done_s / total_s if total_s else 100.0
        say(f"  transcribing {label!r}: {pct:3.0f}% of {format_clock(total_s)}")

    return report
