"""Stage 2 and 4: the language of ads in each sentence, and each block's evidence as features.

Sentence cues (`Cue`) are the stock phrases of podcast advertising, written to survive Whisper's
errors: a web address as "x dot com slash show" or a garbled "a pudata pudu slash military" (the
"slash" alone counts), an offer code however it is introduced, a price only with what makes it
an offer ("per month", "off your first"). Cues against an ad are just as generic: the show's own
site and feed, a guest's plug, a review, a recommendation said to be unpaid. Brands are not
needed: the advertiser list is one optional cue (`AdOptions.use_advertisers`).

The phrases, the other patterns, the word lists and the cue sets the stages test sentences
against are data, `data/cues.json`, each entry with a stable id; loaded here (`CUE_PATTERNS`,
`phrase_pattern`, `word_list`, `cue_set`). Each sentence's evidence names the ids that fired
(`SentenceEvidence.fired`), so a break's reason can too (`boundaries.reason(name_ids=True)`).

Block features (`Feature`) turn a block's cues, structure and position into numbers in 0..1 that
the classifier weighs (`tasks/ads/params.py` holds the fitted weights). Nothing here branches on
a reason's wording: reasons are rendered from `Feature.label` at the end.
"""

from __future__ import annotations

import enum
import html
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podsift.tasks.ads.advertisers import advertisers_named
from podsift.tasks.ads.params import EvidenceOptions
from podsift.tasks.ads.sentences import Sentence, tokenize
from podsift.tasks.core.text import (
    CHAT_PAIRS,
    CHAT_WORDS,
    DIGIT_ALIASES,
    DISFLUENCIES,
    NUMBER_WORDS,
    STOPWORDS,
    TLD_PATTERN,
    WEB_ADDRESS,
    data_entry,
    package_data,
    word_alternation,
)


class Cue(enum.Enum):
    """What one sentence says that bears on it being an ad (or the show)."""

    LEAD_IN = "sponsor lead-in"
    SPONSOR_CREDIT = "sponsor credit"
    WEB_ADDRESS = "web address"
    SLASH = "'slash' path"
    PROMO_CODE = "promo code"
    PRICE = "price offer"
    OFFER = "offer"
    FREE_TRIAL = "free trial"
    SMALL_PRINT = "small print"
    CALL_TO_ACTION = "call to action"
    PHONE = "phone number"
    SHOW_PROMO = "promo for a show"
    ADVERTISER = "known advertiser"
    # Structure: where the show hands over or takes back.
    HAND_OVER = "hand-over to a break"
    RETURN = "back to the show"
    WELCOME = "show welcome"
    SIGN_OFF = "show sign-off"
    # Against.
    OWN_SHOW = "the show's own site or feed"
    GUEST_PLUG = "a guest's plug"
    REVIEW = "a review"
    UNPAID = "said to be unpaid"
    HELPLINE = "a helpline or tip line"


# --- the language of ads, loaded from data/cues.json ----------------------------------------
# Every pattern and list below is data with an id (issue 23): `data/cues.json` says what each
# is for. A cue's regex is its groups joined by "|", a group being its prefix, its phrases
# joined by "|" and its suffix; each phrase is a named group, so the one that fired is known.

CUE_DATA: Mapping[str, Any] = package_data("podsift.tasks.ads", "cues")
# Number words a spoken phone number or price is made of: core's cardinals, "oh" for a zero,
# and "hundred" ("eight hundred"; "thousand" and "million" go after a figure, in `dollars`).
_FRAGMENTS: dict[str, str] = {
    "tld": TLD_PATTERN,
    "num": word_alternation([*NUMBER_WORDS, *DIGIT_ALIASES, "hundred"]),
} | {name: f["pattern"] for name, f in CUE_DATA["fragments"].items()}
_FRAGMENT_REF = re.compile(r"\(\?&(\w+)\)")


def _expand(pattern: str) -> str:
    """The pattern with each "(?&name)" replaced by that fragment, itself expanded."""
    return _FRAGMENT_REF.sub(lambda m: _expand(_FRAGMENTS[m.group(1)]), pattern)


