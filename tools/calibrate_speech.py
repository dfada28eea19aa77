"""Calibrate the speech cue on real clips only, and check it on held-out real clips.

Usage: python tools/calibrate_speech.py [--mouths runs/speech-mouths] [--write] [--seed 0]
(first: python tools/speech_mouths.py, which caches every frame's mesh of ../shared/data/train_real's clips with
sound). Never reads ../shared/data/dev.

Each cached clip is heard with its own sound (a real pair, label 0) and with self-supervised negatives made on the
fly from the same clip and never stored (label 1): its sound moved by 0.1-1 s either way, stretched by 8-15% about
the window's start, or taken from another clip of the same speaker (GRID's s1, CREMA-D's actor 1001) — never
another person's face or voice. Each is listened to as a scan would (:meth:`Listener.hear`: VAD, window, phones)
and read against the clip's mouth (:func:`read_lips`).

- Calibration clips: GRID s1 (40 clips) and three other GRID speakers (lbbc2a, lrwp9a, sbia1a), CREMA-D, Pexels,
  Flickr. Held out: the other GRID speakers (brbk7n, lbax4n, lwbsza, pwij3p, sbwe5n, swiz3n, s2_swwp2s).
- Fit: the real clips' median lag and mean missed share, then a logistic regression (L2) over the cue's features,
  then ``own_threshold`` at the 95th percentile of the real calibration clips' probabilities.
- Prints: the AUC of the cue alone, real against negatives, on calibration and on held-out clips, by kind of
  negative; how many real held-out clips reach the threshold; with ``--phones``, how many of GRID's bilabials the
  phone search finds against a forced alignment to the known sentence.
- ``--write`` writes unmask/speech/calibration.json.

Fusion rule, written down on 2026-12-03 before any dev figure of the cue was computed: the speech cue counts
towards a track's score (the max of its fused cues) only if, on ../shared/data/dev, for each family with videos
(swap, rerendered; unmask.evaluate.families), the video AUC of the scan with the cue fused is at or above the AUC
of the same scan without it, and no real dev video with speech turns fake. Otherwise it is reported, not fused
(``fused.value`` false in calibration.json).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from unmask.evaluate.metrics import roc_auc
from unmask.media import probe, probe_audio, read_audio
from unmask.speech.cue import CALIBRATION_FILE, FEATURES, Calibration, features, read_lips
from unmask.speech.listen import Listener
from unmask.speech.mouth import mouth_series

DATA = Path(os.environ.get("UNMASK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
HELD_OUT = {"brbk7n", "lbax4n", "lwbsza", "pwij3p", "sbwe5n", "swiz3n", "s2_swwp2s"}
SOURCES = {"grid": "grid", "cremad": "cremad", "pexels": "pexels", "flickr_video": "flickr_video"}
NEUTRAL = Calibration(weights=(0.0,) * len(FEATURES), bias=0.0, lag_s=0.0, prior_share=0.5, own_threshold=0.5)


def speaker(folder: str, name: str) -> str | None:
    """Who speaks in a clip, where several clips share a speaker (for swapped negatives)."""
    if folder == "grid" and (name.startswith("s1_") or name == "bbaf2n"):
        return "grid-s1"
    if folder == "cremad":
        return "cremad-1001"
    return None


def load(mouths: Path) -> list[dict]:
    clips = []
    for cached in sorted(mouths.glob("*.npz")):
        folder, name = cached.stem.split("__", 1)
        data = np.load(cached)
        tracks = [key for key in data.files if key.startswith("landmarks_")]
        if not tracks:
            continue
        times = data["times"]
        best = None
        for key in tracks:
            marks = data[key]
            ok = ~np.isnan(marks).any(axis=(1, 2))
            series = mouth_series(marks[ok], times[ok])
            if best is None or np.std(series.aperture) > np.std(best.aperture):
                best = series
        path = next(p for p in (DATA / "train_real" / folder).glob(f"{name}.*") if p.suffix not in (".jpg", ".png"))
        info = probe(path)
        audio = probe_audio(path)
        first, samples = read_audio(path, 0.0, min(info.duration_s or 30.0, 30.0) + 0.05, audio)
        clips.append(
            {
                "name": f"{folder}/{name}",
                "held_out": name in HELD_OUT,
                "speaker": speaker(folder, name),
                "mouth": best,
                "audio": audio,
                "first": first,
                "samples": samples,
                "video_s": info.duration_s,
            }
        )
    return clips


def stretch(samples: np.ndarray, factor: float) -> np.ndarray:
    """``samples`` played ``factor`` times as long (linear interpolation; pitch changes too)."""
    count = int(len(samples) * factor)
    return np.interp(np.arange(count) / factor, np.arange(len(samples)), samples).astype(np.float32)


def variants(clip: dict, clips: list[dict], rng: np.random.Generator) -> list[tuple[str, float, np.ndarray]]:
    """(kind, first sample's time, samples): the clip's own sound, and its negatives."""
    out = [("real", clip["first"], clip["samples"])]
    for _ in range(4):
        shift = float(rng.uniform(0.1, 1.0) * rng.choice([-1, 1]))
        out.append(("shifted", clip["first"] + shift, clip["samples"]))
    for factor in (float(rng.uniform(0.85, 0.92)), float(rng.uniform(1.08, 1.15))):
        out.append(("stretched", clip["first"], stretch(clip["samples"], factor)))
    others = [c for c in clips if c["speaker"] and c["speaker"] == clip["speaker"] and c is not clip]
    if others:
        other = others[int(rng.integers(len(others)))]
        out.append(("swapped", other["first"], other["samples"]))
    return out


def measure(clips: list[dict], listener: Listener, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for clip in clips:
        for kind, first, samples in variants(clip, clips, rng):
            hearing = listener.hear(samples, first, clip["audio"], clip["video_s"])
            reading = read_lips(hearing, {0: clip["mouth"]}, NEUTRAL)[0]
            rows.append(
                {
                    "clip": clip["name"],
                    "held_out": clip["held_out"],
                    "kind": kind,
                    "label": int(kind != "real"),
                    "measured": reading.measured,
                    "reason": reading.reason,
                }
            )
        mine = [r for r in rows if r["clip"] == clip["name"]]
        reasons = sorted({r["reason"] for r in mine if r["reason"]})
        print(f"{clip['name']}: {sum(r['measured'] is not None for r in mine)} of {len(mine)} read {reasons[:2]}")
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression, on standardised features, returned on the raw
    features' scale. Classes weighted to count equally."""
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / spread
    weight = np.where(y == 1, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        grad = weight * (p - y)
        w -= 0.1 * (z.T @ grad / len(y) + l2 * w / len(y))
        b -= 0.1 * grad.mean()
    return w / spread, float(b - np.sum(w * mean / spread))


def phone_check(listener: Listener) -> None:
    """How many of GRID s1's bilabials the phone search finds (within 50 ms), against a forced alignment of the
    known sentence (pocketsphinx with the CMU dictionary), and how many of what it calls bilabial are one."""
    from pocketsphinx import Decoder

    from unmask.speech.parts import phone_model_folder

    words = (
        {"b": "bin", "l": "lay", "p": "place", "s": "set"},
        {"b": "blue", "g": "green", "r": "red", "w": "white"},
        {"a": "at", "b": "by", "i": "in", "w": "with"},
        None,
        {"z": "zero", "1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "6": "six", "7": "seven",
         "8": "eight", "9": "nine"},
        {"a": "again", "n": "now", "p": "please", "s": "soon"},
    )  # fmt: skip
    folder = phone_model_folder()
    aligner = Decoder(
        hmm=str(folder / "en-us"), dict=str(folder / "cmudict-en-us.dict"), lm=None, bestpath=False, loglevel="FATAL"
    )
    found = missed = extra = failed = 0
    for path in sorted((DATA / "train_real" / "grid").glob("s1_*.mpg")):
        code = path.stem.split("_")[1]
        text = " ".join(letter if i == 3 else words[i][letter] for i, letter in enumerate(code))
        _, samples = read_audio(path, 0.0, 3.1)
        pcm = (samples * 32767).astype("<i2").tobytes()
        try:
            aligner.set_align_text(text)
            for second in (False, True):
                if second:
                    aligner.set_alignment()
                aligner.start_utt()
                aligner.process_raw(pcm, full_utt=True)
                aligner.end_utt()
        except RuntimeError:
            failed += 1
            continue
        truth = [
            (p.start / 100, (p.start + p.duration) / 100)
            for w in aligner.get_alignment()
            for p in w
            if p.name in ("M", "B", "P")
        ]
        heard = [(p.start, p.end) for p in listener.phones(samples) if p.bilabial]
        near = lambda a, b, spans: any(s < b + 0.05 and e > a - 0.05 for s, e in spans)  # noqa: E731
        found += sum(near(a, b, heard) for a, b in truth)
        missed += sum(not near(a, b, heard) for a, b in truth)
        extra += sum(not near(a, b, truth) for a, b in heard)
    print(
        f"phones: GRID s1 bilabials found {found}/{found + missed} ({found / (found + missed):.2f}); "
        f"of {found + extra} heard as bilabial... precision {found / max(1, found + extra):.2f} (approximate: "
        f"matches counted from either side; {failed} sentence(s) the aligner could not align)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mouths", type=Path, default=Path("runs/speech-mouths"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--phones", action="store_true", help="check the phone search on GRID's known sentences")
    parser.add_argument("--dump", type=Path, help="write every row's features here (JSON lines)")
    args = parser.parse_args(argv)
    listener = Listener()
    if args.phones:
        phone_check(listener)
    clips = load(args.mouths)
    if not clips:
        print(f"no cached mouths in {args.mouths}: run tools/speech_mouths.py first", file=sys.stderr)
        return 1
    rows = measure(clips, listener, args.seed)
    usable = [r for r in rows if r["measured"] is not None]
    skipped = [r for r in rows if r["measured"] is None]
    print(f"{len(usable)} readings, {len(skipped)} not applied: {sorted({r['reason'] for r in skipped})[:5]}")
    calib = [r for r in usable if not r["held_out"]]
    reals = [r for r in calib if r["label"] == 0]
    lag = float(np.median([r["measured"][1].lag_s for r in reals]))
    shares = [r["measured"][0].share for r in reals if r["measured"][0].share is not None]
    prior = float(np.mean(shares)) if shares else 0.5
    for row in usable:
        row["x"] = features(*row["measured"], lag, prior)
    x = np.stack([r["x"] for r in calib])
    y = np.array([r["label"] for r in calib], dtype=float)
    weights, bias = fit_logistic(x, y)
    model = Calibration(tuple(float(w) for w in weights), bias, lag, prior, 0.5)
    for row in usable:
        row["p"] = model.probability(row["x"])
    threshold = float(np.percentile([r["p"] for r in reals], 95))
    figures: dict[str, dict[str, float | int]] = {}
    for split, held in (("calibration", False), ("held_out", True)):
        part = [r for r in usable if r["held_out"] == held]
        for kind in ("all", "shifted", "stretched", "swapped"):
            chosen = [r for r in part if r["label"] == 0 or kind in ("all", r["kind"])]
            labels = np.array([r["label"] for r in chosen])
            if labels.sum() and (labels == 0).sum():
                auc = roc_auc(labels, np.array([r["p"] for r in chosen]))
                figures[f"{split}/{kind}"] = {
                    "auc": round(float(auc), 4),
                    "real": int((labels == 0).sum()),
                    "negatives": int(labels.sum()),
                }
        for name in FEATURES:
            index = FEATURES.index(name)
            labels = np.array([r["label"] for r in part])
            if labels.sum() and (labels == 0).sum():
                auc = roc_auc(labels, np.array([r["x"][index] for r in part]))
                figures[f"{split}/feature/{name}"] = {"auc": round(float(auc), 4)}
        real_part = [r for r in part if r["label"] == 0]
        figures[f"{split}/reals_at_threshold"] = {
            "flagged": sum(r["p"] >= threshold for r in real_part),
            "real": len(real_part),
        }
    print(json.dumps(figures, indent=1))
    print(f"lag {lag * 1000:.0f} ms, prior share {prior:.3f}, threshold {threshold:.4f}")
    print("weights", dict(zip(FEATURES, np.round(weights, 3).tolist(), strict=True)), "bias", round(bias, 3))
    if args.dump:
        with args.dump.open("w") as out:
            for row in usable:
                out.write(
                    json.dumps(
                        {k: row[k] for k in ("clip", "held_out", "kind", "label", "p")}
                        | {"x": [round(float(v), 4) for v in row["x"]]}
                    )
                    + "\n"
                )
    if args.write:
        data = {
            "features": list(FEATURES),
            "weights": dict(zip(FEATURES, [round(float(w), 6) for w in weights], strict=True)),
            "bias": round(bias, 6),
            "lag_s": round(lag, 4),
            "prior_share": round(prior, 4),
            "own_threshold": round(threshold, 6),
            "fused": {
                "value": False,
                "rule": "fused only if, on dev, every family's video AUC with the cue fused is at or above the AUC "
                "without it and no real dev video with speech turns fake (rule written before the dev figures)",
            },
            "fitted_on": {
                "clips": sorted({r["clip"] for r in calib}),
                "negatives": "the same clip's sound moved by 0.1-1 s, stretched by 8-15%, or another clip of the "
                "same speaker's; made on the fly, never stored",
                "seed": args.seed,
                "command": "python tools/speech_mouths.py && python tools/calibrate_speech.py --write",
            },
            "figures": figures,
        }
        CALIBRATION_FILE.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
