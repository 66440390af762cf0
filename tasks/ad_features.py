"""Per-utterance evidence for the ad detector: cues, advertisers, repetition, topic cohesion.

Every piece of evidence is a log-odds weight plus a label; the labels of the utterances inside
a span become its reason. Weights are set by hand from how podcast ads are built (a read names
its advertiser several times and ends on a call to action; inserted ads recur verbatim; ad copy
is off the episode's topic), not fitted to any one show.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import unescape

from tasks.ad_lexicon import (
    ADVERTISERS,
    AMBIGUOUS_ADVERTISERS,
    COMMERCIAL_TLDS,
    CUES,
    GENERIC_WORDS,
    MARKETING_WORDS,
    NON_SPONSOR_DOMAINS,
    SECOND_PERSON,
    STOPWORDS,
    UNNAMED_BACKERS,
    URL_RE,
)
from tasks.ad_units import Utterance, tokenize

# Prior log-odds of an utterance being ad copy, before evidence: a fixed part plus a part per
# second. Ads are a minority of any episode, so an utterance with no evidence leans to content;
# the per-second part keeps a read's short lines ("Wow.") from outweighing its long ones.
PRIOR_FIXED = -0.3
PRIOR_PER_S = -0.18
CUE_CAP = 4.5  # many cues in one sentence add little beyond the first few
SHINGLE = 5  # words per shingle for near-duplicate detection
REPEAT_MIN_DISTANCE_S = 45.0  # a phrase said again this much later is a repeat, not a stutter
BRAND_WINDOW_BEFORE_S = 90.0  # how far back from a call to action a read names its advertiser
BRAND_WINDOW_AFTER_S = 45.0
COHESION_WINDOW_S = 120.0  # words used elsewhere in the episode, outside this window
COHESION_MIN_EPISODE_S = 300.0
POSITION_WINDOW_S = 60.0  # pre-roll and post-roll: this close to the start or end
READ_SPAN_S = 60.0  # a read's body lies within this of its call to action or lead-in
READ_BREAK_PAUSE_S = 3.0  # a pause this long separates a read from what came before
HAND_OVER_SPAN_S = 90.0  # a read follows a hand-over to a break within this long
SPLICE_GAP_S = 1.5  # silence that can mark where an inserted spot is spliced in
SPOT_EDGE_S = 20.0  # a spot's first and last lines lie this close to its name's burst
SPOT_MAX_S = 75.0  # inserted spots run 15 to 60 s
BURST_MIN = 3  # an advertiser's name said this often ...
BURST_WINDOW_S = 60.0  # ... within this long is a read, if rare elsewhere


@dataclass(slots=True)
class Evidence:
    """What one utterance contributes: a log-odds score and the labels that explain it."""

    score: float = 0.0
    labels: list[str] = field(default_factory=list)
    strong: bool = False  # holds evidence that alone can make a span an ad
    anchor: str = ""  # "cta" for a call to action that ends a read, "lead-in" for one opening it
    brand: str = ""  # advertiser named by this utterance's call to action or lead-in
    boundary: bool = False  # a hand-over ("we'll be right back", "see you next week")
    against: list[str] = field(default_factory=list)  # labels of the evidence against

    def add(self, weight: float, label: str, *, strong: bool = False) -> None:
        self.score += weight
        if weight > 0 and label not in self.labels:
            self.labels.append(label)
        elif weight < 0 and label not in self.against:
            self.against.append(label)
        self.strong = self.strong or (strong and weight > 0)


def utterance_evidence(
    utterances: Sequence[Utterance],
    *,
    context: Sequence[Sequence[Utterance]] = (),
    description: str | None = None,
) -> list[Evidence]:
    """Score every utterance of an episode.

    Args:
        utterances: the episode, in time order.
        context: other episodes of the same show, already split into utterances.
        description: the episode's show notes (plain text or HTML).

    Returns:
        One `Evidence` per utterance, in the same order.
    """
    texts = [u.text for u in utterances]
    tokens = [tokenize(t) for t in texts]
    evidence = [Evidence(PRIOR_FIXED + PRIOR_PER_S * (u.end - u.start)) for u in utterances]
    repeated = _within_repetition(utterances, tokens)
    cohesion = topic_cohesion(utterances, tokens, repeated)
    urls = [_urls(t) for t in texts]
    self_roots = _self_roots(utterances, texts, urls, repeated)
    squashed = [_squash(t) for t in texts]
    for ev, text in zip(evidence, texts, strict=True):
        _add_cues(ev, text)
    show_names = _show_names(utterances, texts)
    for i, ev in enumerate(evidence):
        for root, tld, before in urls[i]:
            if before.endswith("@") or _CONTACT_BEFORE.search(before):
                # "email us at hello at show dot com": an inbox, not a shop.
                ev.add(-1.5, "e-mail address")
                continue
            own = (
                root in self_roots
                or "self-promotion" in ev.against
                or _disowned(evidence, i)
                or _names_the_show(root, before, show_names)
            )
            if not own and _discussed_after(
                i, root, utterances, squashed, evidence, urls, repeated
            ):
                # The conversation goes on about it after the address: a review, not a read.
                ev.add(-1.0, f"{root} talked about after its address")
                continue
            backed = _url_backed(i, root, utterances, squashed, evidence, repeated)
            _add_url(ev, root, tld, own=own, backed=backed)
        _add_advertisers(ev, texts[i])
        _add_marketing(ev, tokens[i])
        _add_repetition(ev, repeated[i], cohesion[i])
        _add_cohesion(ev, cohesion[i], own_words=len(_content_words(tokens[i])))
        _set_anchor(ev)
    _add_context(evidence, utterances, tokens, context)
    _add_description(evidence, texts, description)
    _add_brand_mentions(evidence, utterances, squashed, texts)
    _add_name_bursts(evidence, utterances, texts, repeated)
    _add_read_context(evidence, utterances, cohesion)
    _add_position(evidence, utterances)
    return evidence


DISOWN_REACH = 2  # "nobody is paying us to say this" covers the sentences either side


def _disowned(evidence: Sequence[Evidence], i: int) -> bool:
    """True when a web address is said, close by, to be unpaid or to be the guest's own."""
    lo, hi = max(i - DISOWN_REACH, 0), min(i + DISOWN_REACH + 1, len(evidence))
    return any("says it is unpaid" in evidence[j].against for j in range(lo, hi)) or any(
        "asks where to find the guest" in evidence[j].against for j in range(lo, i + 1)
    )