@dataclass(frozen=True, slots=True)
class CuePattern:
    """One sentence cue's regex, built from its phrases in `data/cues.json`."""

    cue: Cue
    regex: re.Pattern[str]
    # The same regex with phrase k as group "p<k>", run only where `regex` matched: named
    # groups make every search about 60% slower.
    named: re.Pattern[str]
    phrase_ids: tuple[str, ...]

    def fired(self, text: str) -> str | None:
        """The id of the phrase of the cue's first match in `text`, or None without one."""
        return next(self.all_fired(text), None)

    def all_fired(self, text: str) -> Iterator[str]:
        """The id of the phrase of each of the cue's matches in `text`, in order."""
        if self.regex.search(text) is None:
            return
        for match in self.named.finditer(text):
            yield next(
                self.phrase_ids[int(group[1:])]
                for group, said in match.groupdict().items()
                if said is not None
            )


def _cue_pattern(entry: Mapping[str, Any]) -> CuePattern:
    """A cue's entry of `data/cues.json` compiled, case-insensitive."""
    ids: list[str] = []
    plain, named = [], []
    for group in entry["groups"]:
        phrases = [_expand(phrase["pattern"]) for phrase in group["phrases"]]
        names = [f"(?P<p{len(ids) + k}>{p})" for k, p in enumerate(phrases)]
        ids += [phrase["id"] for phrase in group["phrases"]]
        prefix, suffix = group.get("prefix", ""), group.get("suffix", "")
        plain.append(prefix + "|".join(phrases) + suffix)
        named.append(prefix + "|".join(names) + suffix)
    return CuePattern(
        Cue[entry["cue"]],
        re.compile("|".join(plain), re.I),
        re.compile("|".join(named), re.I),
        tuple(ids),
    )


# The cues a sentence's words say; the others (a web address, an advertiser) are found by code.
CUE_PATTERNS: tuple[CuePattern, ...] = tuple(_cue_pattern(e) for e in CUE_DATA["cues"])


# The cue each id of `data/cues.json` that can fire stands for: its phrases' and its derived ones'.
CUE_OF_ID: Mapping[str, Cue] = {
    phrase_id: p.cue for p in CUE_PATTERNS for phrase_id in p.phrase_ids
} | {d["id"]: Cue[d["cue"]] for d in CUE_DATA["derived"]}


def cue_pattern(cue: Cue) -> re.Pattern[str]:
    """The regex of a cue that `data/cues.json` gives phrases for."""
    return next(p.regex for p in CUE_PATTERNS if p.cue is cue)


def phrase_pattern(entry_id: str) -> re.Pattern[str]:
    """One of the other phrase patterns of `data/cues.json` ("pattern.opener")."""
    entry = data_entry(CUE_DATA, "patterns", entry_id)
    return re.compile(_expand(entry["pattern"]), re.I if entry["ignore_case"] else 0)


def word_list(entry_id: str) -> tuple[str, ...]:
    """One of the word lists of `data/cues.json` ("words.second_person"), in its order."""
    return tuple(data_entry(CUE_DATA, "words", entry_id)["words"])


def cue_set(entry_id: str) -> frozenset[Cue]:
    """One of the cue sets of `data/cues.json` ("set.lead_in")."""
    return frozenset(Cue[name] for name in data_entry(CUE_DATA, "sets", entry_id)["cues"])


WELCOME = cue_pattern(Cue.WELCOME)
OPENER = phrase_pattern("pattern.opener")
_NOTES_LINK = phrase_pattern("pattern.notes_link")
_CAPS_CODE = phrase_pattern("pattern.caps_code")
_NO_BACKER = phrase_pattern("pattern.no_backer")
_EMAIL = phrase_pattern("pattern.email")
_SHOW_NAME = phrase_pattern("pattern.show_name")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&\-]+")
SECOND_PERSON = frozenset(word_list("words.second_person"))
# Spoken-conversation markers (core text data): fillers, back-channels. Ad copy is scripted.
_CHAT = DISFLUENCIES | CHAT_WORDS


