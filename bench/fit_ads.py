"""Fit the learned ad detector on real episodes labelled by reading; write its weights file.

    python bench/fit_ads.py            # fit on every labelled real episode, write the model
    python bench/fit_ads.py --check    # only print what would be written

Data: the real episodes of `bench/labels/ads/` (five shows, read whole, see
bench/labels/PROTOCOL.md), the five ads-dev episodes (each its own show), and the ad-copy
templates of the shared corpus as extra examples of consumer-spot language (always in training,
never scored). Transcripts written or spoken here are not fitted on: they are regression checks.

What is fitted, and how:
- the sentence classifier: L2 logistic regression (scikit-learn, liblinear) on the features of
  `podsift.tasks.ads.features`, each show weighted equally (a show's sentences share a weight
  1 / its sentence count), so the model learns what carries across shows, not one show's habits;
  C chosen leave-one-show-out (`bench/ads.py --choose-c`);
- the sequence step's transition numbers, counted on the labels: the share of ad sentences,
  P(a break starts after a content sentence), P(a break goes on after an ad sentence);
- the sequence step's bias, minimum break length and minimum confidence: a grid, each point
  scored by the mean per-episode F1 at IoU >= 0.5 (an ad-free episode scores 1 with no span,
  0 with any) over out-of-fold scores (each show scored by a model fitted without it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

sys.path.append(str(Path(__file__).resolve().parent))
from ad_corpus import DEV_DIR, LabelledEpisode, load_ad_copy, load_layout, load_real  # noqa: E402
from ad_score import EpisodeScore  # noqa: E402

from podsift.tasks.ads import learned  # noqa: E402
from podsift.tasks.ads.features import DENSE_SIZE, HASH_SIZE, PLACE  # noqa: E402
from podsift.tasks.ads.model import AdModel, SequenceParams, save  # noqa: E402
from podsift.tasks.ads.sequence import ad_breaks  # noqa: E402
from podsift.tasks.core.records import Segment  # noqa: E402

MODEL_PATH = Path(__file__).resolve().parents[1] / "tasks" / "ads" / "model" / "ads_model.npz"
AD_COPY = "ad-copy"
DEFAULT_C = 1.0
# The sequence step's grid.
BIASES = (-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0)
MIN_BREAK_S = (0.0, 5.0, 10.0, 15.0, 20.0)
MIN_CONFIDENCE = (0.0, 0.3, 0.4, 0.5, 0.6)
# Seconds a synthetic ad-copy sentence lasts per word (the real corpus' synthetic timing).
_S_PER_WORD = 0.38


@dataclass(frozen=True, slots=True)
class Example:
    """One episode ready to fit on or score."""

    episode: LabelledEpisode
    prepared: learned.Prepared
    labels: np.ndarray  # 1 where over half the sentence lies in a true break

    @property
    def show(self) -> str:
        return self.episode.show


def sentence_labels(prepared: learned.Prepared, truth: Sequence[tuple[float, float]]) -> np.ndarray:
    out = np.zeros(len(prepared.sentences))
    for i, s in enumerate(prepared.sentences):
        length = max(s.end - s.start, 1e-6)
        inside = sum(max(0.0, min(s.end, b) - max(s.start, a)) for a, b in truth)
        out[i] = float(inside / length > 0.5)
    return out


def example(episode: LabelledEpisode) -> Example:
    prepared = learned.prepare(episode.segments, episode.description)
    return Example(episode, prepared, sentence_labels(prepared, episode.truth))


def ad_copy_examples(texts: Sequence[str]) -> list[Example]:
    """Each template as a short all-ad 'episode' placed mid-show (its place features neutral)."""
    out = []
    for k, text in enumerate(texts):
        words = text.split()
        if len(words) < 5:
            continue
        start = 600.0
        seg = Segment(start, start + _S_PER_WORD * len(words), text)
        prepared = learned.prepare([seg])
        if not prepared.sentences:
            continue
        dense = prepared.features.dense.copy()
        base = dense.shape[1] - len(PLACE)
        for name, value in (("pre-roll", 0.0), ("post-roll", 0.0), ("first tenth", 0.0),
                            ("last tenth", 0.0), ("relative position", 0.5)):  # fmt: skip
            dense[:, base + PLACE.index(name)] = value
        prepared = replace(prepared, features=replace(prepared.features, dense=dense))
        episode = LabelledEpisode(AD_COPY, AD_COPY, f"template-{k}", seg.end, None, [seg], [], [])
        out.append(Example(episode, prepared, np.ones(len(prepared.sentences))))
    return out


def load_examples(*, dev: bool = True) -> list[Example]:
    episodes = load_real()
    if dev and DEV_DIR.is_dir():
        episodes += [replace(e, source="real") for e in load_layout(DEV_DIR, "dev")]
    return [example(e) for e in episodes]


def design(examples: Sequence[Example]) -> sparse.csr_matrix:
    """The examples' sentences as one sparse matrix: own words | words near | dense."""
    rows, cols, vals = [], [], []
    dense_blocks = []
    r = 0
    for ex in examples:
        f = ex.prepared.features
        for i in range(len(f.own)):
            for b, v in f.own[i].items():
                rows.append(r)
                cols.append(b)
                vals.append(v)
            for b, v in f.near[i].items():
                rows.append(r)
                cols.append(HASH_SIZE + b)
                vals.append(v)
            r += 1
        dense_blocks.append(f.dense)
    words = sparse.csr_matrix((vals, (rows, cols)), shape=(r, 2 * HASH_SIZE))
    dense = sparse.csr_matrix(np.vstack(dense_blocks)) if dense_blocks else None
    return sparse.hstack([words, dense]).tocsr()


