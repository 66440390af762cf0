"""The bundled sentence-embedding model: offline, deterministic, normalised, meaningful."""

from __future__ import annotations

import numpy as np

from podsift.tasks.core import embedding


def test_vectors_are_unit_length_and_empty_text_is_zero() -> None:
    v = embedding.embed(["The release adds pattern matching.", "", "   "])
    assert v.shape == (3, embedding.DIM)
    assert v.dtype == np.float32
    assert abs(float(np.linalg.norm(v[0])) - 1.0) < 1e-4
    assert not v[1].any() and not v[2].any()


def test_no_texts_gives_an_empty_matrix() -> None:
    assert embedding.embed([]).shape == (0, embedding.DIM)


def test_a_text_embeds_the_same_alone_and_in_a_batch() -> None:
    texts = [
        "Short one.",
        "Use code SHOW for twenty percent off your first order at example dot com.",
        "We talked about how the compiler lowers pattern matching into jump tables.",
    ]
    batch = embedding.embed(texts)
    alone = embedding.embed([texts[1]])
    assert float(alone[0] @ batch[1]) > 0.999


def test_two_sponsor_reads_are_closer_than_a_read_and_a_technical_remark() -> None:
    read_a = "This episode is brought to you by Acme, go to acme dot com slash show for a discount."
    read_b = "Our sponsor today is Globex: visit globex dot com and use code PODCAST to save."
    remark = "The garbage collector now runs concurrently with the interpreter's main loop."
    a, b, r = embedding.embed([read_a, read_b, remark])
    assert float(a @ b) > float(a @ r) + 0.1
