"""Stage 6: turn ad blocks into ad breaks with boundaries at the show's own transitions.

Ad blocks next to each other are one break (back-to-back spots are one span in the truth). A
break's edges are then moved to where the show hands over: sentences at its edges that are the
show's (its welcome, "welcome back", its sign-off, the hand-over "after the break") are given
back, so a post-roll never takes the sign-off and a pre-roll ends where the welcome starts.
Blocks are whole sentences, so every span ends on a sentence end.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from podsift.tasks.ads.blocks import Block
from podsift.tasks.ads.evidence import (
    CUE_FEATURES,
    CUE_OF_ID,
    SECOND_PERSON,
    Cue,
    Feature,
    SentenceEvidence,
    cue_set,
)
from podsift.tasks.ads.params import BreakOptions
from podsift.tasks.ads.sentences import Sentence

# The cue sets of `data/cues.json` this stage tests sentences against (each entry's note says
# what it is for). Sentences that belong to the show even at the edge of an ad block:
_SHOWS_OWN = cue_set("set.shows_own")
_LEAD_INS = cue_set("set.lead_in")
_CLOSES_A_READ = cue_set("set.closes_read")
_SHOW_TAKES_OVER = cue_set("set.show_takes_over")
_AD_LANGUAGE = cue_set("set.ad_language")
# What sells at a break's edge: a lead-in or credit, an address, a code.
_SELLS = cue_set("set.anchor")


@dataclass(frozen=True, slots=True)
class AdBreak:
    """Sentences lo..hi judged an ad break, with the blocks' evidence."""

    lo: int
    hi: int
    probability: float  # the most confident block's
    contributions: dict[Feature, float]  # summed over its blocks
    # The ids of `data/cues.json` that fired in its sentences, each once, in order.
    fired: tuple[str, ...] = ()


def ad_breaks(
    blocks: Sequence[Block],
    probabilities: Sequence[float],
    contributions: Sequence[dict[Feature, float]],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BreakOptions,
) -> list[AdBreak]:
    """Label blocks (ad breaks are contiguous), merge ad blocks into breaks, trim, drop slivers."""
    groups: list[list[int]] = []
    labels = _whole_reads(
        break_labels(probabilities, options), blocks, sentences, evidence, options
    )
    labels = _sandwiched(labels, blocks, sentences, evidence, options)
    labels = _extended(labels, probabilities, blocks, sentences, evidence, options)
    labels = _bracketed(labels, blocks, sentences, evidence, options)
    for k, is_ad in enumerate(labels):
        if not is_ad:
            continue
        lo = blocks[k][0]
        if (
            groups
            and sentences[lo].start - sentences[blocks[groups[-1][-1]][1]].end
            <= options.merge_gap_s
        ):
            groups[-1].append(k)
        else:
            groups.append([k])
    breaks = []
    for group in groups:
        lo, hi = _trim(blocks[group[0]][0], blocks[group[-1]][1], evidence)
        lo, hi = _give_back_show_talk(lo, hi, evidence, options)
        if lo > hi or sentences[hi].end - sentences[lo].start < options.min_break_s:
            continue
        summed: dict[Feature, float] = {}
        for k in group:
            for f, v in contributions[k].items():
                summed[f] = summed.get(f, 0.0) + v
        fired = tuple(dict.fromkeys(f for i in range(lo, hi + 1) for f in evidence[i].fired))
        breaks.append(AdBreak(lo, hi, max(probabilities[k] for k in group), summed, fired))
    return breaks


