"""Advertisers known to buy podcast ads, for the ad detector's optional advertiser evidence.

The names are data (`data/cues.json`), from general knowledge of who advertises on podcasts (no
evaluation transcript was read for it). The detector must work without them
(`AdOptions.use_advertisers=False`; both figures are in docs/ads.md), so they are one block
feature among many, never needed to find a read.
"""

from __future__ import annotations

import re

from podsift.tasks.core.text import data_entry, package_data

_CUES = package_data("podsift.tasks.ads", "cues")
# Lower case, one name each (`data/cues.json`, "words.advertisers").
ADVERTISERS: frozenset[str] = frozenset(data_entry(_CUES, "words", "words.advertisers")["words"])
# Names that are also everyday words ("calm", "indeed", "factor"): they count only where the
# transcript capitalises them, as Whisper does for a brand ("words.common_word_advertisers").
COMMON_WORD_NAMES: frozenset[str] = frozenset(
    data_entry(_CUES, "words", "words.common_word_advertisers")["words"]
)

_ADVERTISER = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(n) for n in sorted(ADVERTISERS, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)


def advertisers_named(text: str) -> set[str]:
    """The known advertisers `text` names (common-word names only where capitalised)."""
    found = set()
    for match in _ADVERTISER.finditer(text):
        name = match.group(1).lower()
        if name in COMMON_WORD_NAMES and not match.group(1)[:1].isupper():
            continue
        found.add(name)
    return found
