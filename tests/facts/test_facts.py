"""Facts extractor (offline and LLM backends) on scripted episodes written for these tests,
the bundled demo's transcripts and single sentences of each kind."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from podsift.tasks.core.records import (
    AdSpan,
    Fact,
    Segment,
    Word,
    load_transcript_file,
    spans_from_json,
)
from podsift.tasks.facts import (
    NotAFact,
    clean_sentence,
    content_terms,
    extract_facts,
    fact_count,
    normalize_word,
    reads_as_ad_copy,
    speech_sentences,
    spoken_words,
)
from podsift.tasks.facts.candidates import judge, standalone_declarative
from podsift.tasks.facts.entities import extract_entities, proper_vocabulary
from podsift.tasks.facts.llm import LLMError, extract_facts_llm, parse_facts_reply
from podsift.tasks.facts.nlp import parse
from podsift.tasks.facts.sentences import grounded

DATA = Path(__file__).parents[1] / "data" / "facts"
DEMO = Path(__file__).parents[1] / "data" / "demo_transcripts"
EPISODES = sorted(
    p.stem for p in DATA.glob("*.json") if not p.name.endswith((".ads.json", ".reference.json"))
)


def load(name: str) -> tuple[list[Segment], list[AdSpan], dict]:
    segments = load_transcript_file(DATA / f"{name}.json")
    spans = spans_from_json(json.loads((DATA / f"{name}.ads.json").read_text()))
    reference = json.loads((DATA / f"{name}.reference.json").read_text())
    return segments, spans, reference


def said_between(segments: list[Segment], start: float, end: float) -> list[str]:
    return [
        normalize_word(w.text)
        for w in spoken_words(segments)
        if w.start >= start - 0.01 and w.end <= end + 0.01
    ]


def matches_reference(fact: Fact, reference: dict) -> bool:
    ref_terms = set(content_terms(reference["text"]))
    overlap = ref_terms & set(content_terms(fact.text))
    in_time = fact.start <= reference["end"] and fact.end >= reference["start"]
    return in_time and len(overlap) >= 0.5 * len(ref_terms)


def spoken(lines: list[str], pause: float = 1.0) -> list[Segment]:
    """One segment per line, 0.4 s per word, `pause` seconds between lines."""
    segments: list[Segment] = []
    t = 0.0
    for line in lines:
        words = []
        for w in line.split():
            words.append(Word(round(t, 2), round(t + 0.35, 2), " " + w))
            t += 0.4
        segments.append(Segment(words[0].start, words[-1].end, line, tuple(words)))
        t += pause
    return segments


# --- scripted episodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", EPISODES)
def test_every_fact_is_a_reference_fact(name: str) -> None:
    segments, spans, reference = load(name)
    facts = extract_facts(segments, spans)
    assert len(facts) >= 3
    for fact in facts:
        assert any(matches_reference(fact, ref) for ref in reference["facts"]), fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_no_greetings_intros_outros_or_questions(name: str) -> None:
    segments, spans, reference = load(name)
    for fact in extract_facts(segments, spans, max_facts=50):
        assert "?" not in fact.text
        for never in reference["never"]:
            assert normalize_word(never[:30]) not in normalize_word(fact.text), fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_nothing_inside_ad_spans(name: str) -> None:
    segments, spans, _ = load(name)
    assert spans
    for fact in extract_facts(segments, spans, max_facts=50):
        assert all(fact.end <= s.start or fact.start >= s.end for s in spans), fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_every_fact_is_grounded_and_standalone(name: str) -> None:
    segments, spans, _ = load(name)
    facts = extract_facts(segments, spans, max_facts=50)
    assert len(facts) >= 5
    for fact in facts:
        assert grounded(fact, segments), fact.text
        assert standalone_declarative(fact.text), fact.text
        assert " um " not in f" {fact.text.lower()} "
    assert [f.start for f in facts] == sorted(f.start for f in facts)


def test_fillers_stripped_and_start_moves_to_first_kept_word() -> None:
    segments, spans, _ = load("northline_report")
    facts = extract_facts(segments, spans, max_facts=50)
    fares = next(f for f in facts if "fares" in f.text)
    assert fares.text == (
        "Northline Rail confirmed on Tuesday that regional fares will rise by 4% in January."
    )
    words = spoken_words(segments)
    well = next(i for i, w in enumerate(words) if w.text == "Well,")
    assert words[well + 1].text == "Northline"
    assert fares.start == words[well + 1].start


def test_clean_sentence_strips_openers_disfluencies_quotes_and_tag_questions() -> None:
    [sentence] = speech_sentences(
        spoken(['So yeah, I mean, and so um "fares rise by 4% in May", right?'])
    )
    cleaned = clean_sentence(sentence)
    assert cleaned is not None
    assert cleaned.text == "Fares rise by 4% in May."
    assert cleaned.start == sentence.words[7].start  # "fares" is the eighth word


def test_clean_sentence_keeps_meaningful_openings() -> None:
    for text in ("Well over half the trains were late.", "So many stations closed in 2020."):
        [sentence] = speech_sentences(spoken([text]))
        cleaned = clean_sentence(sentence)
        assert cleaned is not None and cleaned.text == text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Said to someone: the name goes, then the opener after it; the words left are as said.
        (
            "Omar, harbour fees in Leeds rose by 12% in 2025.",
            "Harbour fees in Leeds rose by 12% in 2025.",
        ),
        (
            "Priya, so three weeks ago the ferry company cut 40 sailings.",
            "Three weeks ago the ferry company cut 40 sailings.",
        ),
        # A name that is the subject, with an appositive, stays.
        (
            "Boston, the state capital, has about 650,000 residents.",
            "Boston, the state capital, has about 650,000 residents.",
        ),
    ],
)
def test_opening_vocative_is_dropped(line: str, expected: str) -> None:
    segments = spoken([line])
    [fact] = extract_facts(segments)
    assert fact.text == expected
    assert grounded(fact, segments)
    first = expected.split()[0].lower()
    assert fact.start == next(w.start for w in spoken_words(segments) if w.text.lower() == first)


# --- what a fact is ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("When does work on the new Green Line extension begin?", NotAFact.QUESTION),
        ("Is the drought in the northern valleys over now.", NotAFact.QUESTION),
        ("The question is, does the extra money go to the loans or to savings.", NotAFact.QUESTION),
        ("Good morning and welcome to the Harbour Hour, everybody.", NotAFact.GREETING),
        ("You're listening to the Harbour Hour from Radio Calder.", NotAFact.GREETING),
        ("I'm Sam Porter and this is the Harbour Hour.", NotAFact.INTRODUCTION),
        ("My guest is transport reporter Laura Bennett from the Courier.", NotAFact.INTRODUCTION),
        ("The head librarian, Tom Fisher, is with me in the studio.", NotAFact.INTRODUCTION),
        ("Today I'm joined by Ines Varga of the Halden Cooperative Bank.", NotAFact.INTRODUCTION),
        ("Thanks so much for listening to the show this week.", NotAFact.SIGN_OFF),
        ("Don't forget to subscribe wherever you get your podcasts.", NotAFact.HOUSEKEEPING),
        ("Today we're focusing on the new ferry timetable for the island.", NotAFact.EPISODE_PLAN),
        ("Let's talk about the harbour dredging and what it cost.", NotAFact.EPISODE_PLAN),
        ("I think it's kind of a big deal for the whole town really.", NotAFact.HEDGE),
        ("I really loved the soup they served at the little place.", NotAFact.PERSONAL),
        ("In January, 2026 and the council expect 12,000 riders a day.", NotAFact.FRAGMENT),
        ("Twelve million dollars and half came from the Harlow Foundation.", NotAFact.FRAGMENT),
        ("Fix leaks, a dripping tap wastes 5,000 litres a year.", NotAFact.FRAGMENT),
        (
            "Because one of the economists, I think Romer, switched his whole lab to Python.",
            NotAFact.FRAGMENT,
        ),
        ("Because of the storm, the Harmon Street bridge closed for two days.", None),
        # A dependent clause on its own is no statement.
        ("Because the council voted for the new bridge in May.", NotAFact.FRAGMENT),
        ("Go to greenkitchen.com/podcast for 40% off your first order.", NotAFact.AD_COPY),
        ("Use promo code HARBOUR for a free trial of thirty days.", NotAFact.AD_COPY),
        ("Fresh meal kits delivered every week from just $6 a meal.", NotAFact.AD_COPY),
        ("This episode is brought to you by Harbor Home Insurance.", NotAFact.AD_COPY),
        ("The council voted seven to two on Tuesday to extend the tram.", None),
        ("Reservoir levels reached 64% on Monday, up from 41% in January.", None),
        ("The Northgate Library reopened on June 3rd after an 18-month renovation.", None),
        # The small parser takes "By" for the root when no comma follows the opening phrase;
        # the clause under it is the statement.
        ("By the end of the week the death toll stood at twenty-one.", None),
        # "You" or "we" in a subordinate clause is the generic one of a statement, not the show
        # speaking to the listener or planning the episode.
        ("As we get older, our muscles become less responsive to protein.", None),
        ("The recommended allowance is 0.8 grams of protein if you weigh 70 kilograms.", None),
        ("You get people eating less protein right when they need more.", NotAFact.GREETING),
        # "a kind of" is a noun, not a hedge; another person's name is no introduction.
        ("The court appointed an auditor, a kind of special master, to hear it.", None),
        ("It was sort of a disaster for the whole town.", NotAFact.HEDGE),
        ("The engineer's name was Joseph Bazalgette, of the Metropolitan Board.", None),
        ("My name is Sam Porter and this is the Harbour Hour.", NotAFact.INTRODUCTION),
        ("That voice you hear is Marcus Reyes, a registered dietitian.", NotAFact.INTRODUCTION),
        # "and" inside a number joins no clauses; a price in the news is no offer.
        ("About a hundred and fifty more people were injured in the flood.", None),
        ("Four local families bought the Starlite Drive-In for $1.1 million in May.", None),
        ("Get a year of home cover for $49 a month with Harbor Home.", NotAFact.AD_COPY),
        # Who is speaking, even with the episode's number in it; the show's plan said with
        # feeling; thanks said to someone anywhere in the sentence; others' thanks are news.
        ("I'm Sam Porter, and it's 7 o'clock in Calder.", NotAFact.INTRODUCTION),
        (
            "We're thrilled to talk to the deputy chief of the harbour police.",
            NotAFact.EPISODE_PLAN,
        ),
        ("The ferry numbers were good this summer, thanks Laura.", NotAFact.SIGN_OFF),
        ("The harbour team thanked the volunteers for 300 hours of work.", None),
        ("Thanks to the new law, rents in Leeds fell 4% last year.", None),
        # A question read out after a comma; a noun with a clause hung on it; a clause opened
        # by "when" on its own.
        ("Priya from Halifax asks, what's the best age to start saving.", NotAFact.QUESTION),
        ("Omar writes, I've never sailed before, is it too late to learn.", NotAFact.QUESTION),
        ("The ferry we waited four and a half hours for.", NotAFact.FRAGMENT),
        ("Harbour Nights for anyone who hasn't.", NotAFact.FRAGMENT),
        ("In 2019 when she retired, and opened the bakery.", NotAFact.FRAGMENT),
        # The show's own time and a future is its plan; "today" with a past is news.
        ("Today we're gonna answer three letters about the ferry.", NotAFact.EPISODE_PLAN),
        ("Today the harbour board released the dredging report.", None),
        # Who the show turns to next, returning from a break, thanks at any depth, the show
        # naming itself as it ends.
        ("First up is Priya, in Halifax.", NotAFact.INTRODUCTION),
        ("Our next caller is Omar from the island.", NotAFact.INTRODUCTION),
        ("We're back with the harbour master, Dr. Ana Silva.", NotAFact.GREETING),
        ("This week we want to thank our newest harbour club members.", NotAFact.SIGN_OFF),
        ("That's the Harbour Hour for this week.", NotAFact.SIGN_OFF),
        ("That's today's Harbour Hour, from all of us here.", NotAFact.SIGN_OFF),
        # "today" is no date that keeps an introduction a fact; a clause saying what a company
        # does is a statement inside one.
        (
            "My guest today is Dr. Ana Silva from the Calder Marine Institute.",
            NotAFact.INTRODUCTION,
        ),
        ("My guest is Ana Silva, who founded Tidewell, which builds electric ferries.", None),
        # Glad to have someone here, to talk: the plan; an amount of nothing in particular; the
        # speaker about themselves, "today" no date a reader could check.
        (
            "We're excited to have her here today to talk about the new ferry timetable.",
            NotAFact.EPISODE_PLAN,
        ),
        ("There's a lot of cool stuff happening with the harbour boats.", NotAFact.HEDGE),
        ("This is Sam Porter, live from the Calder harbour office.", NotAFact.INTRODUCTION),
        (
            "On behalf of the whole team, thank you for listening to the Harbour Hour.",
            NotAFact.SIGN_OFF,
        ),
        ("There are 40 stations on the new harbour line.", None),
        ("I sailed it in training, and I still love sailing it today.", NotAFact.PERSONAL),
        # "and" between two nouns joins no clauses; the answer's broken "and" above does.
        ("Dana and her husband live outside Columbus, and they earn $84,000 a year.", None),
        ("A map of Kenya, with every road and every building, is 310 megabytes.", None),
    ],
)
def test_what_is_not_a_fact(line: str, expected: NotAFact | None) -> None:
    [sentence] = speech_sentences(spoken([line]))
    cleaned = clean_sentence(sentence)
    assert cleaned is not None
    assert judge(parse([cleaned.text])[0]) == expected
    facts = extract_facts(spoken([line]))
    assert [f.text for f in facts] == ([cleaned.text] if expected is None else [])


def test_ad_copy_is_not_a_fact_even_when_the_detector_missed_it() -> None:
    lines = [
        "The Brookfield council voted seven to two to extend the tram to the airport.",
        "Harbor Home Insurance is here when you need us, call 1-800-555-0199 today.",
        "Try Pagewise free for 30 days at pagewise.app and keep all your notes.",
        "The tram extension will cost 310 million dollars from the national fund.",
    ]
    facts = extract_facts(spoken(lines), max_facts=10)  # no ad spans at all
    assert [f.text for f in facts] == [lines[0], lines[3]]
    assert reads_as_ad_copy(lines[1]) and reads_as_ad_copy(lines[2])
    assert not reads_as_ad_copy(lines[3])


def test_pronoun_is_read_with_the_sentence_that_names_it() -> None:
    lines = [
        "Laura, what did the council approve?",
        "The extension is six kilometres long with four new stations.",
        "It will cost 310 million dollars, mostly from the national transport fund.",
    ]
    segments = spoken(lines, pause=0.5)
    facts = extract_facts(segments, max_facts=5)
    assert [f.text for f in facts] == [f"{lines[1]} {lines[2]}"]
    words = spoken_words(segments)
    assert facts[0].start == next(w.start for w in words if w.text == "The")
    assert facts[0].end == words[-1].end
    assert grounded(facts[0], segments)


def test_this_one_needs_what_it_stands_for() -> None:
    lines = [
        "Tom, did you read the harbour report?",
        "This one might cost the town a lot of money.",
        "The Northgate Library reopened on June 3rd after an 18-month renovation.",
    ]
    facts = extract_facts(spoken(lines, pause=0.5), max_facts=5)
    assert [f.text for f in facts] == [lines[2]]


def test_pronoun_without_a_named_antecedent_is_not_a_fact() -> None:
    # The question names nothing for "It" to stand for ("what did the renovation cost?" would:
    # see test_key_facts.py, issue 25).
    lines = [
        "Tom, what did it cost in the end?",
        "It cost twelve million dollars, and half came from the Harlow Foundation.",
        "The Northgate Library reopened on June 3rd after an 18-month renovation.",
    ]
    facts = extract_facts(spoken(lines, pause=0.5), max_facts=5)
    assert [f.text for f in facts] == [lines[2]]


def test_a_later_clause_stands_when_the_opening_pronoun_has_nothing_to_lean_on() -> None:
    lines = [
        "Tom, how was it?",
        "It was a quiet year, and the Harlow Foundation gave the library twelve million dollars "
        "in March.",
    ]
    segments = spoken(lines, pause=0.5)
    facts = extract_facts(segments, max_facts=5)
    assert [f.text for f in facts] == [
        "The Harlow Foundation gave the library twelve million dollars in March."
    ]
    said = spoken_words(segments)
    assert facts[0].start == next(w.start for w in said if w.text == "the" and w.start > 3)
    assert grounded(facts[0], segments)


@pytest.mark.parametrize("verdict", ["That's notable.", "It was so good.", "That's a big deal."])
def test_a_verdict_is_not_read_with_the_statement_before_it(verdict: str) -> None:
    statement = "The Northgate Library reopened on June 3rd after an 18-month renovation."
    segments = spoken([statement, verdict], pause=0.5)
    assert judge(parse([verdict])[0], check_length=False) == NotAFact.HEDGE
    assert [f.text for f in extract_facts(segments, max_facts=5)] == [statement]


@pytest.mark.parametrize("follow", ["It is six kilometres long.", "It is the oldest bridge."])
def test_a_pronoun_statement_with_content_is_still_read_with_the_one_before(follow: str) -> None:
    statement = "The council opened the new footbridge over the Calder in May."
    segments = spoken([statement, follow], pause=0.5)
    assert [f.text for f in extract_facts(segments, max_facts=5)] == [f"{statement} {follow}"]


def test_number_bearing_fact_is_kept_over_a_vaguer_one() -> None:
    lines = [
        "The harbour dredging took a long time and cost the port authority a lot of money.",
        "The harbour dredging took eleven weeks and cost the port authority 4 million pounds.",
        "Ferry crossings to the island rose over the summer season this year.",
    ]
    facts = extract_facts(spoken(lines), max_facts=1)
    assert [f.text for f in facts] == [lines[1]]


def test_a_m_inside_a_sentence_does_not_end_it() -> None:
    texts = [s.text for s in speech_sentences(spoken(["It was 3 a.m. on Friday in Leeds."]))]
    assert texts == ["It was 3 a.m. on Friday in Leeds."]
    split = speech_sentences(spoken(["The vote passed in the U.S. Then the Senate met."]))
    assert [s.text for s in split] == ["The vote passed in the U.S.", "Then the Senate met."]


# Whisper's run-on mode: a long stretch with no punctuation and no capitals (not even "i").
RUN_ON = (
    "and honestly i think the whole thing is still kind of up in the air because nobody has "
    "signed anything yet and who knows what the final deal is going to look like but as a "
    "commuter i welcome anything that gets more trains running on time and the stations along "
    "the route could really use the extra service so i'm happy to see it"
)


def test_statement_clause_is_kept_from_a_sentence_that_ends_in_a_question() -> None:
    # Whisper's comma-spliced run-on: a statement, then a question to the co-host. The clause
    # that states something is a fact, with its own words' times; the question is not.
    line = "so Sunken Choir launched Tuesday at twenty four ninety nine, and Rafi, you finished it?"
    segments = spoken([line])
    facts = extract_facts(segments, max_facts=3)
    assert [f.text for f in facts] == ["Sunken Choir launched Tuesday at twenty four ninety nine."]
    said = spoken_words(segments)
    assert (facts[0].start, facts[0].end) == (said[1].start, said[9].end)  # "Sunken" .. "nine,"
    assert grounded(facts[0], segments)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The pronoun after a named subject in the same sentence stands for what it named.
        (
            "so Sunken Choir launched Tuesday, it's twenty four ninety nine, and Rafi, you "
            "finished it?",
            "Sunken Choir launched Tuesday, it's twenty four ninety nine.",
        ),
        (
            "Monday night the Comets beat Westbrook by twenty five points, that's ten straight.",
            "Monday night the Comets beat Westbrook by twenty five points, that's ten straight.",
        ),
        # A call to act at the end is cut off; the statement before it stands.
        (
            "The trade deadline is February 6th, that's less than three weeks away, and JK, "
            "walk me through your list.",
            "The trade deadline is February 6th, that's less than three weeks away.",
        ),
        (
            "The launch trailer for Starfall is on the Brightforge channel, check it out.",
            "The launch trailer for Starfall is on the Brightforge channel.",
        ),
    ],
)
def test_a_statement_is_kept_from_a_comma_spliced_sentence(line: str, expected: str) -> None:
    facts = extract_facts(spoken([line]), max_facts=3)
    assert [f.text for f in facts] == [expected]
    assert standalone_declarative(expected)


@pytest.mark.parametrize(
    "line",
    [
        "It's on every app, go listen, they've been doing it for six years.",
        "They said it'll be ten dollars a season, and a season is twelve weeks.",
    ],
)
def test_a_pronoun_with_no_name_before_it_in_the_sentence_still_leans_back(line: str) -> None:
    assert extract_facts(spoken([line]), max_facts=3) == []


@pytest.mark.parametrize(
    "line",
    [
        "Visitors can walk across the old bridge and see the river from the top deck.",
        "Halden sells cargo bikes in Leeds and rent scooters to students by the week.",
    ],
)
def test_a_second_verb_of_the_same_subject_is_no_call_to_act(line: str) -> None:
    [doc] = parse([line])
    assert judge(doc) is None
    assert [f.text for f in extract_facts(spoken([line]), max_facts=3)] == [line]


def test_a_fact_across_overlapping_segments_holds_all_its_words() -> None:
    # Whisper's segments can overlap: the second starts before the first has ended. A fact
    # read across both still covers every word it says.
    first = "The Harlow Foundation gave the library twelve million dollars in 2024."
    second = "That was the largest gift in the city's history."
    segments = spoken([first, second], pause=0.5)
    shift = segments[1].start - segments[0].end + 0.8  # the second starts 0.8 s early
    moved = tuple(Word(w.start - shift, w.end - shift, w.word) for w in segments[1].words)
    segments[1] = Segment(moved[0].start, moved[-1].end, second, moved)
    [fact] = extract_facts(segments, max_facts=3)
    assert fact.text == f"{first} {second}"
    assert fact.end == max(w.end for s in segments for w in s.words)
    assert grounded(fact, segments)


def test_run_on_is_cut_where_whisper_casing_returns() -> None:
    tail = "Northline Rail confirmed a new timetable for the Leeds to Carlisle line."
    segments = spoken([f"{RUN_ON} {tail}"])
    sentences = speech_sentences(segments)
    assert sentences[-1].text == tail
    said = spoken_words(segments)
    first = next(w for w in said if w.text == "Northline")
    assert (sentences[-1].start, sentences[-1].end) == (first.start, said[-1].end)
    facts = extract_facts(segments, max_facts=3)
    assert [f.text for f in facts] == [tail]
    assert facts[0].start == first.start


def test_run_on_without_capitals_is_cut_at_pauses() -> None:
    # No punctuation and no capitals at all: the statement inside is still found, cut where
    # the speaker paused, with its own words' times.
    claim = "the council voted seven to two on tuesday to extend the tram to the airport"
    words: list[Word] = []
    t = 0.0
    for i, w in enumerate(f"{RUN_ON} {claim} {RUN_ON}".split()):
        if i in (len(RUN_ON.split()), len(RUN_ON.split()) + len(claim.split())):
            t += 0.9  # a breath before and after the claim
        words.append(Word(round(t, 2), round(t + 0.3, 2), " " + w))
        t += 0.35
    segments = [Segment(0.0, t, " ".join(w.word.strip() for w in words), tuple(words))]
    texts = [s.text for s in speech_sentences(segments)]
    assert claim in texts
    assert all(len(s.split()) <= 30 for s in texts)
    facts = extract_facts(segments, max_facts=3)
    said = "The council voted seven to two on tuesday to extend the tram to the airport."
    assert said in [f.text for f in facts]
    assert all(grounded(f, segments) for f in facts)


def test_claim_split_across_segments_is_joined() -> None:
    segments, spans, _ = load("northline_report")
    texts = [s.text for s in speech_sentences(segments, spans)]
    assert any("timetable which was published this morning." in t for t in texts)


def test_near_duplicates_are_not_both_kept() -> None:
    segments, spans, _ = load("reef_interview")
    facts = extract_facts(segments, spans, max_facts=50)
    about_shade = [f for f in facts if "open water" in f.text]
    assert len(about_shade) == 1
    for i, a in enumerate(facts):
        for b in facts[i + 1 :]:
            ta, tb = set(content_terms(a.text)), set(content_terms(b.text))
            assert len(ta & tb) / (len(ta) * len(tb)) ** 0.5 < 0.4


def test_a_new_ad_span_removes_the_facts_inside_it() -> None:
    segments, spans, _ = load("northline_report")
    facts = extract_facts(segments, spans)
    target = facts[0]
    more = [*spans, AdSpan(target.start - 1, target.end + 1, 0.9, "test")]
    assert target.text not in [f.text for f in extract_facts(segments, more)]


# --- the bundled demo (tiny.en transcripts of demo/audio, no ad spans given) ----------------------

DEMO_FACTS = {
    "ep1": [
        "On Tuesday, the Brookfield City Council voted seven to two to extend the green line "
        "tram to the airport. It should open in 2030.",
        "The extension is six kilometers long with four new stations. It will cost $310 "
        "million, mostly from the national transport fund.",
    ],
    "ep2": [
        "The northern water authority says reservoir levels reached 64% on Monday, up from "
        "41% in January.",
        "We have twice the usual rain in March, but the soil is still very dry.",
        "If the reservoirs are not at 70% by June, we will need water restrictions.",
    ],
    "ep3": [
        # Three facts for a short episode; the fuller of its two "we" statements wins the
        # third place over "We now open 7 days a week." (issue 25: a fact that says more).
        "The Northgate Library reopened on June 3rd after an 18-month renovation.",
        "We added a children's wing, and solar panels on the roof.",
        "The panels now make 40% of the library's electricity.",
    ],
}


@pytest.mark.parametrize("episode", sorted(DEMO_FACTS))
def test_demo_facts_are_the_ones_a_reader_would_keep(episode: str) -> None:
    segments = load_transcript_file(DEMO / f"{episode}.json")
    facts = extract_facts(segments)  # even with the ads left in, none of them is a fact
    assert [f.text for f in facts] == DEMO_FACTS[episode]
    for fact in facts:
        assert grounded(fact, segments)
        assert fact.to_json()["entities"] == list(fact.entities)


def test_facts_name_their_entities_and_json_always_has_the_list() -> None:
    segments, spans, _ = load("northline_report")
    facts = {f.text.split()[0]: f for f in extract_facts(segments, spans, max_facts=50)}
    assert "Northline Rail" in facts["Northline"].entities
    assert any("Helen Garrick" in e for e in facts["Transport"].entities)
    demo = extract_facts(load_transcript_file(DEMO / "ep3.json"))
    assert demo[0].entities == ("Northgate Library",)  # the small model alone misses it
    bare = Fact("The tram opens in May 2030.", 1.0, 2.0, 0.5)
    assert bare.to_json()["entities"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Transport Minister Helen Garrick visited York City Council on Friday.",
            [("Transport Minister Helen Garrick", "person"), ("York City Council", "org")],
        ),
        (
            "On Black Friday the Bank of America branch in New York closed early.",
            [("Bank of America", "org"), ("New York", "place")],
        ),
        ("Okay, so I think we should go. Yeah.", []),
        (
            "Dr. Amara Lee of the Wake County Sheriff's Office spoke to NASA and the BBC.",
            [
                ("Dr. Amara Lee", "person"),
                ("Wake County Sheriff's Office", "org"),
                ("NASA", "org"),
                ("BBC", "org"),
            ],
        ),
        ("The CEO said AI and TV sales rose in Kenya.", [("Kenya", "place")]),
    ],
)
def test_extract_entities(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(e.text, e.kind) for e in extract_entities(text)] == expected


def test_episode_vocabulary_accepts_sentence_initial_names() -> None:
    texts = ["We spoke to Okafor about reefs.", "Okafor said the reef recovered."]
    proper = proper_vocabulary(texts)
    assert [e.text for e in extract_entities(texts[1], proper)] == ["Okafor"]
    assert extract_entities(texts[1]) == []  # without the episode, an unknown first word


# --- count scaling, transcripts without word times ------------------------------------------------


def synthetic_episode(minutes: float, seed: int = 7) -> list[Segment]:
    """Varied news-like sentences of invented words, one per segment, filling `minutes`."""
    rng = random.Random(seed)
    syllables = "ka lo mi ren tas vo pel dor ish mun bar tel sif gan ro ve".split()
    vocab = sorted({"".join(rng.sample(syllables, 3)) for _ in range(600)})
    segments: list[Segment] = []
    t = 0.0
    while t < minutes * 60:
        a, b, c, d, e, f = rng.sample(vocab, 6)
        text = (
            f"The {a.title()} {b.title()} Group built {rng.randint(2, 900)} {c} towers near "
            f"{d.title()} for {e} {f} in {rng.randint(1990, 2030)}."
        )
        words = []
        for w in text.split():
            words.append(Word(round(t, 2), round(t + 0.35, 2), " " + w))
            t += 0.4
        segments.append(Segment(words[0].start, words[-1].end, text, tuple(words)))
        t += 2.0
    return segments


# Hours of invented talk through the whole extractor: seconds each, so out of the inner loop.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("minutes", "expected"), [(6, 4), (10, 5), (20, 6), (34, 9), (60, 13), (120, 23)]
)
def test_count_scales_with_episode_length(minutes: float, expected: int) -> None:
    assert fact_count(minutes * 60) == expected
    facts = extract_facts(synthetic_episode(minutes))
    assert len(facts) == expected


@pytest.mark.slow
def test_count_ignores_ad_time_and_honours_max_facts() -> None:
    segments = synthetic_episode(20)
    assert len(extract_facts(segments)) == 6
    assert len(extract_facts(segments, [AdSpan(0, 600, 1.0, "long ad")])) == 5
    assert len(extract_facts(segments, max_facts=3)) == 3
    assert extract_facts(segments, max_facts=0) == []
    assert extract_facts([]) == []


@pytest.mark.slow
def test_deterministic() -> None:
    segments = synthetic_episode(45, seed=3)
    assert extract_facts(segments) == extract_facts(list(segments))


def test_segments_without_word_times() -> None:
    segments, spans, _ = load("northline_report")
    bare = [Segment(s.start, s.end, s.text) for s in segments]
    facts = extract_facts(bare, spans, max_facts=50)
    assert any("4% in January" in f.text for f in facts)
    for fact in facts:
        assert any(s.start <= fact.start and fact.end <= s.end + 1e-6 for s in bare) or any(
            s.start <= fact.start <= s.end for s in bare
        )


# --- LLM backend against a real local server ------------------------------------------------------

TRUE_FARES = "Northline Rail confirmed on Tuesday that regional fares will rise by 4% in January."
TRUE_COUNCIL = "York City Council voted 31 to 9 on Thursday to close Micklegate to private cars."
INVENTED = "Northline Rail will cut fares by 10% in Manchester next year."
AD_FACT = "Brightfold mattresses are made in Sheffield and ship free within 48 hours."
API_KEY = "sk-test-secret-0123456789"


def chat(content: str) -> dict:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}


class _Recorded(BaseHTTPRequestHandler):
    replies: list[tuple[int, object]] = []
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        type(self).seen.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        status, payload = type(self).replies.pop(0)
        data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def llm_server() -> Iterator[tuple[str, type[_Recorded]]]:
    handler = type("Handler", (_Recorded,), {"replies": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()


def run_llm(base_url: str, **kwargs: object) -> list[Fact]:
    segments, spans, _ = load("northline_report")
    return extract_facts_llm(
        segments, spans, base_url=base_url, model="tiny", api_key=API_KEY, timeout_s=5, **kwargs
    )


def test_llm_fenced_json_is_parsed_and_grounded(llm_server) -> None:
    base_url, handler = llm_server
    reply = f'Here are the facts:\n```json\n[{{"text": "{TRUE_FARES}", "score": 0.9}}]\n```\nDone.'
    handler.replies.append((200, chat(reply)))
    facts = run_llm(base_url)
    assert [f.text for f in facts] == [TRUE_FARES]
    segments, _, _ = load("northline_report")
    said = said_between(segments, facts[0].start, facts[0].end)
    assert said == [normalize_word(w) for w in TRUE_FARES.split()]
    assert facts[0].score == 0.9 and "Northline Rail" in facts[0].entities
    request = handler.seen[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == f"Bearer {API_KEY}"
    prompt = request["body"]["messages"][-1]["content"]
    assert "Brightfold" not in prompt  # ad speech is never sent


def test_llm_object_wrapped_list_and_hallucination_rejected(llm_server) -> None:
    base_url, handler = llm_server
    payload = {
        "facts": [
            {"text": INVENTED, "score": 1.0},
            {"text": TRUE_COUNCIL, "score": 0.8},
            {"text": AD_FACT, "score": 0.7},
            {"text": 42},
        ]
    }
    handler.replies.append((200, chat("Sure! " + json.dumps(payload))))
    facts = run_llm(base_url)
    assert [f.text for f in facts] == [TRUE_COUNCIL]


def test_llm_malformed_json_is_a_clear_error(llm_server) -> None:
    base_url, handler = llm_server
    handler.replies.append((200, chat('```json\n[{"text": "Fares rise", }\n```')))
    with pytest.raises(LLMError, match="no JSON list of facts"):
        run_llm(base_url)


def test_llm_server_error_is_an_llm_error_without_the_key(llm_server) -> None:
    base_url, handler = llm_server
    handler.replies.append((500, {"error": "model crashed"}))
    with pytest.raises(LLMError, match="HTTP 500") as info:
        run_llm(base_url)
    assert API_KEY not in str(info.value)


def test_llm_unreachable_endpoint_is_an_llm_error() -> None:
    with pytest.raises(LLMError, match="cannot reach the LLM endpoint") as info:
        run_llm("http://127.0.0.1:9/v1")
    assert API_KEY not in str(info.value)


@pytest.mark.parametrize(
    "reply",
    [
        '[{"text": "A"}]',
        '```\n{"facts": [{"text": "A"}]}\n```',
        'The list: {"results": [{"text": "A", "score": 0.5}]} as asked.',
        '{"text": "A"}',
        '["A"]',
    ],
)
def test_parse_facts_reply_tolerates_wrapping(reply: str) -> None:
    assert [text for text, _ in parse_facts_reply(reply)] == ["A"]


def test_parse_facts_reply_is_strict_about_content() -> None:
    reply = '[{"text": "A", "score": "high"}, {"fact": "B"}, {"text": "C", "score": 0.2}]'
    assert parse_facts_reply(reply) == [("C", 0.2)]
    with pytest.raises(LLMError):
        parse_facts_reply("I could not find any facts.")