_CTA_LABELS = (
    "promo code",
    "free trial",
    "'first order'",
    "promo for another show",
    "disclaimer",
    "call-in offer",
)


def _set_anchor(ev: Evidence) -> None:
    if ev.anchor:
        return
    if any(label.startswith(_CTA_LABELS) for label in ev.labels) and ev.score > 1.0:
        ev.anchor = "cta"
    elif "sponsor lead-in" in ev.labels:
        ev.anchor = "lead-in"


def _add_read_context(
    evidence: list[Evidence], utterances: Sequence[Utterance], cohesion: Sequence[float | None]
) -> None:
    """Credit the body of a read: the minute before a call to action, after a lead-in.

    A read runs from its opening line to its call to action, and its middle sentences often
    carry no cue of their own. Credit stops at a pause or break marker (where a read starts
    or ends), and skips sentences that are on the episode's topic.
    """
    bonus = [0.0] * len(utterances)
    for i, ev in enumerate(evidence):
        if ev.anchor == "cta":
            _spread(bonus, utterances, evidence, cohesion, i, step=-1)
        elif ev.anchor == "lead-in" and _lead_in_confirmed(utterances, evidence, i):
            _spread(bonus, utterances, evidence, cohesion, i, step=1)
    for i, ev in enumerate(evidence):
        if bonus[i] > 0:
            ev.add(bonus[i], "inside a read")
    _add_after_hand_over(evidence, utterances)


