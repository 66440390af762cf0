"""Every number the facts extractor uses, in one options record (issue 16), with how each was
chosen.

Two kinds of numbers live here. **Rules** (how long a sentence may be, when two sentences are
read together, how many facts) were set from how people speak, or from the labelling protocol,
and left alone. **Weights** of the ranking were chosen by leave-one-show-out on the key facts
readers wrote for 50 episodes of 10 shows (issue 25, `bench/facts.py`: 45 real episodes of five
shows and the five ads-dev episodes): for each show, the grid point that covered the most key
facts on the *other* shows. The defaults below (information 0.8, centrality 0.5, terms 1.5,
cover 0.0, answer 0.0, topic block 0.1, embedding duplicate 0.75) are the point chosen in 9 of
the 10 folds and on all shows together (128-point grid, December 2026); the ladybug fold chose
(0.4, 0.2, 1.0, 0.2, 0.0, 0.1, off). How much a candidate says (`w_terms`) carries most of the
ranking; the topic-coverage term of the selection and the answer prior were chosen at 0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from podsift.tasks.core.sentences import FACT_SENTENCES, SplitOptions


@dataclass(frozen=True, slots=True)
class FactOptions:
    """The facts extractor's numbers; `DEFAULT` is what `extract_facts` uses."""

    # --- sentences (rules) -------------------------------------------------------------------
    # The shared splitter's fact options: a run-on over 55 words is cut where Whisper's capitals
    # return (see `podsift.tasks.core.sentences.split_run_on`).
    split: SplitOptions = FACT_SENTENCES
    # A run-on still over `split.run_on_words` (no capitals came back) is cut at its longest
    # pauses until every piece is at most this long: a statement in Whisper's unpunctuated mode
    # is still said with a breath between clauses. 30 words is about two spoken clauses.
    pause_cut_words: int = 30
    # --- what a fact is (rules) --------------------------------------------------------------
    min_words: int = 6  # shorter than this is a reply or a fragment ("It opens in May.")
    max_words: int = 55  # longer than this is a ramble nobody reads as one fact
    # A sentence opening with a pronoun is read with the sentence before it when that one was
    # said at most this many seconds earlier (the same speaker's next breath, not a new turn)...
    join_gap_s: float = 2.0
    # ...and the two together stay at most this long.
    join_max_words: int = 60
    # --- ranking (weights; chosen by leave-one-show-out on key facts, see the docstring) -------
    w_information: float = 0.8  # numbers, dates, names: what a reader keeps
    w_centrality: float = 0.5  # closeness to the episode's topic profile
    # Share of the title's (and show notes') content words it says; 0.3 was chosen in all 10
    # folds when it was on the grid at 0 and 0.3, and left off the final grid.
    w_title: float = 0.3
    w_cover: float = 0.0  # share of the selection value for covering new topic terms
    w_position: float = 0.0  # the opening's prior: shows state their subject first (a lede)
    # How much of what it can say the sentence says: its content words over the most any
    # candidate of the episode has. The best single predictor of a key fact among candidates
    # (AUC 0.82 on the 50 keyed episodes; information 0.77, centrality 0.62): a reader's key
    # fact packs a subject, a number and an attribution into 20-30 content words.
    w_terms: float = 1.5
    # Said within `answer_window` sentences after a question: the episode's answer to it. On
    # the grid at 0 and 0.2; 0.2 was chosen in 1 fold of 10, so the prior is off by default.
    w_answer: float = 0.0
    # Closeness to what its part of the episode is about: the centred sentence-embedding cosine
    # to its topic block's centroid (`centrality`), scaled to [0, 1] over the episode. On the
    # grid at 0 and 0.1 (0.1 from a first look on all keyed shows), chosen in all 10 folds.
    # Alone it adds one key fact leave-one-show-out (real 17.5 -> 17.7 %) and
    # with `embed_duplicate` real 20.6 %: small, most of the gain is the folds agreeing.
    w_topic_block: float = 0.1
    # --- how many (fitted on the readers' own counts) ---------------------------------------
    # `base_facts` + one per `minutes_per_fact` minutes of non-ad speech: a least-squares line
    # through the number of key facts readers wrote for each of the 50 keyed episodes (5 to 71
    # minutes of speech) against its speech time, `python bench/facts.py --fit-count`. Readers
    # write about four for a six-minute news episode and about thirteen for seventy minutes:
    # 0.52 facts off per episode on average, where the protocol's "one per four minutes" (at
    # least three) was 1.12 off, three where readers wrote four or five on short episodes and
    # seventeen where they wrote thirteen on long ones. Each leave-one-show-out refit gives
    # 2.9-3.4 and one per 5.9-6.4 minutes.
    base_facts: float = 3.07
    minutes_per_fact: float = 6.16
    min_facts: int = 3  # a five-minute news item still states a few things
    # --- ranking (rules) ---------------------------------------------------------------------
    answer_window: int = 2  # the question and at most one sentence between it and the answer
    len_exp: float = 0.5  # coverage gain per sqrt(words): the tighter of two equal sentences wins
    w_redundant: float = 0.5  # penalty per unit of content-word cosine to a chosen fact
    # Content-word cosine at which a sentence is never chosen; two statements this close are
    # the same thing said again, and not read as one (`candidates._continued`).
    near_duplicate: float = 0.4
    # Raw sentence-embedding cosine at which two candidates state the same point in other
    # words ("The ferry carried 400,000 passengers in 2023" / "In 2023, 400,000 people
    # travelled on the boat"); never both chosen (1.0: off). On the grid at off and 0.75,
    # chosen in 9 folds of 10 (alone: real 17.5 -> 18.8 % leave-one-show-out). 0.75 from a
    # first look on all keyed shows: never fewer key facts than off at any of the 32 other
    # grid points, where 0.7 and 0.72 lost some at 12 of them. The value belongs to the model
    # (`podsift.tasks.core.embedding`, all-MiniLM-L6-v2): refit it when the model changes.
    embed_duplicate: float = 0.75
    # A topic block (`centrality`): two facts' worth of speech at the protocol's one per four
    # minutes, the "one topic block, at most one or two facts". Not fitted: 4, 6 and 12
    # minutes cover within one key fact of 8 on the benchmark.
    block_minutes: float = 8.0
    long_words: int = 35  # past this many words a sentence loses 0.01 per extra word
    # The opening whose sentences get the position prior, falling from 1 to 0 across it: this
    # share of the speech, at most `lead_max_s` (an editor's summary comes from the first
    # minutes; the numbers are the previous extractor's, not fitted).
    lead_share: float = 0.15
    lead_max_s: float = 240.0


DEFAULT = FactOptions()


def with_weights(options: FactOptions, **weights: float) -> FactOptions:
    """A copy of `options` with some ranking weights changed (the benchmark's grid)."""
    return replace(options, **weights)  # type: ignore[arg-type]
