"""Stage 3: cut the episode into topic blocks, so each ad read is judged whole.

An ad read is a block about one product: its body, with no address or price in it, rides with
its lead-in and call to action because it is the same block. Blocks are cut where podcasts
change topic, by signals that hold on any show:

- hand-overs: a sponsor lead-in or credit, the show's welcome, "welcome back" start a block;
  "after the break" or a sign-off end one;
- splices: a silence longer than a breath (inserted spots are cut in at pauses);
- the end of a call to action: after "go to x dot com slash show", the first sentence that
  neither names the product nor sells anything starts a new block;
- cohesion (TextTiling): the words on each side of a point stop overlapping, or, when the
  sentences' embeddings are given, their meaning does;
- but never inside a read: between two mentions of a name that a lead-in, address or code
  names, said in one stretch and nowhere else (the product), only a hand-over cuts.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from podsift.tasks.ads.evidence import SentenceEvidence, cue_set, shingles
from podsift.tasks.ads.params import BlockOptions
from podsift.tasks.ads.sentences import Sentence

Block = tuple[int, int]  # first and last sentence index, inclusive

# The cue sets of `data/cues.json` this stage cuts by (each entry's note says what it is for).
_OPENS = cue_set("set.opens_block")
_CLOSES = cue_set("set.closes_block")
_CALL_TO_ACTION = cue_set("set.call_to_action")
_SELLING = cue_set("set.selling")
_FRAMING = cue_set("set.show_framing")
_OPENERS = cue_set("set.lead_in")
# Sentences that show a name is an advertiser's: its lead-in, its address, its code, its path.
_ANCHORS = cue_set("set.read_anchor")


def topic_blocks(
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BlockOptions,
    vectors: np.ndarray | None = None,
) -> list[Block]:
    """Sentence ranges, in order, covering the episode, one per topic; `vectors` (one sentence
    embedding per row) measure cohesion by meaning instead of shared words."""
    n = len(sentences)
    if n == 0:
        return []
    handovers = {i for i in range(1, n) if _hand_over(i, evidence)}
    reads = _read_chains(sentences, evidence, options)
    inside_read = {i for lo, hi in reads for i in range(lo + 1, hi + 1)}
    read_ends = {hi + 1 for _, hi in reads if hi + 1 < n}
    soft = {i for i in range(1, n) if _splice_or_cta_end(i, sentences, evidence, options)}
    if vectors is not None and len(vectors) == n:
        soft |= set(_embedding_cohesion_cuts(vectors, options))
    else:
        soft |= set(_cohesion_cuts(evidence, options))
    cuts = sorted(handovers | read_ends | (soft - inside_read))
    blocks = [(a, b - 1) for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
    splices = {i for i in cuts if sentences[i].gap_before >= options.splice_gap_s}
    return _join_short(blocks, sentences, handovers | read_ends | splices, options)


def _hand_over(i: int, evidence: Sequence[SentenceEvidence]) -> bool:
    """Whether the show hands over (or takes back) between sentences i-1 and i."""
    return bool(evidence[i].cues & _OPENS or evidence[i - 1].cues & _CLOSES)


def _splice_or_cta_end(
    i: int,
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BlockOptions,
) -> bool:
    """A splice silence before sentence i, or a call to action just ended."""
    if sentences[i].gap_before >= options.splice_gap_s:
        return True
    if not evidence[i - 1].cues & _CALL_TO_ACTION or evidence[i].cues & _SELLING:
        return False
    recent = range(max(0, i - 1 - options.cta_tail), i)
    read_names = {n for j in recent for n in evidence[j].names}
    return not read_names & set(evidence[i].names)


def _read_chains(
    sentences: Sequence[Sentence], evidence: Sequence[SentenceEvidence], options: BlockOptions
) -> list[Block]:
    """Stretches tied together by a product name that a lead-in or call to action names.

    The name is said at least `min_mentions` times, all within `name_chain_s`, and elsewhere in
    the episode only as the same copy read again (a read repeated later is a chain each time; a
    name the show also talks about is its topic and ties none). The stretch runs from its first
    mention to its last, plus a tag line or two ("Quillmark. Notebooks worth finishing.").
    """
    chains = []
    # The show's own name recurs at its welcome and in its own lead-ins ("Old Roads is
    # supported by ..."): it never ties a read together.
    framing = {n for ev in evidence if ev.cues & _FRAMING for n in ev.names}
    for name, mentions in _mentions(evidence).items():
        if name in framing:
            continue
        stretches = _stretches(mentions, sentences, options.name_chain_s)
        # A product's name comes back only as the same read again (the same copy, five words
        # in a row or more); a name the show also talks about is its topic and ties no read
        # (a place a sponsor serves, then the news from it).
        if len(stretches) > 1 and not _same_copy(stretches, sentences, options.shingle_words):
            continue
        for positions in stretches:
            chain = _chain(positions, sentences, evidence, options)
            if chain:
                chains.append(chain)
    return chains


def _stretches(
    positions: list[int], sentences: Sequence[Sentence], apart_s: float
) -> list[list[int]]:
    """A name's mentions in stretches: more than `apart_s` of silence about it starts a new
    one (an ad read again later in the episode is a stretch of its own each time)."""
    out: list[list[int]] = []
    for j in positions:
        if out and sentences[j].start - sentences[out[-1][-1]].end <= apart_s:
            out[-1].append(j)
        else:
            out.append([j])
    return out


def _same_copy(stretches: list[list[int]], sentences: Sequence[Sentence], n: int) -> bool:
    """Whether every stretch shares a run of `n` words with another one."""
    runs = [
        set(shingles([t for j in range(st[0], st[-1] + 1) for t in sentences[j].tokens], n))
        for st in stretches
    ]
    return all(
        any(mine & other for k, other in enumerate(runs) if k != m) for m, mine in enumerate(runs)
    )


def _chain(
    positions: list[int],
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    options: BlockOptions,
) -> Block | None:
    """The read one stretch of a name's mentions makes, if it is one."""
    # A lead-in opens its read: where the first anchor is one, the name said before it
    # belongs to the show ("the Board of Health" in the news, then "This message comes
    # from Larkford Health").
    anchored = [j for j in positions if evidence[j].cues & _ANCHORS]
    if anchored and evidence[anchored[0]].cues & _ANCHORS <= _OPENERS:
        positions = [j for j in positions if j >= anchored[0]]
    if len(positions) < options.min_mentions:
        return None
    first, last = positions[0], positions[-1]
    if sentences[last].end - sentences[first].start > options.name_chain_s:
        return None
    if not any(evidence[j].cues & _ANCHORS for j in positions):
        return None
    end = last
    while (
        end + 1 < len(sentences)
        and end - last < options.cta_tail
        and not _hand_over(end + 1, evidence)
        and sentences[end + 1].gap_before < options.tag_line_gap_s
        and (
            evidence[end + 1].cues & _SELLING
            or len(sentences[end + 1].tokens) <= options.tag_line_words
        )
    ):
        end += 1
    return (first, end)


