"""``unmask eval``: scan labelled media, cache every score, and measure how well real and fake are told apart.

Items come from :mod:`unmask.evaluate.datasets` (a labels CSV, real/ and fake/ folders, or a published
layout). Each file is scanned with the shipped (or a given) model under the usual protocol
(:data:`~unmask.verdict.DEFAULT_SAMPLING` frames, every face found, the crop contract of the model card), and,
when asked, a peer detector scores *the same aligned crops*.

Groups (:func:`groups_of`): ``all``, each set (``set:ffpp``...) and each manipulation (``method:Deepfakes``: its
fakes against the reals of the same sets). Per group and detector, at two levels, video (one score per file:
the mean of each usable face track, the highest track) and frame (the highest face score of each sampled
frame): AUC, average precision, equal error rate with bootstrap 95% intervals (files resampled with all their
frames, reals and fakes apart), the share of fakes caught at 1% and 5% false alarms, and the confusion counts
and accuracy at the detector's threshold. Files with no scorable face (``not_applicable``) or unreadable ones
are counted, not scored.

Scores are cached in ``OUT/scores.jsonl`` keyed by file and protocol (model sha256, sampling, crop contract,
laundering...): a re-run only scans what is missing, and a run with other metrics or another grouping is
instant. Lines are appended; a line cut short by an interrupted run is ignored and its file scanned again.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from unmask import __version__
from unmask.evaluate.datasets import Item
from unmask.evaluate.families import kind_of
from unmask.evaluate.metrics import (
    average_precision,
    bootstrap_ci,
    confusion,
    equal_error_rate,
    roc_auc,
    tpr_at_fpr,
)
from unmask.evaluate.robustness import LADDER, Laundering, scratch_dir
from unmask.evaluate.summary import SCORES_FILE
from unmask.media import Frame
from unmask.verdict import FaceScore, Scanner
from unmask.verdict.batch import InProcess, Runner

BLEND, ANIMATION = "unmask:blend", "unmask:animation"
"""Each branch of unmask measured on its own (the frame branch's track means; the temporal branch's
probability), beside ``unmask`` (the fused score), when a temporal model is loaded."""
METRICS_FILE = "metrics.json"


class Peer(Protocol):
    """A detector run beside unmask on the same aligned crops: ``predict(N x S x S x 3 uint8) -> N scores``."""

    name: str

    def predict(self, crops: np.ndarray) -> np.ndarray: ...


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
        "video_score": "each usable face track's score (the highest of its cues), the highest track",
        "peers": [peer.name for peer in peers],
        "temporal_model": scanner.temporal.card.identity() if scanner.temporal is not None else None,
        "temporal_frames": scanner.burst.describe() if scanner.burst is not None else None,
        # the temporal branch's threshold puts its cue on the verdict's scale: it changes unmask's scores
        "temporal_threshold": scanner.temporal.threshold if scanner.temporal is not None else None,
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
    blend_video, frames = _aggregate(faces, usable)
    video = result.score if result.verdict in ("fake", "real") else None
    times = {frame.index: frame.time for frame in result.frames}
    record: dict[str, Any] = {
        "key": item.key,
        "group": item.group,
        "label": item.label,
        "method": item.method,
        "verdict": result.verdict,
        "reason": result.reason,
        "unmask": {"video": video, "frames": frames, "faces": [score for _, _, score in faces]},
        "frame_times": [times[index] for index in sorted({index for index, _, _ in faces})],
        "seconds": round(result.timings.get("total_s", 0.0), 3),
    }
    if scanner.temporal is not None:  # each branch on its own, beside the fused score
        record[BLEND] = {"video": blend_video, "frames": frames, "faces": record["unmask"]["faces"]}
        animation = [
            track.cues["animation"].probability
            for track in result.faces
            if track.usable and "animation" in track.cues and track.cues["animation"].applied
        ]
        record[ANIMATION] = {"video": max(animation, default=None), "frames": [], "faces": animation}
    for name, rows in peer_scores.faces.items():
        video, frames = _aggregate(rows, usable)
        record[name] = {"video": video, "frames": frames, "faces": [score for _, _, score in rows]}
    return record


def _level(
    labels: np.ndarray,
    scores: np.ndarray,
    clusters: np.ndarray,
    threshold: float | np.ndarray | None,
    replicates: int,
) -> dict[str, Any]:
    """Every metric of one level (videos or frames), with bootstrap intervals over videos; the calls at
    ``threshold`` (one value, or one per score)."""
    out: dict[str, Any] = {"n": len(labels), "real": int((~labels).sum()), "fake": int(labels.sum())}
    for name, metric in (("auc", roc_auc), ("ap", average_precision), ("eer", equal_error_rate)):
        out[name] = _number(metric(labels, scores))
        if replicates:
            out[f"{name}_ci"] = [_number(v) for v in bootstrap_ci(metric, labels, scores, clusters, replicates)]
    out["tpr_at_fpr_1"] = _number(tpr_at_fpr(labels, scores, 0.01))
    out["tpr_at_fpr_5"] = _number(tpr_at_fpr(labels, scores, 0.05))
    if threshold is not None:
        out["at_threshold"] = {
            key: v if isinstance(v, int) else _number(v) for key, v in confusion(labels, scores, threshold).items()
        }
    return out


def _number(value: float) -> float | None:
    """JSON has no NaN: an undefined metric is null."""
    return None if value is None or np.isnan(value) else round(float(value), 6)


def _summary(
    records: list[dict[str, Any]],
    detector: str,
    threshold: float | None,
    replicates: int,
    video_threshold: float | None = None,
) -> dict:
    """One detector on a set of files: counts, the video level (one score per file: its worst usable track;
    a video file called at ``video_threshold`` where given, every other file at ``threshold``) and the frame
    level (the highest face score of each sampled frame, called at ``threshold``)."""
    scored = [r for r in records if r[detector]["video"] is not None]
    labels = np.array([r["label"] == "fake" for r in scored], dtype=bool)
    videos = np.array([r[detector]["video"] for r in scored], dtype=np.float64)
    per_file: float | np.ndarray | None = threshold
    if threshold is not None and video_threshold is not None:
        is_video = np.array([kind_of(r["key"]) == "video" for r in scored], dtype=bool)
        per_file = np.where(is_video, video_threshold, threshold)
    counts = [len(r[detector]["frames"]) for r in scored]
    frame_labels = np.repeat(labels, counts)
    frames = np.concatenate([r[detector]["frames"] for r in scored] or [[]]).astype(np.float64)
    out: dict[str, Any] = {
        "files": len(records),
        "scored_files": len(scored),
        "threshold": threshold,
        **({"video_threshold": video_threshold} if video_threshold is not None else {}),
        "video": _level(labels, videos, np.arange(len(scored)), per_file, replicates),
        "frame": _level(frame_labels, frames, np.repeat(np.arange(len(scored)), counts), threshold, replicates),
    }
    real, fake = videos[~labels], videos[labels]
    out["min_fake_minus_max_real"] = _number(fake.min() - real.max()) if len(real) and len(fake) else None
    return out


def groups_of(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``all``; ``set:<group>`` for each set; ``method:<m>`` for each manipulation: its fakes against the reals
    of the sets they come from."""
    groups: dict[str, list[dict[str, Any]]] = {"all": records}
    for record in records:
        groups.setdefault(f"set:{record['group']}", []).append(record)
    fakes_by_method: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record["label"] == "fake":
            fakes_by_method.setdefault(record["method"], []).append(record)
    for method, fakes in sorted(fakes_by_method.items()):
        sets = {record["group"] for record in fakes}
        reals = [r for r in records if r["label"] == "real" and r["group"] in sets]
        groups[f"method:{method}"] = reals + fakes
    return groups


