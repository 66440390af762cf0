"""Score the ad detector: real shows first (issue 24), then the older sources (issue 11).

Usage: python bench/ads.py [--dev DIR] [--no-written] [--spans] [--old] [--learned]

**Headline: real shows.** The shipped detector, as `podsift ads` runs it, on the real episodes
labelled by reading (`bench/labels/ads/`: 203 episodes of five shows of the shared corpus, see
bench/labels/PROTOCOL.md) and the five ads-dev episodes. Its weights were fitted on the dev and
written episodes (`bench/fit_ads.py`), never on the five corpus shows, so those are scored
out of sample; the dev shows are in sample and marked so. Per show and overall: F1 at IoU >= 0.5
and 0.8, F0.5, ad time found, content cut per hour, spans on ad-free episodes, median signed
start and end error, F1 with spans less than 15 s apart joined (`bench/ad_score.py`).
`--learned` also refits and scores the learned detector of `bench/learned/` leave-one-show-out
on the same episodes (about ten minutes).

**Regression checks**, below the headline and never mixed into it:

Sources are kept apart (`bench/ad_corpus.py`): the real dev episodes, the written corpus, the
invented test fixtures. For each show, the classifier is fitted on every other show's episodes
(`bench/fit_ads.py`) and scores the show left out, so no figure comes from weights that saw the
episode. Printed per source and overall, with the advertiser list on and off:

- F1: a found span matches a true ad break when their intersection over union is >= 0.5, one
  to one, best pairs first; F1 per episode, averaged over the episodes that have ads.
- ad time found: true ad seconds inside found spans / all true ad seconds.
- content cut: found seconds outside true ads / all seconds that are not ads.
- FP on ad-free: spans found on episodes without ads (and how many such episodes).
- CPU s per audio hour: `detect_ads` with the weights fitted on everything.

`--old` scores whatever `podsift.tasks.ads.detect_ads` is importable, unfitted (used to measure the
detector this one replaced, from a copy of the old tree: see docs/ads.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.append(str(Path(__file__).resolve().parent))  # after the repo root

from ad_corpus import (  # noqa: E402
    DEV_DIR,
    SOURCES,
    WRITTEN_DIR,
    LabelledEpisode,
    flattened,
    load_all,
    load_layout,
)
from ad_score import match, overlap  # noqa: E402

from podsift.tasks.core.records import AdSpan  # noqa: E402

IOU_MATCH = 0.5

Predict = Callable[[LabelledEpisode], list[AdSpan]]


@dataclass(frozen=True, slots=True)
class EpisodeScore:
    episode: LabelledEpisode
    spans: list[AdSpan]
    matched: int
    f1: float
    ad_s: float
    ad_found_s: float
    content_s: float
    content_cut_s: float


def match_spans(
    predicted: Sequence[tuple[float, float]], truth: Sequence[tuple[float, float]]
) -> list[tuple[int, int]]:
    """One-to-one matches (pred index, truth index) with IoU >= 0.5, best pairs first."""
    return match(predicted, truth, IOU_MATCH)


def score_episode(episode: LabelledEpisode, spans: list[AdSpan]) -> EpisodeScore:
    predicted = [(s.start, s.end) for s in spans]
    truth = episode.truth
    tp = len(match_spans(predicted, truth))
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    ad_s = sum(b - a for a, b in truth)
    found = overlap(predicted, truth)
    cut = sum(b - a for a, b in predicted) - found
    return EpisodeScore(
        episode, spans, tp, f1, ad_s, found, max(episode.duration_s - ad_s, 0.0), max(cut, 0.0)
    )


@dataclass(frozen=True, slots=True)
class Summary:
    episodes: int
    shows: int
    with_ads: int
    f1: float
    ad_found: float
    content_cut: float
    ad_free: int
    ad_free_spans: int


def summarise(scores: Sequence[EpisodeScore]) -> Summary:
    with_ads = [s for s in scores if s.episode.truth]
    without = [s for s in scores if not s.episode.truth]
    ad_s = sum(s.ad_s for s in scores)
    content_s = sum(s.content_s for s in scores)
    return Summary(
        episodes=len(scores),
        shows=len({s.episode.show for s in scores}),
        with_ads=len(with_ads),
        f1=sum(s.f1 for s in with_ads) / len(with_ads) if with_ads else float("nan"),
        ad_found=sum(s.ad_found_s for s in scores) / ad_s if ad_s else float("nan"),
        content_cut=sum(s.content_cut_s for s in scores) / content_s if content_s else 0.0,
        ad_free=len(without),
        ad_free_spans=sum(len(s.spans) for s in without),
    )


def evaluate(episodes: Sequence[LabelledEpisode], predict: Predict) -> list[EpisodeScore]:
    return [score_episode(ep, predict(ep)) for ep in episodes]


def cpu_per_audio_hour(episodes: Sequence[LabelledEpisode], predict: Predict) -> float:
    started = time.process_time()
    for ep in episodes:
        predict(ep)
    cpu = time.process_time() - started
    return cpu / (sum(ep.duration_s for ep in episodes) / 3600)


def cost_against_transcription(audio: Path) -> None:
    """Print the detector's CPU time beside the transcription's for the same audio, measured in
    this process (the issue's budget: under 5% of transcription)."""
    from podsift.tasks.ads import detect_ads
    from podsift.tasks.core.config import WhisperConfig
    from podsift.tasks.speech.transcribe import transcribe_audio

    started = time.process_time()
    transcript = transcribe_audio(audio, WhisperConfig())
    transcribe_cpu = time.process_time() - started
    hours = max(s.end for s in transcript.segments) / 3600
    rounds = 20  # the detector takes milliseconds: repeat it for a stable figure
    started = time.process_time()
    for _ in range(rounds):
        detect_ads(transcript.segments)
    ads_cpu = (time.process_time() - started) / rounds
    print(
        f"\n{audio.name}: {hours * 60:.1f} min of audio; CPU s per audio hour: transcription "
        f"{transcribe_cpu / hours:.1f}, ads {ads_cpu / hours:.2f} "
        f"({ads_cpu / transcribe_cpu:.2%} of transcription)"
    )


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:05.2f}"


