"""Stage 4: which facts matter in this episode, and how many.

Each candidate gets a score from six parts, weighted by `FactOptions` (chosen by
leave-one-show-out on readers' key facts, see `params.py`):

- **information**: numbers, dates and names (spaCy's entities, and digits) a reader keeps, with
  the share of content words; minus chatter (first and second person, interjections, hedges)
  and length past `long_words`;
- **terms**: how many content words it says, against the most any candidate of the episode
  says: a key fact packs its subject, numbers and attribution into one statement;
- **centrality**: cosine to the episode's TF-IDF centroid (what it keeps coming back to);
- **title**: the share of the episode title's (and show notes') content words it says, when the
  caller has them;
- **answer**: said just after a question (the guest's answer to the host's question);
- **topic block**: a sentence embedding's closeness to what its part of the episode is about
  (`centrality`: the centred cosine to its topic block's centroid), scaled to [0, 1] over the
  episode's candidates.

Selection is greedy: score plus coverage of the episode's topic terms not yet covered (concept
coverage, as in Gillick and Favre's summarisation work), minus redundancy with the facts already
chosen; a near-duplicate is never chosen (by content words, or by embedding: the same point in
other words), nor a pair of statements one of whose halves repeats a chosen fact. `fact_count`
grows with the episode's length, one per four minutes.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from podsift.tasks.ads.evidence import SECOND_PERSON
from podsift.tasks.core.text import HEDGES, STOPWORDS
from podsift.tasks.facts.candidates import DATE_ENTS, NAME_ENTS, NUMERIC_ENTS, Candidate
from podsift.tasks.facts.centrality import StatementVectors
from podsift.tasks.facts.entities import extract_entities
from podsift.tasks.facts.params import DEFAULT, FactOptions
from podsift.tasks.facts.sentences import Sentence
from podsift.tasks.facts.terms import content_terms, normalize_word
from podsift.tasks.facts.words import word_set

# First and second person, and interjections ("wow", "cool"): chatter, counted against a
# fact's information (`data/words.json` and core's `talk.json`); hedges are core's `HEDGES`.
# The speaker and the listener: this stage's "personal" words and the ad detector's second
# person ("you", "your"), written once there.
_PERSONAL = word_set("personal") | SECOND_PERSON
_INTERJECTIONS = word_set("interjection")
_YEAR_RE = re.compile(r"\b(1[89]|20)\d\d\b")
_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


@dataclass(slots=True)
class Ranked:
    """A candidate with its terms, names and score."""

    candidate: Candidate
    terms: frozenset[str]
    entities: tuple[str, ...]
    information: float
    parts: tuple[frozenset[str], ...] = ()  # each joined statement's terms (a pair's two)
    answers: bool = False  # said right after a question: the episode's answer to it
    score: float = 0.0
    # Its sentence embedding (a unit row) and centred cosine to its topic block's centroid;
    # set by `attach_vectors` when the options use them.
    vector: np.ndarray | None = None
    block_centrality: float = 0.0

    @property
    def sentence(self) -> Sentence:
        return self.candidate.sentence


def fact_count(speech_seconds: float, options: FactOptions = DEFAULT) -> int:
    """How many facts an episode with this much non-ad speech gets.

    `options.base_facts` and one more per `options.minutes_per_fact` minutes, the line fitted
    through the counts readers wrote (`params.FactOptions`), at least `options.min_facts`: a
    short news item still states a few things. No upper cap: a two-hour episode states more
    than a half-hour one. Fewer come back when fewer sentences qualify.
    """
    minutes = max(speech_seconds, 0.0) / 60.0
    return max(options.min_facts, round(options.base_facts + minutes / options.minutes_per_fact))


def names_in(candidate: Candidate, proper: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The names a fact says: spaCy's entities and the capital-letter rules' together.

    Measured on the benchmark's reference facts, neither finds clearly more than the other on
    cased text (78 % and 81 % of the names, 82 % together); spaCy also finds names Whisper
    wrote in lower case, and the rules names the small model misses ("Northgate Library").
    A name inside a longer one ("Garrick" in "Helen Garrick") is left out.
    """
    found = [
        _LEADING_ARTICLE.sub("", e.text).strip(" ,.'’")
        for doc in candidate.docs
        for e in doc.ents
        if e.label_ in NAME_ENTS
    ]
    found += [e.text for e in extract_entities(candidate.text, proper)]
    names: list[str] = []
    for name in found:
        low = name.lower()
        if not name or any(low in n.lower() for n in names):
            continue
        names = [n for n in names if n.lower() not in low] + [name]
    return tuple(names)


