"""Score temporal models of several training runs on each run's held-out windows, so that runs whose laundering
differs (and whose held-out windows are therefore harder or easier) can be compared like for like.

    python tools/compare_temporal.py runs/temporal-v4 runs/temporal-v5

Each RUN is an `unmask train-temporal` output folder: its model (`unmask-temporal.json` and `.onnx`) and its
feature cache (`features-*.npz`, named in `temporal.json`). Runs of one recipe with one seed hold out the same
tracks and windows; only the laundering of those windows differs. Prints held-out window AUC per forgery kind and
over all, a row per set of windows and a column per model.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from unmask.models.temporal import TemporalClassifier
from unmask.train.temporal_data import held_out_windows
from unmask.train.temporal_loop import MODEL_NAME, auc_by_kind


def compare(runs: list[Path]) -> dict[str, dict[str, dict[str, float]]]:
    """``{windows of run: {model of run: {kind: AUC, "all": AUC}}}``."""
    models = {run.name: TemporalClassifier(run / f"{MODEL_NAME}.json") for run in runs}
    table: dict[str, dict[str, dict[str, float]]] = {}
    for run in runs:
        real, fake, kinds = held_out_windows(run)
        table[run.name] = {}
        for name, model in models.items():
            real_scores = np.array([model.predict(window) for window in real])
            fake_scores = np.array([model.predict(window) for window in fake])
            table[run.name][name] = auc_by_kind(real_scores, fake_scores, kinds)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN")
    args = parser.parse_args(argv)
    missing = [str(run) for run in args.runs if not (run / "temporal.json").is_file()]
    if missing:
        print(f"compare_temporal: error: not a finished training run: {', '.join(missing)}", file=sys.stderr)
        return 2
    table = compare(args.runs)
    names = [run.name for run in args.runs]
    print("| held-out windows of | " + " | ".join(f"model of {name}" for name in names) + " |")
    print("|---|" + "---:|" * len(names))
    for windows, row in table.items():
        print(f"| {windows} | " + " | ".join(f"{row[name]['all']:.3f}" for name in names) + " |")
    print()
    for windows, row in table.items():
        for name in names:
            kinds = ", ".join(f"{kind} {auc:.3f}" for kind, auc in row[name].items() if kind != "all")
            print(f"windows of {windows}, model of {name}: {kinds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