@dataclass(frozen=True, slots=True)
class SentenceEvidence:
    """The cues in one sentence and the words later stages compare."""

    cues: frozenset[Cue]
    names: tuple[str, ...]  # lower-case brand-like names: capitalised words, web-address roots
    content: frozenset[str]  # topic words: not stop words, four letters or more
    web_roots: tuple[str, ...]
    # What fired, one id of `data/cues.json` per cue kept, in `Cue` order: the phrase that
    # matched ("lead_in.brought_to_you_by") or the rule that set it ("derived.web_address").
    fired: tuple[str, ...] = ()


def show_names(sentences: Sequence[Sentence], title: str | None = None) -> set[str]:
    """Words naming the show itself, from its welcome lines ("welcome to Shed Talk")."""
    names: set[str] = set()
    for s in sentences:
        m = _SHOW_NAME.search(s.text)
        if m:
            names |= {
                t for t in tokenize(m.group(1)) if t not in STOPWORDS and len(t) >= _MIN_NAME_LEN
            }
    return names


def sentence_evidence(
    sentences: Sequence[Sentence], options: EvidenceOptions, *, use_advertisers: bool
) -> list[SentenceEvidence]:
    """Each sentence's cues; a web address that is the show's own counts for the show."""
    own = show_names(sentences)
    sentence_words = [_WORD.findall(s.text) for s in sentences]
    mid_sentence_names = {_name_key(w) for ws in sentence_words for w in ws[1:] if _name_like(w)}
    spelled = _address_words(sentences, own)
    # How many sentences say each word (keyed as names are).
    said_in = Counter(key for ws in sentence_words for key in {_name_key(w) for w in ws})
    out: list[SentenceEvidence] = []
    for s, words in zip(sentences, sentence_words, strict=True):
        text = s.text
        why: dict[Cue, str] = {}  # the id that first set each cue
        for pattern in CUE_PATTERNS:
            phrase = pattern.fired(text)
            if phrase is not None:
                why[pattern.cue] = phrase
        cues = set(why)
        if _NOTES_LINK.search(text):
            # "Use my link in the show notes to get your first box free": a link that gives an
            # offer is the read's call to action; "the links are in the show notes" the show's.
            if cues & _COMMERCIAL and Cue.OWN_SHOW not in cues:
                _add(cues, why, Cue.CALL_TO_ACTION, "derived.notes_link_offer")
            else:
                _add(cues, why, Cue.OWN_SHOW, "derived.notes_link_show")
        if _CAPS_CODE.search(text):
            _add(cues, why, Cue.PROMO_CODE, "derived.caps_code")
        if Cue.WELCOME in cues:
            # "Welcome to X, a podcast brought to you by Y": the show names its producer.
            cues -= {Cue.LEAD_IN, Cue.SPONSOR_CREDIT}
        if Cue.UNPAID in cues or (out and Cue.UNPAID in out[-1].cues):
            # "this segment is not sponsored by anyone", "no ads this week, our sponsor ...",
            # and the sentence after it, which Whisper often cuts off: "There are no ads this
            # week. Our sponsor slot fell through."
            cues -= {Cue.LEAD_IN, Cue.SPONSOR_CREDIT, Cue.PROMO_CODE}
        if Cue.SMALL_PRINT in cues:
            # "If you or someone you know has a gambling problem, call ...": the helpline a
            # betting ad must give is the ad's small print, not the show's public service.
            cues.discard(Cue.HELPLINE)
        if cues & {Cue.LEAD_IN, Cue.SPONSOR_CREDIT}:
            cues.discard(Cue.HAND_OVER)  # "a quick word from our sponsor, X": the read starts
        if Cue.LEAD_IN in cues and _NO_BACKER.search(text):
            cues.discard(Cue.LEAD_IN)
            _add(cues, why, Cue.OWN_SHOW, "derived.no_backer")
        if Cue.SPONSOR_CREDIT in cues and _NO_BACKER.search(text):
            cues.discard(Cue.SPONSOR_CREDIT)
            _add(cues, why, Cue.OWN_SHOW, "derived.no_backer")
        addresses = [
            (_domain_words(m.group(1)), m.group(2).lower(), _path_word(text, m.end()))
            for m in WEB_ADDRESS.finditer(text)
        ]
        if _EMAIL.search(text):  # "write to us at mail at show dot com" is no call to action
            addresses = []
        roots = tuple(re.sub(r"['\-]", "", root) for _, root, _ in addresses)
        # "pythonbytes.fm/rollbar": the show's address with a path naming a brand that is said
        # in another sentence too, and is not the show's name, is the sponsor's link.
        own_roots = [
            root
            for before, root, path in addresses
            if _is_own(before + root, own)
            and not (path and path not in own and path in mid_sentence_names and said_in[path] > 1)
        ]
        if own_roots:
            _add(cues, why, Cue.OWN_SHOW, "derived.own_address")
        if len(own_roots) < len(roots):
            _add(cues, why, Cue.WEB_ADDRESS, "derived.web_address")
        if use_advertisers and advertisers_named(text):
            _add(cues, why, Cue.ADVERTISER, "derived.advertiser")
        if Cue.OWN_SHOW in cues and not cues & _SPONSORED:
            # "Become a member: go to northriver dot org slash give, or call the station at
            # 555-0148": where to give to the show is the show's own call, not an advertiser's.
            cues -= {Cue.PHONE, Cue.SLASH, Cue.CALL_TO_ACTION}
        names = [_name_key(w) for w in words[1:] if _name_like(w)]
        # A sentence's first word is capitalised anyway: it is a name when the episode
        # capitalises it mid-sentence too ("Quillmark makes notebooks").
        if words and _name_like(words[0]) and _name_key(words[0]) in mid_sentence_names:
            names.insert(0, _name_key(words[0]))
        names += [r for r in roots if r not in ("www",)]
        if _CASELESS.fullmatch(text):
            # No capitals to find names by (Whisper's lower-case run-ons): a word that a
            # sponsor's web address spells is the brand's name wherever it is said.
            names += [t for t in s.tokens if t in spelled and t not in names]
        content = frozenset(
            t for t in s.tokens if len(t) >= options.content_word_len and t not in STOPWORDS
        )
        fired = tuple(why[c] for c in Cue if c in cues)
        out.append(SentenceEvidence(frozenset(cues), tuple(names), content, roots, fired))
    return out


