"""Every number the ad detector uses, in one place, each with how it was chosen (issue 11, 16).

Two kinds of numbers:
- Structural options (`BlockOptions`, `EvidenceOptions`, `BreakOptions`), set from how podcasts
  are made and Whisper writes them, not fitted; the reason is beside each.
- The classifier's weights (`FITTED_WEIGHTS`, `FITTED_WEIGHTS_NO_ADVERTISERS`): a logistic
  regression over block features, fitted by `bench/fit_ads.py`, which rewrites the block between
  the BEGIN/END FITTED markers below with the date and the data it was fitted on.
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
    # A name that recurs within this long (and is said at least twice) ties its sentences into
    # one block: an ad read names its product throughout, 15 s to 4 minutes.
    name_chain_s: float = 240.0
    # At most this many sentences after a call to action still belong to the read (a repeat of
    # the address, the small print); the next sentence without the product's name starts anew.
    cta_tail: int = 2
    # ...said within a beat of it: after a longer silence the next thing has started (a tag
    # line follows its read at a breath or a musical sting, under two seconds).
    tag_line_gap_s: float = 2.0
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
    """A fitted logistic regression over `tasks.ads.evidence.Feature`s, by feature name."""

    intercept: float
    coefficients: tuple[tuple[str, float], ...]
    fitted_on: str  # date and data

    def as_dict(self) -> dict[str, float]:
        return dict(self.coefficients)


# BEGIN FITTED (written by bench/fit_ads.py; do not edit by hand)
FITTED_WEIGHTS = Weights(
    -5.2433,
    (
        ("LEAD_IN", 7.2545),
        ("WEB_ADDRESS", 1.3787),
        ("SLASH", 3.2638),
        ("PROMO_CODE", 1.3335),
        ("OFFER", 2.8601),
        ("SMALL_PRINT", 4.5999),
        ("CALL_TO_ACTION", 2.3817),
        ("PHONE", 3.1085),
        ("SHOW_PROMO", 4.3358),
        ("ADVERTISER", 2.5672),
        ("SHOW_NOTES", 2.3409),
        ("REPEATED", 0.953),
        ("REPEATED_WITHIN", 4.1855),
        ("ONE_NAME", 1.7506),
        ("NAME_FROM_CUE", 0.01),
        ("OFF_TOPIC", 1.8059),
        ("SECOND_PERSON", 1.3246),
        ("SPLICED", -0.17),
        ("PRE_ROLL", 2.6352),
        ("BEFORE_WELCOME", 1.5703),
        ("BRAND_LINE", 1.5767),
        ("AFTER_HAND_OVER", 3.2251),
        ("BEFORE_RETURN", 4.5438),
        ("POST_ROLL", 2.9529),
        ("CONVERSATION", -0.6059),
        ("SHOW_FRAMING", -1.6917),
        ("OWN_SHOW", -2.5337),
        ("GUEST_PLUG", -1.4537),
        ("REVIEW", -0.8231),
        ("UNPAID", -0.3926),
        ("HELPLINE", -2.7971),
        ("LENGTH", -0.0716),
    ),
    (
        "2026-12-06: 2939 blocks (200 ads) from dev 5 episodes of 5 shows, written 30 "
        "episodes of 12 shows, spoken 15 episodes of 12 shows, fixtures 25 episodes of 14"
        " shows"
    ),
)
FITTED_WEIGHTS_NO_ADVERTISERS = Weights(
    -5.3309,
    (
        ("LEAD_IN", 7.1733),
        ("WEB_ADDRESS", 1.3864),
        ("SLASH", 3.3284),
        ("PROMO_CODE", 1.3232),
        ("OFFER", 3.3797),
        ("SMALL_PRINT", 4.6239),
        ("CALL_TO_ACTION", 2.288),
        ("PHONE", 3.1269),
        ("SHOW_PROMO", 4.265),
        ("ADVERTISER", 0.0),
        ("SHOW_NOTES", 2.2727),
        ("REPEATED", 1.0928),
        ("REPEATED_WITHIN", 4.3545),
        ("ONE_NAME", 1.8384),
        ("NAME_FROM_CUE", -0.0155),
        ("OFF_TOPIC", 1.938),
        ("SECOND_PERSON", 1.3311),
        ("SPLICED", -0.2358),
        ("PRE_ROLL", 2.6338),
        ("BEFORE_WELCOME", 1.8219),
        ("BRAND_LINE", 1.4594),
        ("AFTER_HAND_OVER", 3.1609),
        ("BEFORE_RETURN", 4.6008),
        ("POST_ROLL", 3.057),
        ("CONVERSATION", -0.5976),
        ("SHOW_FRAMING", -1.7287),
        ("OWN_SHOW", -2.6377),
        ("GUEST_PLUG", -1.5367),
        ("REVIEW", -0.956),
        ("UNPAID", -0.4819),
        ("HELPLINE", -2.9963),
        ("LENGTH", 0.0457),
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
