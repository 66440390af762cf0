"""Cue phrases and advertiser names for the ad detector, written from general knowledge.

Nothing here is taken from any evaluation transcript: the cues are the stock phrases of
podcast advertising (calls to action, sponsor lead-ins, legal small print, promos for other
shows) and the advertisers are brands widely known to buy podcast ads. Each cue carries a
weight (log-odds that a sentence holding it is ad copy) and a short label that ends up in the
span's human-readable reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase pattern that is evidence for (weight > 0) or against (weight < 0) an ad."""

    label: str
    weight: float
    pattern: re.Pattern[str]
    strong: bool = False  # strong cues alone can justify a span; weak ones only support one
    boundary: bool = False  # marks where the show hands over to ads or takes back over


def _cue(
    label: str, weight: float, regex: str, *, strong: bool = False, boundary: bool = False
) -> Cue:
    return Cue(label, weight, re.compile(regex, re.IGNORECASE), strong, boundary)


# Top-level domains that advertisers read out. Non-commercial ones (.org, .edu, .gov) are
# weaker: hosts give police tip lines, charities and their own sites that way too.
COMMERCIAL_TLDS = ("com", "co", "io", "ai", "app", "net", "ly", "me", "tv", "fm", "shop", "store")
OTHER_TLDS = ("org", "edu", "gov", "us", "uk", "ca")

# Whisper often writes a read-out phone number as words ("one eight hundred five five five ...").
_NUMBER_WORD = (
    r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety|hundred)"
)
_SPOKEN_TOLL_FREE = (
    r"\b(?:one[ ,-]+)?eight[ ,-]+(?:hundred|eight[ ,-]+eight|seven[ ,-]+seven|"
    r"six[ ,-]+six|five[ ,-]+five|four[ ,-]+four|three[ ,-]+three)\b"
)
_SPOKEN_DIGIT_RUN = rf"\b(?:{_NUMBER_WORD}[ ,-]+){{6,}}{_NUMBER_WORD}\b"

_TLD = "|".join(COMMERCIAL_TLDS + OTHER_TLDS)
# "sofi.com", "sofi dot com", "s-o-f-i dot com": a name right before a spoken or written TLD.
URL_RE = re.compile(rf"\b([a-z0-9][a-z0-9&'\-]*(?:\.[a-z0-9\-]+)*)(?:\.| dot )({_TLD})\b", re.I)