# What sells: an offer, a price, a code, a trial.
_COMMERCIAL = cue_set("set.commercial")
# Word lengths (hand-set, not fitted): a welcome line's word this long or longer can name the
# show ("the" and "of" are stop words anyway, "shed" is a name); a sponsor's address's word this
# long spells its brand wherever it is said ("ostrander", "rail"; not "my", "get"); a show's
# name this long marks an address as the show's own on its own ("overtime"; "line" is too
# common to tell the show's site from a sponsor's, "see line drive dot com slash terms").
_MIN_NAME_LEN = 3
_MIN_SPELLED_LEN = 4
_MIN_OWN_NAME_LEN = 6


# A sentence with no capital letter but "I": case tells nothing about names there.
_CASELESS = re.compile(r"(?:[^A-Z]|\bI\b)*")


def _address_words(sentences: Sequence[Sentence], own: set[str]) -> frozenset[str]:
    """The words of every web address said in the episode that is not the show's own
    ("ostrander rail dot com": ostrander, rail), function words and short words aside."""
    words: set[str] = set()
    for s in sentences:
        for m in WEB_ADDRESS.finditer(s.text):
            before, root = _domain_words(m.group(1)), m.group(2).lower()
            if not _is_own(before + root, own):
                words |= {t for t in tokenize(f"{before} {root}") if len(t) >= _MIN_SPELLED_LEN}
    return frozenset(words - STOPWORDS)


# What says a sentence speaks for a sponsor, whatever else it says.
_SPONSORED = cue_set("set.sponsored")


# The first word of a web address's path: "/rollbar", " slash rollbar".
_PATH = re.compile(r"(?:/| slash )([a-z][a-z0-9\-]*)", re.I)


def _path_word(text: str, end: int) -> str:
    """The first word of the path after a web address ending at `end`, as `_name_key` keys
    it ("" when there is none)."""
    m = _PATH.match(text, end)
    return _name_key(m.group(1)) if m else ""