def print_spans(scores: Sequence[EpisodeScore]) -> None:
    for s in scores:
        ep = s.episode
        print(f"\n{ep.source}/{ep.name}  F1 {s.f1:.2f}")
        for t in ep.truth:
            print(f"  truth {_mmss(t[0]):>9} - {_mmss(t[1]):>9}")
        for a in s.spans:
            print(
                f"  found {_mmss(a.start):>9} - {_mmss(a.end):>9}  {a.confidence:.2f}  {a.reason}"
            )


def print_report(label: str, on: Sequence[EpisodeScore], off: Sequence[EpisodeScore]) -> None:
    print(f"\n{label}")
    header = (
        f"{'source':<9} {'eps':>3} {'shows':>5} | {'F1':>5} {'ad found':>8} {'cut':>6} "
        f"{'FP/ad-free':>10} | {'F1':>5} {'ad found':>8} {'cut':>6} {'FP/ad-free':>10}"
    )
    print(f"{'':<21}| {'advertiser list on':<34}| advertiser list off")
    print(header)
    print("-" * len(header))
    # The overall row is over the episodes as they are; `--stress`'s flattened copies (source
    # "<source>-flat") are reported apart, with a total of their own.
    plain = [s for s in on if not s.episode.source.endswith("-flat")]
    flat = [s for s in on if s.episode.source.endswith("-flat")]
    groups = [(src, [s for s in on if s.episode.source == src]) for src in SOURCES]
    flat_groups = [
        (f"{src[:4]}-flat", [s for s in flat if s.episode.source == f"{src}-flat"])
        for src in SOURCES
    ]
    for name, group in [*groups, ("overall", plain), *flat_groups, ("all-flat", flat)]:
        if not group:
            continue
        names = {id(s.episode) for s in group}
        a = summarise(group)
        b = summarise([s for s in off if id(s.episode) in names])
        print(
            f"{name:<9} {a.episodes:>3} {a.shows:>5} | "
            + " | ".join(
                f"{x.f1:5.3f} {x.ad_found:8.1%} {x.content_cut:6.2%} "
                f"{str(x.ad_free_spans) + '/' + str(x.ad_free):>10}"
                for x in (a, b)
            )
        )


def old_predictor(use_advertisers: bool) -> Predict:
    """The detector importable as `podsift.tasks.ads` as it is (the old one has nothing to fit)."""
    from podsift.tasks.ads import detect_ads

    if not use_advertisers:
        import podsift.tasks.ad_features as old_features  # type: ignore[import-not-found]

        old_features._add_advertisers = lambda ev, text: None

    def predict(ep: LabelledEpisode) -> list[AdSpan]:
        return detect_ads(ep.segments, context=ep.context, description=ep.description)

    return predict


