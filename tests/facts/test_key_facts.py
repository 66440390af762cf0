"""What a reader would keep (issue 25): an answer's claim, words as said without fillers, a claim
said in two sentences, and no host introduction or plan. Every transcript here is invented."""

from __future__ import annotations

from podsift.tasks.core.records import Segment
from podsift.tasks.facts import NotAFact, clean_sentence, extract_facts, speech_sentences
from podsift.tasks.facts.candidates import judge, standalone_declarative
from podsift.tasks.facts.nlp import parse
from podsift.tasks.facts.sentences import grounded
from tests.facts.test_facts import spoken as _spoken


def spoken(lines: list[str], pause: float = 0.6) -> list[Segment]:
    """One segment per line, 0.4 s per word, `pause` seconds between lines."""
    return _spoken(lines, pause)


HOST_OPENING = [
    "Welcome back to Harbour Notes, I'm Dana Reyes.",
    "Today we're going to talk about the ferries of the Tidewater estuary.",
]


def test_question_then_answer_gives_the_answers_claim() -> None:
    segments = spoken(
        [
            *HOST_OPENING,
            "So how many people actually ride the Tidewater ferry in a year?",
            "The Tidewater ferry carried four hundred thousand passengers in 2023, most of "
            "them commuters from Port Avon.",
            "Wow, that is a lot more than I expected, honestly.",
            "And when did the service start?",
            "The Port Avon Ferry Company started the crossing in 1911 with two steam boats.",
        ]
    )
    facts = extract_facts(segments)
    texts = [f.text for f in facts]
    assert any("four hundred thousand passengers in 2023" in t for t in texts)
    assert any("started the crossing in 1911" in t for t in texts)
    assert not any("?" in t or t.startswith(("Welcome", "Today")) for t in texts)
    assert all(grounded(f, segments) for f in facts)


def test_fillers_and_false_starts_stripped_words_still_grounded() -> None:
    segments = spoken(
        [
            *HOST_OPENING,
            "I mean, the the Marlow swing bridge, you know, opened in 1932 and it, it cost "
            "the county twelve million dollars.",
        ]
    )
    (sentence,) = [s for s in speech_sentences(segments) if "Marlow" in s.text]
    cleaned = clean_sentence(sentence)
    assert cleaned is not None
    assert cleaned.text == (
        "The Marlow swing bridge opened in 1932 and it cost the county twelve million dollars."
    )
    facts = extract_facts(segments)
    marlow = [f for f in facts if "Marlow" in f.text]
    assert marlow and "the the" not in marlow[0].text.lower()
    assert "you know" not in marlow[0].text and "it, it" not in marlow[0].text
    assert all(grounded(f, segments) for f in facts)
    assert all(standalone_declarative(f.text) for f in facts)


def test_a_claim_said_in_two_sentences_is_joined() -> None:
    segments = spoken(
        [
            *HOST_OPENING,
            "The Orchard Street ferry terminal reopened in March after a two year rebuild.",
            "The rebuilt terminal now handles ninety sailings a day to Kessock Island.",
            "Thanks so much for coming on the show, Sam.",
        ]
    )
    facts = extract_facts(segments)
    joined = [f for f in facts if "reopened in March" in f.text and "ninety sailings" in f.text]
    assert len(joined) == 1
    fact = joined[0]
    assert grounded(fact, segments)
    assert standalone_declarative(fact.text)
    # Neither half comes back on its own beside the pair.
    assert sum("Orchard Street" in f.text or "ninety sailings" in f.text for f in facts) == 1


def test_host_introduction_and_plan_are_not_facts() -> None:
    intro, plan = parse(HOST_OPENING)
    assert judge(intro) in (NotAFact.GREETING, NotAFact.INTRODUCTION)
    assert judge(plan) == NotAFact.EPISODE_PLAN
    (guest,) = parse(["My guest is Sam Okafor, the harbour master at Port Avon."])
    assert judge(guest) == NotAFact.INTRODUCTION
    segments = spoken(
        [
            *HOST_OPENING,
            "My guest is Sam Okafor, the harbour master at Port Avon.",
            "The estuary's ferries carry eleven thousand cars a week between the two banks.",
        ]
    )
    texts = [f.text for f in extract_facts(segments)]
    assert any("eleven thousand cars a week" in t for t in texts)
    assert not any("Dana Reyes" in t or "going to talk" in t or "My guest" in t for t in texts)


def test_generic_you_with_a_name_states_what_it_lets_you_do() -> None:
    does, plug = parse(
        [
            "With Ferrywise you can book a crossing to Kessock Island from your phone.",
            "You can find Harbour Notes on Mastodon every week.",
        ]
    )
    assert judge(does) is None
    assert judge(plug) is not None


def test_past_tense_the_parser_reads_as_a_participle_is_still_a_statement() -> None:
    (doc,) = parse(["The Orchard Street terminal reopened in March after a two year rebuild."])
    assert judge(doc) is None


def test_question_then_pronoun_answer_gives_a_fact_naming_the_subject() -> None:
    segments = spoken(
        [
            *HOST_OPENING,
            "So what does the Kestrel Line actually do?",
            "It runs three electric ferries between Port Avon and Marrow Point every forty "
            "minutes.",
            "The harbour authority opened the new terminal in March 2022 for eleven million "
            "pounds.",
        ]
    )
    facts = extract_facts(segments)
    answer = [f for f in facts if "three electric ferries" in f.text]
    assert len(answer) == 1
    fact = answer[0]
    # The question names what "It" stands for; its words are as said, so it stays grounded.
    assert fact.text.startswith("What does the Kestrel Line actually do? It runs")
    assert grounded(fact, segments)
    assert standalone_declarative(fact.text)
    assert all(grounded(f, segments) and standalone_declarative(f.text) for f in facts)


def test_pronoun_opener_with_no_antecedent_is_still_rejected() -> None:
    segments = spoken(
        [
            *HOST_OPENING,
            "What does it do?",
            "It runs three electric ferries between Port Avon and Marrow Point every forty "
            "minutes.",
            "Yeah, that is quite something, honestly.",
            "It carries nine hundred cars a day across the estuary in summer.",
            "The harbour authority opened the new terminal in March 2022 for eleven million "
            "pounds.",
        ]
    )
    texts = [f.text for f in extract_facts(segments)]
    assert not any("three electric ferries" in t or "nine hundred cars" in t for t in texts)
    assert any("opened the new terminal in March 2022" in t for t in texts)
    # The rule itself: a question that names nothing does not carry its answer's pronoun, nor
    # does an answer that is itself a question.
    assert not standalone_declarative(
        "What does it do? It runs three electric ferries between Port Avon and Marrow Point."
    )
    assert not standalone_declarative("What does the Kestrel Line do? Does it run ferries?")
    # The host musing is no question about the ferries.
    assert not standalone_declarative(
        "Do we need the Kestrel Line anymore? It carries nine hundred cars a day in summer."
    )
    assert not standalone_declarative("It runs three electric ferries between two ports.")


def test_an_answer_that_states_nothing_checkable_is_not_read_with_the_question() -> None:
    segments = spoken(
        [
            *HOST_OPENING,
            "Why did the harbour switch to electric boats?",
            "That is a long story, to be fair to everyone involved.",
            "The harbour authority opened the new terminal in March 2022 for eleven million "
            "pounds.",
        ]
    )
    texts = [f.text for f in extract_facts(segments)]
    assert not any("long story" in t or "?" in t for t in texts)
