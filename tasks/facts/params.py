"""Every number the facts extractor uses, in one options record (issue 16), with how each was
chosen.

Two kinds of numbers live here. **Rules** (how long a sentence may be, when two sentences are
read together) were set from how people speak and left alone. **Weights** of the ranking were
chosen by leave-one-show-out on the benchmark's 52 episodes of 19 shows (`bench/facts.py`): for each
show, the grid point that did best on the *other* shows. The defaults below are the point chosen
in every one of the 19 folds (December 2026), so no show's own score picked its weights. The
grid's edges matter: information was chosen at its top value (1.2) and centrality at its
lowest (0.2), i.e. numbers, dates and names decide most of the ranking.
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
    # --- ranking (weights; chosen by leave-one-show-out, see the module docstring) -----------
    w_information: float = 1.2  # numbers, dates, names: what a reader keeps
    w_centrality: float = 0.2  # closeness to the episode's topic profile
    w_title: float = 0.3  # share of the title's (and show notes') content words it says
    w_cover: float = 0.4  # share of the selection value for covering new topic terms
    w_position: float = 0.0  # the opening's prior: shows state their subject first (a lede)
    # --- ranking (rules) ---------------------------------------------------------------------
    len_exp: float = 0.5  # coverage gain per sqrt(words): the tighter of two equal sentences wins
    w_redundant: float = 0.5  # penalty per unit of content-word cosine to a chosen fact
    near_duplicate: float = 0.4  # content-word cosine at which a sentence is never chosen
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