def _whole_reads(
    labels: list[bool],
    blocks: Sequence[Block],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BreakOptions,
) -> list[bool]:
    """A read runs from its lead-in to its call to action: the blocks between are the read.

    Where Whisper mishears the product's name differently each time, nothing ties a read's
    body to its ends but this structure: an ad block with a sponsor lead-in, a later ad block
    with an address or code within `max_read_s`, and between them no sign that the show took
    back over (a welcome, "welcome back", a sign-off, a hand-over).
    """
    out = list(labels)

    def has(k: int, cues: frozenset[Cue]) -> bool:
        return any(evidence[i].cues & cues for i in _span(blocks, k))

    for k, is_ad in enumerate(labels):
        # A block with its lead-in and its call to action is a whole read already: the next
        # lead-in starts another read, and what lies between is the show's.
        if not is_ad or not has(k, _LEAD_INS) or has(k, _CLOSES_A_READ):
            continue
        for m in range(k + 1, len(blocks)):
            if sentences[blocks[m][0]].start - sentences[blocks[k][1]].end > options.max_read_s:
                break
            if has(m, _SHOW_TAKES_OVER):
                break
            if labels[m] and has(m, _CLOSES_A_READ):
                out[k : m + 1] = [True] * (m + 1 - k)
                break
    return out


def _sandwiched(
    labels: list[bool],
    blocks: Sequence[Block],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BreakOptions,
) -> list[bool]:
    """Blocks between two ad blocks are the break's too when they are short and the show gives
    no sign of taking over between them.

    A break of three or four spots back to back has spots with little ad language (a brand
    line, a jingle's words); the show does not come back for a few seconds between two ads
    without a "welcome back" or a hand-over.
    """
    out = list(labels)
    welcome = next((i for i, ev in enumerate(evidence) if Cue.WELCOME in ev.cues), None)
    ads = [k for k, is_ad in enumerate(labels) if is_ad]
    for a, b in zip(ads, ads[1:], strict=False):
        if b == a + 1:
            continue
        gap = sentences[blocks[b][0]].start - sentences[blocks[a][1]].end
        between = range(blocks[a + 1][0], blocks[b - 1][1] + 1)
        if gap > options.sandwich_s or any(evidence[i].cues & _SHOW_TAKES_OVER for i in between):
            continue
        # Each block between still sells: it speaks to the listener or has ad language ("in
        # other news, the library ..." between two sponsor credits is the show's). Before the
        # show's welcome there is no show yet to take over: what lies between two pre-roll
        # spots is a spot too.
        if (welcome is not None and blocks[b][0] < welcome) or all(
            _sells(_span(blocks, k), sentences, evidence) for k in range(a + 1, b)
        ):
            out[a + 1 : b] = [True] * (b - a - 1)
    return out


def _extended(
    labels: list[bool],
    probabilities: Sequence[float],
    blocks: Sequence[Block],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BreakOptions,
) -> list[bool]:
    """Grow each break into the blocks beside it that are nearly ads themselves (hysteresis).

    A short block (`sandwich_s`) the classifier nearly calls an ad, right beside one it does
    call an ad, with ad language of its own, is the same read: a read's body and its call to
    action often fall into two blocks at a pause, and only one of them has enough evidence on
    its own.
    """
    out = list(labels)
    changed = True
    while changed:
        changed = False
        for k in range(len(blocks)):
            if out[k] or probabilities[k] < options.extend_threshold:
                continue
            for j in (k - 1, k + 1):
                if not (0 <= j < len(blocks) and out[j]):
                    continue
                first, second = sorted((j, k))
                gap = sentences[blocks[second][0]].start - sentences[blocks[first][1]].end
                span = _span(blocks, k)
                short = sentences[span[-1]].end - sentences[span[0]].start <= options.sandwich_s
                if (
                    short
                    and gap <= options.merge_gap_s
                    and any(evidence[i].cues & _AD_LANGUAGE for i in span)
                ):
                    out[k] = changed = True
                    break
    return out


