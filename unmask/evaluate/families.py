"""Fakes by family, and an operating point set on real files from many sources.

The dev set's fakes fall into three families, each scored against the same real files (per file: a video's
score is its worst face track, a photo's its face's), as the detector-v2 issue measures them:

- ``swap``: dev/ffpp and dev/dfdc fake videos (face swaps and reenactment) against every real dev video;
- ``rerendered``: dev/animated fake videos (talking heads, portrait animation, lip-sync) against every real dev
  video;
- ``composites``: dev/ciplab fake photos against dev/ciplab real photos.

:func:`family_metrics` gives each family's AUC and the share of fakes caught at 1% and 5% false alarms, and, at a
threshold, how many fakes and reals it calls fake. :func:`operating_point` sets a threshold on real files only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from unmask.evaluate.metrics import roc_auc, threshold_at_fpr, tpr_at_fpr
from unmask.media import IMAGE_EXTENSIONS

FAMILIES = {
    "swap": (("ffpp", "dfdc"), "video"),
    "rerendered": (("animated",), "video"),
    "composites": (("ciplab",), "image"),
}


def kind_of(key: str) -> str:
    """``image`` or ``video``, from a record's file name (animated GIFs count as videos)."""
    suffix = Path(key).suffix.lower()
    return "image" if suffix in IMAGE_EXTENSIONS and suffix != ".gif" else "video"


def family_scores(records: list[dict[str, Any]], detector: str = "unmask") -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per family, the labels (1: fake) and the detector's per-file scores of the files it scored."""
    real_videos = [r for r in records if r["label"] == "real" and kind_of(r["key"]) == "video"]
    out = {}
    for family, (sets, kind) in FAMILIES.items():
        fakes = [r for r in records if r["label"] == "fake" and r["group"] in sets and kind_of(r["key"]) == kind]
        reals = real_videos if kind == "video" else [r for r in records if r["label"] == "real" and r["group"] in sets]
        pairs = [(1, r[detector]["video"]) for r in fakes] + [(0, r[detector]["video"]) for r in reals]
        pairs = [(label, score) for label, score in pairs if score is not None]
        out[family] = (
            np.array([label for label, _ in pairs], dtype=int),
            np.array([score for _, score in pairs], dtype=float),
        )
    return out


def family_metrics(
    records: list[dict[str, Any]],
    detector: str = "unmask",
    threshold: float | None = None,
    video_threshold: float | None = None,
) -> dict[str, dict[str, Any]]:
    """Per family: fakes, reals, AUC, TPR at 1% and 5% FPR, and at ``threshold`` the fakes and reals flagged
    (the video families at ``video_threshold`` where given)."""
    out = {}
    for family, (labels, scores) in family_scores(records, detector).items():
        at = video_threshold if video_threshold is not None and FAMILIES[family][1] == "video" else threshold
        row: dict[str, Any] = {"fakes": int(labels.sum()), "reals": int((labels == 0).sum())}
        if row["fakes"] and row["reals"]:
            row["auc"] = round(roc_auc(labels, scores), 4)
            row["tpr_at_1pct_fpr"] = round(tpr_at_fpr(labels, scores, 0.01), 4)
            row["tpr_at_5pct_fpr"] = round(tpr_at_fpr(labels, scores, 0.05), 4)
            if at is not None:
                row["fakes_flagged"] = int((scores[labels == 1] >= at).sum())
                row["reals_flagged"] = int((scores[labels == 0] >= at).sum())
        out[family] = row
    return out


def operating_point(
    real_records: Iterable[Mapping[str, Any]],
    detector: str = "unmask",
    max_video_fpr: float = 0.02,
    max_photo_fpr: float = 0.05,
) -> dict[str, Any]:
    """A threshold set on real files only: the lowest score at which at most ``max_video_fpr`` of the real
    videos and at most ``max_photo_fpr`` of the real photos score at or above it (the higher of the two), with
    the counts it was set on."""
    videos, photos = [], []
    for record in real_records:
        if record["label"] != "real" or record[detector]["video"] is None:
            continue
        (videos if kind_of(record["key"]) == "video" else photos).append(float(record[detector]["video"]))
    if not videos and not photos:
        raise ValueError("no scored real file to set a threshold on")
    video = threshold_at_fpr(np.array(videos), max_video_fpr) if videos else 0.0
    photo = threshold_at_fpr(np.array(photos), max_photo_fpr) if photos else 0.0
    return {
        "value": max(video, photo),
        "real_videos": len(videos),
        "real_photos": len(photos),
        "video_threshold": video,
        "photo_threshold": photo,
    }


def auc_difference(
    records: list[dict[str, Any]],
    baseline: list[dict[str, Any]],
    detector: str = "unmask",
    baseline_detector: str = "unmask",
    replicates: int = 2000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, dict[str, Any]]:
    """Per family, the AUC of ``detector`` in ``records`` minus that of ``baseline_detector`` in ``baseline``, on
    the files both scored, with a paired bootstrap interval: the fakes and the reals of the family are each
    resampled with replacement (the same files for both detectors), ``replicates`` times."""
    theirs = {r["key"]: r for r in baseline if r[baseline_detector]["video"] is not None}
    shared = [r for r in records if r["key"] in theirs and r[detector]["video"] is not None]
    mine = family_scores(shared, detector)
    other = family_scores([theirs[r["key"]] for r in shared], baseline_detector)
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, Any]] = {}
    for family, (labels, scores) in mine.items():
        other_scores = other[family][1]  # the same files in the same order: both scored each of them
        fakes, reals = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
        if not len(fakes) or not len(reals):
            continue
        differences = []
        for _ in range(replicates):
            pick = np.concatenate([rng.choice(fakes, len(fakes)), rng.choice(reals, len(reals))])
            differences.append(roc_auc(labels[pick], scores[pick]) - roc_auc(labels[pick], other_scores[pick]))
        low, high = np.quantile(differences, [(1 - level) / 2, (1 + level) / 2])
        out[family] = {
            "difference": round(roc_auc(labels, scores) - roc_auc(labels, other_scores), 4),
            "low": round(float(low), 4),
            "high": round(float(high), 4),
            "fakes": len(fakes),
            "reals": len(reals),
        }
    return out
