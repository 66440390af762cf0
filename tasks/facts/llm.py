"""Optional LLM facts backend for any OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp, hosted).

The offline extractor (`podsift.tasks.facts.extract_facts`) stays the default. This backend sends
the
episode's non-ad sentences, with times, to `{base_url}/chat/completions` and trusts nothing it
gets back:

- **Tolerant about wrapping.** The reply may be bare JSON, JSON in a code fence, JSON with prose
  around it, or an object around the list (`{"facts": [...]}`).
- **Strict about content.** Each fact must be an object with a non-empty string `text` (a bare
  string is accepted as the text); an optional `score` must be a number. Anything else is
  dropped and logged. A reply with no JSON list of facts at all raises `LLMError`.
- **Grounded.** A fact is kept only when all its content words were said in the episode's
  non-ad speech, and at least `GROUNDING_SHARE` of them fall in one short stretch of it; that
  stretch gives the fact's start and end. Facts with invented names or numbers are rejected.

The API key is sent as a bearer token and appears in no log line or error message.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from podsift.tasks.core.errors import PodsiftError
from podsift.tasks.core.records import AdSpan, Fact, Segment
from podsift.tasks.core.timefmt import format_clock
from podsift.tasks.facts import (
    SpokenWord,
    content_terms,
    fact_count,
    speech_duration,
    speech_sentences,
    stem,
)
from podsift.tasks.facts.entities import extract_entities, proper_vocabulary

log = logging.getLogger(__name__)

GROUNDING_SHARE = 0.8  # of a fact's content words, found together in one stretch of speech
CHUNK_CHARS = 24_000  # transcript characters per request; about 6k tokens

_SYSTEM_PROMPT = (
    "You extract facts from podcast transcripts. A fact is one standalone sentence that states "
    "a claim about the world: people, places, organisations, numbers, dates, events, decisions "
    "or reasons. Use the speaker's own words, dropping fillers such as 'well', 'I mean', "
    "'and so'. Never include questions, greetings, show intros or outros, or advertising. "
    "Never add information that is not in the transcript. Answer with JSON only, in the form "
    '{"facts": [{"text": "...", "score": 0.0-1.0}]}, most important facts first.'
)

_FENCE_RE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)


class LLMError(PodsiftError):
    """The LLM endpoint failed or answered with something that holds no facts."""


@dataclass(frozen=True, slots=True)
class _Stretch:
    """Non-ad words said without an ad in between, with their stems for matching."""

    words: tuple[SpokenWord, ...]
    stems: tuple[str, ...]


def _stretches(segments: Sequence[Segment], ad_spans: Sequence[AdSpan]) -> list[_Stretch]:
    """Group the non-ad sentences into runs not separated by an ad."""
    runs: list[list[SpokenWord]] = []
    previous_end: float | None = None
    for sentence in speech_sentences(segments, ad_spans):
        crosses_ad = previous_end is not None and any(
            previous_end <= a.start and a.end <= sentence.start for a in ad_spans
        )
        if not runs or crosses_ad:
            runs.append([])
        runs[-1].extend(sentence.words)
        previous_end = sentence.end
    return [_Stretch(tuple(run), tuple(stem(w.text) for w in run)) for run in runs]


def _transcript_chunks(segments: Sequence[Segment], ad_spans: Sequence[AdSpan]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in speech_sentences(segments, ad_spans):
        line = f"[{format_clock(sentence.start)}] {sentence.text}"
        if current and size + len(line) > CHUNK_CHARS:
            chunks.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def _redact(text: str, api_key: str | None) -> str:
    return text.replace(api_key, "***") if api_key else text


def fetch_completion(
    client: httpx.Client,
    *,
    base_url: str,
    model: str,
    api_key: str | None,
    prompt: str,
    timeout_s: float,
) -> str:
    """POST one chat completion and return the message content.

    Raises:
        LLMError: the endpoint cannot be reached, times out, refuses, or answers without content.
    """
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = {
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": _SYSTEM_PROMPT},
            {"role": "user", "content": prompt},
        ],
    }
    try:
        response = client.post(url, json=body, headers=headers, timeout=timeout_s)
    except httpx.TimeoutException as exc:
        raise LLMError(
            f"the LLM endpoint {url} did not answer within {timeout_s:g} s; raise the timeout "
            "or use a smaller model"
        ) from exc
    except httpx.HTTPError as exc:
        reason = _redact(str(exc) or type(exc).__name__, api_key)
        raise LLMError(
            f"cannot reach the LLM endpoint {url} ({reason}); check base_url and that the "
            "server is running"
        ) from exc
    if response.status_code in (401, 403):
        raise LLMError(
            f"the LLM endpoint {url} refused the API key (HTTP {response.status_code}); check "
            "the key's environment variable"
        )
    if response.status_code == 404:
        raise LLMError(
            f"the LLM endpoint {url} answered HTTP 404; check that base_url ends with the API "
            f"root (often '/v1') and that model '{model}' exists there"
        )
    if response.status_code >= 400:
        detail = _redact(response.text[:200].strip(), api_key)
        raise LLMError(
            f"the LLM endpoint {url} failed with HTTP {response.status_code}"
            + (f": {detail}" if detail else "")
        )
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(
            f"the LLM endpoint {url} did not answer in the chat-completions shape "
            "(choices[0].message.content); is it OpenAI-compatible?"
        ) from exc
    if not isinstance(content, str) or not content.strip():
        raise LLMError(f"the LLM endpoint {url} answered with an empty message")
    return content


def _json_values(reply: str) -> list[Any]:
    """Every JSON value the reply holds: fenced blocks first, then the first bare value."""
    values: list[Any] = []
    for block in _FENCE_RE.findall(reply):
        try:
            values.append(json.loads(block))
        except ValueError:
            continue
    if values:
        return values
    decoder = json.JSONDecoder()
    for match in re.finditer(r"[\[{]", reply):
        try:
            value, _ = decoder.raw_decode(reply, match.start())
        except ValueError:
            continue
        if isinstance(value, (list, dict)):
            return [value]
    return []


def _fact_list(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in ("facts", "items", "results", "data", "output"):
            if isinstance(value.get(key), list):
                return value[key]
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
        if isinstance(value.get("text"), str):
            return [value]
    return None


def parse_facts_reply(reply: str) -> list[tuple[str, float | None]]:
    """The (text, score) pairs in a model's reply.

    Args:
        reply: the message content, as the model wrote it.

    Returns:
        Facts in the model's order; score is None when the model gave none.

    Raises:
        LLMError: the reply holds no JSON list of facts.
    """
    facts: list[Any] | None = None
    for value in _json_values(reply):
        facts = _fact_list(value)
        if facts is not None:
            break
    if facts is None:
        preview = " ".join(reply.split())[:80]
        raise LLMError(
            f"the model's reply holds no JSON list of facts (it starts: {preview!r}); use a "
            "model that follows JSON instructions"
        )
    out: list[tuple[str, float | None]] = []
    for i, item in enumerate(facts):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            log.warning("LLM fact %d dropped: not an object with a string 'text'", i)
            continue
        text = " ".join(item["text"].split())
        score = item.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
            log.warning("LLM fact %d dropped: score %r is not a number", i, score)
            continue
        if text:
            out.append((text, None if score is None else float(score)))
    return out


def ground_fact(text: str, stretches: Sequence[_Stretch]) -> tuple[float, float] | None:
    """Where in the non-ad speech a fact was said, or None when its words are not there.

    Every content word must occur somewhere in the non-ad speech, and at least
    `GROUNDING_SHARE` of them within one window of about twice the fact's length.
    """
    wanted = set(content_terms(text))
    if not wanted:
        return None
    said = {s for stretch in stretches for s in stretch.stems}
    if not wanted <= said:
        return None
    span = max(2 * len(text.split()), len(text.split()) + 10)
    best: tuple[int, int, _Stretch, int, int] | None = None  # (found, -length, stretch, i, j)
    for stretch in stretches:
        hits = [i for i, s in enumerate(stretch.stems) if s in wanted]
        for a, start in enumerate(hits):
            found: set[str] = set()
            end = start
            for pos in hits[a:]:
                if pos - start >= span:
                    break
                found.add(stretch.stems[pos])
                end = pos
            key = (len(found), -(end - start))
            if best is None or key > (best[0], best[1]):
                best = (len(found), -(end - start), stretch, start, end)
    if best is None or best[0] < GROUNDING_SHARE * len(wanted):
        return None
    _, _, stretch, i, j = best
    return stretch.words[i].start, stretch.words[j].end


def extract_facts_llm(
    segments: Sequence[Segment],
    ad_spans: Sequence[AdSpan] = (),
    *,
    base_url: str,
    model: str,
    api_key: str | None,
    timeout_s: float = 60.0,
    max_facts: int | None = None,
) -> list[Fact]:
    """Extract facts with an OpenAI-compatible chat model, keeping only grounded ones.

    Args:
        segments: the transcript.
        ad_spans: spans whose speech is neither sent to the model nor accepted as a source.
        base_url: the API root, e.g. "http://127.0.0.1:11434/v1".
        model: the model name the endpoint knows.
        api_key: bearer token, or None for local servers without auth.
        timeout_s: per-request timeout.
        max_facts: how many facts at most; by default `fact_count` of the non-ad speech.

    Returns:
        Grounded facts sorted by start time, near-duplicates removed.

    Raises:
        LLMError: the endpoint failed or a reply held no JSON list of facts.
    """
    chunks = _transcript_chunks(segments, ad_spans)
    if not chunks:
        return []
    k = fact_count(speech_duration(segments, ad_spans)) if max_facts is None else max_facts
    if k <= 0:
        return []
    stretches = _stretches(segments, ad_spans)
    proper = proper_vocabulary(" ".join(w.text for w in s.words) for s in stretches)
    per_chunk = max(1, -(-k // len(chunks)))
    candidates: list[tuple[float, int, Fact]] = []
    with httpx.Client() as client:
        for chunk in chunks:
            prompt = (
                f"List at most {per_chunk} facts from this podcast transcript excerpt. Each "
                "line starts with the time it was said.\n\n" + chunk
            )
            reply = fetch_completion(
                client,
                base_url=base_url,
                model=model,
                api_key=api_key,
                prompt=prompt,
                timeout_s=timeout_s,
            )
            parsed = parse_facts_reply(reply)
            for rank, (text, score) in enumerate(parsed):
                where = ground_fact(text, stretches)
                if where is None:
                    log.info("LLM fact rejected, not grounded in the transcript: %r", text[:120])
                    continue
                if score is None or not 0.0 <= score <= 1.0:
                    score = 1.0 - rank / max(len(parsed), 1)
                entities = tuple(e.text for e in extract_entities(text, proper))
                fact = Fact(text, where[0], where[1], round(score, 4), entities)
                candidates.append((score, len(candidates), fact))
    chosen: list[Fact] = []
    for _, _, fact in sorted(candidates, key=lambda c: (-c[0], c[1])):
        terms = set(content_terms(fact.text))
        if any(_similar(terms, set(content_terms(c.text))) for c in chosen):
            continue
        chosen.append(fact)
        if len(chosen) == k:
            break
    return sorted(chosen, key=lambda f: (f.start, f.end))


def _similar(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / (len(a) * len(b)) ** 0.5 >= 0.5