def _bracketed(
    labels: list[bool],
    blocks: Sequence[Block],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BreakOptions,
) -> list[bool]:
    """Between the show's hand-over ("quick break", "after the break") and its return ("we're
    back"), at most `max_read_s` apart, everything from the first block that sells is the
    break when part of it is an ad: a host read with no lead-in ("Quick one. If you're
    building software ... I've been using Notewell for a year") rides with the call to action
    the classifier found. The episode's start and the show's welcome bracket the pre-roll
    the same way (a brand spot with no cue between the first read and "Welcome to ...")."""
    out = list(labels)
    first_of = {lo: k for k, (lo, _) in enumerate(blocks)}
    last_of = {hi: k for k, (_, hi) in enumerate(blocks)}
    block_of = [k for k, (lo, hi) in enumerate(blocks) for _ in range(lo, hi + 1)]
    welcome = next((i for i, ev in enumerate(evidence) if Cue.WELCOME in ev.cues), None)
    if (
        welcome is not None
        and welcome in first_of
        and sentences[welcome].start <= options.max_read_s
    ):
        # No hand-over opens a pre-roll, so each block must sell: the welcome that opens the
        # show may have gone unrecognised ("hey everybody, it's The Paycheck Plan").
        _fill(out, 0, first_of[welcome] - 1, blocks, sentences, evidence, every=True)
    for h, ev in enumerate(evidence):
        if Cue.HAND_OVER not in ev.cues:
            continue
        # The break starts at the block after the hand-over (or the block it opens).
        start = block_of[h] + 1 if h in last_of or h not in first_of else block_of[h]
        for r in range(h + 1, len(evidence)):
            if sentences[r].start - sentences[h].end > options.max_read_s:
                break
            if evidence[r].cues & (_SHOW_TAKES_OVER - {Cue.HAND_OVER}):
                if Cue.RETURN in evidence[r].cues and r in first_of:
                    _fill(out, start, first_of[r] - 1, blocks, sentences, evidence)
                break
    return out


def _fill(
    out: list[bool],
    start: int,
    end: int,
    blocks: Sequence[Block],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    *,
    every: bool = False,
) -> None:
    """Blocks start..end are the break, from the first that sells, if any of them is an ad
    (and, with `every`, if each of them sells or is an ad).

    The show's last words before the break ("JK has a list. It's a bad list.") are not the
    break: it starts where the selling does.
    """

    def sells(k: int) -> bool:
        return out[k] or _sells(_span(blocks, k), sentences, evidence)

    while start <= end and not sells(start):
        start += 1
    if start > end or not any(out[start : end + 1]):
        return
    if every and not all(sells(k) for k in range(start, end + 1)):
        return
    out[start : end + 1] = [True] * (end + 1 - start)


def _span(blocks: Sequence[Block], k: int) -> range:
    """The sentences of block k."""
    return range(blocks[k][0], blocks[k][1] + 1)


def _sells(
    span: range, sentences: Sequence[Sentence], evidence: Sequence[SentenceEvidence]
) -> bool:
    return any(
        evidence[i].cues & _AD_LANGUAGE or SECOND_PERSON & set(sentences[i].tokens) for i in span
    )


# A probability of 0 or 1 is taken as this far from it, so its log-odds stay finite (at most
# about 20.7 either way). Chosen for the arithmetic, not fitted.
_MIN_PROBABILITY = 1e-9


def break_labels(probabilities: Sequence[float], options: BreakOptions) -> list[bool]:
    """The best ad/content labelling of blocks: the blocks' log-odds minus a cost per switch.

    Ads come in breaks, so a weak block between two strong ad blocks is part of the break, and
    a lone weak ad block inside the show is not an ad. Two states, Viterbi; the episode
    starts and ends in the show, so every break pays to enter and to leave, a pre-roll or
    post-roll included (were the end free, a weak block after a post-roll would ride along).
    """
    bias = math.log(options.threshold / (1 - options.threshold))
    floor = _MIN_PROBABILITY
    scores = [math.log(max(p, floor) / max(1 - p, floor)) - bias for p in probabilities]
    cost = options.switch_cost
    best = [0.0, -cost]  # content, ad: best total so far ending in that state
    back: list[tuple[int, int]] = []
    for score in scores:
        to_content = (best[0], 0) if best[0] >= best[1] - cost else (best[1] - cost, 1)
        to_ad = (best[1], 1) if best[1] >= best[0] - cost else (best[0] - cost, 0)
        back.append((to_content[1], to_ad[1]))
        best = [to_content[0], to_ad[0] + score]
    state = 0 if best[0] >= best[1] - cost else 1
    labels = [False] * len(scores)
    for k in range(len(scores) - 1, -1, -1):
        labels[k] = state == 1
        state = back[k][state]
    return labels


