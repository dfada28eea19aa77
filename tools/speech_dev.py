"""Evaluate the speech cue on ../shared/data/dev (evaluation only: nothing here is fitted or tuned on dev).

Usage: python tools/speech_dev.py [-o runs/speech-dev]   (writes scans.jsonl there; a second run reuses it)
Scans every dev video (``labels.csv``; the default scan with the speech cue on) and prints:
- the AUC of the cue alone (its probability; a file's is its highest over the tracks where it applied) on every
  dev clip with speech where it applied, fakes against reals, overall and by method; and where it did not apply;
- the fusion check written down in tools/calibrate_speech.py before these figures: per family with videos
  (unmask.evaluate.families), the video AUC of the scan as shipped (speech reported only) against the same scan
  with the speech cue fused (each track's score the max of its cues, the speech cue's on the verdict's scale),
  and the real dev videos with speech that turn fake when it is fused.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

import numpy as np

from unmask.evaluate.families import FAMILIES
from unmask.evaluate.metrics import roc_auc
from unmask.media import probe_audio
from unmask.verdict import Scanner

DATA = Path(os.environ.get("UNMASK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
VIDEO = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".flv", ".mpg", ".gif")


def scan_all(out: Path) -> list[dict]:
    cache = out / "scans.jsonl"
    done = {}
    if cache.exists():
        done = {row["path"]: row for row in map(json.loads, cache.read_text().splitlines())}
    scanner = Scanner(speech=True)
    rows = []
    with (DATA / "dev" / "labels.csv").open() as handle:
        labels = [row for row in csv.DictReader(handle) if row["path"].lower().endswith(VIDEO)]
    # Clips with sound first: the cue's own figures are ready before the rest of the fusion check.
    labels.sort(key=lambda row: not probe_audio(DATA / "dev" / row["path"]).present)
    with cache.open("a") as sink:
        for label in labels:
            if label["path"] in done:
                rows.append(done[label["path"]])
                continue
            result = scanner.scan(DATA / "dev" / label["path"]).to_dict()
            row = {
                "path": label["path"],
                "label": label["label"],
                "method": label["method"],
                "group": label["path"].split("/")[0],
                "verdict": result["verdict"],
                "score": result["score"],
                "threshold": result["threshold"],
                "tracks": [{"usable": t["usable"], "score": t["score"], "cues": t["cues"]} for t in result["faces"]],
            }
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            rows.append(row)
            speech = [t["cues"].get("speech", {}) for t in row["tracks"]]
            said = next((f"p={c['probability']:.3f}" for c in speech if c.get("applied")), None)
            print(label["path"], label["label"], row["verdict"], said or (speech[0].get("reason") if speech else ""))
    return rows


def cue_alone(row: dict) -> float | None:
    values = [t["cues"]["speech"]["probability"] for t in row["tracks"] if t["cues"].get("speech", {}).get("applied")]
    return max(values) if values else None


def fused(row: dict) -> float | None:
    usable = [t for t in row["tracks"] if t["usable"]]
    if not usable:
        return None
    best = []
    for track in usable:
        cues = [c["score"] for c in track["cues"].values() if c.get("score") is not None]
        best.append(max(cues))
    return max(best)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=Path("runs/speech-dev"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = scan_all(args.out)
    applied = [(r, cue_alone(r)) for r in rows if cue_alone(r) is not None]
    labels = np.array([int(r["label"] == "fake") for r, _ in applied])
    scores = np.array([p for _, p in applied])
    print(
        f"\nthe cue alone, dev clips where it applied: {labels.sum()} fake, {(labels == 0).sum()} real, "
        f"AUC {roc_auc(labels, scores):.3f}"
    )
    reals = scores[labels == 0]
    for method in sorted({r["method"] for r, _ in applied if r["label"] == "fake"}):
        mine = np.array([p for r, p in applied if r["method"] == method])
        auc = roc_auc(np.r_[np.ones(len(mine)), np.zeros(len(reals))], np.r_[mine, reals])
        print(f"  {method[:60]}: {len(mine)} fake, AUC {auc:.3f} against the {len(reals)} reals")
    for r, p in applied:
        print(f"  {r['label']} {p:.3f} {r['path']}")
    skipped = [r for r in rows if cue_alone(r) is None]
    reasons: dict[str, int] = {}
    for r in skipped:
        cue = next((t["cues"].get("speech") for t in r["tracks"]), None)
        why = (cue or {}).get("reason") or r["verdict"]
        why = why.split(" (")[0]
        reasons[why] = reasons.get(why, 0) + 1
    print(f"not applied on {len(skipped)} dev videos: {json.dumps(reasons, indent=1)}")
    print("\nfusion check (video AUC per family; shipped = speech reported only):")
    real_videos = [r for r in rows if r["label"] == "real" and r["score"] is not None]
    for family, (sets, kind) in FAMILIES.items():
        if kind != "video":
            continue
        fakes = [r for r in rows if r["label"] == "fake" and r["group"] in sets and r["score"] is not None]
        chosen = fakes + real_videos
        y = np.array([int(r["label"] == "fake") for r in chosen])
        shipped = roc_auc(y, np.array([r["score"] for r in chosen]))
        with_cue = roc_auc(y, np.array([fused(r) for r in chosen]))
        counts = f"{int(y.sum())} fakes, {int((y == 0).sum())} reals"
        print(f"  {family}: {counts}: shipped {shipped:.4f}, fused {with_cue:.4f}")
    turned = [r["path"] for r in real_videos if fused(r) >= r["threshold"] > r["score"]]
    print(f"  real dev videos that turn fake when fused: {turned or 'none'}")
    real_speech = [r for r, _ in applied if r["label"] == "real"]
    print(
        f"  real dev videos with speech (cue applied): {len(real_speech)}, verdicts as shipped: "
        f"{sorted(r['verdict'] for r in real_speech)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
