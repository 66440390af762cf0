"""Offline facts extractor: the handful of standalone statements a reader would keep.

The stages, in the order `extract_facts` runs them, one module each:

1. `sentences`: the non-ad speech as timed sentences (the project's one splitter; Whisper's
   long run-ons cut where capitals return, then at pauses).
2. `standalone`: openers, fillers ("you know", "I mean"), false starts ("the the", "it's, it's")
   and quote marks stripped, words kept as said; a sentence that opens with a pronoun is read
   with the one before it.
3. `candidates`: what a fact is, by structure and parts of speech (spaCy, `nlp`): a declarative
   statement with a named subject, not a question, greeting, introduction, sign-off, plan for
   the episode, hedge or ad copy; a sentence that is none of these whole is cut into its
   coordinate clauses, each judged on its own; two statements said one after the other, the
   second going on about what the first named, are also offered read as one.
4. `rank`: information, how much it says, centrality to the episode, its title and show notes,
   whether it answers a question, closeness to its topic block (a sentence embedding,
   `centrality`), diversity; one fact per four minutes of non-ad speech.

Every number is in `params.FactOptions`, with how it was chosen.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from podsift.tasks.core.records import AdSpan, Fact, Segment
from podsift.tasks.facts.candidates import NotAFact, find_candidates, reads_as_ad_copy
from podsift.tasks.facts.centrality import Embed, statement_vectors
from podsift.tasks.facts.entities import proper_vocabulary
from podsift.tasks.facts.params import DEFAULT, FactOptions
from podsift.tasks.facts.rank import (
    Ranked,
    attach_vectors,
    fact_count,
    prepare,
    score,
    select,
    topic_profile,
    uses_vectors,
)
from podsift.tasks.facts.sentences import (
    Sentence,
    SpokenWord,
    overlaps_ads,
    speech_duration,
    speech_sentences,
    spoken_words,
)
from podsift.tasks.facts.standalone import clean_sentence
from podsift.tasks.facts.terms import content_terms, normalize_word, stem

_TAG_RE = re.compile(r"<[^>]+>")

__all__ = [
    "DEFAULT",
    "FactOptions",
    "NotAFact",
    "Sentence",
    "SpokenWord",
    "clean_sentence",
    "content_terms",
    "extract_facts",
    "fact_count",
    "normalize_word",
    "overlaps_ads",
    "reads_as_ad_copy",
    "speech_duration",
    "speech_sentences",
    "spoken_words",
    "stem",
]


class PreparedEpisode:
    """The weight-free work on one episode: sentences, candidates, parse, profile, and (when
    the options use them) the sentence embeddings.

    The benchmark ranks one prepared episode under many weightings; `extract_facts` makes one
    and ranks it once. Embeddings are made once, the first time they are needed.
    """

    def __init__(
        self,
        segments: Sequence[Segment],
        ad_spans: Sequence[AdSpan] = (),
        *,
        title: str = "",
        notes: str = "",
        options: FactOptions = DEFAULT,
    ) -> None:
        self.sentences = speech_sentences(segments, ad_spans, options)
        self.speech_seconds = speech_duration(segments, ad_spans)
        candidates, self.rejected = find_candidates(self.sentences, options)
        proper = frozenset(proper_vocabulary(s.text for s in self.sentences))
        self.ranked = prepare(candidates, options, proper, self.sentences)
        self.profile, self.idf = topic_profile(self.sentences)
        plain = html.unescape(_TAG_RE.sub(" ", notes))
        self.title_terms = frozenset(content_terms(f"{title} {plain}"))
        self._embedded_blocks: float | None = None  # block seconds the vectors were made for

    def embed(self, options: FactOptions = DEFAULT, embed: Embed | None = None) -> None:
        """Embed the sentences and candidates and attach them to the candidates, once per
        block length (`options.block_minutes`); `embed` replaces the model (tests)."""
        block_seconds = 60.0 * options.block_minutes
        if self._embedded_blocks == block_seconds or not self.ranked:
            return
        first = self.sentences[0].start if self.sentences else 0.0
        kwargs = {} if embed is None else {"embed": embed}
        vectors = statement_vectors(
            [(s.text, s.start) for s in self.sentences],
            [(r.sentence.text, r.sentence.start) for r in self.ranked],
            first=first,
            block_seconds=block_seconds,
            **kwargs,
        )
        attach_vectors(self.ranked, vectors)
        self._embedded_blocks = block_seconds

    def facts(self, k: int | None = None, options: FactOptions = DEFAULT) -> list[Fact]:
        """The best `k` facts (default `fact_count` of the speech time), in the order said."""
        count = fact_count(self.speech_seconds, options) if k is None else max(0, k)
        if not self.ranked or count == 0:
            return []
        first = self.sentences[0].start if self.sentences else 0.0
        speech = (first, self.speech_seconds)
        if uses_vectors(options):
            self.embed(options)
        score(self.ranked, self.profile, self.idf, self.title_terms, options, speech=speech)
        chosen: list[Ranked] = select(self.ranked, count, self.profile, options)
        facts = [
            Fact(
                text=r.sentence.text,
                start=r.sentence.start,
                end=r.sentence.end,
                score=round(min(1.0, max(0.0, r.score)), 4),
                entities=r.entities,
            )
            for r in chosen
        ]
        return sorted(facts, key=lambda f: (f.start, f.end))


def extract_facts(
    segments: Sequence[Segment],
    ad_spans: Sequence[AdSpan] = (),
    *,
    max_facts: int | None = None,
    title: str = "",
    notes: str = "",
    options: FactOptions = DEFAULT,
) -> list[Fact]:
    """Extract the standalone facts an episode states, offline.

    Args:
        segments: the transcript, with word timestamps where available.
        ad_spans: spans to leave out; a sentence that touches one is never a fact.
        max_facts: how many facts at most; by default `fact_count` of the non-ad speech time.
        title: the episode's title, when known; facts that say its words rank higher.
        notes: the episode's show notes (plain text or HTML), likewise.
        options: the extractor's numbers (`params.DEFAULT`).

    Returns:
        Facts sorted by start time. `start`/`end` are the times of the first and last word
        kept; `score` is in [0, 1], higher is more informative; `entities` lists the people,
        places and organisations named.
    """
    episode = PreparedEpisode(segments, ad_spans, title=title, notes=notes, options=options)
    return episode.facts(max_facts, options)