def show_weights(examples: Sequence[Example]) -> np.ndarray:
    """Each show's sentences weighted 1 / its sentence count, scaled to a mean of 1."""
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.show] = counts.get(ex.show, 0) + len(ex.labels)
    w = np.concatenate([np.full(len(ex.labels), 1.0 / counts[ex.show]) for ex in examples])
    return w * len(w) / w.sum()


def fit_classifier(examples: Sequence[Example], c: float = DEFAULT_C) -> AdModel:
    x = design(examples)
    y = np.concatenate([ex.labels for ex in examples])
    lr = LogisticRegression(C=c, solver="liblinear", max_iter=200)
    lr.fit(x, y, sample_weight=show_weights(examples))
    coef = lr.coef_[0]
    seq = counted_sequence([ex for ex in examples if ex.show != AD_COPY])
    return AdModel(
        coef[:HASH_SIZE].copy(),
        coef[HASH_SIZE : 2 * HASH_SIZE].copy(),
        coef[2 * HASH_SIZE :].copy(),
        float(lr.intercept_[0]),
        seq,
        {},
    )


def counted_sequence(examples: Sequence[Example]) -> SequenceParams:
    """Transition numbers counted on the labels (the grid's numbers left at neutral)."""
    ads = content = starts = ends = 0
    weighted_ad = weighted_all = 0.0
    w = show_weights(examples)
    k = 0
    for ex in examples:
        y = ex.labels
        ads += int(y.sum())
        content += int(len(y) - y.sum())
        starts += int(((y[1:] == 1) & (y[:-1] == 0)).sum()) + int(len(y) > 0 and y[0] == 1)
        ends += int(((y[1:] == 0) & (y[:-1] == 1)).sum())
        weighted_ad += float((w[k : k + len(y)] * y).sum())
        weighted_all += float(w[k : k + len(y)].sum())
        k += len(y)
    return SequenceParams(
        prior=weighted_ad / max(weighted_all, 1e-9),
        enter=max(starts, 1) / max(content, 1),
        stay=1.0 - max(ends, 1) / max(ads, 1),
        bias=0.0,
        min_break_s=0.0,
        min_confidence=0.0,
    )


def predict(model: AdModel, ex: Example) -> list[tuple[float, float]]:
    sents = ex.prepared.sentences
    if not sents:
        return []
    log_odds = model.log_odds(ex.prepared.features)
    return [(sents[a].start, sents[b].end) for a, b in ad_breaks(log_odds, sents, model.sequence)]