CUES: tuple[Cue, ...] = (
    # Sponsor lead-ins: the read starts here.
    _cue(
        "sponsor lead-in",
        3.0,
        r"\b(brought to you by|sponsored by|today'?s sponsor|our sponsors?\b|"
        r"support for (this|the) (show|podcast|episode) comes from|"
        r"(this|the|today'?s) (episode|show|podcast) (is|was) (also )?"
        r"(supported|presented|powered|made possible) by|"
        r"thanks? (again )?to our sponsors?|word from our sponsors?|"
        r"a message from our sponsors?|"
        r"(this|following|here) is an? paid (promotion|advertisement))",
        strong=True,
    ),
    # Calls to action.
    _cue("'slash'", 1.5, r"(\.[a-z]{2,4}| dot [a-z]{2,4}) ?(/|slash)\b"),
    _cue(
        "promo code",
        3.0,
        # "used a discount code" is talk about codes; an ad gives its code ("use code SHED").
        r"\b((?<!\ba )(promo|offer|discount|coupon|checkout) code|use (the )?code|"
        r"enter (the )?code|"
        # Upper-case needs its own flag here; a lower-case code ("code shine26") has digits.
        r"(?-i:code [A-Z0-9]{3,}\b)|code [a-z]*\d[a-z0-9]*\b)",
        strong=True,
    ),
    _cue("'first order'", 2.0, r"\b(your )?first (order|purchase|box|month|year|delivery)\b"),
    _cue("discount", 1.5, r"\b\d+ ?(%|percent) off\b|\b(\d+|half) off (your|the|a|any)\b"),
    _cue(
        "free trial",
        2.0,
        r"\b(free trial|try (it )?(for )?free|for free at|try .{1,30} free\b|"
        r"free for \d+ days|risk[- ]free|money[- ]back guarantee|free shipping)",
    ),
    _cue(
        "call to action",
        1.0,
        r"\b(visit|go to|head (over )?to|check out|sign up|try (it|them|us) (at|today)|"
        r"shop (now|at|the)|order (now|today)|"
        r"get started|learn more at|find (it|yours|out more) at|download (the|our)? ?(free )?app|"
        r"available (now )?(at|on) (amazon|target|walmart)|in stores now|text \w+ to)\b",
    ),
    _cue(
        "offer",
        1.0,
        # "goes on sale this Friday" is launch news, not an offer.
        r"\b(exclusive offer|special offer|limited time|for a limited|sale (is )?on|"
        r"(?<!go )(?<!goes )(?<!going )(?<!went )on sale|"
        r"save up to|new customers?|just \$\d|only \$\d|starting at \$\d|"
        r"cash ?back|no[- ]brainer|today only|this month only|while supplies last)\b",
    ),
    _cue(
        "disclaimer",
        2.5,
        r"\b(terms (and conditions )?apply|conditions apply|restrictions apply|"
        r"terms and conditions|see (site|store|terms|\w+\.com)? ?for (full )?details|"
        r"for (full )?details|not available in all states|member fdic|nmls|"
        r"void where prohibited|offer valid|eligible (items|customers)|not all applicants|"
        r"subject to (credit )?approval|results (may )?vary|savings (will |may )?vary|"
        r"this product contains|must be (18|21)|participating locations|"
        r"equal housing (lender|opportunity)|underwritten by|not an offer|"
        r"taxes and fees|apr\b|annual percentage rate)",
        strong=True,
    ),
    _cue(
        "phone number",
        1.0,
        r"\b(1[- ])?(800|888|877|866|855|844|833)\b|\b\d{3}[-. ]\d{3}[-. ]\d{4}\b|"
        + _SPOKEN_TOLL_FREE
        + "|"
        + _SPOKEN_DIGIT_RUN,
    ),
    _cue(
        "call-in offer",
        1.5,
        r"\b(call|text|dial) (us )?(now |today )?(at |on )?((1[- ]?)?(\d{3}|800|888|877|866)\b|"
        + _SPOKEN_TOLL_FREE
        + ")",
        strong=True,
    ),
    # Softer lead-in: "X is supported by" also describes evidence in conversation.
    _cue(
        "sponsor lead-in",
        1.5,
        r"\b(is|are|was|were) (proudly )?(supported|presented|made possible|underwritten) by\b",
    ),
    _cue("price", 0.5, r"\$\d|\b\d+ (dollars|bucks)\b|\ba month\b"),
    # Promos for other shows and network spots.
    _cue(
        "promo for another show",
        2.5,
        r"\b(wherever you (get|listen to) (your )?podcasts|listen (now )?(on|wherever)|"
        r"favorite podcast app|search for .{1,40} (in|on) your podcast|new podcast|"
        r"podcast (is )?(available|out) now|tune in to|"
        r"new episodes? (every|drop|available)|here'?s a show (that )?we (recommend|think)|"
        r"you might also like|from the (makers|creators) of)",
        strong=True,
    ),
    _cue("network spot", 2.0, r"\b(acast|audioboom|iheart\w*|siriusxm|wondery|megaphone)\b"),
    # Break markers: the hosts hand over to an ad ("after the break") or come back from one.
    _cue(
        "break",
        0.5,
        r"\b(we'?ll be right back|after (the|this|a) (short |quick )?break|"
        r"(a )?(quick|short) break|right after this|stay with us|after these messages)\b",
        boundary=True,
    ),
    # Sign-offs end the show; what follows them may be ads, what precedes them is not.
    _cue(
        "sign-off",
        0.0,
        r"\b(see you (all )?(next|on|in) \w+|thanks? (you )?(so much )?for listening|"
        r"that'?s (it|all) for (today|this week|this episode|now)|until next time|"
        r"we'?ll see you (next|soon|then))\b",
        boundary=True,
    ),
    # Evidence against: the show promoting itself is not an ad (DESIGN/issue 3).
    _cue(
        "self-promotion",
        -3.0,
        r"\b(patreon|patrons?\b|merch|our (web)?site|our (store|shop|newsletter|discord)|"
        r"support (us|the show|this show)|follow us|rate (and|&) review|leave (us )?a review|"
        r"subscribe to (the|our|this) (show|podcast|channel)|feedback at|email us|"
        r"write (to )?us|our socials?|tour dates|come see (me|us) (live|on tour)|"
        # A guest or host pointing to what they own: "we sell online at", "find us on".
        r"we sell|(find|reach|contact|email|follow) (me|us) (at|on|directly)|"
        r"(we're|i'm) (at|on) (instagram|twitter|tiktok|youtube|bluesky|threads))\b",
    ),
    # An interviewer's cue for the guest's own plug, which comes in the next few sentences.
    _cue(
        "asks where to find the guest",
        -1.0,
        r"\bwhere (can|should|do) (people|listeners|folks|we|they|our listeners) "
        r"(find|follow|reach|support) (you|him|her|them|your)\b",
    ),
    # Evidence against: hosts saying a recommendation is unpaid ("nobody is paying us to say
    # this") or that a story about advertising is not itself an ad.
    _cue(
        "says it is unpaid",
        -3.0,
        r"\b((is|are|was|were) not (being )?(sponsored|paid)|"
        r"(isn't|wasn't|aren't|not) (sponsored|paid for|an ad)\b|"
        r"(nobody|no one|no-one)('s| is| was| has)? (paying|paid) (us|me|for)|"
        r"(we|i) (don't|do not|didn't|did not) get (paid|anything) for|"
        r"(we|i)('re| are| am) not (being )?paid|no affiliation|not affiliated)",
        boundary=True,
    ),
    _cue(
        "back to the show",
        -1.0,
        r"\b(and we'?re back|welcome back|back to (the|our) (show|story|episode|conversation))\b",
        boundary=True,
    ),
)