def _name_like(word: str) -> bool:
    return word[:1].isupper() and word != "I" and word.lower() not in STOPWORDS


def _name_key(word: str) -> str:
    """A name as compared: lower case, no hyphen or apostrophe ("Page-Wise" = "pagewise")."""
    return re.sub(r"['\-]", "", word.lower())


def _domain_words(before: str) -> str:
    """The words of a spoken domain before its last one: the run of words right before it,
    up to a function word ("code harbor and blue kettle dot com" is blue kettle's, not
    harbor's: "and" ends the domain)."""
    words = before.lower().split()
    while words and any(w in STOPWORDS for w in words):
        words = words[next(i for i, w in enumerate(words) if w in STOPWORDS) + 1 :]
    return " ".join(words) + (" " if words else "")


def _add(cues: set[Cue], why: dict[Cue, str], cue: Cue, rule: str) -> None:
    """Add a cue a rule found; a cue a phrase or an earlier rule set keeps its first id."""
    cues.add(cue)
    why.setdefault(cue, rule)


def _is_own(address: str, own: set[str]) -> bool:
    """The address carries the show's name: one of its names of `_MIN_OWN_NAME_LEN` letters or
    more, or two of its names run together ("overtime line dot com")."""
    squashed = re.sub(r"[\s'\-]", "", address)
    if any(len(n) >= _MIN_OWN_NAME_LEN and n in squashed for n in own):
        return True
    return any(a + b in squashed for a in own for b in own if a != b)


class Feature(enum.Enum):
    """A block's evidence as one number in 0..1; `label` is how a reason names it."""

    LEAD_IN = "sponsor lead-in"
    WEB_ADDRESS = "web address"
    SLASH = "'slash' path"
    PROMO_CODE = "promo code"
    OFFER = "price or offer"
    SMALL_PRINT = "small print"
    CALL_TO_ACTION = "call to action"
    PHONE = "phone number"
    SHOW_PROMO = "promo for a show"
    ADVERTISER = "known advertiser"
    SHOW_NOTES = "sponsor named in the show notes"
    REPEATED = "repeated in other episodes"
    REPEATED_WITHIN = "repeated within the episode"
    ONE_NAME = "one name throughout"
    NAME_FROM_CUE = "names the product of a read next to it"
    OFF_TOPIC = "off the episode's topic"
    SECOND_PERSON = "addresses the listener"
    SPLICED = "spliced in"
    PRE_ROLL = "pre-roll"
    BEFORE_WELCOME = "before the show's welcome"
    BRAND_LINE = "a brand name said on its own"
    AFTER_HAND_OVER = "after the show's hand-over to a break"
    BEFORE_RETURN = "before the show's return"
    POST_ROLL = "post-roll"
    CONVERSATION = "conversation"
    SHOW_FRAMING = "the show's welcome or sign-off"
    OWN_SHOW = "the show's own site or feed"
    GUEST_PLUG = "a guest's plug"
    REVIEW = "a review"
    UNPAID = "said to be unpaid"
    HELPLINE = "a helpline or tip line"
    LENGTH = "length"

    @property
    def label(self) -> str:
        return self.value


FEATURES: tuple[Feature, ...] = tuple(Feature)

