"""Ship a trained temporal branch: copy its ONNX weights and card into the package, calibrate its threshold on
the real dev clips, and measure unmask with both branches on ../shared/data/dev beside MesoNet.

    python tools/ship_temporal.py runs/temporal-v5 --version 1.4.0
    unmask eval ../shared/data/dev/labels.csv -o runs/temporal-v5/ladder --temporal --robustness all --only ffpp \
        --only dfdc --only real_video --only animated --mesonet ../shared/models/mesonet/Meso4_DF.h5
    python tools/ship_temporal.py runs/temporal-v5 --version 1.4.0 --ladder runs/temporal-v5/ladder/robustness

Steps: (1) copy RUN/unmask-temporal.onnx and its card draft to unmask/models/weights/; (2) scan the real clips
of dev/real_video and dev/ffpp/real and set the threshold so that at most 1% of their face tracks score at or
above it (the only use of dev data that touches the model; with a few tracks this is: none of them); (3) scan
every file of dev/labels.csv with both branches and MesoNet, and write the metrics (the fused score and each
branch alone) into the card, with the commands; (4) set the branch on or off by default (see ``status``: on only
if fusing lowers no dev set's AUC, clean or on any rung of the robustness ladder, which is why the ladder made
with the shipped threshold is passed to a second run; the evaluations are cached, so it is quick) and describe
both branches in the frame branch's card.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from unmask.evaluate.datasets import load_dataset
from unmask.evaluate.metrics import threshold_at_fpr
from unmask.evaluate.run import ANIMATION, BLEND, evaluate
from unmask.media import sha256_of
from unmask.models import DEFAULT_MODEL, WEIGHTS, FakeClassifier, ModelCard, Threshold, load_card
from unmask.models.temporal import BURST_STEP_S, DEFAULT_TEMPORAL_MODEL, TEMPORAL_CARD, TemporalClassifier
from unmask.peers.mesonet import MesoNet
from unmask.verdict import Scanner
from unmask.verdict.scanner import MIN_SCORE_FACE, TEMPORAL_MIN_FRAMES

CALIBRATION_SETS = ("real_video/", "ffpp/real/")
MAX_REAL_TRACKS_ABOVE = 0.01


RULE = (
    "on by default only if fusing the branch lowers no dev set's video AUC below the frame branch alone, on the "
    "clean clips and on every rung of the robustness ladder"
)


def _compared(groups: dict) -> dict[str, tuple[float, float, float]]:
    """Per dev set where both branches scored videos: the video AUC fused, of the frame branch and of the
    temporal branch alone."""

    def auc(group: dict, method: str) -> float | None:
        return group.get(method, {}).get("video", {}).get("auc")

    return {
        name.removeprefix("set:"): (auc(group, "unmask"), auc(group, BLEND), auc(group, ANIMATION))
        for name, group in groups.items()
        if name.startswith("set:") and None not in (auc(group, "unmask"), auc(group, BLEND), auc(group, ANIMATION))
    }


def status(groups: dict, rungs: dict[str, dict] | None = None) -> dict:
    """On by default only if fusing the temporal branch lowers no dev set's video AUC below the frame branch
    alone (the sets where the branch scored something), on the clean clips and on each rung of the robustness
    ladder (``rungs``: rung name -> its groups); without the ladder, off. The card says which way and why."""
    compared = _compared(groups)
    lowered = [name for name, (fused, alone, _) in compared.items() if fused < alone]
    figures = "; ".join(
        f"{name}: fused {fused:.3f}, frame branch alone {alone:.3f}, temporal alone {temporal:.3f}"
        for name, (fused, alone, temporal) in sorted(compared.items())
    )
    if not compared:
        why = "not measured: no dev set with videos scored by both branches"
    elif lowered:
        why = f"fusing the temporal branch lowers the video AUC of {', '.join(lowered)} ({figures})"
    else:
        why = f"fusing the temporal branch lowers no dev set's video AUC ({figures})"
    laundered: list[str] = []
    if rungs is None:
        why += "; the robustness ladder was not measured (tools/ship_temporal.py --ladder)"
    else:
        laundered = [
            f"{name} at {rung} (fused {fused:.3f}, frame branch alone {alone:.3f})"
            for rung, rung_groups in rungs.items()
            for name, (fused, alone, _) in sorted(_compared(rung_groups).items())
            if fused < alone
        ]
        if laundered:
            why += f"; on the robustness ladder it lowers {', '.join(laundered)}"
        else:
            why += f"; on the robustness ladder it lowers none ({len(rungs)} rungs)"
    on = bool(compared) and not lowered and rungs is not None and not laundered
    return {
        "default": "on" if on else "off",
        "rule": RULE,
        "why": why,
        "enable": "unmask scan --temporal / --no-temporal, unmask eval --temporal, Scanner(temporal=True / False)",
    }


def load_ladder(folder: Path, card: ModelCard) -> dict[str, dict]:
    """The groups of each rung in ``folder`` (``OUT/robustness`` of ``unmask eval --robustness ... --temporal``),
    checked to be this model at this threshold."""
    rungs = {}
    for path in sorted(folder.glob("*/metrics.json")):
        metrics = json.loads(path.read_text(encoding="utf-8"))
        protocol = metrics["protocol"]
        made_with = (protocol.get("temporal_model") or {}).get("sha256"), protocol.get("temporal_threshold")
        if made_with != (card.sha256, card.threshold):
            raise SystemExit(f"{path}: made with another temporal model or threshold than {card.version}")
        rungs[path.parent.name] = metrics["groups"]
    if not rungs:
        raise SystemExit(f"{folder}: no rung of a robustness ladder (*/metrics.json)")
    return rungs


def limitations(card: ModelCard, groups: dict) -> list[str]:
    """What the branch does not do, with the dev figures that show it, for its card."""

    def auc(method: str) -> str:
        value = groups.get("set:animated", {}).get(method, {}).get("video", {}).get("auc")
        return "n/a" if value is None else f"{value:.3f}"

    videos = len(card.training["videos"])
    return [
        f"Learned from {videos} real videos of train_real (low-resolution MPEG-1, FLV, webcam and phone clips) "
        "against same-person forgeries of them (unmask.forge.animate). On real generators it is weak: "
        f"dev/animated video AUC {auc(ANIMATION)} alone, {auc('unmask')} fused (the frame branch alone "
        f"{auc(BLEND)}); clean 256-px renders (FOMM, DreamTalk) score among the real clips.",
        f"It reads one burst of {card.window} frames about {card.step_s or BURST_STEP_S:g} s apart from "
        "the middle of each clip: a manipulation confined to another part of a long clip is missed by this branch "
        "(the frame branch samples the whole clip).",
        f"Faces under {MIN_SCORE_FACE} px, and tracks found in fewer than {TEMPORAL_MIN_FRAMES} frames of the "
        "burst, are not scored by it; the track's animation cue says why.",
        f"Its threshold was set on {card.operating_point.details['real_tracks']} real dev tracks, and its cue is "
        "stretched onto the frame branch's scale: real clips score higher with the branch on than off.",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a temporal training run folder")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--models", type=Path, default=Path("../shared/models"))
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument(
        "--ladder",
        type=Path,
        help="OUT/robustness of `unmask eval ... --temporal --robustness all` made with this model at its "
        "calibrated threshold (ship once, run the ladder, ship again with it); without it the branch ships off",
    )
    args = parser.parse_args()

    weights = WEIGHTS / f"{DEFAULT_TEMPORAL_MODEL}.onnx"
    shutil.copyfile(args.run / f"{DEFAULT_TEMPORAL_MODEL}.onnx", weights)
    draft = load_card(args.run / f"{DEFAULT_TEMPORAL_MODEL}.json")
    card = draft.replace(
        version=args.version,
        sha256=sha256_of(weights),
        size_bytes=weights.stat().st_size,
        threshold=Threshold(0.5, "provisional"),
    ).save(TEMPORAL_CARD)

    labels = args.data / "dev" / "labels.csv"
    items = load_dataset(labels)
    calibration = [item for item in items if item.label == "real" and item.key.startswith(CALIBRATION_SETS)]
    scanner = Scanner(FakeClassifier(), temporal=TemporalClassifier(card))
    _, records = evaluate(calibration, args.run / "calibration", scanner, replicates=0, progress=True)
    tracks = np.array([p for record in records for p in record[ANIMATION]["faces"]])
    threshold = threshold_at_fpr(tracks, MAX_REAL_TRACKS_ABOVE)
    card = card.replace(
        threshold=Threshold(
            value=threshold,
            rule=f"at most {MAX_REAL_TRACKS_ABOVE:.0%} of real face tracks score at or above it",
            calibrated_on=tuple(f"dev/{prefix}" for prefix in CALIBRATION_SETS),
            command=f"python tools/ship_temporal.py {args.run} --version {args.version}",
            details={
                "real_tracks": len(tracks),
                "highest_real_track": float(tracks.max()),
                "fusion": "the track's animation cue is put on the frame branch's scale (0 -> 0, this threshold -> "
                "the frame branch's threshold, 1 -> 1, linear between) and the track scores the higher of its two "
                "cues",
            },
        )
    ).save()

    eval_dir = args.run / "dev-eval"
    scanner = Scanner(FakeClassifier(), temporal=TemporalClassifier(card))
    mesonet = MesoNet(args.models / "mesonet" / "Meso4_DF.h5")
    metrics, _ = evaluate(items, eval_dir, scanner, [mesonet], dataset=str(labels))
    card = card.replace(
        evaluation={
            "command": f"unmask eval {labels} -o {eval_dir} --temporal --mesonet "
            f"{args.models / 'mesonet' / 'Meso4_DF.h5'}",
            "protocol": metrics["protocol"],
            "thresholds": metrics["thresholds"],
            "bootstrap": metrics["bootstrap"],
            "groups": metrics["groups"],
        },
        status=status(metrics["groups"], load_ladder(args.ladder, card) if args.ladder else None),
    )
    card = card.replace(limitations=tuple(limitations(card, metrics["groups"]))).save()

    # The frame branch's card describes both branches and how they are fused.
    blend = load_card(DEFAULT_MODEL)
    blend.replace(
        branches={
            "frame": "this model: each aligned face crop on its own; a track's blend cue is the mean of its frame "
            "scores",
            "temporal": {
                "card": TEMPORAL_CARD.name,
                "name": card.name,
                "version": card.version,
                "what": "per-frame track features (landmark motion, sharpness and texture by face region, texture "
                "sticking from frame to frame) into a small temporal convolution; a track's animation cue",
                "default": card.status["default"],
                "why": card.status["why"],
            },
            "fusion": card.operating_point.details["fusion"],
        }
    ).save()
    print(f"shipped {weights} ({weights.stat().st_size / 1e3:.0f} kB), threshold {threshold:.4f}; card {card.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