def _mentions(evidence: Sequence[SentenceEvidence]) -> dict[str, list[int]]:
    """Where each name is said; a web address names what it starts with ("mintmobile dot
    com" says "Mint Mobile", "thrivecosmetics" says "Thrive")."""
    where: defaultdict[str, list[int]] = defaultdict(list)
    for i, ev in enumerate(evidence):
        for name in set(ev.names):
            where[name].append(i)
    for i, ev in enumerate(evidence):
        if not ev.web_roots:
            continue
        for name, positions in where.items():
            if (
                len(name) >= _MIN_PREFIX
                and name not in ev.names
                and any(r != name and r.startswith(name) for r in ev.web_roots)
            ):
                positions.append(i)
    for positions in where.values():
        positions.sort()
    return where


# A name this long or longer is the start of an address, not a syllable of it: hand-set, not
# fitted.
_MIN_PREFIX = 4


def _cohesion_cuts(evidence: Sequence[SentenceEvidence], options: BlockOptions) -> list[int]:
    """TextTiling over sentences: cut at deep minima of word overlap across a point."""
    n = len(evidence)
    w = options.cohesion_window
    if n < 2 * w:
        return []
    bags = [Counter(ev.content) + Counter(ev.names) for ev in evidence]
    sims = [0.0] * n
    for i in range(1, n):
        left: Counter[str] = sum((bags[j] for j in range(max(0, i - w), i)), Counter())
        right: Counter[str] = sum((bags[j] for j in range(i, min(n, i + w))), Counter())
        sims[i] = _cosine(left, right)
    return _deep_minima(sims, w, options.cohesion_depth)


def _embedding_cohesion_cuts(vectors: np.ndarray, options: BlockOptions) -> list[int]:
    """TextTiling on meaning: cut at deep minima of the cosine between the mean sentence
    embeddings on each side of a point."""
    n = len(vectors)
    w = options.embedding_window
    if n < 2 * w:
        return []
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.maximum(norms, 1e-9)
    totals = np.vstack([np.zeros((1, unit.shape[1])), np.cumsum(unit, axis=0, dtype=np.float64)])
    sims = [0.0] * n
    for i in range(1, n):
        left = totals[i] - totals[max(0, i - w)]
        right = totals[min(n, i + w)] - totals[i]
        scale = float(np.linalg.norm(left) * np.linalg.norm(right))
        sims[i] = float(left @ right) / scale if scale > 1e-12 else 0.0
    return _deep_minima(sims, w, options.embedding_depth)


def _deep_minima(sims: Sequence[float], w: int, depth: float) -> list[int]:
    """The points whose similarity across is a local minimum at least `depth` (summed on both
    sides) below the highest point within `w` of it."""
    n = len(sims)
    cuts = []
    for i in range(w, n - w + 1):
        if i >= n:
            break
        if not (sims[i] <= sims[i - 1] and (i + 1 >= n or sims[i] <= sims[i + 1])):
            continue
        left_peak = max(sims[max(1, i - w) : i + 1])
        right_peak = max(sims[i : min(n, i + w + 1)])
        if (left_peak - sims[i]) + (right_peak - sims[i]) >= depth:
            cuts.append(i)
    return cuts


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def _join_short(
    blocks: list[Block], sentences: Sequence[Sentence], hard: set[int], options: BlockOptions
) -> list[Block]:
    """Join blocks shorter than `min_block_s` to a neighbour across a soft cut."""
    out: list[Block] = []
    for lo, hi in blocks:
        short = sentences[hi].end - sentences[lo].start < options.min_block_s
        if (
            out
            and short
            and lo not in hard
            or out
            and lo not in hard
            and _short(out[-1], sentences, options)
        ):
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _short(block: Block, sentences: Sequence[Sentence], options: BlockOptions) -> bool:
    return sentences[block[1]].end - sentences[block[0]].start < options.min_block_s