# Which sentence cues feed which feature, and how many occurrences make the feature 1.0 (the
# counts are hand-set, not fitted; the fitted weights scale each feature after).
CUE_FEATURES: dict[Feature, tuple[frozenset[Cue], int]] = {
    Feature.LEAD_IN: (frozenset({Cue.LEAD_IN, Cue.SPONSOR_CREDIT}), 1),
    Feature.WEB_ADDRESS: (frozenset({Cue.WEB_ADDRESS}), 2),
    Feature.SLASH: (frozenset({Cue.SLASH}), 1),
    Feature.PROMO_CODE: (frozenset({Cue.PROMO_CODE}), 1),
    Feature.OFFER: (frozenset({Cue.PRICE, Cue.OFFER, Cue.FREE_TRIAL}), 2),
    Feature.SMALL_PRINT: (frozenset({Cue.SMALL_PRINT}), 1),
    Feature.CALL_TO_ACTION: (frozenset({Cue.CALL_TO_ACTION}), 2),
    Feature.PHONE: (frozenset({Cue.PHONE}), 1),
    Feature.SHOW_PROMO: (frozenset({Cue.SHOW_PROMO}), 1),
    Feature.ADVERTISER: (frozenset({Cue.ADVERTISER}), 1),
    Feature.SHOW_FRAMING: (frozenset({Cue.WELCOME, Cue.SIGN_OFF, Cue.RETURN}), 1),
    Feature.OWN_SHOW: (frozenset({Cue.OWN_SHOW}), 1),
    Feature.GUEST_PLUG: (frozenset({Cue.GUEST_PLUG}), 1),
    Feature.REVIEW: (frozenset({Cue.REVIEW}), 1),
    Feature.UNPAID: (frozenset({Cue.UNPAID}), 1),
    Feature.HELPLINE: (frozenset({Cue.HELPLINE}), 1),
}
# Cues a read's lead-in or call to action carries; a block naming the same product rides along.
_ANCHOR_CUES = cue_set("set.anchor")


_REPEAT_SELLING = cue_set("set.repeat_selling")


@dataclass(frozen=True, slots=True)
class EpisodeContext:
    """What block features compare a block with: the rest of the episode and the show."""

    sentences: Sequence[Sentence]
    evidence: Sequence[SentenceEvidence]
    duration_s: float
    name_counts: Counter[str]
    context_shingles: frozenset[tuple[str, ...]]
    notes_sponsors: frozenset[str]
    first_welcome_s: float | None
    last_sign_off_s: float | None


def episode_context(
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    context: Sequence[Sequence[Sentence]],
    description: str | None,
    options: EvidenceOptions,
) -> EpisodeContext:
    duration = sentences[-1].end if sentences else 0.0
    welcomes = [
        s.start
        for s, ev in zip(sentences, evidence, strict=True)
        if Cue.WELCOME in ev.cues and s.start <= options.welcome_within_s
    ]
    sign_offs = [
        s.start
        for s, ev in zip(sentences, evidence, strict=True)
        if Cue.SIGN_OFF in ev.cues and s.start >= duration - options.sign_off_within_s
    ]
    shingles = frozenset(
        sh
        for episode in context
        for sh in _shingles([t for s in episode for t in s.tokens], options)
    )
    return EpisodeContext(
        sentences,
        evidence,
        duration,
        Counter(n for ev in evidence for n in ev.names),
        shingles,
        frozenset(notes_sponsors(description)),
        welcomes[0] if welcomes else None,
        sign_offs[-1] if sign_offs else None,
    )


_NOTE_SPONSOR_LINE = phrase_pattern("pattern.notes_sponsor_line")
_NOTES_GIVEN_BY = phrase_pattern("pattern.notes_given_by")
_NOT_SPONSOR = frozenset(word_list("words.not_sponsor"))


def notes_sponsors(description: str | None) -> set[str]:
    """Names the show notes give as sponsors: on a sponsor line, the first word of each run of
    capitalised words, and the web addresses.

    A company is told apart by its first word ("Larkspur Health", "Granite Mutual Insurance"):
    the words after it are common nouns a news story says too ("the Board of Health"). Where
    the line says whom the support is for ("Support for Daybreak Dispatch comes from X"), only
    what follows "from" or "by" is the sponsor; before it is the show.
    """
    if not description:
        return set()
    text = html.unescape(re.sub(r"<[^>]+>", "\n", description))
    found: set[str] = set()
    for line in re.split(r"[\n.;]|(?<=\w)[!?]", text):
        cue = _NOTE_SPONSOR_LINE.search(line)
        if not cue:
            continue
        given_by = _NOTES_GIVEN_BY.search(line[cue.start() :])
        if given_by:
            line = line[cue.start() + given_by.end() :]
        previous_capital = False
        for k, word in enumerate(_WORD.findall(line)):
            low = word.lower()
            capital = bool(word[:1].isupper()) and low not in STOPWORDS
            first_of_run = capital and not previous_capital and (k > 0 or given_by)
            if first_of_run and low not in _NOT_SPONSOR:
                found.add(low)
            previous_capital = capital
        found |= {m.group(2).lower() for m in WEB_ADDRESS.finditer(line)} - _NOT_SPONSOR
    return found