def _add_after_hand_over(evidence: list[Evidence], utterances: Sequence[Utterance]) -> None:
    """Credit everything between a hand-over ("let's take a quick break") and the read's end.

    A host read may open on a story and name its sponsor only a minute in; when the hosts have
    just handed over to a break and a call to action follows, what lies between is the read.
    """
    for i, ev in enumerate(evidence):
        if "break" not in ev.labels:
            continue
        t0 = utterances[i].end
        end = None
        for k in range(i + 1, len(utterances)):
            if utterances[k].start - t0 > HAND_OVER_SPAN_S or _takes_back_over(evidence[k]):
                break
            if evidence[k].anchor == "cta" or (evidence[k].strong and evidence[k].score > 1.0):
                end = k
                break
        if end is None:
            continue
        # The hand-over is the show's last line before the read, not the read's first.
        ev.add(-1.0, "hands over to a break")
        for j in range(i + 1, end):
            u = utterances[j]
            evidence[j].add(0.6 + 0.25 * (u.end - u.start), "after a hand-over to a break")


def _takes_back_over(ev: Evidence) -> bool:
    return ev.boundary and "break" not in ev.labels


def _lead_in_confirmed(
    utterances: Sequence[Utterance], evidence: Sequence[Evidence], anchor: int
) -> bool:
    """True when a read follows the lead-in: the advertiser named again, or ad cues.

    "A podcast series brought to you by X" in a show's own intro is followed by the show.
    """
    t0 = utterances[anchor].start
    for j in range(anchor + 1, len(utterances)):
        if utterances[j].start - t0 > READ_SPAN_S:
            break
        ev = evidence[j]
        if ev.anchor == "cta" or "names the advertiser" in ev.labels:
            return True
        if _BACKING_CUES.intersection(ev.labels):
            return True
    return False


def _spread(
    bonus: list[float],
    utterances: Sequence[Utterance],
    evidence: Sequence[Evidence],
    cohesion: Sequence[float | None],
    anchor: int,
    *,
    step: int,
) -> None:
    t0 = utterances[anchor].start
    j = anchor + step
    while 0 <= j < len(utterances):
        u = utterances[j]
        distance = abs(u.start - t0)
        # Stop where a read begins (walking back) or ends (walking forward).
        boundary = utterances[j + 1] if step < 0 else u
        if distance > READ_SPAN_S or boundary.gap_before >= READ_BREAK_PAUSE_S:
            break
        on_topic = cohesion[j]
        if evidence[j].boundary or (on_topic is not None and on_topic > 0.6):
            break
        # Per second, so that it offsets the per-second prior of a long sentence.
        rate = 0.25 if distance <= READ_SPAN_S / 2 else 0.12
        bonus[j] = max(bonus[j], 0.4 + rate * (u.end - u.start))
        # A read opens at its lead-in and closes at its call to action: go no further.
        if evidence[j].anchor == ("lead-in" if step < 0 else "cta"):
            break
        j += step


def _add_repetition(ev: Evidence, repeated: float, cohesion: float | None) -> None:
    # A teaser at the top of an episode repeats a clip from later on; it is on-topic, where a
    # re-inserted ad is not. On-topic repeats get little credit.
    if repeated < 0.5:
        return
    on_topic = cohesion is not None and cohesion > 0.5
    weight = (1.0 + 2.0 * repeated) * (0.3 if on_topic else 1.0)
    ev.add(weight, "repeated within the episode", strong=not on_topic)


def _add_cues(ev: Evidence, text: str) -> None:
    gained = 0.0
    for cue in CUES:
        matches = list(cue.pattern.finditer(text))
        if cue.label == "sponsor lead-in":
            matches = [m for m in matches if _names_a_backer(text, m.end())]
        if not matches:
            continue
        weight = cue.weight
        if weight > 0:
            weight = min(weight, CUE_CAP - gained)
            gained += weight
        ev.add(weight, cue.label, strong=cue.strong)
        ev.boundary = ev.boundary or cue.boundary


def _names_a_backer(text: str, end: int) -> bool:
    """True unless a "... by" lead-in goes on to no one in particular.

    A sponsor lead-in names its sponsor ("brought to you by Loamly"); "sponsored by a company"
    in a news story or "made possible by listeners like you" in an outro names no one.
    """
    if not text[:end].rstrip().lower().endswith("by"):
        return True
    following = tokenize(text[end:])
    return not following or following[0] not in UNNAMED_BACKERS