# Commercial-speak: second person plus the vocabulary of offers. Weak alone; it keeps a read's
# middle sentences (the ones without a call to action) inside the span.
MARKETING_WORDS = frozenset(
    """
    save savings free offer deal deals exclusive guarantee guaranteed premium plan plans
    subscription subscribe customers customer members member shop shopping order delivered
    delivery sale discount affordable easy simple seamless trusted award winning official
    upgrade app download sign signup trial switch switching bundle rates rewards quality
    today now best everyday
    """.split()
)

SECOND_PERSON = frozenset({"you", "your", "you're", "youre", "yours", "yourself", "you'll"})

# What follows "brought to you by" / "sponsored by" when no sponsor is named: an indefinite
# ("sponsored by a company", "by anyone") or the audience ("made possible by listeners like you").
UNNAMED_BACKERS = frozenset(
    "a an any anyone anybody nobody no some someone somebody brands companies company "
    "listeners listener people you your viewers readers supporters patrons fans members "
    "folks everyone".split()
)

# Domains in show notes and spoken URLs that are not advertisers: hosting, players, socials.
NON_SPONSOR_DOMAINS = frozenset(
    """
    acast anchor apple apple.co art19 audioboom bit bsky buzzsprout captivate discord facebook
    fb goo instagram libsyn linktr linktree megaphone omny omnystudio patreon pdst pod podbean
    podcasts podtrac privacy simplecast soundcloud spotify spreaker substack threads tiktok
    transistor twitch twitter wp x youtu youtube google gmail
    """.split()
)