def _shingles(tokens: Sequence[str], options: EvidenceOptions) -> list[tuple[str, ...]]:
    return shingles(tokens, options.shingle_words)


def shingles(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Every run of `n` words in a row."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def block_features(
    lo: int,
    hi: int,
    episode: EpisodeContext,
    options: EvidenceOptions,
    neighbours: Sequence[tuple[int, int]],
) -> dict[Feature, float]:
    """The evidence of sentences lo..hi (inclusive) as features in 0..1.

    Args:
        lo: first sentence of the block.
        hi: last sentence of the block.
        episode: the whole episode, for comparisons and position.
        options: evidence options.
        neighbours: the blocks right before and after, as (lo, hi) sentence ranges.
    """
    sentences = episode.sentences[lo : hi + 1]
    evidence = episode.evidence[lo : hi + 1]
    start, end = sentences[0].start, sentences[-1].end
    features = dict.fromkeys(FEATURES, 0.0)
    cue_counts = Counter(c for ev in evidence for c in ev.cues)
    for feature, (cues, full) in CUE_FEATURES.items():
        features[feature] = min(sum(cue_counts[c] for c in cues), full) / full

    names = Counter(n for ev in evidence for n in ev.names)
    often = options.block_name_mentions
    block_names = {n for n, k in names.items() if k >= often}
    if names:
        features[Feature.ONE_NAME] = max(
            (k / episode.name_counts[n] for n, k in names.items() if k >= often), default=0.0
        )
    features[Feature.SHOW_NOTES] = float(bool(set(names) & episode.notes_sponsors))
    features[Feature.NAME_FROM_CUE] = float(
        any(_anchor_names(episode, a, b) & block_names for a, b in neighbours)
    )
    tokens = [t for s in sentences for t in s.tokens]
    if tokens:
        features[Feature.SECOND_PERSON] = min(
            sum(t in SECOND_PERSON for t in tokens) / len(tokens) / options.second_person_full, 1.0
        )
        features[Feature.CONVERSATION] = min(
            (
                sum(t in _CHAT for t in tokens)
                + sum(p in CHAT_PAIRS for p in zip(tokens, tokens[1:], strict=False))
            )
            / len(tokens)
            / options.conversation_full,
            1.0,
        )
        shingles = _shingles(tokens, options)
        if shingles and episode.context_shingles:
            features[Feature.REPEATED] = sum(
                sh in episode.context_shingles for sh in shingles
            ) / len(shingles)
        features[Feature.REPEATED_WITHIN] = _repeated_within(lo, hi, episode, options)
    before = sentences[0].gap_before >= options.splice_gap_s or start <= options.edge_s
    after = (
        sentences[-1].gap_after >= options.splice_gap_s
        or end >= episode.duration_s - options.edge_s
    )
    features[Feature.SPLICED] = float(before and after)
    welcome = episode.first_welcome_s
    features[Feature.PRE_ROLL] = float(
        start <= options.edge_s and welcome is not None and end <= welcome + options.edge_s
    )
    sign_off = episode.last_sign_off_s
    features[Feature.POST_ROLL] = float(
        end >= episode.duration_s - options.edge_s
        and sign_off is not None
        and start >= sign_off - options.edge_s
        and lo > 0
    )
    # Structure, not language: a spot with no cue of its own (a brand's jingle-style copy) sits
    # where ads sit, after the pre-roll and before the show's welcome. The fitted weights say
    # how much that is worth.
    features[Feature.BEFORE_WELCOME] = float(
        welcome is not None and lo > 0 and end <= welcome + options.edge_s
    )
    # A spot's sign-off line is its brand alone ("Brightway Windows." "Harlow."), a name the
    # block also sells with ("Harlow Hybrid is in stores now"): talk rarely makes a sentence of
    # a name and nothing else, and the one it does (a letter's "Matt.") sells nothing.
    sold = {n for ev in evidence if ev.cues & _REPEAT_SELLING for n in ev.names}
    features[Feature.BRAND_LINE] = float(
        any(
            0 < len(words) <= options.brand_line_words
            and all(_name_key(w) in block_names for w in words)
            and any(_name_key(w) in sold for w in words)
            for words in (_WORD.findall(s.text) for s in sentences)
        )
    )
    # A break is bracketed by the show: "after the break" or "quick break" before it, "we're
    # back" after it. The hand-over may open the block itself when no cut fell after it.
    said = episode.evidence
    features[Feature.AFTER_HAND_OVER] = float(
        Cue.HAND_OVER in said[lo].cues or (lo > 0 and Cue.HAND_OVER in said[lo - 1].cues)
    )
    features[Feature.BEFORE_RETURN] = float(hi + 1 < len(said) and Cue.RETURN in said[hi + 1].cues)
    features[Feature.LENGTH] = min(
        math.log1p(max(end - start, 0.0)) / math.log1p(options.long_block_s), 1.0
    )
    return features