def _urls(text: str) -> list[tuple[str, str, str]]:
    """(root, tld, text before) of every web address in `text`, root letters only ("sofi")."""
    found = []
    text = text.replace(" . ", ".")
    for match in URL_RE.finditer(text):
        host = match.group(1).lower()
        root = re.sub(r"[^a-z0-9]", "", host.split(".")[-1])
        if len(root) >= 2:
            found.append((root, match.group(2).lower(), text[: match.start()].lower()))
    return found


# A spoken e-mail address: a word like "email" or "write", then "... at [up to 3 words]" right
# before the host ("send us a note at hello at smallbatch dot com", "email me, tom at ...").
_CONTACT_BEFORE = re.compile(
    r"\b(e-?mail\w*|mail us|write|send|reach|contact|drop us)\b.{0,50}\bat\s+(?:[\w'-]+\s+){0,3}$"
)

# How a show names itself: "welcome to Shed Talk", "this is Patch Notes", "you're listening
# to Old Roads", "thanks for listening to The Long Shelf".
_SHOW_NAME = re.compile(
    r"\b(?:welcome (?:back )?to|this is|you'?re listening to|thanks? (?:you )?for listening to)"
    r"\s+((?:(?:The|A|An|[A-Z][\w'&-]*)\s?(?:and |of |& )?){1,4})"
)
SHOW_NAME_SPREAD_S = 60.0  # the show names itself at least this far apart


def _show_names(utterances: Sequence[Utterance], texts: Sequence[str]) -> set[str]:
    """The show's name, squashed ("patchnotes"), when it introduces itself and says it again.

    A web address made of the show's name is the show's own site, not an advertiser's.
    """
    names: set[str] = set()
    squashed = [_squash(t) for t in texts]
    for text in texts:
        for match in _SHOW_NAME.finditer(text):
            name = _squash(match.group(1))
            if len(name) < 5 or name in names:
                continue
            times = [u.start for u, s in zip(utterances, squashed, strict=True) if name in s]
            if times and times[-1] - times[0] >= SHOW_NAME_SPREAD_S:
                names.add(name)
    return names


def _names_the_show(root: str, before: str, show_names: set[str]) -> bool:
    """True when a web address is the show's name ("second coffee show dot com")."""
    if len(root) < 3 or not show_names:
        return False
    spoken = _squash(" ".join(before.split()[-3:])) + root
    return any(
        root in name or name in root or (name in spoken and spoken.endswith(root))
        for name in show_names
    )


# Cues that back up a web address as a call to action rather than a passing mention.
_BACKING_CUES = frozenset(
    {
        "call to action",
        "'slash'",
        "offer",
        "promo code",
        "discount",
        "free trial",
        "'first order'",
        "disclaimer",
        "sponsor lead-in",
    }
)


def _url_backed(
    i: int,
    root: str,
    utterances: Sequence[Utterance],
    squashed: Sequence[str],
    evidence: Sequence[Evidence],
    repeated: Sequence[float],
) -> bool:
    """True when a web address is read like an ad's: brand said nearby, or with ad cues."""
    if repeated[i] >= 0.5:
        return True
    t = utterances[i].start
    for j in range(max(i - 1, 0), min(i + 2, len(utterances))):
        if _BACKING_CUES.intersection(evidence[j].labels):
            return True
    return any(
        j != i
        and -BRAND_WINDOW_BEFORE_S <= utterances[j].start - t <= BRAND_WINDOW_AFTER_S
        and _mentions(root, squashed[j])
        for j in range(len(utterances))
    )


DISCUSSED_AFTER_S = (15.0, 120.0)  # past a read's repeat of its address, within the talk
DISCUSSED_MIN = 2


