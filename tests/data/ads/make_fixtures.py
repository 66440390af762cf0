"""Write the ad-detector fixtures: invented episodes as transcript JSON plus expected spans.

All text here is made up for the tests (shows, hosts and advertisers are fictional). Run
`python tests/data/ads/make_fixtures.py` to regenerate `*.json` and `*.expected.json`; the
output is deterministic. Each episode is a list of blocks: ("show", text) is conversation,
("ad", text) is an ad whose span the detector must find. Words are timed at a steady speaking
rate with short pauses between sentences and a longer pause where an inserted ad is spliced.

The hard cases (`hard_cases.py`) add ("read", text) blocks, host reads said with no splice, and
are timed less evenly: words and pauses vary as speech does (seeded, so still deterministic),
and long segments run across block boundaries as Whisper's do.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hard_cases import HARD_EPISODES  # noqa: E402

HERE = Path(__file__).resolve().parent
WORD_S = 0.36  # seconds per word, about 165 words a minute
SENTENCE_PAUSE_S = 0.35
SPLICE_PAUSE_S = 1.6  # silence around an inserted ad

SHED_CONTENT = [
    "Welcome back to Shed Talk, the gardening show where we get our hands dirty. I'm Marnie. "
    "And I'm Dev. This week we are talking about compost, and why your compost heap smells "
    "like a swamp. Dev, your compost heap smells like a swamp. It really does, Marnie. "
    "The problem is too many green clippings and not enough brown material. Grass clippings "
    "are wet and full of nitrogen, so the heap goes slimy. You want dry leaves, cardboard, "
    "straw, anything brown and crunchy, mixed in with every layer of grass.",
    "So how much brown material do I need in the compost? A rough rule is two buckets of "
    "brown for every bucket of green. Then turn the heap with a fork every week or two so air "
    "gets into the middle. The middle of a healthy compost heap gets properly warm, even "
    "steaming on a cold morning. That warmth is the microbes doing their work. If the heap "
    "stays cold, it is usually too dry, so give it a splash from the watering can.",
    "Let's take a listener question about compost and tomatoes. Priya asks whether she can "
    "put tomato plants on the compost heap at the end of the season. Good question, Priya. "
    "If the tomato leaves had blight, keep them out of a cold heap, because the spores can "
    "survive. A hot compost heap will kill most of it, but most garden heaps never get hot "
    "enough. So blighted tomato plants go in the green waste bin from the council instead.",
    "Before we finish, the jobs for this week in the garden. Sow broad beans for an early "
    "crop, mulch the rhubarb with that lovely finished compost, and lift the last of the "
    "potatoes before the slugs find them. And cover the compost heap with an old carpet so "
    "the rain does not wash the goodness out of it. That's it from the shed this week. "
    "Thanks for listening to Shed Talk, see you next week.",
]

SHED_PREROLL_AD = (
    "This episode is brought to you by Loamly. Loamly is the home soil test kit that tells "
    "you exactly what your beds are missing. Just post a spoonful of soil in the prepaid "
    "envelope and get a full nutrient report on your phone within a week. Plans start at "
    "just $12 a month. Go to loamly.com slash shed and use code SHED for 20% off your first "
    "order. That's loamly.com slash shed."
)

# An inserted spot with no web address: only its recurrence across episodes gives it away.
SHED_INSERTED_AD = (
    "Mornings are better with Copperleaf. Copperleaf tea is slow brewed in small batches in "
    "the hills. Smooth, bright and never bitter, Copperleaf is the cup that waits for you. "
    "Find Copperleaf in the tea aisle near you. Copperleaf. Take a slow morning."
)

ROADS_CONTENT = [
    "Hello and welcome to Old Roads, the show about the forgotten routes of the county. I'm "
    "Tobias Hale. Today we are following the old drovers' road from Millbrook down to the "
    "river crossing at Hatherford. For three hundred years, drovers walked cattle along this "
    "road to the markets in the south. The cattle wore small iron shoes, and the drovers "
    "stopped every twelve miles at an inn with a walled field for the herd.",
    "The first of those drovers' inns was the Black Ram at Millbrook. The building is still "
    "there, though it has been a farmhouse since the railway came. If you look at the wall "
    "of the field behind it, you can see where the stone changes colour. That is the old "
    "gate the drovers used, blocked up in the eighteen sixties when the last herd passed "
    "through Millbrook on the way to Hatherford.",
    "From Millbrook the drovers' road climbs over Cold Fell. Up on the fell the road is "
    "just a green track between two banks, wide enough for a herd of cattle. In places the "
    "banks are taller than a person, worn down by centuries of hooves and cart wheels. The "
    "parish records tell of a drover lost in the snow on Cold Fell in seventeen ninety, and "
    "his dog walking alone into Hatherford three days later.",
    "The road ends at the river crossing at Hatherford, where the drovers paid a toll of a "
    "penny for every ten cattle. The toll house still stands by the bridge, and the old "
    "board with the prices is in the county museum. Next week we follow the salt road east "
    "from Hatherford to the coast. Until then, thanks for walking the old roads with me.",
]

ROADS_POSTROLL_AD = (
    "Old Roads is supported by Harlow and Finch Home Insurance. When a storm takes a tile "
    "off your roof, Harlow and Finch answers the phone day or night. Get a quote in ten "
    "minutes and save up to 15% when you bundle home and car. Call 1-800-555-0142 today, "
    "that's 1-800-555-0142. Terms and conditions apply. Not available in all areas."
)

ROADS_SHOW_PROMO = (
    "Hey, it's Jo from Night Shift Stories, the podcast where people who work while the rest "
    "of us sleep tell us what really happens after midnight. This season we ride along with "
    "a tow truck driver, a bakery crew, and a lighthouse keeper. New episodes every Tuesday. "
    "Listen to Night Shift Stories wherever you get your podcasts."
)

BYTE_CONTENT = [
    "Welcome to Byte Sized, I'm Quinn, and with me as always is Sam. Big week for phones. "
    "The new Pixel is out and the reviews are in. Sam, you have been using it for a week. "
    "I have, Quinn, and the camera is the story again. The low light photos are better than "
    "my old iPhone, but the battery is a step back. It barely gets through a full day of "
    "use, and the charger is still sold separately, which for a phone at $999 is a bit much.",
    "Apple has its own news this week. The new iPhone update changes how the battery "
    "reports its health, so your battery percentage may look different after the update. "
    "Apple says the new battery readings are more accurate. I updated my phone last night "
    "and the battery health dropped five points, which is a fun surprise. Samsung is doing "
    "something similar on the Galaxy phones later this year.",
    "Let's do a listener email about phones. Ravi writes: my old phone is four years old, "
    "is it worth upgrading this year, or should I just replace the battery? Ravi, a new "
    "battery costs about $89 at a repair shop and a four year old phone still gets security "
    "updates, so I would replace the battery and wait a year. Sam? Same answer. The phone "
    "cameras have improved, but not enough to justify a thousand dollars for most people.",
    "That's the show. If you like Byte Sized, the best way to support us is on "
    "patreon.com slash bytesized, where patrons get an extra episode every month. You can "
    "also find our merch at bytesized dot shop. Send us your phone questions at feedback "
    "at bytesized dot show. Thanks for listening, see you next week.",
]

BYTE_HOSTREAD_AD = (
    "Before we get to your emails, a word from our sponsor, Nimbus Notes. Honestly, I have "
    "used Nimbus Notes for two years now, it is where I keep all the show prep. Nimbus Notes "
    "syncs your notes across your phone and laptop, works offline, and the search actually "
    "finds things. Right now Byte Sized listeners get three months of Nimbus Notes Premium "
    "free. Head to nimbusnotes dot com slash bytesized to claim it. That's nimbusnotes dot "
    "com slash bytesized. And we're back."
)

# A host-read with no web address and no code: the show notes are what name it a sponsor.
BYTE_NOTES_AD = (
    "This week we are also talking about Keystone Backup. Keystone Backup copies every "
    "photo from your phone the moment you take it, so a dropped phone is not the end of "
    "your holiday pictures. Keystone Backup keeps every version of every file, encrypted, "
    "and it just runs in the background. Keystone Backup. Never lose a photo again."
)

BYTE_NOTES_DESCRIPTION = (
    "<p>Quinn and Sam review the new Pixel and answer your battery questions.</p>"
    "<p>Thanks to our sponsor Keystone Backup for supporting the show.</p>"
    '<p>Support us: <a href="https://patreon.com/bytesized">patreon.com/bytesized</a></p>'
)

EPISODES: dict[str, dict[str, Any]] = {
    "preroll_price_url": {
        "blocks": [("ad", SHED_PREROLL_AD)] + [("show", t) for t in SHED_CONTENT],
        "reasons": ["URL loamly.com", "promo code", "pre-roll"],
    },
    "postroll_phone": {
        "blocks": [("show", t) for t in ROADS_CONTENT] + [("ad", ROADS_POSTROLL_AD)],
        "reasons": ["phone number", "disclaimer", "post-roll"],
    },
    "midroll_hostread": {
        "blocks": [
            ("show", BYTE_CONTENT[0]),
            ("show", BYTE_CONTENT[1]),
            ("ad", BYTE_HOSTREAD_AD),
            ("show", BYTE_CONTENT[2]),
            ("show", BYTE_CONTENT[3]),
        ],
        "reasons": ["URL nimbusnotes.com", "sponsor lead-in"],
        "long_segments": True,
    },
    "show_promo": {
        "blocks": [
            ("show", ROADS_CONTENT[0]),
            ("show", ROADS_CONTENT[1]),
            ("ad", ROADS_SHOW_PROMO),
            ("show", ROADS_CONTENT[2]),
            ("show", ROADS_CONTENT[3]),
        ],
        "reasons": ["promo for another show"],
    },
    "adfree_brands": {
        "blocks": [("show", t) for t in BYTE_CONTENT],
        "reasons": [],
    },
    "context_repeat": {
        "blocks": [
            ("show", SHED_CONTENT[0]),
            ("show", SHED_CONTENT[1]),
            ("ad", SHED_INSERTED_AD),
            ("show", SHED_CONTENT[2]),
            ("show", SHED_CONTENT[3]),
        ],
        "reasons": ["repeated in 2 other episodes"],
        "context": ["context_repeat.other1", "context_repeat.other2"],
    },
    "show_notes_sponsor": {
        "blocks": [
            ("show", BYTE_CONTENT[0]),
            ("show", BYTE_CONTENT[1]),
            ("ad", BYTE_NOTES_AD),
            ("show", BYTE_CONTENT[2]),
        ],
        "reasons": ["in show notes"],
        "description": BYTE_NOTES_DESCRIPTION,
    },
}

# Other episodes of Shed Talk, used only as context: the same inserted spot, other talk.
CONTEXT_EPISODES: dict[str, list[tuple[str, str]]] = {
    "context_repeat.other1": [
        (
            "show",
            "Welcome to Shed Talk. This week, pruning apple trees in winter, when the "
            "tree is asleep and you can see every branch. Cut out anything dead, diseased or "
            "crossing, and open the middle so the air can move through the apple tree.",
        ),
        ("ad", SHED_INSERTED_AD),
        (
            "show",
            "Back to the apple tree. Never take more than a quarter of the branches in "
            "one winter, or the tree will answer with a forest of straight water shoots.",
        ),
    ],
    "context_repeat.other2": [
        ("ad", SHED_INSERTED_AD),
        (
            "show",
            "Welcome to Shed Talk, where this week we build a raised bed from old "
            "scaffold boards. Line the bottom with cardboard to smother the weeds, then fill "
            "the raised bed with a mix of topsoil and well rotted manure.",
        ),
    ],
}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def build(
    blocks: list[tuple[str, str]],
    *,
    long_segments: bool = False,
    varied: random.Random | None = None,
) -> tuple[list[dict[str, Any]], list[list[float]]]:
    """Timed transcript segments and the true ad spans for a list of blocks.

    With `varied`, word lengths and pauses vary (about 150 words a minute overall) and long
    segments are grouped across blocks, breaking only at a splice.
    """
    t = 0.4
    segments: list[dict] = []
    spans: list[list[float]] = []
    previous = None
    for kind, text in blocks:
        if kind == "ad" or previous == "ad":
            t += SPLICE_PAUSE_S
        block_start = t
        block_segments: list[dict[str, Any]] = []
        for sentence in _sentences(text):
            words: list[dict[str, Any]] = []
            for w in sentence.split():
                length = WORD_S if varied is None else varied.uniform(0.26, 0.44)
                words.append(
                    {"start": round(t, 2), "end": round(t + length - 0.04, 2), "word": " " + w}
                )
                t += length
            block_segments.append(
                {
                    "start": words[0]["start"],
                    "end": words[-1]["end"],
                    "text": sentence,
                    "words": words,
                }
            )
            t += SENTENCE_PAUSE_S if varied is None else _pause(varied)
        if (
            long_segments and varied is None
        ):  # several sentences per segment, as long-form Whisper output has
            block_segments = [
                {
                    "start": group[0]["start"],
                    "end": group[-1]["end"],
                    "text": " ".join(s["text"] for s in group),
                    "words": [w for s in group for w in s["words"]],
                }
                for group in (block_segments[k : k + 4] for k in range(0, len(block_segments), 4))
            ]
        segments.extend(block_segments)
        if kind in ("ad", "read"):
            spans.append([round(block_start, 2), round(segments[-1]["end"], 2)])
        previous = kind
    if long_segments and varied is not None:
        segments = _group_across_blocks(segments)
    return segments, spans


def _pause(rng: random.Random) -> float:
    """A pause after a sentence: mostly short, now and then a breath or a long think."""
    roll = rng.random()
    if roll < 0.08:
        return rng.uniform(1.3, 2.2)
    return rng.uniform(0.15, 0.7)


def _group_across_blocks(sentences: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Three to five sentences a segment, a new one after any pause longer than a splice."""
    groups: list[list[dict[str, Any]]] = [[]]
    for s in sentences:
        current = groups[-1]
        if current and (len(current) >= 4 or s["start"] - current[-1]["end"] >= SPLICE_PAUSE_S):
            groups.append([])
        groups[-1].append(s)
    return [
        {
            "start": g[0]["start"],
            "end": g[-1]["end"],
            "text": " ".join(s["text"] for s in g),
            "words": [w for s in g for w in s["words"]],
        }
        for g in groups
        if g
    ]


def _merge(spans: list[list[float]], groups: list[list[int]]) -> list[list[float]]:
    """One span for each group of back-to-back ads (an ad break), as the dev labels have."""
    merged = [list(s) for s in spans]
    for group in sorted(groups, reverse=True):
        first, last = group[0], group[-1]
        merged[first : last + 1] = [[merged[first][0], merged[last][1]]]
    return merged


def main() -> None:
    for name, blocks in CONTEXT_EPISODES.items():
        segments, _ = build(blocks)
        (HERE / f"{name}.json").write_text(json.dumps({"segments": segments}, indent=1) + "\n")
    for name, spec in {**EPISODES, **HARD_EPISODES}.items():
        varied = random.Random(name) if name in HARD_EPISODES else None
        segments, spans = build(
            spec["blocks"], long_segments=spec.get("long_segments", False), varied=varied
        )
        spans = _merge(spans, spec.get("merge", []))
        (HERE / f"{name}.json").write_text(json.dumps({"segments": segments}, indent=1) + "\n")
        expected = {
            "spans": spans,
            "reasons": spec["reasons"],
            "context": spec.get("context", []),
            "description": spec.get("description"),
        }
        (HERE / f"{name}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
