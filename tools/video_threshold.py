"""Set a detector's video threshold: the score at which a video is called fake, apart from a photo's.

    python tools/video_threshold.py --eval /work/baseline/dev-eval-1.0.0 \
        --real '../shared/data/train_real/grid/s[12]_*.mpg' [--write]

A video scores the mean of a face track over its sampled frames, a photo one face: the two scores spread
differently, and one threshold set on single faces (unmask-blend 1.0.0's, on 1% of the frames of 8 real clips)
calls almost no video fake. This sets the video threshold on real videos only (item 4 of the detector-v2 issue):
the lowest score at which at most ``--max-fpr`` of them score at or above it. The real videos are those of an
``unmask eval`` folder of the dev set made with this very model (its real clips: item 4 names them) and
``--real`` files the model never trained on (paths or quoted glob patterns), scored here (``--out``, cached).
It prints the dev families at the new threshold beside the card's, and with ``--write`` records the threshold in
the card (``video_threshold``), with its rule, the files it was set on, their counts and the command.
"""

from __future__ import annotations

import argparse
import glob
import shlex
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from unmask.errors import UnmaskError
from unmask.evaluate.datasets import Item
from unmask.evaluate.families import family_metrics, kind_of
from unmask.evaluate.metrics import threshold_at_fpr
from unmask.evaluate.run import evaluate
from unmask.evaluate.summary import read_scores
from unmask.models import FakeClassifier, Threshold, load_card
from unmask.verdict import Scanner

MAX_FPR = 0.02


def real_video_scores(records: list[dict]) -> list[float]:
    """The scores of the scored real videos of ``records``."""
    return [
        float(r["unmask"]["video"])
        for r in records
        if r["label"] == "real" and kind_of(r["key"]) == "video" and r["unmask"]["video"] is not None
    ]


def expand(patterns: list[str]) -> list[Path]:
    """The files each argument names: a path, or a glob pattern's matches in order (a pattern may match none)."""
    files: list[Path] = []
    for pattern in patterns:
        files += [Path(p) for p in sorted(glob.glob(pattern))] if glob.has_magic(pattern) else [Path(pattern)]
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, required=True, help="an unmask eval folder of the dev set, this model")
    parser.add_argument("--real", nargs="*", default=[], help="real videos the model never trained on (or patterns)")
    parser.add_argument("--card", type=Path, default=None, help="the model card (default: the shipped detector's)")
    parser.add_argument("--max-fpr", type=float, default=MAX_FPR, help=f"share of real videos above ({MAX_FPR})")
    parser.add_argument("--out", type=Path, default=Path("runs/video-threshold"), help="where --real is scored")
    parser.add_argument("--write", action="store_true", help="record the threshold in the card")
    args = parser.parse_args(argv)

    card = load_card(args.card)
    try:
        records = read_scores(args.eval)
    except UnmaskError as err:
        print(err, file=sys.stderr)
        return 2
    made_with = {r.get("protocol", {}).get("model", {}).get("sha256") for r in records}
    if made_with != {card.sha256}:
        print(f"{args.eval} was not scored by {card.name} {card.version} (sha256 {card.sha256[:12]})", file=sys.stderr)
        return 2
    given = expand(args.real)
    missing = [path for path in given if not path.is_file()]
    if missing:
        print(f"no such file: {missing[0]}", file=sys.stderr)
        return 2
    items = [Item(path, str(path), "real", "original", "calibration") for path in given]
    _, extra = evaluate(items, args.out, Scanner(FakeClassifier(card)), replicates=0, dataset="video calibration")
    dev_reals, extra_reals = real_video_scores(records), real_video_scores(extra)
    pool = np.array(dev_reals + extra_reals)
    threshold = threshold_at_fpr(pool, args.max_fpr)

    before = family_metrics(records, "unmask", card.threshold)
    after = family_metrics(records, "unmask", card.threshold, threshold)
    fakes = [r for r in records if r["label"] == "fake" and kind_of(r["key"]) == "video" and r["unmask"]["video"]]
    print(f"{card.name} {card.version}: video threshold {threshold:.4f} (photos keep {card.threshold:.4f})")
    print(f"set on {len(pool)} real videos: {len(dev_reals)} dev, {len(extra_reals)} given; at most {args.max_fpr:.0%}")
    for label, scores in (
        ("dev real videos", dev_reals),
        ("given real videos", extra_reals),
        ("dev fake videos", [r["unmask"]["video"] for r in fakes]),
    ):
        flagged_new = sum(score >= threshold for score in scores)
        flagged_old = sum(score >= card.threshold for score in scores)
        print(f"  {label}: {flagged_new} of {len(scores)} flagged (at the card's threshold: {flagged_old})")
    for family in ("swap", "rerendered"):
        row, old = after[family], before[family]
        print(
            f"  {family}: {row['fakes_flagged']}/{row['fakes']} fakes, {row['reals_flagged']}/{row['reals']} reals "
            f"flagged (at the card's threshold: {old['fakes_flagged']}, {old['reals_flagged']})"
        )
    if not args.write:
        return 0
    command = "python tools/video_threshold.py " + " ".join(
        shlex.quote(arg) for arg in (argv if argv is not None else sys.argv[1:])
    )
    point = Threshold(
        value=threshold,
        rule=f"at most {args.max_fpr:.0%} of real videos score at or above it (a video's score: its worst face "
        "track's mean over the sampled frames)",
        calibrated_on=(
            f"the {len(dev_reals)} real videos of the dev set ({args.eval})",
            *(f"{folder}/: {count} files" for folder, count in sorted(Counter(str(p.parent) for p in given).items())),
        ),
        command=command,
        details={
            "real_videos": len(pool),
            "dev_real_videos": len(dev_reals),
            "other_real_videos": len(extra_reals),
            "other_real_files": [path.name for path in given],
            "dev_at_threshold": {
                family: {key: after[family][key] for key in ("fakes", "fakes_flagged", "reals", "reals_flagged")}
                for family in ("swap", "rerendered")
            },
        },
    )
    saved = card.replace(video_threshold=point).save()
    print(f"wrote the video threshold into {saved.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