def _discussed_after(
    i: int,
    root: str,
    utterances: Sequence[Utterance],
    squashed: Sequence[str],
    evidence: Sequence[Evidence],
    urls: Sequence[list[tuple[str, str, str]]],
    repeated: Sequence[float],
) -> bool:
    """True when the name behind a web address keeps coming up in plain talk after it.

    A read ends at its call to action; a review or an interview goes on about the product or
    company after giving its address, in sentences without any ad cue.
    """
    if repeated[i] >= 0.5:
        return False
    t = utterances[i].end
    lo, hi = DISCUSSED_AFTER_S
    later = [
        j
        for j in range(i + 1, len(utterances))
        if lo < utterances[j].start - t <= hi
        and _mentions(root, squashed[j])
        and not urls[j]
        and repeated[j] < 0.5
        and not evidence[j].strong
        and not _BACKING_CUES.intersection(evidence[j].labels)
    ]
    return len(later) >= DISCUSSED_MIN


def _add_url(ev: Evidence, root: str, tld: str, *, own: bool, backed: bool) -> None:
    if own or root in NON_SPONSOR_DOMAINS:
        ev.add(-1.5, "self-promotion")
        return
    weight = 3.0 if tld in COMMERCIAL_TLDS else 2.0
    if backed:
        ev.add(weight, f"URL {root}.{tld}", strong=True)
        ev.anchor = "cta"
        ev.brand = root
    else:
        # A site named in passing ("a site that rhymes with ...") is weak evidence.
        ev.add(weight / 2, f"URL {root}.{tld}")


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _self_roots(
    utterances: Sequence[Utterance],
    texts: Sequence[str],
    urls: Sequence[list[tuple[str, str, str]]],
    repeated: Sequence[float],
) -> set[str]:
    """Web addresses that name the show itself ("ourshow.com" when the hosts say "Our Show").

    A root counts as the show's own when at least two utterances far from where the address is
    read name it without any ad cue nearby and without being a repeated (inserted) read.
    """
    squashed = [_squash(t) for t in texts]
    roots: set[str] = set()
    for i, found in enumerate(urls):
        for root, _tld, _before in found:
            if len(root) < 4 or root in roots:
                continue
            far = [
                j
                for j, s in enumerate(squashed)
                if root in s
                and abs(utterances[j].start - utterances[i].start) > 180.0
                and repeated[j] < 0.5
                and not urls[j]
            ]
            if len(far) >= 2:
                roots.add(root)
    return roots


def _add_advertisers(ev: Evidence, text: str) -> None:
    for match in _ADVERTISER_RE.finditer(text.lower()):
        name = match.group(1)
        original = text[match.start(1) : match.end(1)]
        if name in AMBIGUOUS_ADVERTISERS and not original[:1].isupper():
            continue
        ev.add(1.0, f"advertiser '{original}'")
        return


_ADVERTISER_RE = re.compile(
    r"(?<![a-z0-9])("
    + "|".join(re.escape(n) for n in sorted(ADVERTISERS, key=len, reverse=True))
    + r")(?![a-z0-9])"
)


def _add_marketing(ev: Evidence, tokens: list[str]) -> None:
    # Conversation says "you know" all the time; ad copy says "your" and "save".
    if len(tokens) < 6:
        return
    hits = sum(1 for t in tokens if t in MARKETING_WORDS)
    hits += sum(1 for t in tokens if t in SECOND_PERSON) - tokens.count("know")
    if hits / len(tokens) >= 0.18:
        ev.add(0.7, "sales language")


def _shingles(tokens: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(tokens[k : k + SHINGLE]) for k in range(max(len(tokens) - SHINGLE + 1, 0))]


def _flat_shingles(
    utterances: Sequence[Utterance], tokens: Sequence[list[str]]
) -> list[tuple[int, tuple[str, ...]]]:
    """(utterance index, shingle) for every shingle starting in each utterance."""
    flat: list[tuple[int, str]] = [(i, t) for i, toks in enumerate(tokens) for t in toks]
    words = [t for _, t in flat]
    return [(flat[k][0], sh) for k, sh in enumerate(_shingles(words))]