def real_shows_headline(dev: Path | None, *, learned: bool, spans: bool) -> None:
    """The shipped detector on the real labelled episodes, per show (see the docstring)."""
    from ad_corpus import load_real
    from ad_score import EpisodeScore, table

    from podsift.tasks.ads import detect_ads

    episodes = load_real()
    if dev is not None and dev.is_dir():
        episodes += load_layout(dev, "dev")
    t0 = time.process_time()
    scores = []
    for ep in episodes:
        found = detect_ads(ep.segments, description=ep.description)
        name = f"{ep.show} (dev, in sample)" if ep.source == "dev" else ep.show
        scores.append(
            EpisodeScore(
                name, ep.name, ep.duration_s, list(ep.truth), [(f.start, f.end) for f in found]
            )
        )
    cpu = time.process_time() - t0
    hours = sum(ep.duration_s for ep in episodes) / 3600
    table("Real shows: the shipped detector (headline)", scores)
    print(f"\nCPU {cpu / hours:.2f} s per audio hour over {hours:.1f} h")
    if spans:
        for s in scores:
            print(f"{s.show}/{s.name}: truth {s.truth} found {s.pred}")
    if learned:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from learned import fit

        examples = fit.load_examples()
        extra = fit.ad_copy_examples(fit.load_ad_copy())
        _, predicted = fit.loso(examples, extra)
        table(
            "Real shows: the learned detector (bench/learned/), leave-one-show-out",
            [fit.score(ex, pred) for ex, pred in predicted],
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV_DIR, help="ads-dev layout folder")
    parser.add_argument("--written", type=Path, default=WRITTEN_DIR, help="written scripts")
    parser.add_argument("--no-written", action="store_true", help="leave the written corpus out")
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        help="another folder in the ads-dev layout (segments.json, truth.txt, metadata.toml "
        "with podcast_slug per episode), scored as source 'extra'; repeatable. Its blocks join "
        "the other shows' folds, so compare rows only between runs with the same --extra",
    )
    parser.add_argument("--spans", action="store_true", help="print true and found spans")
    parser.add_argument(
        "--learned", action="store_true", help="also refit and score bench/learned/ (slow)"
    )
    parser.add_argument(
        "--no-real", action="store_true", help="leave out the real-shows headline (fast runs)"
    )
    parser.add_argument("--old", action="store_true", help="score tasks.ads as it is, unfitted")
    parser.add_argument(
        "--vs-transcription",
        type=Path,
        metavar="AUDIO",
        help="also transcribe AUDIO (e.g. bench/data/long_episode.mp3) and print the detector's "
        "CPU time as a share of the transcription's",
    )
    parser.add_argument(
        "--stress",
        action="store_true",
        help="also score every episode flattened as Whisper's run-ons give it (no capitals, no "
        "punctuation, 25-s segments), with its show's leave-one-show-out weights",
    )
    args = parser.parse_args(argv)
    if not args.no_real:
        real_shows_headline(args.dev, learned=args.learned, spans=args.spans)
        print("\n## Regression checks: dev, written and fixtures (ours), leave-one-show-out refits")
    episodes = load_all(args.dev, None if args.no_written else args.written)
    for folder in args.extra:
        episodes += load_layout(folder, "extra")
    if args.old:
        on = evaluate(episodes, old_predictor(True))
        cpu = cpu_per_audio_hour(episodes, old_predictor(True))
        off = evaluate(episodes, old_predictor(False))
        label = "old detector (hand-set weights, no fitting)"
    else:
        from fit_ads import loso_predictor, predictor

        predict_on = loso_predictor(episodes, use_advertisers=True)
        predict_off = loso_predictor(episodes, use_advertisers=False)
        on = evaluate(episodes, predict_on)
        off = evaluate(episodes, predict_off)
        if args.stress:  # fitted on the episodes as they are, scored on their flat copies
            flat = [flattened(ep) for ep in episodes]
            on += evaluate(flat, predict_on)
            off += evaluate(flat, predict_off)
        cpu = cpu_per_audio_hour(episodes, predictor(episodes, use_advertisers=True))
        label = "leave-one-show-out (fitted on the other shows)"
    if args.spans:
        print_spans(on)
    print_report(label, on, off)
    hours = sum(ep.duration_s for ep in episodes) / 3600
    print(f"\nCPU {cpu:.2f} s per audio hour over {hours:.1f} h of audio")
    if args.vs_transcription:
        cost_against_transcription(args.vs_transcription)
    return 0


if __name__ == "__main__":
    sys.exit(main())
