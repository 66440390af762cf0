"""Facts extractor (offline and LLM backends) on scripted episodes written for these tests."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tasks.entities import extract_entities, proper_vocabulary
from tasks.facts import (
    clean_sentence,
    content_terms,
    extract_facts,
    fact_count,
    normalize_word,
    speech_sentences,
    split_run_on,
    split_sentences,
    spoken_words,
)
from tasks.llm_facts import LLMError, extract_facts_llm, parse_facts_reply
from tasks.records import AdSpan, Fact, Segment, Word, load_transcript_file, spans_from_json

DATA = Path(__file__).parent / "data" / "facts"
EPISODES = sorted(
    p.stem for p in DATA.glob("*.json") if not p.name.endswith((".ads.json", ".reference.json"))
)
FILLER_STARTS = ("well", "so", "and", "but", "yeah", "i mean", "you know", "okay", "oh", "like")


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


# --- scripted episodes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", EPISODES)
def test_every_fact_is_a_reference_fact(name: str) -> None:
    segments, spans, reference = load(name)
    facts = extract_facts(segments, spans)
    assert facts
    for fact in facts:
        assert any(matches_reference(fact, ref) for ref in reference["facts"]), fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_no_greetings_intros_outros_or_questions(name: str) -> None:
    segments, spans, reference = load(name)
    for fact in extract_facts(segments, spans, max_facts=50):
        assert not fact.text.endswith("?")
        for never in reference["never"]:
            assert normalize_word(never[:30]) not in normalize_word(fact.text), fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_nothing_inside_ad_spans(name: str) -> None:
    segments, spans, _ = load(name)
    assert spans
    for fact in extract_facts(segments, spans, max_facts=50):
        assert all(fact.end <= s.start or fact.start >= s.end for s in spans), fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_timestamps_are_where_the_words_were_said(name: str) -> None:
    segments, spans, _ = load(name)
    for fact in extract_facts(segments, spans, max_facts=50):
        said = said_between(segments, fact.start, fact.end)
        assert said == [normalize_word(w) for w in fact.text.split()], fact.text


@pytest.mark.parametrize("name", EPISODES)
def test_facts_are_standalone(name: str) -> None:
    segments, spans, _ = load(name)
    facts = extract_facts(segments, spans, max_facts=50)
    for fact in facts:
        lowered = fact.text.lower()
        assert not lowered.startswith(tuple(f"{f} " for f in FILLER_STARTS)), fact.text
        assert not lowered.startswith(tuple(f"{f}," for f in FILLER_STARTS)), fact.text
        assert fact.text[0].isupper() and fact.text.endswith((".", "!"))
        assert " um " not in f" {lowered} " and " uh " not in f" {lowered} "
    assert [f.start for f in facts] == sorted(f.start for f in facts)


def test_fillers_stripped_and_start_moves_to_first_kept_word() -> None:
    segments, spans, _ = load("northline_report")
    facts = extract_facts(segments, spans)
    fares = next(f for f in facts if "fares" in f.text)
    assert fares.text == (
        "Northline Rail confirmed on Tuesday that regional fares will rise by 4% in January."
    )
    words = spoken_words(segments)
    well = next(i for i, w in enumerate(words) if w.text == "Well,")
    assert words[well + 1].text == "Northline"
    assert fares.start == words[well + 1].start


def test_clean_sentence_strips_connectives_disfluencies_and_tag_questions() -> None:
    words = "So yeah, I mean, and so um fares rise by 4% in January, right?".split()
    sentence = split_sentences(
        spoken_words(
            [
                Segment(
                    0.0,
                    10.0,
                    " ".join(words),
                    tuple(Word(float(i), i + 0.8, " " + w) for i, w in enumerate(words)),
                )
            ]
        )
    )[0]
    cleaned = clean_sentence(sentence)
    assert cleaned is not None
    assert cleaned.text == "Fares rise by 4% in January."
    assert cleaned.start == 7.0  # "fares" is the eighth word


def test_clean_sentence_keeps_meaningful_openings() -> None:
    for text in ("Well over half the trains were late.", "So many stations closed in 2020."):
        words = text.split()
        segment = Segment(
            0.0, 5.0, text, tuple(Word(float(i), i + 0.5, " " + w) for i, w in enumerate(words))
        )
        cleaned = clean_sentence(split_sentences(spoken_words([segment]))[0])
        assert cleaned is not None and cleaned.text == text


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


INTERVIEW_OPENING = [
    "Hello everyone, and welcome to Ledger Lines.",
    "I'm your host, Marcus Bell.",
    "Today I'm joined by Ines Varga, chief economist at the Halden Cooperative Bank.",
    "Great to have you here, Ines.",
]
INTERVIEW_BODY = [
    "Rural lending by cooperative banks in Portugal fell by 18% between 2021 and 2024.",
    "The Halden Cooperative Bank closed 14 branches in the Alentejo region last year.",
    "Farm loans now make up less than a tenth of the bank's lending in Portugal.",
    "The central bank in Lisbon raised reserve rules for small lenders in March 2023.",
    "Young farmers in the Alentejo now wait about nine months for a loan decision.",
    "A new state guarantee fund of 300 million euros opens to cooperative lenders in 2026.",
]


def test_guest_introduction_with_role_is_a_fact_greetings_are_not() -> None:
    facts = extract_facts(spoken(INTERVIEW_OPENING + INTERVIEW_BODY), max_facts=50)
    texts = [f.text for f in facts]
    assert "Today I'm joined by Ines Varga, chief economist at the Halden Cooperative Bank." in (
        texts
    )
    for greeting in ("welcome to Ledger Lines", "your host", "Great to have you"):
        assert not any(greeting in t for t in texts), greeting


def test_guest_introduction_leads_the_facts() -> None:
    # The body's sentences are denser in names and numbers, but an editor opens with who the
    # episode is with; the lead is chosen first and kept at its place in time.
    facts = extract_facts(spoken(INTERVIEW_OPENING + INTERVIEW_BODY), max_facts=1)
    assert [f.text[:30] for f in facts] == ["Today I'm joined by Ines Varga"]


@pytest.mark.parametrize(
    ("line", "is_fact"),
    [
        ("My guest today is Doctor Lena Ortiz from the Calder Institute of Soil Science.", True),
        ("In this episode I sit down with Omar Haddad, who leads robotics at Vantor.", True),
        ("This is the story of Maria Keller and the night the Aldgate mill burned down.", True),
        (
            "Today we talk about how Baltic herring stocks recovered after the 2015 quota cuts.",
            True,
        ),
        ("Hello and welcome to The Harbour Hour, the weekly show about boats and sailing.", False),
        ("I'm your host, Dana Whitfield, and it's great to have you with us today.", False),
        ("Welcome back to Deep Current, the podcast about the ocean and its people.", False),
        ("Good morning everybody and welcome to a special episode of the Harbour Hour.", False),
        ("Today I'm joined by my good friend Sam, it's great to have him back again.", False),
    ],
)
def test_opening_statements_versus_greetings(line: str, is_fact: bool) -> None:
    filler = [
        "The harbour dredging finished in April after eleven weeks of work.",
        "Ferry crossings to the island rose by a third over the summer season.",
        "The port authority plans a second container berth on the north quay.",
    ]
    facts = extract_facts(spoken([line, *filler]), max_facts=50)
    assert any(f.text == line for f in facts) is is_fact


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


def test_run_on_is_cut_where_whisper_casing_returns() -> None:
    tail = "Northline Rail confirmed a new timetable for the Leeds to Carlisle line."
    sentences = speech_sentences(spoken([f"{RUN_ON} {tail}"]))
    assert [s.text for s in sentences][-1] == tail
    assert len(sentences[0].words) > 55  # the run-on itself stays one (too long) sentence
    # Only where the sentence is cut changes: the tail keeps the times its words were said.
    said = spoken_words(spoken([f"{RUN_ON} {tail}"]))
    first = next(w for w in said if w.text == "Northline")
    assert (sentences[-1].start, sentences[-1].end) == (first.start, said[-1].end)
    facts = extract_facts(spoken([f"{RUN_ON} {tail}"]), max_facts=3)
    assert [f.text for f in facts] == [tail]
    assert facts[0].start == first.start


@pytest.mark.parametrize(
    "tail",
    [
        # The word before the capital continues the clause: a name, not a new sentence.
        "inside Lowe's and Home Depot where they sell gutter guards.",
        "a lot of European cars with plates from Belgium.",
        # "I" is capitalised inside run-ons too.
        "I don't know if the council will ever agree to it.",
    ],
)
def test_run_on_is_not_cut_at_names_or_i(tail: str) -> None:
    sentence = split_sentences(spoken_words(spoken([f"{RUN_ON} {tail}"])))[0]
    assert split_run_on(sentence) == [sentence]


def test_punctuated_sentences_are_never_cut_at_capitals() -> None:
    # A well-punctuated sentence up to MAX_WORDS long is left alone, names and all.
    line = (
        "The council said the plan, which was drawn up with Northline Rail and the Leeds "
        "Transport Board after two years of talks, will close Micklegate to private cars."
    )
    sentence = split_sentences(spoken_words(spoken([line])))[0]
    assert split_run_on(sentence) == [sentence]
    long_line = " ".join([line[:-1] + ","] * 3)  # over MAX_WORDS, but punctuated throughout
    sentence = split_sentences(spoken_words(spoken([long_line])))[0]
    assert split_run_on(sentence) == [sentence]


def test_subjectless_fragments_lose_to_full_sentences() -> None:
    lines = [
        "Was sold to the Grafton Museum by the Andrews Trust in 1908 for 40 dollars.",
        "The old ferry was sold to the Grafton Museum by the Andrews Trust in 1908.",
        "The island now has a bridge and a bus that runs twice an hour.",
    ]
    facts = extract_facts(spoken(lines), max_facts=1)
    assert [f.text[:13] for f in facts] == ["The old ferry"]


def test_claim_split_across_segments_is_joined() -> None:
    segments, spans, _ = load("northline_report")
    texts = [s.text for s in speech_sentences(segments, spans)]
    assert any("timetable which was published this morning." in t for t in texts)
    facts = extract_facts(segments, spans, max_facts=50)
    trains = [f for f in facts if "March 2027" in f.text]
    assert trains and trains[0].text.endswith("which was published this morning.")


def test_multi_sentence_segments_are_split() -> None:
    segments, spans, _ = load("reef_interview")
    sentences = speech_sentences(segments, spans)
    assert len(sentences) > 2 * len(segments)
    facts = extract_facts(segments, spans, max_facts=50)
    ningaloo = next(f for f in facts if "Ningaloo" in f.text)
    assert ningaloo.text.endswith("between 2019 and 2023.")  # said across two segments


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


def test_entities_found_in_facts() -> None:
    segments, spans, _ = load("northline_report")
    facts = {f.text.split()[0]: f for f in extract_facts(segments, spans, max_facts=50)}
    assert "Northline Rail" in facts["Northline"].entities
    transport = facts["Transport"].entities
    assert any("Helen Garrick" in e for e in transport)
    assert "Leeds" in transport and "Carlisle" in transport
    assert {"River Ouse", "Selby"} <= set(facts["The"].entities) | set(
        e for f in facts.values() for e in f.entities
    )


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


@pytest.mark.parametrize(
    ("minutes", "expected"), [(6, 3), (10, 5), (30, 7), (60, 10), (120, 15), (180, 15)]
)
def test_count_scales_with_episode_length(minutes: float, expected: int) -> None:
    assert fact_count(minutes * 60) == expected
    facts = extract_facts(synthetic_episode(minutes))
    assert len(facts) == expected


def test_count_ignores_ad_time_and_honours_max_facts() -> None:
    segments = synthetic_episode(20)
    assert len(extract_facts(segments, [AdSpan(0, 600, 1.0, "long ad")])) == 5
    assert len(extract_facts(segments, max_facts=3)) == 3
    assert extract_facts(segments, max_facts=0) == []
    assert extract_facts([]) == []


def test_deterministic() -> None:
    segments = synthetic_episode(45, seed=3)
    assert extract_facts(segments) == extract_facts(list(segments))


def test_segments_without_word_times() -> None:
    segments, spans, _ = load("northline_report")
    bare = [Segment(s.start, s.end, s.text) for s in segments]
    facts = extract_facts(bare, spans)
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