def _within_repetition(utterances: Sequence[Utterance], tokens: Sequence[list[str]]) -> list[float]:
    """Fraction of each utterance's shingles that recur elsewhere in the episode."""
    shingles = _flat_shingles(utterances, tokens)
    where: dict[tuple[str, ...], list[float]] = defaultdict(list)
    for i, sh in shingles:
        where[sh].append(utterances[i].start)
    hits = [0] * len(utterances)
    totals = [0] * len(utterances)
    for i, sh in shingles:
        totals[i] += 1
        t = utterances[i].start
        if any(abs(t - other) >= REPEAT_MIN_DISTANCE_S for other in where[sh]):
            hits[i] += 1
    return [h / n if n >= 2 else 0.0 for h, n in zip(hits, totals, strict=True)]


def _add_context(
    evidence: list[Evidence],
    utterances: Sequence[Utterance],
    tokens: Sequence[list[str]],
    context: Sequence[Sequence[Utterance]],
) -> None:
    """Near-duplicate shingles in other episodes of the show: ads recur, conversation doesn't.

    The show's own intro and outro recur too, so a phrase found in every context episode
    counts for less than one found in some: rotating ad inventory is the tell. And a line in
    which the show frames itself ("welcome to the demo hour", "thanks for listening") gets no
    credit at all: with two other episodes, each saying it, it would otherwise count as a
    recurring ad and pull the show's opening into the pre-roll before it.
    """
    if not context:
        return
    others = [
        {sh for _, sh in _flat_shingles(ep, [tokenize(u.text) for u in ep])} for ep in context
    ]
    shingles = _flat_shingles(utterances, tokens)
    per_utterance: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for i, sh in shingles:
        per_utterance[i].append(sh)
    for i, own in per_utterance.items():
        if len(own) < 2 or _SHOW_FRAMING.search(utterances[i].text):
            continue
        episodes = sum(1 for other in others if sum(sh in other for sh in own) / len(own) >= 0.5)
        if episodes == 0:
            continue
        everywhere = episodes == len(others) and len(others) >= 3
        weight = 1.0 if everywhere else min(2.0 + 0.5 * (episodes - 1), 3.5)
        plural = "s" if episodes > 1 else ""
        evidence[i].add(weight, f"repeated in {episodes} other episode{plural}", strong=True)


# How a show opens and closes itself, the same words every episode.
_SHOW_FRAMING = re.compile(
    r"\b(welcome (back )?to|you'?re listening to|thanks? (you )?for listening|"
    r"i'?m your hosts?|see you next (time|week)|until next time)\b",
    re.IGNORECASE,
)

_SPONSOR_NOTE = re.compile(
    r"sponsor|brought to you|support (for|from)|thanks? to|promo code|use code|% off|"
    r"percent off|free trial|offer|partner",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b([A-Z][A-Za-z0-9&'+\-]*(?: [A-Z][A-Za-z0-9&'+\-]*){0,2})")


def description_sponsors(description: str | None) -> set[str]:
    """Advertiser names and web-address roots that show notes attribute to sponsors.

    Only sentences of the notes that talk about sponsorship are read, so topic links ("the
    article we discussed") do not count.
    """
    if not description:
        return set()
    text = unescape(re.sub(r"<[^>]+>", "\n", description))
    names: set[str] = set()
    for line in re.split(r"[\n.!?]+(?:\s|$)|\n", text):
        if not _SPONSOR_NOTE.search(line):
            continue
        for match in URL_RE.finditer(line):
            root = re.sub(r"[^a-z0-9]", "", match.group(1).lower().split(".")[-1])
            if root not in NON_SPONSOR_DOMAINS and len(root) >= 3:
                names.add(root)
        for match in _NAME.finditer(line):
            name = _squash(match.group(1))
            if len(name) >= 3 and name not in _NOTE_WORDS:
                names.add(name)
    return names


# Capitalised words that open sponsor sentences in show notes but name no one.
_NOTE_WORDS = frozenset(
    {
        "thanks",
        "thank",
        "this",
        "the",
        "our",
        "sponsor",
        "sponsors",
        "support",
        "today",
        "use",
        "code",
        "get",
        "visit",
        "go",
        "head",
        "try",
        "and",
        "for",
        "with",
        "episode",
        "show",
        "podcast",
        "promo",
        "offer",
        "check",
        "special",
        "see",
        "learn",
        "more",
    }
)