def _anchor_names(episode: EpisodeContext, lo: int, hi: int) -> set[str]:
    """Names said in the lead-in or call-to-action sentences of block lo..hi."""
    return {n for ev in episode.evidence[lo : hi + 1] if ev.cues & _ANCHOR_CUES for n in ev.names}


def relative_off_topic(
    blocks: Sequence[tuple[int, int]],
    features: Sequence[dict[Feature, float]],
    episode: EpisodeContext,
    options: EvidenceOptions,
) -> None:
    """Set OFF_TOPIC: how much more of a block's vocabulary is its own than is usual here.

    Every block has words of its own, more so in a short episode; an ad has far more than the
    episode's typical block, so the feature is the excess over the median block, times
    `off_topic_gain` (2: an excess of half its words is 1.0).
    """
    raw = [_off_topic(lo, hi, episode, options) for lo, hi in blocks]
    if not raw:
        return
    median = sorted(raw)[len(raw) // 2]
    for f, value in zip(features, raw, strict=True):
        f[Feature.OFF_TOPIC] = min(max(value - median, 0.0) * options.off_topic_gain, 1.0)


def _off_topic(lo: int, hi: int, episode: EpisodeContext, options: EvidenceOptions) -> float:
    """Share of the block's topic words the rest of the episode never uses (away from it)."""
    words = set().union(*(ev.content for ev in episode.evidence[lo : hi + 1]))
    if not words:
        return 0.0
    start = episode.sentences[lo].start - options.topic_margin_s
    end = episode.sentences[hi].end + options.topic_margin_s
    elsewhere: set[str] = set()
    for s, ev in zip(episode.sentences, episode.evidence, strict=True):
        if s.end < start or s.start > end:
            elsewhere |= ev.content
    if not elsewhere:
        return 0.0
    return len(words - elsewhere) / len(words)


def _repeated_within(lo: int, hi: int, episode: EpisodeContext, options: EvidenceOptions) -> float:
    """Share of the block's word shingles said again far from it in the same episode."""
    inside = _shingles([t for s in episode.sentences[lo : hi + 1] for t in s.tokens], options)
    if not inside:
        return 0.0
    start = episode.sentences[lo].start - options.repeat_distance_s
    end = episode.sentences[hi].end + options.repeat_distance_s
    # Only a repeat beside ad language counts: an ad read twice is ad copy both times, while a
    # cold open repeats the show's own talk from later in the episode.
    selling = [
        s.start for s, ev in zip(episode.sentences, episode.evidence, strict=True)
        if ev.cues & _REPEAT_SELLING
    ]  # fmt: skip
    near = options.repeat_near_ad_s
    far = [
        s
        for s in episode.sentences
        if (s.end < start or s.start > end) and any(abs(s.start - t) <= near for t in selling)
    ]
    far_shingles = set(_shingles([t for s in far for t in s.tokens], options))
    return sum(sh in far_shingles for sh in inside) / len(inside)
