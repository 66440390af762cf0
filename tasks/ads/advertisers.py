"""Advertisers known to buy podcast ads, for the ad detector's optional advertiser evidence.

From general knowledge of who advertises on podcasts (no evaluation transcript was read for it).
The detector must work without it (`AdOptions.use_advertisers=False`; both figures are in
docs/ads.md), so it is one block feature among many, never needed to find a read.
"""

from __future__ import annotations

import re

# Lower case, "|"-separated.
ADVERTISERS: frozenset[str] = frozenset(
    name.strip()
    for name in """
    1password| 23andme| acorns| adt| ag1| allbirds| american express| ancestry| article|
    athletic brewing| athletic greens| audible| aura frames| babbel| barkbox| bestow| betmgm|
    better.com| betterhelp| betterment| bitdefender| blinkist| blue apron| blue nile| blueland|
    boll & branch| bombas| booking.com| boost mobile| brex| brilliant| brilliant earth|
    brooklinen| burrow| butcherbox| caesars sportsbook| calm| canva| capital one| carmax|
    carvana| cash app| casper| cerebral| chase sapphire| chewy| chumba casino| constant contact|
    consumer cellular| cookunity| coursera| cozy earth| credit karma| curology| cuts clothing|
    cymbiotika| daily harvest| dashlane| deel| deleteme| digitalocean| discover card|
    dollar shave club| doordash| draftkings| drata| eight sleep| ethos| everlywell| everyplate|
    expressvpn| factor| fanduel| fetch rewards| fiverr| four sigmatic| framebridge| freetaxusa|
    freshbooks| fubotv| function of beauty| geico| godaddy| grammarly| green chef|
    grove collaborative| gusto| h&r block| harry's| haven life| headspace| helix| hellofresh|
    hers| hertz| hims| hiya| home chef| honey| hotels.com| hubspot| huel| hungryroot| hydrow|
    ibotta| incogni| indeed| instacart| jackson hewitt| jenni kayne| joybird| justworks| keeps|
    klaviyo| knix| kolide| ladder life| lastpass| legalzoom| lemonade| lendingtree|
    liberty mutual| lifelock| linkedin| linode| liquid i.v.| lmnt| lomi| lovesac| lume|
    mack weldon| magic mind| magic spoon| mailchimp| manscaped| masterclass| mcafee| mejuri|
    mint mobile| minted| mizzen+main| monday.com| mud wtr| native deodorant| navan| nectar|
    nerdwallet| netsuite| noom| nordvpn| norton| nurx| nutrafol| ollie| omaha steaks| oneskin|
    oura| parachute| peloton| policygenius| pretty litter| priceline| primal kitchen|
    private internet access| prizepicks| progressive| progressive insurance| prose| purple|
    quickbooks| quince| rakuten| raycon| remitly| rhone| ridge wallet| rippling| ritual|
    robinhood| rocket lawyer| rocket money| rocket mortgage| rosetta stone| rover| saatva|
    sakara| seed health| shady rays| shipstation| shopify| shutterfly| simplisafe| skillshare|
    sleep number| sling| sofi| splendid spoon| squarespace| stamps.com| state farm| surfshark|
    talkspace| taxact| tempur-pedic| the farmer's dog| thinx| thorne| thrive market| toast|
    tommy john| tonal| tracfone| trade coffee| true classic| truebill| trust & will|
    tuft & needle| turbotax| turo| uber eats| underdog fantasy| upwork| us mobile| vanta|
    visible| vrbo| vroom| vuori| warby parker| wealthfront| whoop| wix| xero| ziprecruiter|
    zocdoc| zola|
    """.replace("\n", "|").split("|")
    if name.strip()
)

# Names that are also everyday words ("calm", "indeed", "factor"): they count only where the
# transcript capitalises them, as Whisper does for a brand.
COMMON_WORD_NAMES: frozenset[str] = frozenset(
    name.strip()
    for name in """
    acorns| article| better.com| brilliant| burrow| calm| casper| chewy| cuts clothing| ethos|
    factor| fetch rewards| helix| hers| hiya| honey| indeed| keeps| ladder life| lemonade| lomi|
    lume| mint mobile| minted| native deodorant| nectar| ollie| parachute| prizepicks|
    progressive| prose| purple| quince| rhone| ritual| rover| seed health| sling| thorne| toast|
    tonal| us mobile| visible| vroom| whoop|
    """.replace("\n", "|").split("|")
    if name.strip()
)

_ADVERTISER = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(n) for n in sorted(ADVERTISERS, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)


def advertisers_named(text: str) -> set[str]:
    """The known advertisers `text` names (common-word names only where capitalised)."""
    found = set()
    for match in _ADVERTISER.finditer(text):
        name = match.group(1).lower()
        if name in COMMON_WORD_NAMES and not match.group(1)[:1].isupper():
            continue
        found.add(name)
    return found
