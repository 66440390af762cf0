"""Sentence embeddings of the labelled episodes, computed once and cached on disk.

    python bench/learned/embeddings.py     # embed every labelled sentence, time a sample

Embedding the 208 labelled episodes' sentences takes several CPU minutes; the fitting script
and the benchmark read them from `CACHE_DIR` (outside the repo), keyed by the sentences' text,
so a changed sentence splitter never reads stale vectors.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from podsift.tasks.core import embedding

CACHE_DIR = (
    Path(os.environ.get("PODSIFT_BENCH_CACHE", Path.home() / ".cache" / "podsift-bench")) / "embed"
)


def _key(texts: Sequence[str]) -> str:
    h = hashlib.sha1()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def cached(texts: Sequence[str]) -> np.ndarray:
    """The texts' embeddings, from the cache or computed and stored."""
    path = CACHE_DIR / f"{_key(texts)}.npy"
    if path.exists():
        return np.load(path)
    vecs = embedding.embed(list(texts))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vecs)
    tmp.replace(path)
    return vecs


def main(argv: list[str] | None = None) -> int:
    """Fill the cache for every labelled episode, then time the embedding afresh on a sample."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=20, help="episodes to time afresh")
    args = ap.parse_args(argv)
    here = Path(__file__).resolve()
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here.parent]
    sys.path.insert(0, str(here.parents[1]))
    from learned.fit import load_examples

    t0 = time.perf_counter()
    examples = load_examples()  # embeds (and caches) what the cache lacks
    print(f"{len(examples)} episodes ready in {time.perf_counter() - t0:.0f} s", flush=True)
    step = max(1, len(examples) // max(args.sample, 1))
    cpu = wall = hours = 0.0
    words = 0
    for ex in examples[::step][: args.sample]:
        texts = [s.text for s in ex.prepared.sentences]
        w0, c0 = time.perf_counter(), time.process_time()
        embedding.embed(texts)
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        hours += ex.episode.duration_s / 3600
        words += sum(len(t.split()) for t in texts)
    print(
        f"embedding {hours:.1f} audio hours ({words} words): {cpu / hours:.2f} CPU s and "
        f"{wall / hours:.2f} s wall per audio hour, {1000 * cpu / max(words, 1):.3f} CPU ms a word"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
