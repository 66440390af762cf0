"""Stage 2 and 4: the language of ads in each sentence, and each block's evidence as features.

Sentence cues (`Cue`) are the stock phrases of podcast advertising, written to survive Whisper's
errors: a web address as "x dot com slash show" or a garbled "a pudata pudu slash military" (the
"slash" alone counts), an offer code however it is introduced, a price only with what makes it
an offer ("per month", "off your first"). Cues against an ad are just as generic: the show's own
site and feed, a guest's plug, a review, a recommendation said to be unpaid. Brands are not
needed: the advertiser list is one optional cue (`AdOptions.use_advertisers`).

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
from collections.abc import Sequence
from dataclasses import dataclass

from podsift.tasks.ads.advertisers import advertisers_named
from podsift.tasks.ads.params import EvidenceOptions
from podsift.tasks.ads.sentences import Sentence, tokenize
from podsift.tasks.core.text import DISFLUENCIES, STOPWORDS


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


_NUM = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)"
)
_TLD = r"(?:com|net|org|io|co|ai|app|fm|tv|us|ca|uk|me|shop|store|health|info|biz)"
# The name before a spoken or written top-level domain, with up to three words before it
# ("second coffee show dot com"): the show's own address is often spoken in words.
_WEB_ADDRESS = re.compile(
    rf"\b((?:[a-z0-9'\-]+ ){{0,3}})([a-z0-9][a-z0-9'\-]*)(?:\.| dot ){_TLD}\b", re.I
)
_DOLLARS = (
    rf"(?:\$ ?\d[\d,.]*|\b\d[\d,.]* (thousand |million )?dollars|"
    rf"\b{_NUM}(?:[ -](?:{_NUM}|thousand|million))* dollars)"
)

# The show pointing at its own notes, which a read does too ("use my link in the show notes"):
# which of the two it is depends on the sentence's other cues (`sentence_evidence`).
_NOTES_LINK = re.compile(r"in the show notes|link in the (show notes|description)", re.I)

_PATTERNS: dict[Cue, str] = {
    Cue.LEAD_IN: (
        r"\b(brought to you by|sponsored by|(is|are|was|were) (also )?(made possible|presented|"
        r"powered|supported|sponsored|underwritten) by|today'?s sponsor|our sponsors?\b|"
        r"thanks? to (our|this week'?s|today'?s) sponsors?|"
        r"(word|hear) from (our|this|this week'?s|today'?s) sponsors?|"
        r"message from (our )?sponsors?|(this|what follows) is an? paid (promotion|ad)|"
        r"(this|the) (episode|show|podcast) is (also )?(brought|sponsored)|"
        # Thanks for the sponsorship: "thanks to our friends at X for sponsoring today's
        # show", "we're excited to have X as a sponsor and supporter of the show".
        r"for sponsoring (this|today'?s|the|our) (show|episode|podcast|program)|"
        r"(episode|show|podcast)'?s? sponsor (is|today|this week)\b|"
        # "Thanks to Halden Bank for supporting the show", not "thank you all for supporting".
        r"thanks? (you )?to (?!(you|y'all|all|everyone|everybody|each|our (listeners|members|"
        r"patrons|supporters)|the listeners)\b)[\w'&. ]{2,40}? for supporting "
        r"(the|this|our|today'?s) (show|podcast|episode|program)|"
        r"as (a|our|this week'?s|today'?s) sponsor (and supporter )?of (the|this|our) "
        r"(show|episode|podcast|program))"
    ),
    Cue.SPONSOR_CREDIT: (
        r"\b(support for (?:[\w'\-]+ ){1,5}(comes|is provided) from|support (also )?comes from|"
        r"(this|the) (message|podcast|episode|program) comes (to you )?from|funding for "
        r"(?:[\w'\-]+ ){1,4}(comes|is provided) )"
    ),
    # "dot com slash show", ".com/show", or a garbled address: "learn more at a pudata pudu
    # slash military". Not "body doubling slash accountability" (slash as "and/or").
    Cue.SLASH: (
        rf"\.{_TLD}/\w|\b(dot|\.) ?[a-z]{{2,5}} slash\b|"
        r"\b(at|to|visit) (?:[\w'\-]+ ){1,4}slash [\w\-]+\W*$"
    ),
    Cue.PROMO_CODE: (
        # "used a discount code" is talk about codes; an ad gives its code ("use code SHED").
        r"\b((?<!\ba )(promo|offer|discount|coupon|checkout|referral|bonus) code|"
        r"use (the |my )?code|enter (the )?code|code [a-z]*\d[a-z0-9]*\b|"
        # The code said again, as reads do: "that's code SHED".
        r"\bthat'?s (promo |offer )?code \w+)"
    ),
    Cue.PRICE: (
        rf"{_DOLLARS}\W+(?:\w+\W+){{0,3}}(a|per|each|every) (month|year|week|day|meal|box|"
        r"serving)\b|\b\d+ ?(%|percent) off\b|\b\w+ percent off\b|\boff your first\b|"
        rf"\bhalf off\b|\b(just|only|starting at|starts at|as low as|from) {_DOLLARS}|"
        # A free stretch of a subscription: "three extra months free".
        r"\b(\w+ )(extra |bonus )?(months?|weeks?) (free|for free|on us)\b"
    ),
    Cue.OFFER: (
        r"\b(your first (order|purchase|box|month|year|delivery)|free shipping|risk[- ]free|"
        r"money[- ]back|limited time|new (customers|members|subscribers)|exclusive (offer|deal|"
        r"discount)|special (offer|deal)|save up to|no (commitment|contracts?)|"
        r"cancel (at )?any ?time|for a limited|offer ends|today only|free (gift|month|week)s?|"
        r"free (consultation|quote|estimate|assessment|case review|home \w+)|"
        # Retail spots' offers: "your fourth window is on us", "in stores now", "nothing to
        # pay for twelve months", "sleep on it for a hundred nights".
        r"(is|are|'s) on us|in stores (now|today|everywhere)|nothing to pay|no money down|"
        r"(\d+|a hundred|\w+ hundred) nights|"
        # A deadline: "through June 28th only", "offer ends Sunday".
        r"through \w+ \d+(st|nd|rd|th)? only|(sale|offer|deal) ends|"
        r"save (\d+|\w+) ?(%|percent)|no credit card (required|needed)|(\d+ ?%|\w+ percent) "
        r"discount|special discount)\b"
    ),
    Cue.FREE_TRIAL: (
        r"\b(free trial|try (it |them )?(for )?free|\d+[- ]days? free|(\w+[- ])?day free trial|"
        r"free for (\d+|\w+) (days|weeks|months))\b"
    ),
    Cue.SMALL_PRINT: (
        r"\b(terms (and conditions )?apply|conditions apply|restrictions apply|see (\S+ )?"
        r"(site|store|website|terms|\S+ dot com|\S+\.com) for (full )?details|for full details|"
        r"member fdic|nmls|not available in all states|void where prohibited|subject to "
        r"(credit )?approval|results (may )?vary|must be\w* (18|21|eighteen|twenty[- ]one)|"
        # Age and helpline lines every betting or alcohol ad must carry.
        r"(18|21|eighteen|twenty[- ]one) (or|and) (older|over)|gambling problem|"
        # The warnings US law puts on supplement and nicotine ads.
        r"not been evaluated by the (fda|food and drug)|not intended to diagnose|"
        r"contains nicotine|nicotine is an addictive|equal "
        r"housing|annual percentage|apr\b|offer (valid|expires)|while supplies last|"
        r"terms and conditions|"
        # The disclosure some ads must end with (attorneys', political, paid programming).
        r"this is an? (paid )?advertisement|attorney advertising|paid for by)"
    ),
    Cue.CALL_TO_ACTION: (
        r"\b(visit (?:[\w'\-]+ ){0,3}(dot|website|site|store|online)|visit [\w\-]+\.\w|go to|"
        r"head (over )?to|sign up (at|today|now|for)|learn more at|find out more "
        r"at|more (information )?at|download (the|it|our)|get (it|yours|started) (at|today|now)|"
        r"shop (now|at|today)|order (now|today|at)|text [a-z0-9]+ to|call (now|today|us)|"
        r"available (now )?(at|on|in) |find (a|your) [\w ]{1,20} at|check (them|it) out at|"
        r"try (it|them) (today|now|at)|get (your )?tickets|"
        # Claiming an offer, booking a sales call.
        r"(claim|redeem) (your|this|the) (offer|discount|deal|free|code|gift)|"
        r"(get|request|book|schedule) (a|your) (free )?(demo|consultation|quote|estimate)|"
        r"apply (now|today) at|(visit|see) (your|a) local ([\w\-]+ )?(dealer|dealership|retailer|"
        r"store|branch)|(from|on|in) the (app store|google play|play store)|"
        # "Visit Every Brilliant Thing.": the imperative with a name and nothing after it.
        r"^\W*visit (?-i:[A-Z])[\w'\-]*(?: [\w'\-]+){0,3}\W*$)"
    ),
    Cue.PHONE: (
        rf"\b1?[ .(-]*8\d\d[ .)-]*\d{{3}}[ .-]*\d{{4}}\b|\b\d{{3}}[ .-]\d{{3}}[ .-]\d{{4}}\b|"
        rf"\b(?:{_NUM}[ ,-]+){{6,}}{_NUM}\b|\b(one[ ,-]+)?eight hundred\b|"
        # A local number said with its call to action ("call 555-0134 today").
        rf"\b(call|text|dial)\b[\w ,]{{0,20}}\b\d{{3}}[ .-]\d{{4}}\b"
    ),
    Cue.SHOW_PROMO: (
        r"\b(wherever you (get|listen to|find) (your )?podcasts|new episodes (every|drop|are out)|"
        r"listen (now )?(on|to) [\w ]{1,30} on (apple|spotify|the)|(search|look) for [\w ]{1,30}"
        r" (wherever|on apple|on spotify)|available on (apple podcasts|spotify)|"
        r"tune in to (?-i:[A-Z])[\w ]{1,40} (to hear|wherever|on|now)|"
        # Another show of the network: "if you like this show, you'll love X, a new podcast".
        r"if you (like|love|enjoy) (this|the|our) (show|podcast)[\w ,']{0,20} you'?ll (love|like|"
        r"enjoy)|a new [\w\- ]{0,25}podcast (from|by|hosted by))"
    ),
    Cue.HAND_OVER: (
        r"\b(take a (quick |short )?break|^\W*(a |one )?(quick|short) break\b|be right back|"
        r"stay with us|right after (this|these)|"
        r"back (right )?after (this|these|the break)|after the break|stick around|"
        r"don'?t go anywhere|when we come back|after a (quick|short) break|after these messages|"
        r"a (quick )?word from|pay the bills|"
        r"(first|now),? (a|some) (quick )?(word|message)s?)"
    ),
    Cue.RETURN: (
        r"^\W*(and |okay,? |alright,? |so,? )?(we'?re back|welcome back|back to (the|our) "
        r"(show|episode|story|conversation|interview)|now,? back to|anyway,? back to|"
        # "And now on to the show": the read before it is over.
        r"now,? on (to|with) (the|our|today'?s) (show|episode|interview|conversation|"
        r"program)|on with the show)"
    ),
    Cue.WELCOME: (
        r"^\W*(from [\w ,']+,? |(good )?(morning|afternoon|evening)[\w ,']*?,? |(hi|hello|hey)"
        r"[\w ,']*?,? )?this is (the )?(?-i:[A-Z])|"
        r"\b(welcome (back )?to (the )?\w|you'?re listening to|and this is [\w ]{1,40}\W*$|hello,? "
        r"and welcome|i'?m [\w ]{2,30}(,| and) (this is|welcome|you'?re)|i'?m your hosts?\b|"
        # The show, then its host, with or without capitals: "this is the long ledger, i'm
        # miriam castellane" (Whisper's lower-case run-ons lose the capital the form above needs).
        r"^\W*this is (the )?[\w' ]{2,40}?,? i'?m (?!(so|very|really|not|going|gonna|just|here|"
        r"sure|glad|happy|excited|sorry|back|told|afraid|about|a|an|the|still|also|all)\b)"
        r"(?!\w+(ed|ing)\b)\w+|"
        r"^\W*(hey|hi|hello),? (everybody|everyone|folks|friends|all)\b)"
    ),
    Cue.SIGN_OFF: (
        r"\b(thanks?,? (you )?(so much )?((everybody|everyone|all|folks|y'all),? )?"
        r"for (listening|tuning in|joining us)|until then|"
        r"thanks? (you )?(so much )?for \w+ing [\w ]{0,30}with (us|me)|that'?s (it|all) "
        r"for (this|today|the show|this week|now)|see you next (time|week)|we'?ll see you "
        r"(next|tomorrow|then|soon|(on )?(mon|tues|wednes|thurs|fri|satur|sun)day)|"
        r"until next time|catch you next|talk to you (next|tomorrow|soon)|see you tomorrow|"
        r"we'?ll talk (again )?(next|tomorrow|soon)|"
        r"that'?s our show|this has been [\w ]{1,40}$|"
        r"^\W*that'?s (?-i:[A-Z])[\w ]{1,40} for (this|today|tonight))"
    ),
    Cue.OWN_SHOW: (
        r"\b(rate (and|&) review|leave (us )?an? ((five|5)[- ]star )?(rating|review)|"
        r"(five|5)[- ]star (rating|review)|(subscribe|follow) (to )?(the|this|"
        r"our) (show|podcast|feed|channel)|our (patreon|website|newsletter|discord|merch|"
        r"substack|show notes|youtube|live show|tour)|patreon|support the show|become a "
        r"(member|patron|supporter)|listeners like you|share (this|the) (episode|show)|email "
        r"us at|write to us|tell a "
        r"friend about (the|this) (show|podcast))"
    ),
    Cue.GUEST_PLUG: (
        r"\b(where can (people|listeners|folks|we|they) (find|follow|read|buy|get)|(your|his|"
        r"her|their|my) (new )?(book|album|film|documentary|startup|newsletter|tour) (is|comes|"
        r"called|out)|thanks for (coming on|joining us|being here|having me)|pre-?order (my|"
        r"the|his|her|your) book|my new book|find me (at|on))"
    ),
    Cue.REVIEW: (
        r"\b(i (tested|reviewed)|we (tested|reviewed)|our review|in (my|our) (testing|review)|"
        r"the verdict|pros and cons|downsides?|battery life|i'?d (give|rate) it|out of (five|"
        r"ten|5|10)\b|review unit|compared (it |them )?(to|with))"
    ),
    Cue.UNPAID: (
        r"\b(not (a )?(sponsor(ed)?|an ad|paid)|(nobody|no one|nobody'?s) (is )?pay(ing|s)? "
        r"(us|me)|(this|it) is(n'?t| not) an? (ad|sponsor|advertisement)|no affiliat|we don'?t "
        r"get (anything|paid|a cut)|(not|isn'?t|aren'?t) (sponsoring|paying)|unsponsored|"
        r"not affiliated|no ads\b|ad[- ]free|(the|our) (ad|sponsor) slot)"
    ),
    Cue.HELPLINE: (
        r"\b(help ?line|hotline|tip ?line|crime ?stoppers|crisis|free and confidential|"
        r"if you (or someone you know|have (any )?information)|suicide|samaritans|"
        r"(call|text) (nine one one|911|988)|anonymous(ly)?|"
        # The investigators a true-crime show asks its listeners to reach.
        r"(anyone|someone) (out there )?(who )?knows?|(contact|call|reach|email) (the )?"
        r"[\w ]{0,40}(police|sheriff|bureau of investigation|detectives?|investigators))\b"
    ),
}
_COMPILED = {cue: re.compile(p, re.IGNORECASE) for cue, p in _PATTERNS.items()}
WELCOME = _COMPILED[Cue.WELCOME]
# Where a sponsor's read or credit starts: a new sentence there even without a full stop. Only
# phrases that begin a clause ("brought to you by"); "a word from our sponsor" would leave
# its "a" behind.
OPENER = re.compile(
    r"\b(brought to you by|sponsored by|support for (?:[\w'\-]+ ){1,5}(comes|is provided) from|"
    r"(this|the) (message|podcast|episode|show|program) (comes|is brought|is sponsored|is "
    r"supported|is presented))",
    re.IGNORECASE,
)
# An offer code read out in capitals ("use code LEDGER"), matched with case.
_CAPS_CODE = re.compile(r"\bcode [A-Z0-9]{3,}\b")
# What "brought to you by" names when it is no sponsor: the audience or nobody in particular.
_NO_BACKER = re.compile(
    r"\b(by|from) (the )?(listeners?|you|y'all|you all|you guys|"
    r"our (listeners|members|patrons|supporters|audience)|(people|folks|members) like you|"
    r"a (company|brand)|anyone|nobody)\b",
    re.IGNORECASE,
)
# An e-mail address, written or spoken ("a note at hello at fernwood dot com").
_EMAIL = re.compile(
    r"@|\be-?mail\b|\bwrite (to )?(us|me)\b|\b(at|to)\s+[a-z0-9._\-]+\s+at\s+[a-z0-9\-]+"
    r"( [a-z0-9\-]+){0,3}\s+dot\s",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'&\-]+")
SECOND_PERSON = frozenset({"you", "your", "you're", "yours", "yourself", "you'll", "you've"})
# Spoken-conversation markers: fillers, back-channels, hedges. Ad copy is scripted.
_CHAT = DISFLUENCIES | frozenset({"yeah", "oh", "okay", "wow", "totally", "yep", "right"})
_CHAT_PAIRS = frozenset({("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of")})


@dataclass(frozen=True, slots=True)
class SentenceEvidence:
    """The cues in one sentence and the words later stages compare."""

    cues: frozenset[Cue]
    names: tuple[str, ...]  # lower-case brand-like names: capitalised words, web-address roots
    content: frozenset[str]  # topic words: not stop words, four letters or more
    web_roots: tuple[str, ...]


def show_names(sentences: Sequence[Sentence], title: str | None = None) -> set[str]:
    """Words naming the show itself, from its welcome lines ("welcome to Shed Talk")."""
    names: set[str] = set()
    for s in sentences:
        m = re.search(
            r"(?:welcome (?:back )?to|listening to|this is) (?:the )?([\w' ]{2,40})", s.text, re.I
        )
        if m:
            names |= {t for t in tokenize(m.group(1)) if t not in STOPWORDS and len(t) > 2}
    return names


def sentence_evidence(
    sentences: Sequence[Sentence], options: EvidenceOptions, *, use_advertisers: bool
) -> list[SentenceEvidence]:
    """Each sentence's cues; a web address that is the show's own counts for the show."""
    own = show_names(sentences)
    mid_sentence_names = {
        _name_key(w) for s in sentences for w in _WORD.findall(s.text)[1:] if _name_like(w)
    }
    spelled = _address_words(sentences, own)
    out: list[SentenceEvidence] = []
    for s in sentences:
        text = s.text
        cues = {cue for cue, pattern in _COMPILED.items() if pattern.search(text)}
        if _NOTES_LINK.search(text):
            # "Use my link in the show notes to get your first box free": a link that gives an
            # offer is the read's call to action; "the links are in the show notes" the show's.
            commercial = cues & _COMMERCIAL and Cue.OWN_SHOW not in cues
            cues.add(Cue.CALL_TO_ACTION if commercial else Cue.OWN_SHOW)
        if _CAPS_CODE.search(text):
            cues.add(Cue.PROMO_CODE)
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
            cues.add(Cue.OWN_SHOW)
        if Cue.SPONSOR_CREDIT in cues and _NO_BACKER.search(text):
            cues.discard(Cue.SPONSOR_CREDIT)
            cues.add(Cue.OWN_SHOW)
        addresses = [
            (_domain_words(m.group(1)), m.group(2).lower()) for m in _WEB_ADDRESS.finditer(text)
        ]
        if _EMAIL.search(text):  # "write to us at mail at show dot com" is no call to action
            addresses = []
        roots = tuple(re.sub(r"['\-]", "", root) for _, root in addresses)
        own_roots = [root for before, root in addresses if _is_own(before + root, own)]
        if own_roots:
            cues.add(Cue.OWN_SHOW)
        if len(own_roots) < len(roots):
            cues.add(Cue.WEB_ADDRESS)
        if use_advertisers and advertisers_named(text):
            cues.add(Cue.ADVERTISER)
        if Cue.OWN_SHOW in cues and not cues & _SPONSORED:
            # "Become a member: go to northriver dot org slash give, or call the station at
            # 555-0148": where to give to the show is the show's own call, not an advertiser's.
            cues -= {Cue.PHONE, Cue.SLASH, Cue.CALL_TO_ACTION}
        words = _WORD.findall(text)
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
        out.append(SentenceEvidence(frozenset(cues), tuple(names), content, roots))
    return out


# What sells: an offer, a price, a code, a trial.
_COMMERCIAL = frozenset({Cue.OFFER, Cue.PRICE, Cue.PROMO_CODE, Cue.FREE_TRIAL})


# A sentence with no capital letter but "I": case tells nothing about names there.
_CASELESS = re.compile(r"(?:[^A-Z]|\bI\b)*")


def _address_words(sentences: Sequence[Sentence], own: set[str]) -> frozenset[str]:
    """The words of every web address said in the episode that is not the show's own
    ("ostrander rail dot com": ostrander, rail), function words and short words aside."""
    words: set[str] = set()
    for s in sentences:
        for m in _WEB_ADDRESS.finditer(s.text):
            before, root = _domain_words(m.group(1)), m.group(2).lower()
            if not _is_own(before + root, own):
                words |= {t for t in tokenize(f"{before} {root}") if len(t) >= 4}
    return frozenset(words - STOPWORDS)


# What says a sentence speaks for a sponsor, whatever else it says.
_SPONSORED = frozenset({Cue.ADVERTISER, Cue.LEAD_IN, Cue.SPONSOR_CREDIT, Cue.PROMO_CODE})


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


def _is_own(address: str, own: set[str]) -> bool:
    """The address carries the show's name: one of its names of 6 letters or more, or two of
    its names run together ("overtime line dot com"). A shorter single word ("line") is too
    common to tell the show's site from a sponsor's ("see line drive dot com slash terms")."""
    squashed = re.sub(r"[\s'\-]", "", address)
    if any(len(n) >= 6 and n in squashed for n in own):
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

# Which sentence cues feed which feature, and how many occurrences make the feature 1.0.
_CUE_FEATURES: dict[Feature, tuple[frozenset[Cue], int]] = {
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
_ANCHOR_CUES = frozenset({Cue.LEAD_IN, Cue.SPONSOR_CREDIT, Cue.WEB_ADDRESS, Cue.PROMO_CODE})


_REPEAT_SELLING = frozenset(
    {Cue.LEAD_IN, Cue.SPONSOR_CREDIT, Cue.WEB_ADDRESS, Cue.SLASH, Cue.PROMO_CODE, Cue.PRICE}
    | {Cue.OFFER, Cue.FREE_TRIAL, Cue.SMALL_PRINT, Cue.PHONE, Cue.SHOW_PROMO}
)


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


_NOTE_SPONSOR_LINE = re.compile(
    r"sponsor|support|brought to you|thanks to|promo code|offer code|use code|\bsave\b|% off",
    re.IGNORECASE,
)
_NOT_SPONSOR = frozenset(
    "apple spotify patreon youtube instagram twitter facebook tiktok discord substack acast "
    "podcast podcasts episode show listeners support sponsors sponsor".split()
)


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
        given_by = re.search(r"\b(from|by)\b", line[cue.start() :], re.I)
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
        found |= {m.group(2).lower() for m in _WEB_ADDRESS.finditer(line)} - _NOT_SPONSOR
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
    for feature, (cues, full) in _CUE_FEATURES.items():
        features[feature] = min(sum(cue_counts[c] for c in cues), full) / full

    names = Counter(n for ev in evidence for n in ev.names)
    block_names = {n for n, k in names.items() if k >= 2}
    if names:
        features[Feature.ONE_NAME] = max(
            (k / episode.name_counts[n] for n, k in names.items() if k >= 2), default=0.0
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
                + sum(p in _CHAT_PAIRS for p in zip(tokens, tokens[1:], strict=False))
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
            0 < len(words) <= 3
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
    episode's typical block, so the feature is the excess over the median block, doubled
    (an excess of half its words is 1.0).
    """
    raw = [_off_topic(lo, hi, episode, options) for lo, hi in blocks]
    if not raw:
        return
    median = sorted(raw)[len(raw) // 2]
    for f, value in zip(features, raw, strict=True):
        f[Feature.OFF_TOPIC] = min(max(value - median, 0.0) * 2, 1.0)


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