def summarise(
    records: list[dict[str, Any]],
    thresholds: dict[str, float | None],
    replicates: int = 1000,
    video_thresholds: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Metrics per group (see :func:`groups_of`) for unmask and each peer (``thresholds`` names each detector
    with the threshold its calls are counted at, or None; ``video_thresholds`` those that call videos at
    another, see :func:`video_thresholds_of`)."""
    videos = video_thresholds or {}
    return {
        name: {
            detector: _summary(rows, detector, threshold, replicates, videos.get(detector))
            for detector, threshold in thresholds.items()
        }
        | {"not_applicable": sum(r["verdict"] == "not_applicable" for r in rows)}
        | {"errors": sum(r["verdict"] == "error" for r in rows)}
        for name, rows in groups_of(records).items()
    }


def thresholds_of(scanner: Scanner, peers: list[Peer]) -> dict[str, float | None]:
    """Each detector's decision threshold: the model cards' for unmask and its branches, a peer's own (if any)."""
    ours: dict[str, float | None] = {"unmask": scanner.threshold}
    if scanner.temporal is not None:
        ours |= {BLEND: scanner.threshold, ANIMATION: scanner.temporal.threshold}
    return ours | {peer.name: getattr(peer, "threshold", None) for peer in peers}


def video_thresholds_of(scanner: Scanner) -> dict[str, float]:
    """The detectors that call a video at another threshold than a photo (the card's video threshold): unmask
    and, with the temporal branch on, its frame branch alone; empty when the two thresholds are one."""
    if scanner.video_threshold == scanner.threshold:
        return {}
    ours = {"unmask": scanner.video_threshold}
    if scanner.temporal is not None:
        ours[BLEND] = scanner.video_threshold
    return ours


def _read_cache(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    cached: dict[tuple[str, str], dict[str, Any]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                cached[(record["key"], json.dumps(record["protocol"], sort_keys=True))] = record
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by an interrupted run: scanned again
    return cached


def score_one(
    scanner: Scanner, item: Item, peers: list[Peer] | None = None, laundering: Laundering | None = None
) -> dict[str, Any] | None:
    """A task: score one item after ``laundering`` (one rung of the robustness ladder, or None), in a scratch
    folder of its own; None for a still in a rung for videos only. Runs here or on a cluster's worker."""
    previous = scanner.transform
    if laundering is not None and not laundering.videos_only:
        scanner.transform = laundering.frame
    try:
        if laundering is None:
            return score_item(scanner, item, peers or [])
        with scratch_dir() as scratch:
            path = laundering.file(item.path, Path(scratch))
            return None if path is None else score_item(scanner, replace(item, path=path), peers or [])
    finally:
        scanner.transform = previous


def evaluate(
    items: list[Item],
    out_dir: str | os.PathLike[str],
    scanner: Scanner,
    peers: list[Peer] | None = None,
    progress: bool = True,
    replicates: int = 1000,
    laundering: Laundering | None = None,
    dataset: str = "",
    runner: Runner | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score every item (reusing cached scores made under the same protocol), write ``scores.jsonl`` and
    ``metrics.json`` into ``out_dir``, and return the metrics and the record of each item scored.
    ``laundering`` changes the media first (one rung of the robustness ladder); ``replicates`` bootstrap
    replicates give the 95% intervals (0: none). The items not cached are scored by ``runner`` (default: here,
    with ``scanner``; :class:`unmask.cluster.Cluster`: on a cluster, whose workers' scanners must be built as
    ``scanner`` is, since ``scanner`` names the protocol); an item whose task failed there is left out, and
    said."""
    peers = peers or []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    proto = protocol(scanner, peers) | {"laundering": laundering.name if laundering else None}
    proto_key = json.dumps(proto, sort_keys=True)
    cache_path = out / SCORES_FILE
    cached = _read_cache(cache_path)
    scored = {item.key: cached[(item.key, proto_key)] for item in items if (item.key, proto_key) in cached}
    missing = [item for item in items if item.key not in scored]
    task = functools.partial(score_one, peers=peers, laundering=laundering)
    runner = runner or InProcess(scanner)
    desc = f"eval {laundering.name}" if laundering else "eval"
    with (
        open(cache_path, "a", encoding="utf-8") as cache,
        tqdm(total=len(items), initial=len(scored), desc=desc, unit="file", disable=not progress) as bar,
    ):
        # absolute paths: a cluster's workers do not share this process's working folder
        for item, record in runner.map(task, [replace(item, path=Path(item.path).absolute()) for item in missing]):
            bar.update()
            if isinstance(record, Exception):
                tqdm.write(f"unmask: {item.path}: not scored (a re-run tries it again): {record}", file=sys.stderr)
                continue
            if record is None:
                continue  # a still, in a rung for videos only
            scored[item.key] = {**record, "protocol": proto}
            cache.write(json.dumps(scored[item.key]) + "\n")
            cache.flush()
    # the scores stand; the labels and groups are today's
    records = [
        {**scored[item.key], "label": item.label, "method": item.method, "group": item.group}
        for item in items
        if item.key in scored
    ]
    metrics = {
        "dataset": dataset,
        "unmask_version": __version__,
        "thresholds": thresholds_of(scanner, peers),
        "video_thresholds": video_thresholds_of(scanner),
        "protocol": proto,
        "bootstrap": {"replicates": replicates, "level": 0.95, "resampled": "files (all frames of a file together)"},
        "groups": summarise(records, thresholds_of(scanner, peers), replicates, video_thresholds_of(scanner)),
    }
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics, records


def _aucs(metrics: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Video AUC of each detector, overall and per set."""
    return {
        name: {detector: values[detector]["video"]["auc"] for detector in metrics["thresholds"]}
        for name, values in metrics["groups"].items()
        if name == "all" or name.startswith("set:")
    }


def run_ladder(
    items: list[Item],
    out_dir: str | os.PathLike[str],
    scanner: Scanner,
    peers: list[Peer] | None = None,
    rungs: tuple[Laundering, ...] = LADDER,
    baseline: dict[str, Any] | None = None,
    progress: bool = True,
    runner: Runner | None = None,
) -> dict[str, Any]:
    """Evaluate every rung of the robustness ladder (each in ``out_dir/<rung>/``, cached like any evaluation)
    and write ``out_dir/robustness.json``: the video AUC of each detector per rung, overall and per set; each
    rung's scans run on ``runner`` (see :func:`evaluate`)."""
    out = Path(out_dir)
    ladder: dict[str, Any] = {
        "baseline": {"name": "none", "groups": _aucs(baseline)} if baseline else None,
        "rungs": [],
    }
    for rung in rungs:
        metrics, _ = evaluate(
            items, out / rung.name, scanner, peers, progress, replicates=0, laundering=rung, runner=runner
        )
        ladder["rungs"].append(
            {
                "name": rung.name,
                "kind": rung.kind,
                "value": rung.value,
                "groups": _aucs(metrics),
                "not_applicable": metrics["groups"]["all"]["not_applicable"],
            }
        )
    (out / "robustness.json").write_text(json.dumps(ladder, indent=2) + "\n", encoding="utf-8")
    return ladder
