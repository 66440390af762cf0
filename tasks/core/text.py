"""Word lists shared by the stages that read transcripts (ads, facts, entities).

One stop-word list serves every stage: the ad detector's topic cohesion, the facts extractor's
content terms and the entity rules' "a capitalised common word at a sentence start is not a
name". It is the union of the two lists those stages had (issue 16), minus the number words "two"
and "three", which carry a fact's figures. The warehouse's search keeps its own short list,
because it must match what DuckDB's full-text index drops (see `warehouse/search.py`).
"""

from __future__ import annotations

# Function words and very common spoken English: they say nothing about a topic or a name.
STOPWORDS: frozenset[str] = frozenset(
    """
    a about above actually after again against ago all almost along already also although always am
    among an and another any anybody anyone anything anyway anyways are aren't around as at away
    back be became because been before being below between both but by can can't cannot could
    couldn't did didn't do does doesn't doing don't done down during each either else enough even
    ever every everybody everyone everything few for from further get gets getting go goes going
    gone gonna got gotta had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers herself him himself his how how's however i i'd i'll i'm i've if in into is isn't it
    it'd it'll it's its itself just kind kinda know let let's like likely lot lots made make makes
    many may maybe me mean might mine more most much must mustn't my myself neither never no nobody
    none nor not nothing now of off oh ok okay on once one ones only onto or other others otherwise
    ought our ours ourselves out over own per perhaps please quite rather really right said same say
    says see seem seems she she'd she'll she's should shouldn't since so some somebody someone
    something sometimes somewhat sort still such sure than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've thing things think this
    those though through thus till to too toward towards uh um under unless until up upon us very
    via wanna want was wasn't way we we'd we'll we're we've well were weren't what what's whatever
    when when's where where's whether which while who who's whoever whole whom whose why why's will
    with within without won't would wouldn't yeah yes yet you you'd you'll you're you've your yours
    yourself yourselves
    """.split()
)

# Sounds that are not words: dropped wherever words are compared.
DISFLUENCIES: frozenset[str] = frozenset(
    {"um", "uh", "erm", "er", "ah", "hmm", "mm", "mhm", "uh-huh", "um-hum"}
)