# Podcast advertisers, from general knowledge of who buys podcast ads. Lower case; a few
# names that are also common words ("ring", "square", "chime") are left out on purpose.
ADVERTISERS: frozenset[str] = frozenset(
    name.strip()
    for name in """
    betterhelp|talkspace|cerebral|squarespace|wix|godaddy|shopify|hellofresh|factor|green chef|
    home chef|blue apron|everyplate|hungryroot|cookunity|daily harvest|ag1|athletic greens|
    athletic brewing|manscaped|ziprecruiter|indeed|linkedin|upwork|fiverr|nordvpn|expressvpn|
    surfshark|private internet access|deleteme|incogni|lifelock|simplisafe|adt|cash app|
    sofi|rocket money|truebill|credit karma|capital one|american express|wealthfront|
    betterment|acorns|robinhood|mint mobile|visible|us mobile|progressive|geico|state farm|
    liberty mutual|lemonade|policygenius|ethos|haven life|bestow|ladder life|bombas|quince|
    mack weldon|true classic|cuts clothing|rhone|vuori|allbirds|warby parker|native deodorant|
    dollar shave club|harry's|hims|hers|keeps|nurx|function of beauty|prose|curology|ritual|
    seed health|thorne|magic spoon|huel|liquid i.v.|lmnt|four sigmatic|trade coffee|
    grove collaborative|blueland|brooklinen|parachute|boll & branch|casper|purple|helix|
    saatva|tempur-pedic|sleep number|eight sleep|nectar|tuft & needle|cozy earth|ollie|
    the farmer's dog|barkbox|chewy|rover|babbel|rosetta stone|masterclass|audible|blinkist|
    skillshare|brilliant|coursera|calm|headspace|noom|peloton|tonal|hydrow|whoop|oura|raycon|
    stamps.com|shipstation|netsuite|mailchimp|monday.com|hubspot|canva|grammarly|1password|
    dashlane|lastpass|kolide|vanta|drata|rippling|gusto|quickbooks|freshbooks|xero|
    justworks|deel|toast|doordash|uber eats|instacart|zocdoc|butcherbox|omaha steaks|
    thrive market|sakara|splendid spoon|magic mind|pretty litter|lume|rakuten|ibotta|honey|
    fetch rewards|lendingtree|nerdwallet|burrow|article|joybird|lovesac|framebridge|minted|
    shutterfly|zola|blue nile|brilliant earth|mejuri|ancestry|23andme|everlywell|
    hiya|cymbiotika|primal kitchen|mud wtr|oneskin|tommy john|lomi|jenni kayne|
    mizzen+main|ridge wallet|shady rays|nutrafol|thinx|knix|hertz|turo|vrbo|booking.com|
    priceline|hotels.com|constant contact|legalzoom|rocket lawyer|
    trust & will|carvana|vroom|carmax|turbotax|h&r block|taxact|freetaxusa|jackson hewitt|
    brex|navan|klaviyo|linode|digitalocean|aura frames|progressive insurance|tracfone|
    boost mobile|consumer cellular|fubotv|sling|fanduel|draftkings|prizepicks|
    underdog fantasy|betmgm|
    caesars sportsbook|chumba casino|mcafee|norton|bitdefender|rocket mortgage|better.com|
    remitly|chase sapphire|discover card|
    """.replace("\n", "|").split("|")
    if name.strip()
)

# The few lexicon names that are also everyday words count only when written with a capital.
AMBIGUOUS_ADVERTISERS = frozenset(
    {
        "factor",
        "indeed",
        "visible",
        "progressive",
        "lemonade",
        "ethos",
        "ladder life",
        "ritual",
        "prose",
        "calm",
        "honey",
        "article",
        "purple",
        "casper",
        "keeps",
        "hers",
        "nectar",
        "brilliant",
        "mint",
        "max",
        "toast",
        "mercury",
        "ramp",
        "wise",
        "aura",
        "helix",
        "seed health",
        "whoop",
        "rover",
        "ting",
        "sling",
        "starz",
        "minted",
        "lume",
        "burrow",
        "native deodorant",
        "parachute",
        "tonal",
        "thorne",
        "huel",
        "vroom",
        "kayak",
        "target circle",
    }
)

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further get got gonna had hadn't has
    hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his
    how how's i i'd i'll i'm i've if in into is isn't it it's its itself just know let's like
    me more most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own really right said same say says she she'd she'll she's should
    shouldn't so some such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've thing things think this those through
    to too under until up very was wasn't we we'd we'll we're we've were weren't what what's
    when when's where where's which while who who's whom why why's will with won't would
    wouldn't yeah yes you you'd you'll you're you've your yours yourself yourselves okay oh um
    uh well going want even actually mean kind sort lot lots much many every one two three
    """.split()
)

# Everyday words that every topic uses; topic cohesion ignores them so that ad copy ("help
# your business save time") does not look on-topic through words like "business" and "time".
GENERIC_WORDS = frozenset(
    """
    able across add ago ahead almost along already always another anyone anything area around
    away back bad best better big bit body book bring build business call came care case
    change check child city close come comes coming company could country course day days
    different done door dont during early easy else end enough ever every everyone
    everything face fact family far feel feels find first fine friend friends full game
    give given gives good great group guess hand happen happened hard head hear heard help
    high home hour hours house idea important keep kids last later least left less life
    little live long look looking looks lose love made make makes making matter maybe might
    mind minute minutes moment money month months morning most move name need needs never
    next nice night nothing number often old open order others part people person place
    plan play point power pretty probably problem put question quite rather read ready real
    reason remember rest room run saying second seen sense set several show side since small
    someone something sometimes soon start started stay still stop story sure system take
    taken talk talking team tell thought time times today together told took top try trying
    turn turned understand until used using wait walk watch water way ways week weeks whole
    without word words work working world year years yet young
    """.split()
)
