"""``unmask eval``: scan labelled media, cache every score, and measure how well real and fake are told apart.

Labels come from a CSV with at least ``path`` and ``label`` (``real`` or ``fake``) columns, paths relative to the
CSV's folder; ``source``/``method`` columns, if present, are kept. Each file is scanned with the shipped (or a
given) model under the usual protocol (:data:`~unmask.verdict.DEFAULT_SAMPLING` frames, every face found,
the crop contract of the model card), and, when asked, a peer detector scores *the same aligned crops*.

Groups are the first folder of each path (``ffpp``, ``dfdc``, ``ciplab``...) and each ``method``. Per group and
overall: video-level AUC (one score per file: its worst face track), frame-level AUC (the highest face score of
each sampled frame), and at the model's threshold the share of files and frames called fake. Files with no
scorable face (``not_applicable``) or unreadable ones are counted, not scored.

Scores are cached in ``OUT/scores.jsonl`` keyed by file, model sha256 and protocol: a re-run only scans what is
missing.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from unmask import __version__
from unmask.errors import UnmaskError
from unmask.evaluate.metrics import roc_auc
from unmask.media import Frame
from unmask.verdict import FaceScore, Scanner

SCORES_FILE = "scores.jsonl"
METRICS_FILE = "metrics.json"


class Peer(Protocol):
    """A detector run beside unmask on the same aligned crops: ``predict(N x S x S x 3 uint8) -> N scores``."""

    name: str

    def predict(self, crops: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Item:
    """One labelled file."""

    path: Path
    key: str
    label: str
    method: str

    @property
    def group(self) -> str:
        return self.key.split("/", 1)[0] if "/" in self.key else "."


def read_labels(csv_path: str | os.PathLike[str]) -> list[Item]:
    """The labelled files of a CSV (``path,label[,source,method,...]``); bad rows raise a one-line error."""
    csv_path = Path(csv_path)
    try:
        with open(csv_path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as err:
        raise UnmaskError(f"{csv_path}: {err.strerror or err}") from None
    items = []
    for number, row in enumerate(rows, start=2):
        if not row.get("path") or row.get("label") not in ("real", "fake"):
            raise UnmaskError(f"{csv_path}:{number}: needs a path and a label of 'real' or 'fake'")
        method = row.get("method") or row["label"]
        items.append(Item(csv_path.parent / row["path"], row["path"], row["label"], method))
    if not items:
        raise UnmaskError(f"{csv_path}: no labelled rows")
    return items


def protocol(scanner: Scanner, peers: list[Peer]) -> dict[str, Any]:
    """Everything that decides a score, stored next to every number."""
    return {
        "unmask_version": __version__,
        "model": scanner.classifier.card.identity(),
        "contract": scanner.contract.to_dict(),
        "sampling": scanner.sampling.describe(),
        "min_face_size": scanner.analyzer.min_face_size,
        "min_score_face": scanner.min_score_face,
        "min_track_frames": scanner.min_track_frames,
        "frame_score": "highest face score in the frame",
        "video_score": "mean of each face track's frame scores; the highest usable track",
        "peers": [peer.name for peer in peers],
    }


class _PeerScores:
    """An ``on_frame`` callback that scores the same crops with each peer."""

    def __init__(self, peers: list[Peer]) -> None:
        self.peers = peers
        self.faces: dict[str, list[tuple[int, int, float]]] = {peer.name: [] for peer in peers}

    def __call__(self, frame: Frame, faces: list[FaceScore], crops: np.ndarray | None, maps: np.ndarray | None) -> None:
        if crops is None:
            return
        for peer in self.peers:
            for face, score in zip(faces, peer.predict(crops), strict=True):
                self.faces[peer.name].append((frame.index, face.track, float(score)))


def _aggregate(faces: list[tuple[int, int, float]], usable: set[int]) -> tuple[float | None, list[float]]:
    """Video score (worst usable track's mean) and frame scores (max per frame) of (frame, track, score) rows."""
    by_frame: dict[int, float] = {}
    by_track: dict[int, list[float]] = {}
    for frame, track, score in faces:
        by_frame[frame] = max(by_frame.get(frame, 0.0), score)
        if track in usable:
            by_track.setdefault(track, []).append(score)
    video = max((float(np.mean(scores)) for scores in by_track.values()), default=None)
    return video, [by_frame[frame] for frame in sorted(by_frame)]


def score_item(scanner: Scanner, item: Item, peers: list[Peer]) -> dict[str, Any]:
    """Scan one labelled file and return its cache record."""
    peer_scores = _PeerScores(peers)
    result = scanner.scan(item.path, on_frame=peer_scores if peers else None)
    usable = {track.id for track in result.faces if track.usable}
    faces = [(face.index, track.id, face.score) for track in result.faces for face in track.frames]
    video, frames = _aggregate(faces, usable)
    record: dict[str, Any] = {
        "key": item.key,
        "label": item.label,
        "method": item.method,
        "verdict": result.verdict,
        "reason": result.reason,
        "unmask": {"video": video, "frames": frames, "faces": [score for _, _, score in faces]},
        "seconds": round(result.timings.get("total_s", 0.0), 3),
    }
    for name, rows in peer_scores.faces.items():
        video, frames = _aggregate(rows, usable)
        record[name] = {"video": video, "frames": frames, "faces": [score for _, _, score in rows]}
    return record


def _summary(records: list[dict[str, Any]], detector: str, threshold: float | None) -> dict[str, Any]:
    scored = [r for r in records if r[detector]["video"] is not None]
    labels = np.array([r["label"] == "fake" for r in scored], dtype=bool)
    videos = np.array([r[detector]["video"] for r in scored], dtype=np.float64)
    frame_labels = np.concatenate([[r["label"] == "fake"] * len(r[detector]["frames"]) for r in scored] or [[]])
    frames = np.concatenate([r[detector]["frames"] for r in scored] or [[]]).astype(np.float64)
    out: dict[str, Any] = {
        "files": len(records),
        "scored_files": len(scored),
        "real_files": int((~labels).sum()),
        "fake_files": int(labels.sum()),
        "frames": len(frames),
        "video_auc": roc_auc(labels, videos),
        "frame_auc": roc_auc(frame_labels.astype(bool), frames),
    }
    if len(scored):
        real, fake = videos[~labels], videos[labels]
        out["min_fake_minus_max_real"] = float(fake.min() - real.max()) if len(real) and len(fake) else None
    if threshold is not None and len(scored):
        called = videos >= threshold
        frame_called = frames >= threshold
        out["threshold"] = threshold
        out["real_files_called_fake"] = int((called & ~labels).sum())
        out["fake_files_called_fake"] = int((called & labels).sum())
        real_frames = frame_labels == 0
        out["real_frames_above_threshold"] = float(frame_called[real_frames].mean()) if real_frames.any() else None
        out["fake_frames_above_threshold"] = float(frame_called[~real_frames].mean()) if (~real_frames).any() else None
    return out


def summarise(records: list[dict[str, Any]], detectors: list[str], threshold: float) -> dict[str, Any]:
    """Metrics per group (first folder), per method and overall, for unmask and each peer."""
    groups: dict[str, list[dict[str, Any]]] = {"all": records}
    for record in records:
        first = record["key"].split("/", 1)[0]
        groups.setdefault(f"set:{first}", []).append(record)
        groups.setdefault(f"method:{record['method']}", []).append(record)
    return {
        name: {
            detector: _summary(rows, detector, threshold if detector == "unmask" else None) for detector in detectors
        }
        | {"not_applicable": sum(r["verdict"] == "not_applicable" for r in rows)}
        | {"errors": sum(r["verdict"] == "error" for r in rows)}
        for name, rows in groups.items()
    }


def evaluate(
    labels_csv: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    scanner: Scanner,
    peers: list[Peer] | None = None,
    progress: bool = True,
    select: Callable[[Item], bool] | None = None,
) -> dict[str, Any]:
    """Score every labelled file (reusing cached scores made under the same protocol) and write
    ``scores.jsonl`` and ``metrics.json`` into ``out_dir``; returns the metrics."""
    peers = peers or []
    items = [item for item in read_labels(labels_csv) if select is None or select(item)]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    proto = protocol(scanner, peers)
    cache_path = out / SCORES_FILE
    cached: dict[str, dict[str, Any]] = {}
    if cache_path.is_file():
        for line in cache_path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("protocol") == proto:
                cached[record["key"]] = record
    records = []
    with open(cache_path, "w", encoding="utf-8") as cache:
        for item in tqdm(items, desc="eval", unit="file", disable=not progress, dynamic_ncols=True):
            record = cached.get(item.key) or {**score_item(scanner, item, peers), "protocol": proto}
            cache.write(json.dumps(record) + "\n")
            cache.flush()
            records.append(record)
    metrics = {
        "labels": str(labels_csv),
        "threshold": scanner.threshold,
        "protocol": proto,
        "groups": summarise(records, ["unmask", *(peer.name for peer in peers)], scanner.threshold),
    }
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics
