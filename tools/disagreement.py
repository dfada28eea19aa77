"""Where two detectors of one `unmask eval` folder disagree, frame by frame, on one family of the dev set (item 1
of the detector-v2 issue: what does MesoNet read that unmask does not?).

    python tools/disagreement.py runs/blend-v1/dev-eval [--family swap] [--a unmask] [--b mesonet]

For the family's fake videos and every real video (as :mod:`unmask.evaluate.families` pairs them), per sampled
frame with a score from both: the rank correlation of the two detectors, each one's frame AUC, the AUC of the
mean of their ranks (a diagnostic, not a product), and the files behind the frames where they disagree most:
real frames that A scores high (>= 0.7) and B low (< 0.3), and fake frames that B scores high (>= 0.5) and A
low (< 0.3).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from unmask.errors import UnmaskError
from unmask.evaluate.families import FAMILIES, kind_of
from unmask.evaluate.metrics import roc_auc
from unmask.evaluate.summary import SCORES_FILE, read_scores


def ranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 0 to 1 (ties broken by order; enough for a correlation and a rank mean)."""
    order = np.argsort(values, kind="stable")
    out = np.empty(len(values))
    out[order] = np.arange(len(values)) / max(len(values) - 1, 1)
    return out


def frame_table(records: list[dict], family: str, a: str, b: str) -> list[tuple[str, int, float, float]]:
    """(file, label, score of a, score of b) for every frame both scored, of the family's fakes and its reals."""
    sets, kind = FAMILIES[family]
    rows = []
    for record in records:
        if kind_of(record["key"]) != kind:
            continue
        is_fake = record["label"] == "fake" and record["group"] in sets
        is_real = record["label"] == "real" and (kind == "video" or record["group"] in sets)
        if not (is_fake or is_real):
            continue
        for x, y in zip(record[a]["frames"], record[b]["frames"], strict=False):
            if x is not None and y is not None:
                rows.append((record["key"], int(is_fake), float(x), float(y)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="an unmask eval output folder (its scores.jsonl)")
    parser.add_argument("--family", choices=sorted(FAMILIES), default="swap")
    parser.add_argument("--a", default="unmask", help="first detector (default unmask)")
    parser.add_argument("--b", default="mesonet", help="second detector (default mesonet)")
    args = parser.parse_args(argv)
    try:
        records = read_scores(args.folder)
    except UnmaskError as err:
        print(err, file=sys.stderr)
        return 2
    path = args.folder / SCORES_FILE
    if not records or args.a not in records[0] or args.b not in records[0]:
        print(f"{path}: needs scores of both {args.a} and {args.b}", file=sys.stderr)
        return 2
    rows = frame_table(records, args.family, args.a, args.b)
    if not rows:
        print(f"{path}: no frame of the {args.family} family scored by both", file=sys.stderr)
        return 2
    labels = np.array([r[1] for r in rows])
    sa, sb = np.array([r[2] for r in rows]), np.array([r[3] for r in rows])
    ra, rb = ranks(sa), ranks(sb)
    print(f"{args.family}: {int(labels.sum())} fake frames, {int((labels == 0).sum())} real frames")
    print(f"rank correlation {args.a} vs {args.b}: {np.corrcoef(ra, rb)[0, 1]:.3f}")
    print(
        f"frame AUC: {args.a} {roc_auc(labels, sa):.3f}, {args.b} {roc_auc(labels, sb):.3f}, "
        f"mean of ranks {roc_auc(labels, (ra + rb) / 2):.3f} (diagnostic only)"
    )
    real_a = Counter(r[0] for r in rows if r[1] == 0 and r[2] >= 0.7 and r[3] < 0.3)
    fake_b = Counter(r[0] for r in rows if r[1] == 1 and r[3] >= 0.5 and r[2] < 0.3)
    print(
        f"real frames {args.a} >= 0.7 and {args.b} < 0.3: {sum(real_a.values())} "
        f"of {int((labels == 0).sum())}, by file: {dict(real_a.most_common())}"
    )
    print(
        f"fake frames {args.b} >= 0.5 and {args.a} < 0.3: {sum(fake_b.values())} "
        f"of {int(labels.sum())}, by file: {dict(fake_b.most_common())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
