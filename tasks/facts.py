"""Offline facts extractor: the handful of standalone claims an episode states.

How it works, in the order the code runs:

1. **Words with times.** Whisper's word pieces (" p" + ".m.") are glued back into words; a
   segment without word timestamps gets times interpolated over its span by character count.
2. **Sentences.** The word stream is cut at terminal punctuation (not after "Dr." or "a.m."), so a
   claim split across segments is joined and a multi-sentence segment is split. Whisper sometimes
   drops punctuation and capitals for a long stretch and picks them up again at a later
   sentence; a run-on longer than `MAX_WORDS` is also cut where the capitals return after an
   unpunctuated lower-case stretch ("...so i'm happy to see it Insta360 launched the Go 3S Retro
   Bundle."), unless the word before continues the clause ("inside Lowe's"). A sentence that
   touches an ad span is dropped whole.
3. **Light cleanup, words kept as said.** Disfluencies ("um") go; leading fillers and connectives
   ("well,", "I mean", "and so", "so yeah") and tag questions (", right?") are stripped; the time
   range shrinks to the words kept, so it is exactly where those words were said.
4. **Hard filters.** Questions, thanks and outros, housekeeping ("subscribe", "link in the show
   notes"), too-short fragments and run-ons are never facts. Framing (greetings, "I'm your
   host", "welcome to the show", "my guest today is") is not a fact on its own, but a framing
   sentence that also says who the episode is with, by role or organisation ("I sit down with
   Richard, who leads physical AI at CoreWeave"), or what it is about ("this is the story of",
   "today we talk about") is one: it is what an editor's summary opens with.
5. **Score.** Centrality (TF-IDF cosine to the episode's own term profile), named entities,
   numbers and dates, content-word density, minus chatter (first and second person, hedges,
   interjections), dangling openings ("It", "They") that need the previous sentence and
   subjectless fragments ("Was founded by...", "Especially the part...").
6. **Select.** First the lead: of the statements of who and what in the episode's opening (its
   first 15% of non-ad speech, at most four minutes), the best by score plus a position prior.
   Then maximal marginal relevance with coverage of the episode's topic terms and a hard
   near-duplicate cut, up to `fact_count(duration)` facts (about 5 for ten minutes of speech,
   15 for two hours); they are returned in the order they were said.

Everything is pure Python over the transcript: deterministic and a few milliseconds per hour.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tasks.entities import STOPWORDS, Entity, extract_entities, proper_vocabulary
from tasks.records import AdSpan, Fact, Segment

# --- word lists --------------------------------------------------------------------------------

_DISFLUENCIES = frozenset({"um", "uh", "erm", "er", "ah", "hmm", "mm", "mhm", "uh-huh", "um-hum"})

# Leading fillers and connectives stripped from the start of a sentence, longest first. Those in
# `_LEADING_ALWAYS` go whatever follows; the others only when the speaker set them off with a
# comma ("Well, fares rise" loses "Well,"; "Well over half" keeps it).
_LEADING_ALWAYS: tuple[tuple[str, ...], ...] = (
    ("and", "so", "yeah"),
    ("so", "yeah"),
    ("but", "yeah"),
    ("and", "yeah"),
    ("and", "so"),
    ("and", "also"),
    ("so", "basically"),
    ("i", "mean"),
    ("and",),
    ("so",),
    ("but",),
    ("yeah",),
    ("yep",),
    ("plus",),
)
_LEADING_WITH_COMMA: tuple[tuple[str, ...], ...] = (
    ("you", "know"),
    ("you", "see"),
    ("i", "guess"),
    ("all", "right"),
    ("mind", "you"),
    ("well",),
    ("now",),
    ("look",),
    ("listen",),
    ("okay",),
    ("ok",),
    ("alright",),
    ("right",),
    ("yes",),
    ("no",),
    ("oh",),
    ("wow",),
    ("actually",),
    ("basically",),
    ("honestly",),
    ("anyway",),
    ("anyways",),
    ("like",),
    ("see",),
    ("also",),
    ("again",),
    ("because",),
    ("then",),
)
# "So many", "so far": here "so" is not a connective.
_SO_KEEPS = frozenset({"many", "much", "far", "long", "few", "little", "called", "that"})
_MID_FILLERS: tuple[tuple[str, ...], ...] = (("you", "know"), ("i", "mean"), ("like",))
_TAGS: tuple[tuple[str, ...], ...] = (
    ("you", "know"),
    ("right",),
    ("yeah",),
    ("no",),
    ("huh",),
    ("okay",),
    ("correct",),
    ("eh",),
)

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr st jr sr prof gen sgt lt capt det vs etc inc corp co ltd mt ft approx no".split()
)

# Words a sentence does not end on: a capitalised word after one of these continues the clause
# ("inside Lowe's", "a lot of European") rather than starting a new sentence (`split_run_on`).
_CLAUSE_CONTINUES = frozenset(
    "a an the of to in on at by for from with into onto about as than like and or but nor "
    "inside outside near over under between through around across behind during without "
    "within against toward towards among upon via per "
    "my your his her its our their this that these those some any every no is are was were "
    "be been being am".split()
)
# "I", "I'm", ...: capitalised even inside Whisper's lower-case run-ons.
_FIRST_PERSON_RE = re.compile(r"I(['’](m|ve|d|ll))?")

# Sentences that are never facts: thanks, outros, housekeeping, ad reads, asides.
_NOT_FACT_RE = re.compile(
    r"|".join(
        (
            r"\bthanks? (you )?(so much |very much )?for (listening|joining|watching|tuning|"
            r"having|coming|being)\b",
            r"\bthank you\b",
            r"\b(the next|next|last) (episode|show|week'?s (episode|show))\b",
            r"\bsubscribe\b|\brate (and|&) review\b|\bleave (us )?a review\b",
            r"\bfollow (us|me) on\b|\bpatreon\b|\bdiscord\b|\bnewsletter\b",
            r"\bshow ?notes\b|\blink (is )?in the\b|\bdescription below\b",
            r"\bsee you (next|soon|then|later|guys)\b|\buntil next time\b|\btalk (to you )?soon\b",
            r"\bthat'?s (it|all) for\b|\bcatch you\b|\btake care\b|\bbye\b",
            r"\bbrought to you by\b|\bsponsored by\b|\bpromo code\b|\boffer code\b",
            r"\b(dot com|\.com) slash\b|\w\.com/\w",
            r"\b(we'?ll|we will) be (right )?back\b|\bafter the break\b|\bstick around\b",
            r"\bcoming up\b|\bstay tuned\b|\bhow are you\b|\bhow'?s it going\b",
            r"\b(our|my) (youtube|instagram|tiktok|twitter|website|channel)\b",
            r"\blaughs?\b|\[|\bhaha\b|\blol\b",
        )
    ),
    re.IGNORECASE,
)

# Framing: greetings and the show introducing itself or its people. A framing sentence is a fact
# only when it also states who the episode is with (a guest with their role or organisation) or
# what it is about (`_GUEST_RE`, `_TOPIC_RE`); "welcome to the show" or "I'm your host Dana"
# alone is not.
_FRAMING_RE = re.compile(
    r"|".join(
        (
            r"\bwelcome (back )?to\b",
            r"\bwelcome (back|everyone|everybody)\b",
            r"\b(hello|hi|hey) (and welcome|everyone|everybody|there|guys|folks)\b",
            r"^(hello|hi|hey|good (morning|afternoon|evening))\b",
            r"\b(this|today'?s) (episode|show|week'?s (episode|show))\b",
            r"\bon (the|this|today'?s) (show|episode|podcast)\b",
            r"\b(i'?m|i am) your (host|co-?host)\b",
            r"\bmy name is\b",
            r"\b(my|our) (guest|guests|co-?host)( today| this week)? (is|are)\b",
            r"\b(i'?m|we'?re) joined (today )?by\b|\bjoining (me|us)\b",
            r"\b(i'?m|this is) [A-Z]\w+( [A-Z]\w+)?\.?$",
        )
    ),
    re.IGNORECASE,
)
# Someone is introduced: "joined by", "my guest is", "I sit down with", "we speak to".
_GUEST_RE = re.compile(
    r"\b(joined (today )?by|joining (me|us)|(my|our) guests?\b|(sit|sits|sitting|sat) down with|"
    r"(speak|speaks|speaking|spoke|talk|talks|talking|chat|chats|chatting) (with|to)|"
    r"interview|i'?m here with|we'?re here with)",
    re.IGNORECASE,
)
# ...with a role or an organisation: "SVP for physical AI at CoreWeave", "who leads", "from the
# Marlow Institute" (or a second name, see `_states_who_or_what`).
_ROLE_RE = re.compile(
    r"\b(who (leads|runs|heads|founded|directs|manages|oversees|studies|researches|teaches|"
    r"works|covers|wrote)|ceo|cto|cfo|coo|[se]?vp|founder|co-?founder|president|director|head|"
    r"chief|professor|doctor|dr|author|editor|reporter|journalist|correspondent|researcher|"
    r"scientist|engineer|analyst|economist|historian|expert|lead|partner|chair|manager|officer|"
    r"senator|minister)\b",
    re.IGNORECASE,
)
# The subject is this episode's: said by "we", "today", "this episode", "the story of".
_EPISODE_REF_RE = re.compile(
    r"\b(we|we'?re|we'?ll|we'?ve|us|today|tonight|this (week|episode|show)|episode|story)\b",
    re.IGNORECASE,
)
# The episode's subject is stated: "we talk about", "this is the story of". "The podcast about"
# is the show's standing premise, not this episode's subject, and does not count.
_TOPIC_RE = re.compile(
    r"\b(talk(ing)? about|discuss(es|ing)?|explor(e|es|ing)|the (story|case|history) of|"
    r"dig(s|ging)? into|dive into|diving into|look(s|ing)? at|break(s|ing)? down|focus(es|ing)? on|"
    r"learn(ing)? (about|how)|going to (cover|unpack|tell you about)|unpack(s|ing)?)\b",
    re.IGNORECASE,
)

_HEDGES = (
    ("i", "think"),
    ("i", "guess"),
    ("i", "feel"),
    ("i", "mean"),
    ("i", "don't", "know"),
    ("i", "don't", "remember"),
    ("i'm", "not", "sure"),
    ("kind", "of"),
    ("sort", "of"),
    ("you", "know"),
    ("who", "knows"),
    ("or", "something"),
    ("and", "stuff"),
    ("or", "whatever"),
)
_PERSONAL = frozenset(
    "i i'm i've i'd i'll me my mine myself you you're you've you'd you'll your yours yourself "
    "guys dude man".split()
)
_INTERJECTIONS = frozenset(
    "yeah yes yep no nope oh ooh wow whoa okay ok huh hmm ugh gosh god damn cool nice awesome "
    "great exactly totally absolutely right lol haha crazy insane".split()
)
_DANGLING_STARTS = frozenset(
    "it it's its this that that's these those they they're them he he's she she's him her "
    "which who".split()
)
# Openings of a clause whose subject is in the previous sentence ("Was established by...",
# "Especially the part where..."): a question would end in "?", so these are fragments.
_FRAGMENT_STARTS = frozenset(
    "is isn't was wasn't are aren't were weren't has hasn't had hadn't does doesn't did didn't "
    "especially including except whereas".split()
)
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion percent dozen half quarter double triple "
    "first second third fourth fifth tenth hundredth".split()
)
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december yesterday tomorrow today tonight "
    "year years month months week weeks decade decades century morning evening "
    "spring summer autumn fall winter".split()
)
# Words common enough in conversation that they say nothing about the topic.
_CHATTER_WORDS = frozenset(
    "actually basically literally honestly probably definitely obviously really pretty stuff "
    "thing things lot lots guy guys gonna wanna gotta yeah okay kinda sorta mean know think "
    "guess feel want need got get getting go going went come came say said tell told talk "
    "talking look looking good bad great cool nice little big kind sort whole maybe just "
    "also even still already never always everything something anything nothing every people "
    "person someone anyone everybody somebody time times day today right way back well sure "
    "okay yes no oh wow mean means".split()
)

_TOKEN_NORM_RE = re.compile(r"[^\w'%$&.-]+")
_EDGE_RE = re.compile(r"^[^\w$]+|[^\w%]+$")

MIN_WORDS = 6
MAX_WORDS = 55
RUN_ON_STRETCH = 8  # unpunctuated lower-case words in a row: Whisper's run-on mode (see below)
# Weights chosen on the dev corpus and the scripted episodes (see bench/facts.py).
W_QUALITY = 0.35  # informativeness of the sentence on its own
W_CENTRAL = 0.7  # closeness to the episode's topic profile
W_LEAD = 0.3  # weight of the opening prior when choosing the lead statement (see `_select`)
LEAD_SHARE = 0.15  # the opening is this share of the non-ad speech...
LEAD_MAX_SECONDS = 240.0  # ...and at most four minutes
W_COVER = 0.4  # share of the selection value given to covering new topic terms
LEN_EXP = 0.5  # coverage gain per sqrt(words): prefer the tighter of two equal sentences
W_REDUNDANT = 0.5  # MMR-style penalty for content-word overlap with a chosen fact
NEAR_DUPLICATE = 0.4  # content-word cosine at which a sentence is a near-duplicate, never chosen


# --- words and sentences -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpokenWord:
    """One word as said: its text with punctuation, and when."""

    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Sentence:
    """A run of spoken words ending at terminal punctuation."""

    words: tuple[SpokenWord, ...]

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """Lowercase a word and strip its surrounding punctuation ("Motorola's," -> "motorola's")."""
    return _EDGE_RE.sub("", word.lower().replace("’", "'"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper (possessives, plurals, -ed, -ing), enough to match "bleached" and
    "bleaching" or "fares" and "fare"; both sides of any comparison go through it."""
    word = normalize_word(word)
    if word.endswith("'s"):
        word = word[:-2]
    if not word.isalpha():
        return word
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 5 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed content words of `text`: no stopwords, no one-letter words."""
    terms = []
    for raw in text.split():
        word = normalize_word(raw)
        if not word or word in STOPWORDS or word in _DISFLUENCIES:
            continue
        if len(word) < 2 and not word.isdigit():
            continue
        terms.append(stem(word))
    return terms


def spoken_words(segments: Sequence[Segment]) -> list[SpokenWord]:
    """The transcript as one stream of words with times.

    Whisper splits some words into pieces without a leading space (" 4" + "%", " p" + ".m.");
    those are glued back. A segment without word timestamps has its text's words spread over
    the segment's span in proportion to their length.
    """
    out: list[SpokenWord] = []
    for segment in segments:
        if segment.words:
            spaced = sum(1 for w in segment.words if w.word[:1].isspace())
            glue = spaced * 2 >= len(segment.words)  # whisper style: new words start with a space
            for i, word in enumerate(segment.words):
                text = word.word.strip()
                if not text:
                    continue
                if glue and i > 0 and out and not word.word[:1].isspace():
                    prev = out[-1]
                    out[-1] = SpokenWord(prev.text + text, prev.start, max(prev.end, word.end))
                else:
                    out.append(SpokenWord(text, word.start, word.end))
        else:
            parts = segment.text.split()
            total = sum(len(p) + 1 for p in parts) or 1
            span = max(segment.end - segment.start, 0.0)
            t = segment.start
            for part in parts:
                dt = span * (len(part) + 1) / total
                out.append(SpokenWord(part, t, t + dt))
                t += dt
    return out


def _ends_sentence(word: str, next_word: str | None) -> bool:
    text = word.rstrip("\"'”’)]")
    if not text.endswith((".", "?", "!", "…")):
        return False
    if text.endswith(("?", "!", "…", "..")):
        return True
    bare = normalize_word(text).rstrip(".")
    if bare in _ABBREVIATIONS:
        return False
    if re.fullmatch(r"(?:[a-z]\.){2,}", bare + "."):
        # Initials ("a.m.", "U.S."): a sentence end only when a capitalised word follows.
        return next_word is not None and next_word[:1].isupper() and bare not in ("a.m", "p.m")
    return True


def split_sentences(words: Sequence[SpokenWord]) -> list[Sentence]:
    """Cut a word stream into sentences at terminal punctuation."""
    sentences: list[Sentence] = []
    current: list[SpokenWord] = []
    for i, word in enumerate(words):
        current.append(word)
        nxt = words[i + 1].text if i + 1 < len(words) else None
        if _ends_sentence(word.text, nxt):
            sentences.append(Sentence(tuple(current)))
            current = []
    if current:
        sentences.append(Sentence(tuple(current)))
    return sentences


def _unmarked(word: str) -> bool:
    """A word as Whisper writes it in a run-on: lower case ("I" aside), no punctuation after."""
    if word.endswith((",", ".", ";", ":", "?", "!", "…")):
        return False
    return not word[:1].isupper() or bool(_FIRST_PERSON_RE.fullmatch(word))


def split_run_on(sentence: Sentence) -> list[Sentence]:
    """Cut a run-on where Whisper's casing returns.

    Whisper sometimes drops punctuation and capitals for a long stretch of speech and picks
    them up again at the start of a later sentence ("...so i'm happy to see it Insta360
    launched the Go 3S Retro Bundle."). A capitalised word after `RUN_ON_STRETCH` or more
    unpunctuated lower-case words, when the word before it can end a clause, starts a new
    sentence there. Sentences up to `MAX_WORDS` words are returned as they are; the words are
    never changed, only where the sentence is cut.
    """
    words = sentence.words
    if len(words) <= MAX_WORDS:
        return [sentence]
    pieces: list[Sentence] = []
    start = 0
    stretch = 0
    for i, word in enumerate(words):
        if (
            i > start
            and stretch >= RUN_ON_STRETCH
            and word.text[:1].isupper()
            and not _FIRST_PERSON_RE.fullmatch(word.text)
            and normalize_word(words[i - 1].text) not in _CLAUSE_CONTINUES
        ):
            pieces.append(Sentence(words[start:i]))
            start = i
            stretch = 0
        stretch = stretch + 1 if _unmarked(word.text) else 0
    pieces.append(Sentence(words[start:]))
    return pieces


def overlaps_ads(start: float, end: float, ad_spans: Sequence[AdSpan]) -> bool:
    """True when [start, end] shares any time with an ad span."""
    return any(start < span.end and end > span.start for span in ad_spans)


def speech_sentences(
    segments: Sequence[Segment], ad_spans: Sequence[AdSpan] = ()
) -> list[Sentence]:
    """The episode's sentences that do not touch an ad span, in order."""
    sentences = [
        piece for s in split_sentences(spoken_words(segments)) for piece in split_run_on(s)
    ]
    return [s for s in sentences if not overlaps_ads(s.start, s.end, ad_spans)]


def speech_duration(segments: Sequence[Segment], ad_spans: Sequence[AdSpan] = ()) -> float:
    """Seconds from the first to the last segment, less the time inside ad spans."""
    if not segments:
        return 0.0
    first = min(s.start for s in segments)
    last = max(s.end for s in segments)
    in_ads = sum(max(0.0, min(last, a.end) - max(first, a.start)) for a in ad_spans)
    return max(0.0, last - first - in_ads)


def fact_count(speech_seconds: float) -> int:
    """How many facts an episode with this much non-ad speech gets.

    At least three (a short news item still states a few things), about one per two minutes
    up to ten minutes (5), then one more per eleven minutes, capped at 15 (two hours and
    beyond). Fewer come back when fewer sentences qualify.
    """
    minutes = max(speech_seconds, 0.0) / 60.0
    if minutes <= 10:
        return max(3, round(minutes / 2))
    return min(15, round(5 + (minutes - 10) * 10 / 110))


# --- cleanup -----------------------------------------------------------------------------------


def _norms(words: Sequence[SpokenWord]) -> list[str]:
    return [normalize_word(w.text) for w in words]


def _strip_leading(words: list[SpokenWord]) -> list[SpokenWord]:
    changed = True
    while changed and words:
        changed = False
        norms = _norms(words[:4])
        for phrase in _LEADING_ALWAYS + _LEADING_WITH_COMMA:
            n = len(phrase)
            if len(words) <= n or tuple(norms[:n]) != phrase:
                continue
            if phrase in _LEADING_WITH_COMMA and not words[n - 1].text.endswith((",", "...")):
                continue
            if phrase == ("so",) and norms[1] in _SO_KEEPS:
                continue
            words = words[n:]
            changed = True
            break
    return words


def _strip_fillers(words: list[SpokenWord]) -> list[SpokenWord]:
    kept: list[SpokenWord] = []
    i = 0
    while i < len(words):
        norm = normalize_word(words[i].text)
        if norm in _DISFLUENCIES:
            if kept and words[i].text.endswith((".", "?", "!")):
                last = kept[-1]
                kept[-1] = SpokenWord(
                    last.text.rstrip(",") + words[i].text[-1], last.start, last.end
                )
            i += 1
            continue
        # ", you know," / ", I mean," / ", like," in mid-sentence.
        removed = False
        if kept and kept[-1].text.endswith(","):
            for phrase in _MID_FILLERS:
                n = len(phrase)
                window = words[i : i + n]
                if (
                    len(window) == n
                    and i + n < len(words)
                    and tuple(_norms(window)) == phrase
                    and window[-1].text.endswith(",")
                ):
                    i += n
                    removed = True
                    break
        if not removed:
            kept.append(words[i])
            i += 1
    return kept


def _strip_tag_question(words: list[SpokenWord]) -> list[SpokenWord]:
    if not words or not words[-1].text.endswith("?"):
        return words
    for tag in _TAGS:
        n = len(tag)
        if len(words) > n + 1 and tuple(_norms(words[-n:])) == tag:
            before = words[-n - 1]
            if before.text.endswith(","):
                return [
                    *words[: -n - 1],
                    SpokenWord(before.text[:-1] + ".", before.start, before.end),
                ]
    return words


def clean_sentence(sentence: Sentence) -> Sentence | None:
    """Light cleanup that keeps the words as said; None when nothing is left.

    Drops disfluencies, leading fillers and connectives, mid-sentence ", you know," and tag
    questions; the first kept word is capitalised and the sentence ends with a full stop.
    """
    words = _strip_fillers(list(sentence.words))
    words = _strip_leading(words)
    words = _strip_tag_question(words)
    if not words:
        return None
    first = words[0]
    if first.text[:1].islower():
        words[0] = SpokenWord(first.text[:1].upper() + first.text[1:], first.start, first.end)
    last = words[-1]
    if not last.text.endswith((".", "?", "!")):
        words[-1] = SpokenWord(last.text.rstrip(",;:-—") + ".", last.start, last.end)
    return Sentence(tuple(words))


# --- scoring -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Candidate:
    index: int
    sentence: Sentence
    terms: frozenset[str]
    quality: float
    entities: tuple[str, ...]
    lead: float = 0.0  # opening prior of a who-and-what statement, 0 for other sentences
    score: float = 0.0


def _states_who_or_what(text: str, entities: Sequence[Entity]) -> int:
    """How much of the episode's who and what a sentence states: one point for introducing
    someone with their role or organisation ("Richard, who leads physical AI at CoreWeave,
    joins us"), one for stating the subject ("this is the story of", "today we talk about").
    This is what an editor's summary keeps from an episode's opening; a greeting scores 0."""
    topic = bool(_TOPIC_RE.search(text) and _EPISODE_REF_RE.search(text))
    guest = bool(
        entities
        and _GUEST_RE.search(text)
        and (_ROLE_RE.search(text) or len(entities) >= 2 or any(e.kind == "org" for e in entities))
    )
    return int(topic) + int(guest)


def _is_not_fact(sentence: Sentence, norms: list[str], entities: Sequence[Entity]) -> bool:
    text = sentence.text
    if text.rstrip("\"'”’)").endswith("?"):
        return True
    if not (MIN_WORDS <= len(norms) <= MAX_WORDS):
        return True
    if _NOT_FACT_RE.search(text):
        return True
    if _FRAMING_RE.search(text) and not _states_who_or_what(text, entities):
        return True
    content = [n for n in norms if n and n not in STOPWORDS and n not in _CHATTER_WORDS]
    return len(content) < 3


def _count_phrases(norms: list[str], phrases: Sequence[tuple[str, ...]]) -> int:
    count = 0
    for phrase in phrases:
        n = len(phrase)
        count += sum(1 for i in range(len(norms) - n + 1) if tuple(norms[i : i + n]) == phrase)
    return count


def _has_number(norms: list[str], text: str) -> bool:
    return bool(re.search(r"\d", text)) or any(n in _NUMBER_WORDS for n in norms)


def _quality(sentence: Sentence, norms: list[str], entities: tuple[str, ...]) -> float:
    """Informativeness of a sentence on its own, roughly in [0, 1]."""
    n = len(norms)
    content = [w for w in norms if w and w not in STOPWORDS and w not in _CHATTER_WORDS]
    density = len(content) / n
    personal = sum(1 for w in norms if w in _PERSONAL) / n
    interjections = sum(1 for w in norms if w in _INTERJECTIONS) / n
    hedges = _count_phrases(norms, _HEDGES)
    number = _has_number(norms, sentence.text)
    date = any(w in _DATE_WORDS for w in norms) or bool(
        re.search(r"\b(1[89]|20)\d\d\b", sentence.text)
    )
    quality = (
        0.35 * min(1.0, density / 0.6)
        + 0.25 * min(1.0, len(entities) / 2)
        + 0.15 * number
        + 0.10 * date
        + 0.15 * min(1.0, len(content) / 8)
    )
    quality -= 0.8 * personal + 0.8 * interjections + 0.12 * hedges
    if norms[0] in _DANGLING_STARTS:
        quality -= 0.12
    elif norms[0] in _FRAGMENT_STARTS:
        quality -= 0.3
    if n > 35:
        quality -= 0.01 * (n - 35)
    if sentence.text.endswith(("...", "…", "-")):
        quality -= 0.15
    return quality


def _cosine(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _lead_priors(sentences: list[Sentence], ad_spans: Sequence[AdSpan]) -> list[float]:
    """Position prior of the episode's opening: 1 at the first word of speech, falling linearly
    to 0 at `LEAD_SHARE` of the non-ad speech (at most `LEAD_MAX_SECONDS`). Time inside ad spans
    does not count, so a pre-roll does not push the opening back."""
    first = sentences[0].start
    last = max(s.end for s in sentences)
    ads = [(max(a.start, first), min(a.end, last)) for a in ad_spans if a.end > first]
    speech = max(last - first - sum(max(0.0, e - b) for b, e in ads), 1.0)
    window = min(LEAD_MAX_SECONDS, LEAD_SHARE * speech)
    priors = []
    for sentence in sentences:
        t = sentence.start
        offset = t - first - sum(max(0.0, min(e, t) - b) for b, e in ads if b < t)
        priors.append(max(0.0, 1.0 - offset / window))
    return priors


def _candidates(sentences: list[Sentence], ad_spans: Sequence[AdSpan] = ()) -> list[_Candidate]:
    proper = proper_vocabulary(s.text for s in sentences)
    priors = _lead_priors(sentences, ad_spans)
    out: list[_Candidate] = []
    for index, raw in enumerate(sentences):
        sentence = clean_sentence(raw)
        if sentence is None:
            continue
        norms = _norms(sentence.words)
        found = extract_entities(sentence.text, proper)
        if _is_not_fact(sentence, norms, found):
            continue
        entities = tuple(e.text for e in found)
        terms = frozenset(content_terms(sentence.text))
        # In the opening, a sentence that introduces the guest or states the subject is the
        # episode's lead.
        lead = priors[index] * _states_who_or_what(sentence.text, found) / 2
        quality = _quality(sentence, norms, entities)
        out.append(_Candidate(index, sentence, terms, quality, entities, lead))
    return out


def _score(candidates: list[_Candidate], sentences: list[Sentence]) -> dict[str, float]:
    """Score = informativeness + centrality against the episode's TF-IDF profile."""
    doc_terms = [Counter(content_terms(s.text)) for s in sentences]
    df: Counter[str] = Counter()
    tf: Counter[str] = Counter()
    for terms in doc_terms:
        df.update(terms.keys())
        tf.update(terms)
    n_docs = max(len(sentences), 1)
    idf = {t: math.log((n_docs + 1) / (d + 0.5)) for t, d in df.items()}
    # Terms said only once are not the episode's topic; skip them in the profile.
    profile = {t: (1 + math.log(c)) * idf[t] for t, c in tf.items() if c > 1}
    profile_norm = math.sqrt(sum(v * v for v in profile.values())) or 1.0
    centrality: list[float] = []
    for cand in candidates:
        weights = {t: idf.get(t, 1.0) for t in cand.terms}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        dot = sum(w * profile.get(t, 0.0) for t, w in weights.items())
        centrality.append(dot / (norm * profile_norm))
    top = max(centrality, default=0.0) or 1.0
    for cand, cent in zip(candidates, centrality, strict=True):
        cand.score = W_QUALITY * cand.quality + W_CENTRAL * (cent / top)
    return profile


def _select(candidates: list[_Candidate], k: int, profile: dict[str, float]) -> list[_Candidate]:
    """Greedy selection: score plus coverage of episode topic terms not yet covered.

    The lead comes first: the opening statement of who the episode is with and what it is
    about, when there is one (as a news story opens with its lede). Covering the episode's
    weighted topic terms (concept coverage, as in Gillick and Favre's summarisation work) makes
    the other facts read like the episode's key points and keeps them diverse; a content-word
    cosine of `NEAR_DUPLICATE` or more to a chosen fact is a near-duplicate and out.
    """
    chosen: list[_Candidate] = []
    covered: set[str] = set()
    pool = sorted(candidates, key=lambda c: (-c.score, c.index))
    # The lead: the best opening statement of who the episode is with and what it is about.
    leads = [c for c in pool if c.lead > 0]
    if leads and k > 0:
        lead = max(leads, key=lambda c: (c.score + W_LEAD * c.lead, -c.index))
        chosen.append(lead)
        covered |= lead.terms
        pool.remove(lead)
    while pool and len(chosen) < k:
        gains = [
            sum(profile.get(t, 0.0) for t in c.terms - covered) / len(c.sentence.words) ** LEN_EXP
            for c in pool
        ]
        top_gain = max(gains, default=0.0) or 1.0
        best: _Candidate | None = None
        best_value = -math.inf
        for cand, gain in zip(pool, gains, strict=True):
            if any(_cosine(cand.terms, c.terms) >= NEAR_DUPLICATE for c in chosen):
                continue
            redundancy = max((_cosine(cand.terms, c.terms) for c in chosen), default=0.0)
            value = (
                (1 - W_COVER) * cand.score + W_COVER * gain / top_gain - W_REDUNDANT * redundancy
            )
            if value > best_value:
                best, best_value = cand, value
        if best is None:
            break
        chosen.append(best)
        covered |= best.terms
        pool.remove(best)
    return chosen


# --- public API --------------------------------------------------------------------------------


def extract_facts(
    segments: Sequence[Segment],
    ad_spans: Sequence[AdSpan] = (),
    *,
    max_facts: int | None = None,
) -> list[Fact]:
    """Extract the standalone facts an episode states, offline.

    Args:
        segments: the transcript, with word timestamps where available.
        ad_spans: spans to leave out; a sentence that touches one is never a fact.
        max_facts: how many facts at most; by default `fact_count` of the non-ad speech time.

    Returns:
        Facts sorted by start time. `start`/`end` are the times of the first and last word
        kept; `score` is in [0, 1], higher is more informative; `entities` lists the people,
        places and organisations named.
    """
    sentences = speech_sentences(segments, ad_spans)
    if not sentences:
        return []
    speech_seconds = speech_duration(segments, ad_spans)
    k = fact_count(speech_seconds) if max_facts is None else max(0, max_facts)
    candidates = _candidates(sentences, ad_spans)
    if not candidates or k == 0:
        return []
    profile = _score(candidates, sentences)
    chosen = _select(candidates, k, profile)
    facts = [
        Fact(
            text=c.sentence.text,
            start=c.sentence.start,
            end=c.sentence.end,
            score=round(min(1.0, max(0.0, c.score)), 4),
            entities=c.entities,
        )
        for c in chosen
    ]
    return sorted(facts, key=lambda f: (f.start, f.end))