def _add_description(
    evidence: list[Evidence], texts: Sequence[str], description: str | None
) -> None:
    sponsors = description_sponsors(description)
    if not sponsors:
        return
    for ev, text in zip(evidence, texts, strict=True):
        squashed = _squash(text)
        hit = next((s for s in sorted(sponsors) if s in squashed), None)
        if hit:
            ev.add(2.5, f"sponsor '{hit}' in show notes", strong=True)


_LEAD_IN_BRAND = re.compile(
    r"(?:brought to you by|sponsored by|today'?s sponsor,?|supported by|comes from)\s+"
    r"((?:[A-Za-z0-9&'\-]+\s?){1,3})",
    re.IGNORECASE,
)


def _add_brand_mentions(
    evidence: list[Evidence],
    utterances: Sequence[Utterance],
    squashed: Sequence[str],
    texts: Sequence[str],
) -> None:
    """Mark sentences naming the advertiser of a nearby call to action or sponsor lead-in.

    A read names its advertiser several times between the lead-in and the web address; those
    sentences belong to the ad even when they hold no cue themselves.
    """
    anchors: list[tuple[int, str, float, float]] = []  # (utterance, brand, window start, end)
    for i, u in enumerate(utterances):
        if evidence[i].brand:
            lo, hi = u.start - BRAND_WINDOW_BEFORE_S, u.end + BRAND_WINDOW_AFTER_S
            anchors.append((i, evidence[i].brand, lo, hi))
        for match in _LEAD_IN_BRAND.finditer(texts[i]):
            words = [w for w in tokenize(match.group(1)) if w not in STOPWORDS][:1]
            if words and len(words[0]) >= 3:
                anchors.append((i, words[0], u.start - 5.0, u.end + BRAND_WINDOW_BEFORE_S))
    marked: set[int] = set()
    for anchor, brand, lo, hi in anchors:
        for i, u in enumerate(utterances):
            if i != anchor and lo <= u.start <= hi and _mentions(brand, squashed[i]):
                marked.add(i)
    for i in marked:
        evidence[i].add(1.5, "names the advertiser")


def _mentions(brand: str, squashed_text: str) -> bool:
    # Spoken "Mint Mobile" squashes to the root of "mintmobile.com"; a long root may be read
    # as its first word alone ("Thrive" for "thrivecosmetics").
    return brand in squashed_text or (len(brand) >= 8 and brand[:5] in squashed_text)


def topic_cohesion(
    utterances: Sequence[Utterance],
    tokens: Sequence[list[str]],
    repeated: Sequence[float],
) -> list[float | None]:
    """Share of each utterance's topic words that the episode uses elsewhere (None: too few).

    Ad copy is off-topic: its content words are rarely used elsewhere in the episode.
    """
    # "Elsewhere" is outside the sentence's neighbourhood: two minutes in a long episode,
    # less in a short one, where two minutes would be most of it.
    duration = utterances[-1].end - utterances[0].start if utterances else 0.0
    window = min(COHESION_WINDOW_S, duration / 8)
    if duration < COHESION_MIN_EPISODE_S:  # too short to have a topic to stray from
        return [None] * len(tokens)
    where: dict[str, list[float]] = defaultdict(list)
    for i, toks in enumerate(tokens):
        if repeated[i] < 0.5:  # a repeated read would vouch for its own copies
            for t in set(toks):
                where[t].append(utterances[i].start)
    values: list[float | None] = []
    for i in range(len(tokens)):
        # Pool the neighbours too: one sentence has too few topic words to judge.
        pooled = [t for k in range(max(i - 1, 0), min(i + 2, len(tokens))) for t in tokens[k]]
        content = _content_words(pooled)
        if len(content) < 3:
            values.append(None)
            continue
        t0 = utterances[i].start
        shared = sum(1 for t in content if any(abs(t0 - s) > window for s in where[t]))
        values.append(shared / len(content))
    return values


def _content_words(tokens: Sequence[str]) -> set[str]:
    return {
        t
        for t in tokens
        if len(t) >= 4 and t not in STOPWORDS and t not in GENERIC_WORDS and not t.isdigit()
    }