def _trim(lo: int, hi: int, evidence: Sequence[SentenceEvidence]) -> tuple[int, int]:
    """Give the show back its own sentences at the break's edges."""
    while lo <= hi and _shows_own(evidence[lo]):
        lo += 1
    while hi >= lo and _shows_own(evidence[hi]):
        hi -= 1
    # A sign-off inside the last part of a post-roll: everything up to it is the show's.
    for i in range(hi, lo - 1, -1):
        if Cue.SIGN_OFF in evidence[i].cues and not evidence[i].cues & _SELLS:
            lo = i + 1
            break
    return lo, hi


def _give_back_show_talk(
    lo: int, hi: int, evidence: Sequence[SentenceEvidence], options: BreakOptions
) -> tuple[int, int]:
    """Give the show back edge sentences that continue its talk rather than the ad's.

    An edge sentence with no ad language and none of the break's product names, whose topic
    words overlap the show's sentences beside the break more than the rest of the break, was
    cut into the wrong block (a block boundary one or two sentences off).
    """

    def continues_show(i: int, inside: range, outside: range) -> bool:
        ev = evidence[i]
        if ev.cues & _AD_LANGUAGE or not ev.content:
            return False
        break_names = {n for j in inside for n in evidence[j].names if j != i}
        if break_names & set(ev.names):
            return False
        show_words = set().union(*(evidence[j].content for j in outside))
        ad_words = set().union(*(evidence[j].content for j in inside if j != i))
        return len(ev.content & show_words) > len(ev.content & ad_words)

    window = options.edge_window
    for _ in range(options.max_give_back):
        if lo < hi and continues_show(lo, range(lo, hi + 1), range(max(0, lo - window), lo)):
            lo += 1
    for _ in range(options.max_give_back):
        after = range(hi + 1, min(len(evidence), hi + 1 + window))
        if hi > lo and continues_show(hi, range(lo, hi + 1), after):
            hi -= 1
    return lo, hi


def _shows_own(ev: SentenceEvidence) -> bool:
    return bool(ev.cues & _SHOWS_OWN) and not ev.cues & _SELLS


def reason(brk: AdBreak, options: BreakOptions, *, name_ids: bool = False) -> str:
    """The break's evidence for it, most telling first, position last.

    Args:
        brk: the break.
        options: break options (`max_reasons`).
        name_ids: after each feature its sentence cues feed, the ids of `data/cues.json` that
            fired for it ("sponsor lead-in [lead_in.brought_to_you_by]"). Off for the span's
            reason, whose wording is part of the JSON and warehouse contracts.
    """
    positive = sorted(((v, f) for f, v in brk.contributions.items() if v > 0), key=lambda x: -x[0])
    position = [f for _, f in positive if f in (Feature.PRE_ROLL, Feature.POST_ROLL)]
    telling = [f for _, f in positive if f not in position][: options.max_reasons - len(position)]
    parts = []
    for feature in [*telling, *position]:
        cues = CUE_FEATURES[feature][0] if feature in CUE_FEATURES else frozenset()
        ids = [i for i in brk.fired if CUE_OF_ID[i] in cues] if name_ids else []
        parts.append(f"{feature.label} [{', '.join(ids)}]" if ids else feature.label)
    return "; ".join(parts) or "ad language"
