"""Every number the ad detector uses, in one place, each with how it was chosen (issue 11, 16).

Two kinds of numbers:
- Structural options (`BlockOptions`, `EvidenceOptions`, `BreakOptions`), set from how podcasts
  are made and Whisper writes them, not fitted; the reason is beside each.
- The classifier's weights (`FITTED_WEIGHTS`, `FITTED_WEIGHTS_NO_ADVERTISERS`): a logistic
  regression over block features, fitted by `bench/fit_ads.py`, which rewrites the block between
  the BEGIN/END FITTED markers below with the date and the data it was fitted on.

A few constants stay beside their code, each with how it was chosen: arithmetic guards
(`classifier._MAX_LOG_ODDS`, `boundaries._MIN_PROBABILITY`), word lengths of names
(`evidence._MIN_*_LEN`, `blocks._MIN_PREFIX`) and the cue counts that make a feature 1.0
(`evidence.CUE_FEATURES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class BlockOptions:
    """Where the transcript is cut into topic blocks (`tasks/ads/blocks.py`)."""

    # Silence that marks a splice: inserted spots sit between pauses of 0.7-2 s, a speaker's
    # breath between sentences is under about 0.6 s.
    splice_gap_s: float = 1.0
    # Sentences on each side whose words are compared for a topic change (TextTiling's window,
    # about 20-40 s of speech: shorter than a read, longer than one exchange).
    cohesion_window: int = 4
    # A topic cut needs the word overlap across it this far below its neighbours' (0..1).
    cohesion_depth: float = 0.12
    # With sentence embeddings (the learned detector has them), the topic change is measured
    # on meaning instead of shared words: the cosine between the mean embeddings of this many
    # sentences each side, a cut where it dips this far below its neighbours'. Chosen on the
    # rule-based reading over the 208 labelled real episodes and their spliced copies (windows
    # 2, 3, 4, 6; depths 0.05, 0.1, 0.2, 0.3), the rules' weights fixed: 4 and 0.1 gave F1@.5
    # 0.415 against 0.396 with the shared words, 0.617 against 0.604 on the spliced copies
    # (docs/ads.md, sixth session). A read's sentences share its product's meaning more
    # surely than its words, so fewer cuts fall inside a read.
    embedding_window: int = 4
    embedding_depth: float = 0.1
    # A name that recurs within this long (and is said at least twice) ties its sentences into
    # one block: an ad read names its product throughout, 15 s to 4 minutes.
    name_chain_s: float = 240.0
    # At most this many sentences after a call to action still belong to the read (a repeat of
    # the address, the small print); the next sentence without the product's name starts anew.
    cta_tail: int = 2
    # ...said within a beat of it: after a longer silence the next thing has started (a tag
    # line follows its read at a breath or a musical sting, under two seconds).
    tag_line_gap_s: float = 2.0
    # ...and a sentence after a read with no ad language is its tag line only when this short
    # ("Quillmark. Notebooks worth finishing."): hand-set, not fitted.
    tag_line_words: int = 4
    # A name ties a read together only when said at least this often in one stretch (a read
    # names its product again; one mention is talk): hand-set, not fitted.
    min_mentions: int = 2
    # A name said again far away ties a read there too when the two stretches share this many
    # words in a row (the same copy read again): as `EvidenceOptions.shingle_words`.
    shingle_words: int = 5
    # Blocks shorter than this are joined to a neighbour unless a hand-over or splice cuts them
    # off: too short for a topic, about one sentence.
    min_block_s: float = 6.0


@dataclass(frozen=True, slots=True)
class EvidenceOptions:
    """How block features are measured (`tasks/ads/evidence.py`)."""

    splice_gap_s: float = 1.0  # as BlockOptions.splice_gap_s
    edge_s: float = 3.0  # this close to the episode's start or end counts as at it
    welcome_within_s: float = 240.0  # a show welcomes its listeners in its first 4 minutes
    sign_off_within_s: float = 240.0  # and signs off in its last 4
    content_word_len: int = 4  # topic words: four letters or more, not stop words
    topic_margin_s: float = 45.0  # "elsewhere in the episode": this far from the block
    repeat_distance_s: float = 45.0  # a phrase said again this much later is a repeat
    shingle_words: int = 5  # words per shingle: long enough that chat rarely repeats one
    # A repeat counts only where its other copy is this close to ad language: ad copy read
    # twice is beside a lead-in or an address both times (within one read: host reads run to
    # 1-4 minutes), while a cold open repeats the show's talk from deep in the episode.
    repeat_near_ad_s: float = 120.0
    # Rates that make a feature 1.0: one "you" in ten words is ad copy's register; one filler
    # or question in ten words is conversation's.
    second_person_full: float = 0.10
    conversation_full: float = 0.10
    long_block_s: float = 240.0  # LENGTH is log-scaled and 1.0 at four minutes
    # A name said this often in a block is one of the block's names (ONE_NAME, BRAND_LINE,
    # NAME_FROM_CUE), as BlockOptions.min_mentions: hand-set, not fitted.
    block_name_mentions: int = 2
    # A brand line is a sentence of at most this many words, all names ("Harlow Hybrid."):
    # hand-set, not fitted.
    brand_line_words: int = 3
    # OFF_TOPIC is a block's excess of own words over the episode's median block, times this
    # (an excess of half its words is 1.0): hand-set, not fitted.
    off_topic_gain: float = 2.0


@dataclass(frozen=True, slots=True)
class BreakOptions:
    """How ad blocks become ad breaks (`tasks/ads/boundaries.py`)."""

    # A block is an ad when the classifier's probability reaches this: 0.5, the point the
    # logistic regression is fitted to, not tuned.
    threshold: float = 0.5
    # Log-odds paid to enter or leave a break, so breaks are contiguous (boundaries.py):
    # chosen with the classifier's C and class weight over the grid in
    # `bench/fit_ads.py --choose` (0, 1, 2; the rule is at fit_ads.C): 0 with unweighted
    # classes, whose probabilities already come in runs; 1 suits balanced classes.
    switch_cost: float = 0.0
    # Ad blocks this close together are one break (truth marks back-to-back spots as one): a
    # show rarely takes back over for less than 15 s between two reads. Leave-one-show-out F1
    # 0.79 with 4 s, 0.81 with 15 s (the old detector's number).
    merge_gap_s: float = 15.0
    # Content blocks this short between two ad blocks, with no welcome, "welcome back",
    # sign-off or hand-over among them, are spots of the same break (boundaries._sandwiched).
    sandwich_s: float = 45.0
    # Hysteresis: a block of at most `sandwich_s` beside an ad block (within `merge_gap_s`)
    # joins its break when its own probability reaches this and it has ad language of its own
    # (a read cut in two by a pause: its body, then its phone number and disclosure). Grid
    # 0.5 (off), 0.4, 0.3, 0.2, 0.1 leave-one-show-out: ad time found 85.8, 87.1, 88.1, 88.3,
    # 88.6%, content cut 0.67, 0.67, 0.67, 0.73, 1.46%; 0.3 is the lowest before the cut rises.
    extend_threshold: float = 0.3
    # A lead-in and a call to action this close are one read with its body between them: host
    # reads run 1-4 minutes, so the body between its ends is under about three.
    max_read_s: float = 180.0
    # A break shorter than this is a name-check, not a read: the shortest sponsor credit
    # ("Support for this podcast comes from X.") takes about 4 s.
    min_break_s: float = 4.0
    # Edge sentences compared with this many show sentences beside the break, and at most
    # this many given back per edge (a block boundary is rarely more than two sentences off).
    edge_window: int = 4
    max_give_back: int = 2
    max_reasons: int = 5  # evidence named in a span's reason, most telling first


@dataclass(frozen=True, slots=True)
class Weights:
    """A fitted logistic regression over `podsift.tasks.ads.evidence.Feature`s, by feature name."""

    intercept: float
    coefficients: tuple[tuple[str, float], ...]
    fitted_on: str  # date and data

    def as_dict(self) -> dict[str, float]:
        return dict(self.coefficients)


# BEGIN FITTED (written by bench/fit_ads.py; do not edit by hand)
FITTED_WEIGHTS = Weights(
    -5.2647,
    (
        ("LEAD_IN", 7.4923),
        ("WEB_ADDRESS", 1.275),
        ("SLASH", 3.2605),
        ("PROMO_CODE", 1.3256),
        ("OFFER", 2.9169),
        ("SMALL_PRINT", 4.7355),
        ("CALL_TO_ACTION", 2.7313),
        ("PHONE", 2.8948),
        ("SHOW_PROMO", 4.5159),
        ("ADVERTISER", 2.6765),
        ("SHOW_NOTES", 2.4694),
        ("REPEATED", 0.8186),
        ("REPEATED_WITHIN", 4.1646),
        ("ONE_NAME", 1.7831),
        ("NAME_FROM_CUE", 0.0242),
        ("OFF_TOPIC", 1.8321),
        ("SECOND_PERSON", 1.3055),
        ("SPLICED", -0.1464),
        ("PRE_ROLL", 2.6669),
        ("BEFORE_WELCOME", 1.4946),
        ("BRAND_LINE", 1.4893),
        ("AFTER_HAND_OVER", 3.202),
        ("BEFORE_RETURN", 4.3417),
        ("POST_ROLL", 2.9662),
        ("CONVERSATION", -0.5267),
        ("SHOW_FRAMING", -1.687),
        ("OWN_SHOW", -2.4622),
        ("GUEST_PLUG", -1.3719),
        ("REVIEW", -0.7555),
        ("UNPAID", -0.333),
        ("HELPLINE", -2.4073),
        ("LENGTH", -0.1472),
    ),
    (
        "2026-12-06: 2939 blocks (200 ads) from dev 5 episodes of 5 shows, written 30 "
        "episodes of 12 shows, spoken 15 episodes of 12 shows, fixtures 25 episodes of 14"
        " shows"
    ),
)
FITTED_WEIGHTS_NO_ADVERTISERS = Weights(
    -5.3503,
    (
        ("LEAD_IN", 7.182),
        ("WEB_ADDRESS", 1.2116),
        ("SLASH", 3.3221),
        ("PROMO_CODE", 1.3158),
        ("OFFER", 3.3237),
        ("SMALL_PRINT", 4.6014),
        ("CALL_TO_ACTION", 2.5526),
        ("PHONE", 2.9868),
        ("SHOW_PROMO", 4.2628),
        ("ADVERTISER", 0.0),
        ("SHOW_NOTES", 2.2603),
        ("REPEATED", 1.1038),
        ("REPEATED_WITHIN", 4.359),
        ("ONE_NAME", 1.8404),
        ("NAME_FROM_CUE", -0.0196),
        ("OFF_TOPIC", 1.9513),
        ("SECOND_PERSON", 1.3123),
        ("SPLICED", -0.2018),
        ("PRE_ROLL", 2.6259),
        ("BEFORE_WELCOME", 1.7946),
        ("BRAND_LINE", 1.5236),
        ("AFTER_HAND_OVER", 3.1869),
        ("BEFORE_RETURN", 4.5428),
        ("POST_ROLL", 3.0681),
        ("CONVERSATION", -0.6332),
        ("SHOW_FRAMING", -1.7244),
        ("OWN_SHOW", -2.5928),
        ("GUEST_PLUG", -1.4817),
        ("REVIEW", -0.9642),
        ("UNPAID", -0.4808),
        ("HELPLINE", -2.9003),
        ("LENGTH", 0.0461),
    ),
    (
        "2026-12-06: 2939 blocks (200 ads) from dev 5 episodes of 5 shows, written 30 "
        "episodes of 12 shows, spoken 15 episodes of 12 shows, fixtures 25 episodes of 14"
        " shows"
    ),
)
# END FITTED


@dataclass(frozen=True, slots=True)
class AdOptions:
    """Everything `detect_ads` can be told, like faster-whisper's `VadOptions`."""

    # The list of known advertisers is one optional cue; with it off the detector relies on
    # generic ad language, structure and position alone (figures for both in docs/ads.md).
    use_advertisers: bool = True
    blocks: BlockOptions = field(default_factory=BlockOptions)
    evidence: EvidenceOptions = field(default_factory=EvidenceOptions)
    breaks: BreakOptions = field(default_factory=BreakOptions)
    # None: the fitted weights for `use_advertisers`. The benchmark passes each fold's own.
    weights: Weights | None = None

    def resolved_weights(self) -> Weights:
        if self.weights is not None:
            return self.weights
        return FITTED_WEIGHTS if self.use_advertisers else FITTED_WEIGHTS_NO_ADVERTISERS