def _information(
    candidate: Candidate, options: FactOptions, proper: frozenset[str] = frozenset()
) -> tuple[float, tuple[str, ...]]:
    """How much a reader learns from the sentence alone, roughly in [0, 1], and its names."""
    ents = [e for doc in candidate.docs for e in doc.ents]
    names = list(names_in(candidate, proper))
    text = candidate.text
    numbers = sum(1 for e in ents if e.label_ in NUMERIC_ENTS) or int(bool(re.search(r"\d", text)))
    dates = sum(1 for e in ents if e.label_ in DATE_ENTS) or int(bool(_YEAR_RE.search(text)))
    norms = [normalize_word(w) for w in text.split()]
    n = max(len(norms), 1)
    content = [w for w in norms if w and w not in STOPWORDS]
    personal = sum(1 for w in norms if w in _PERSONAL) / n
    interjections = sum(1 for w in norms if w in _INTERJECTIONS) / n
    value = (
        0.30 * min(1.0, numbers / 2)
        + 0.15 * min(1.0, dates)
        + 0.25 * min(1.0, len(names) / 2)
        + 0.20 * min(1.0, len(content) / n / 0.6)
        + 0.10 * min(1.0, len(content) / 8)
    )
    value -= 0.8 * personal + 0.8 * interjections + 0.12 * len(HEDGES.findall(text))
    if n > options.long_words:
        value -= 0.01 * (n - options.long_words)
    return value, tuple(names)


def _cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def prepare(
    candidates: Sequence[Candidate],
    options: FactOptions = DEFAULT,
    proper: frozenset[str] = frozenset(),
    sentences: Sequence[Sentence] = (),
) -> list[Ranked]:
    """The weight-free part of ranking (terms, names, information, whether it answers a
    question), done once per episode; `proper` is the episode's capitalised vocabulary
    (`podsift.tasks.facts.entities.proper_vocabulary`), `sentences` the episode's speech."""
    ends = [s.end for s in sentences]
    out = []
    for cand in candidates:
        information, names = _information(cand, options, proper)
        out.append(
            Ranked(
                cand,
                frozenset(content_terms(cand.text)),
                names,
                information,
                parts=tuple(frozenset(content_terms(p)) for p in cand.parts),
                answers=_answers(cand.sentence, sentences, ends, options),
            )
        )
    return out


def uses_vectors(options: FactOptions = DEFAULT) -> bool:
    """Whether ranking with `options` needs the candidates' sentence embeddings."""
    return options.w_topic_block != 0 or options.embed_duplicate < 1.0


def attach_vectors(ranked: Sequence[Ranked], vectors: StatementVectors) -> None:
    """Give each candidate its embedding and block centrality (`centrality.statement_vectors`
    of the same candidates, in the same order)."""
    if len(vectors.vectors) != len(ranked):
        raise ValueError(f"{len(vectors.vectors)} vectors for {len(ranked)} candidates")
    for r, vector, centrality in zip(
        ranked, vectors.vectors, vectors.block_centrality, strict=True
    ):
        r.vector = vector
        r.block_centrality = float(centrality)


def _answers(
    sentence: Sentence, sentences: Sequence[Sentence], ends: Sequence[float], options: FactOptions
) -> bool:
    """The sentence comes within `options.answer_window` sentences after a question (a
    host's question, then the guest's answer)."""
    at = bisect.bisect_right(ends, sentence.start + 0.01)
    before = sentences[max(0, at - options.answer_window) : at]
    return any(s.text.rstrip("\"'”’)").endswith("?") for s in before)


def topic_profile(sentences: Sequence[Sentence]) -> tuple[dict[str, float], dict[str, float]]:
    """The episode's topic profile and each term's IDF.

    The profile is the TF-IDF centroid of the episode's sentences: each sentence's TF-IDF
    vector, normalised, summed over the episode (terms in one sentence only left out). A
    sentence close to it says what the episode keeps coming back to, weighted by how
    particular each word is to that; key facts said in the episode are closer to it than other
    candidates (AUC 0.62 on the 50 keyed episodes, as good as the mean cosine to every
    sentence, and better than a 20-dimension LSA projection's length, 0.53).
    """
    term_sets = [set(content_terms(s.text)) for s in sentences]
    df: Counter[str] = Counter()
    for terms in term_sets:
        df.update(terms)
    n_docs = max(len(sentences), 1)
    idf = {t: math.log((n_docs + 1) / (d + 0.5)) for t, d in df.items()}
    profile: dict[str, float] = {}
    for terms in term_sets:
        norm = math.sqrt(sum(idf[t] ** 2 for t in terms)) or 1.0
        for t in terms:
            if df[t] > 1:
                profile[t] = profile.get(t, 0.0) + idf[t] / norm
    return profile, idf


