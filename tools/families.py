"""Per family of fakes, side by side: the dev set's fakes grouped as the detector-v2 issue groups them, each
against the same real files, for every detector in one or more `unmask eval` folders (their scores.jsonl).

    python tools/families.py runs/blend-v1/dev-eval runs/blend-v2/dev-eval [--threshold NAME=T ...]
        [--video-threshold NAME=T ...] [--json OUT] [--plot OUT.png] [--bootstrap 2000]

The families are those of :mod:`unmask.evaluate.families`. For each: AUC, the share of fakes caught at 1%
and at 5% false alarms (per file, on that family's reals), and, where a threshold is given (the detector's
shipped one), the fakes and reals it calls fake; a video threshold, where given, calls the video families
(swap, re-rendered) instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from unmask.errors import UnmaskError
from unmask.evaluate.families import auc_difference, family_metrics
from unmask.evaluate.summary import read_scores


def named_values(items: list[str]) -> dict[str, float]:
    """``NAME=T`` arguments as a dict."""
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        out[name] = float(value)
    return out


def value_for(values: dict[str, float], name: str, detector: str) -> float | None:
    """A run's value: given by its full name (folder:detector) or by the detector's name alone."""
    return values.get(name, values.get(detector))


def _for(values: dict[str, float], named: dict) -> dict[str, float]:
    """Each named run's value, where one is given."""
    found = {name: value_for(values, name, detector) for name, (_, detector) in named.items()}
    return {name: value for name, value in found.items() if value is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="unmask eval output folders")
    parser.add_argument("--threshold", action="append", default=[], metavar="NAME=T", help="a detector's threshold")
    parser.add_argument(
        "--video-threshold", action="append", default=[], metavar="NAME=T", help="a detector's video threshold"
    )
    parser.add_argument("--plot", type=Path, help="also draw each family's ROC curves (a PNG) here")
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    parser.add_argument("--bootstrap", type=int, default=0, metavar="N", help="AUC differences from the first detector")
    args = parser.parse_args(argv)
    thresholds, videos = named_values(args.threshold), named_values(args.video_threshold)
    table = {}
    loaded = {}
    for folder in args.folders:
        try:
            records = read_scores(folder)
        except UnmaskError as err:
            print(err, file=sys.stderr)
            return 2
        detectors = [key for key in records[0] if isinstance(records[0][key], dict) and "video" in records[0][key]]
        for detector in detectors:
            name = f"{folder.name if folder.name != 'dev-eval' else folder.parent.name}:{detector}"
            table[name] = family_metrics(
                records, detector, value_for(thresholds, name, detector), value_for(videos, name, detector)
            )
            loaded[name] = (records, detector)
    header = ("detector", "family", "fakes", "reals", "AUC", "TPR@1%", "TPR@5%")
    print("{:44s} {:11s} {:>5s} {:>5s} {:>6s} {:>7s} {:>7s}  flagged".format(*header))
    for name, families in table.items():
        for family, row in families.items():
            flagged = (
                f"{row['fakes_flagged']}/{row['fakes']} fakes, {row['reals_flagged']}/{row['reals']} reals"
                if "fakes_flagged" in row
                else ""
            )
            nan = float("nan")
            figures = (row.get("auc", nan), row.get("tpr_at_1pct_fpr", nan), row.get("tpr_at_5pct_fpr", nan))
            print(
                f"{name:44s} {family:11s} {row['fakes']:5d} {row['reals']:5d} "
                + "{:6.3f} {:7.3f} {:7.3f}".format(*figures)
                + f"  {flagged}"
            )
    if args.bootstrap:
        first, (base_records, base_detector) = next(iter(loaded.items()))
        print(f"\nAUC minus {first}'s, 95% paired bootstrap interval ({args.bootstrap} resamples, files both scored)")
        for name, (records, detector) in list(loaded.items())[1:]:
            rows = auc_difference(records, base_records, detector, base_detector, replicates=args.bootstrap)
            table[name]["difference_from_first"] = rows
            for family, row in rows.items():
                print(f"{name:44s} {family:11s} {row['difference']:+.3f} [{row['low']:+.3f}, {row['high']:+.3f}]")
    if args.plot:
        from unmask.evaluate.summary import plot_families

        named, seen = {}, []
        for name, (records, detector) in loaded.items():
            scores = {r["key"]: r[detector]["video"] for r in records}
            if scores not in seen:  # a peer scored alike in every folder is drawn once
                named[name] = (records, detector)
                seen.append(scores)
        plot_families(named, args.plot, _for(thresholds, named), _for(videos, named))
        print(f"wrote {args.plot}")
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