def score(ex: Example, pred: list[tuple[float, float]]) -> EpisodeScore:
    e = ex.episode
    return EpisodeScore(e.show, e.name, e.duration_s, list(e.truth), pred)


def choose_sequence(
    scored: Sequence[tuple[Example, np.ndarray]], base: SequenceParams
) -> SequenceParams:
    """The grid point with the best mean F1 (IoU >= 0.5, ad-free episodes counted) over
    `scored`: examples with their out-of-fold log-odds."""
    best, best_f = base, -1.0
    for bias in BIASES:
        for min_s in MIN_BREAK_S:
            for min_c in MIN_CONFIDENCE:
                params = replace(base, bias=bias, min_break_s=min_s, min_confidence=min_c)
                total = 0.0
                for ex, lo in scored:
                    s = ex.prepared.sentences
                    pred = [(s[a].start, s[b].end) for a, b in ad_breaks(lo, s, params)]
                    total += score(ex, pred).f()
                f = total / max(len(scored), 1)
                if f > best_f + 1e-9:
                    best, best_f = params, f
    return best


def out_of_fold(examples: Sequence[Example], extra: Sequence[Example], c: float) -> dict[str, AdModel]:
    """One model per show, fitted on every other show (and `extra`, always in training)."""
    shows = sorted({ex.show for ex in examples})
    return {
        show: fit_classifier([ex for ex in examples if ex.show != show] + list(extra), c)
        for show in shows
    }


def loso(
    examples: Sequence[Example], extra: Sequence[Example], c: float = DEFAULT_C
) -> tuple[dict[str, AdModel], list[tuple[Example, list[tuple[float, float]]]]]:
    """Leave-one-show-out: each show predicted by a model that never saw it, its sequence
    numbers chosen on the other shows' out-of-fold scores."""
    models = out_of_fold(examples, extra, c)
    oof = [(ex, models[ex.show].log_odds(ex.prepared.features)) for ex in examples]
    out = []
    final = {}
    for show, model in models.items():
        params = choose_sequence([(ex, lo) for ex, lo in oof if ex.show != show], model.sequence)
        final[show] = replace(model, sequence=params)
    for ex in examples:
        out.append((ex, predict(final[ex.show], ex)))
    return final, out


def fit_all(examples: Sequence[Example], extra: Sequence[Example], c: float = DEFAULT_C) -> AdModel:
    """The shipped model: fitted on everything; its sequence numbers chosen on out-of-fold
    scores of every show."""
    models = out_of_fold(examples, extra, c)
    oof = [(ex, models[ex.show].log_odds(ex.prepared.features)) for ex in examples]
    model = fit_classifier(list(examples) + list(extra), c)
    params = choose_sequence(oof, model.sequence)
    shows = sorted({ex.show for ex in examples})
    meta = {
        "fitted_on": (
            f"{dt.date.today().isoformat()}: {len(examples)} real episodes of {len(shows)} shows "
            f"({', '.join(shows)}) labelled by reading, plus {len(extra)} ad-copy templates"
        ),
        "classifier": f"L2 logistic regression, liblinear, C={c}, shows weighted equally",
        "sequence": "prior/enter/stay counted on the labels; bias, min_break_s, min_confidence: "
        "grid, best mean per-episode F1 (IoU>=0.5) on out-of-fold scores",
        "dense_size": DENSE_SIZE,
    }
    return replace(model, sequence=params, meta=meta)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="print, do not write")
    ap.add_argument("--c", type=float, default=DEFAULT_C, help="inverse L2 strength")
    args = ap.parse_args(argv)
    examples = load_examples()
    extra = ad_copy_examples(load_ad_copy())
    model = fit_all(examples, extra, args.c)
    print(model.meta["fitted_on"])
    print("sequence:", model.sequence)
    if not args.check:
        save(MODEL_PATH, model)
        print("wrote", MODEL_PATH)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