def score(
    ranked: Sequence[Ranked],
    profile: dict[str, float],
    idf: dict[str, float],
    title_terms: frozenset[str],
    options: FactOptions = DEFAULT,
    *,
    speech: tuple[float, float] = (0.0, 0.0),
) -> None:
    """Set each candidate's score from information, centrality, the title's terms and the
    position prior (`speech` is the first word's time and the non-ad speech seconds)."""
    first, seconds = speech
    window = max(1.0, min(options.lead_max_s, options.lead_share * seconds))
    profile_norm = math.sqrt(sum(v * v for v in profile.values())) or 1.0
    centrality: list[float] = []
    for r in ranked:
        weights = {t: idf.get(t, 1.0) for t in r.terms}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        dot = sum(w * profile.get(t, 0.0) for t, w in weights.items())
        centrality.append(dot / (norm * profile_norm))
    top = max(centrality, default=0.0) or 1.0
    most_terms = max((len(r.terms) for r in ranked), default=0) or 1
    # Cosines sit in a narrow band that differs from episode to episode: scaled to [0, 1]
    # over the episode's candidates.
    block = [r.block_centrality for r in ranked]
    low, high = min(block, default=0.0), max(block, default=0.0)
    spread = high - low if high > low else 1.0
    for r, cent in zip(ranked, centrality, strict=True):
        title = len(r.terms & title_terms) / math.sqrt(len(title_terms)) if title_terms else 0.0
        r.score = (
            options.w_information * r.information
            + options.w_centrality * cent / top
            + options.w_terms * len(r.terms) / most_terms
            + options.w_answer * r.answers
            + options.w_title * min(1.0, title)
            + options.w_position * max(0.0, 1.0 - (r.sentence.start - first) / window)
            + options.w_topic_block * (r.block_centrality - low) / spread
        )


def select(
    ranked: Sequence[Ranked], k: int, profile: dict[str, float], options: FactOptions = DEFAULT
) -> list[Ranked]:
    """Greedy selection of `k`: score, plus coverage of topic terms, minus redundancy."""
    chosen: list[Ranked] = []
    covered: set[str] = set()
    pool = sorted(ranked, key=lambda r: (-r.score, r.candidate.index))
    while pool and len(chosen) < k:
        gains = [
            sum(profile.get(t, 0.0) for t in r.terms - covered)
            / len(r.sentence.words) ** options.len_exp
            for r in pool
        ]
        top_gain = max(gains, default=0.0) or 1.0
        best: Ranked | None = None
        best_value = -math.inf
        for r, gain in zip(pool, gains, strict=True):
            overlaps = [_overlap(r, c) for c in chosen]
            if (
                any(o >= options.near_duplicate for o in overlaps)
                or any(_shares_words(r, c) for c in chosen)
                or any(_same_point(r, c, options) for c in chosen)
            ):
                continue
            value = (
                (1 - options.w_cover) * r.score
                + options.w_cover * gain / top_gain
                - options.w_redundant * max(overlaps, default=0.0)
            )
            if value > best_value:
                best, best_value = r, value
        if best is None:
            break
        chosen.append(best)
        covered |= best.terms
        pool.remove(best)
    return chosen


def _overlap(a: Ranked, b: Ranked) -> float:
    """Content-word cosine of two facts, or of any statement one joins with the other's: a
    pair that repeats a chosen fact in one of its halves is a near-duplicate of it."""
    sides_a, sides_b = (a.terms, *a.parts), (b.terms, *b.parts)
    return max(_cosine(x, y) for x in sides_a for y in sides_b)


def _same_point(a: Ranked, b: Ranked, options: FactOptions) -> bool:
    """Two facts whose embeddings are as close as the same point said in other words."""
    if options.embed_duplicate >= 1.0 or a.vector is None or b.vector is None:
        return False
    return float(a.vector @ b.vector) >= options.embed_duplicate


def _shares_words(a: Ranked, b: Ranked) -> bool:
    """Two facts that hold the same spoken words (a sentence alone and read with the next)."""
    return a.sentence.start < b.sentence.end and b.sentence.start < a.sentence.end