def _add_cohesion(ev: Evidence, cohesion: float | None, *, own_words: int) -> None:
    if cohesion is None:
        return
    # Banter ("Who?", "Yeah, right.") has too few words of its own to be off anything.
    if cohesion < 0.3 and own_words >= 3:
        ev.add(0.7, "off-topic")
    elif cohesion > 0.6:
        ev.add(-1.0, "on-topic")


_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9&'\-]+")


def _add_name_bursts(
    evidence: list[Evidence],
    utterances: Sequence[Utterance],
    texts: Sequence[str],
    repeated: Sequence[float],
) -> None:
    """Mark a name said three or more times within a minute and hardly anywhere else.

    Ad copy repeats its advertiser's name so listeners remember it; conversation about a
    person or product spreads their name over a longer stretch.
    """
    mentions: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        for name in {m.lower() for m in _CAPITALISED.findall(text)}:
            if len(name) >= 3 and name not in STOPWORDS and name not in GENERIC_WORDS:
                mentions[name].append(i)
    marked: set[int] = set()
    spots: list[tuple[int, int]] = []
    for where in mentions.values():
        if len(where) < BURST_MIN:
            continue
        for k in range(len(where) - BURST_MIN + 1):
            first, last = where[k], where[k + BURST_MIN - 1]
            t0, t1 = utterances[first].start, utterances[last].start
            if t1 - t0 > BURST_WINDOW_S:
                continue
            outside = [
                j
                for j in where
                if (
                    utterances[j].start < t0 - BURST_WINDOW_S
                    or utterances[j].start > t1 + BURST_WINDOW_S
                )
                and repeated[j] < 0.5
            ]
            burst = where[k : k + BURST_MIN]
            if len(outside) > 1:
                continue
            if any(
                _BACKING_CUES.intersection(evidence[j].labels) or evidence[j].anchor for j in burst
            ):
                marked.update(burst)
            spot = _spliced_block(utterances, evidence, first, last)
            if spot is not None:
                spots.append(spot)
    for j in marked:
        evidence[j].add(1.0, "advertiser named repeatedly")
    for lo, hi in spots:
        for j in range(lo, hi + 1):
            u = utterances[j]
            evidence[j].add(0.8 + 0.2 * (u.end - u.start), "spliced-in spot", strong=True)


# What an inserted spot says besides its name: an offer, an instruction, a price.
_SPOT_CUES = frozenset(
    {
        "sales language",
        "call to action",
        "offer",
        "free trial",
        "price",
        "discount",
        "'first order'",
    }
)


def _spliced_block(
    utterances: Sequence[Utterance], evidence: Sequence[Evidence], first: int, last: int
) -> tuple[int, int] | None:
    """The spot around a name burst, when silences bracket it and it sells something.

    An inserted spot with no web address still repeats its brand, sits between splice
    silences (or at the very start or end of the episode) and says what it offers.
    """
    lo = first
    while utterances[lo].gap_before < SPLICE_GAP_S:
        if lo == 0 or utterances[first].start - utterances[lo - 1].start > SPOT_EDGE_S:
            return None
        lo -= 1
    hi = min(last, len(utterances) - 1)
    while hi + 1 < len(utterances) and utterances[hi + 1].gap_before < SPLICE_GAP_S:
        if utterances[hi + 1].end - utterances[last].end > SPOT_EDGE_S:
            return None
        hi += 1
    if utterances[hi].end - utterances[lo].start > SPOT_MAX_S:
        return None
    if any(utterances[j].gap_before >= SPLICE_GAP_S for j in range(lo + 1, hi + 1)):
        return None  # the name runs across a splice: it is the show's, around a spot
    if not any(_SPOT_CUES.intersection(evidence[j].labels) for j in range(lo, hi + 1)):
        return None
    return lo, hi


def _add_position(evidence: list[Evidence], utterances: Sequence[Utterance]) -> None:
    if not utterances:
        return
    end = utterances[-1].end
    window = min(POSITION_WINDOW_S, end / 10)
    for ev, u in zip(evidence, utterances, strict=True):
        if u.start < window:
            ev.add(0.5, "pre-roll")
        elif end - u.end < window:
            ev.add(0.5, "post-roll")
