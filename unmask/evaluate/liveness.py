"""Presentation-attack detection measured as ISO/IEC 30107-3 defines it, and ``unmask eval --liveness``.

Scores are attack scores (higher = more likely an attack); a score at or above the threshold is called an attack.

- APCER of an attack type: the share of its presentations called live (accepted).
- APCER (worst): the highest APCER over the attack types present, as the standard reports it.
- BPCER: the share of live (bona fide) presentations called attacks (rejected).
- ACER: (worst APCER + BPCER) / 2.

:func:`pad_metrics` computes them at a threshold; :func:`acer_threshold` chooses the threshold that minimises ACER
on a labelled set (the middle of the range of thresholds that reach the minimum, for the widest margin both ways).

:func:`evaluate_liveness` runs ``unmask eval --liveness``: unmask's passive model and its peers (MiniFASNet) score
the same faces of every labelled file in one run. :func:`evaluate_simulated` runs ``unmask eval --simulated``: the
same, on attacks simulated (:mod:`unmask.forge.attacks`) from whole frames of the files a liveness model's card
held out of its training.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from unmask.errors import UnmaskError, reason
from unmask.evaluate.metrics import roc_auc
from unmask.faces.analyzer import FaceAnalyzer
from unmask.forge.attacks import ATTACKS, SIMULATORS, WORK_SIDE, post_process, work_frame
from unmask.forge.sources import FaceFrame
from unmask.media import Sampling, read_frames
from unmask.models.card import ModelCard

LIVE = "none"
"""The attack type of a live presentation in a labels file (``attack`` column)."""


def _arrays(scores: Sequence[float], attacks: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(scores, dtype=np.float64)
    kinds = np.asarray([str(kind) for kind in attacks])
    if values.ndim != 1 or values.shape != kinds.shape:
        raise ValueError(f"scores {values.shape} and attack types {kinds.shape} must be two lists of one length")
    return values, kinds


def pad_metrics(scores: Sequence[float], attacks: Sequence[str], threshold: float) -> dict[str, Any]:
    """APCER per attack type and the worst, BPCER and ACER at ``threshold``, with the counts behind each rate.
    ``attacks`` holds each presentation's attack type, :data:`LIVE` for a live one. Rates are NaN (JSON null
    after :func:`json_safe`) where there is nothing to count."""
    values, kinds = _arrays(scores, attacks)
    called_attack = values >= threshold
    live = kinds == LIVE
    per_type: dict[str, dict[str, Any]] = {}
    for kind in sorted(set(kinds[~live].tolist())):
        chosen = kinds == kind
        accepted = int((~called_attack[chosen]).sum())
        per_type[kind] = {"apcer": accepted / int(chosen.sum()), "accepted": accepted, "attacks": int(chosen.sum())}
    rejected = int(called_attack[live].sum())
    bpcer = rejected / int(live.sum()) if live.any() else float("nan")
    worst_type = max(per_type, key=lambda kind: per_type[kind]["apcer"]) if per_type else None
    worst = per_type[worst_type]["apcer"] if worst_type else float("nan")
    return {
        "threshold": float(threshold),
        "apcer": per_type,
        "apcer_worst": worst,
        "apcer_worst_type": worst_type,
        "apcer_all": (sum(item["accepted"] for item in per_type.values()) / int((~live).sum()))
        if (~live).any()
        else float("nan"),
        "bpcer": bpcer,
        "rejected": rejected,
        "live": int(live.sum()),
        "acer": (worst + bpcer) / 2,
    }


def acer_threshold(scores: Sequence[float], attacks: Sequence[str]) -> float:
    """The threshold that minimises ACER on these scores: of the candidate cuts (midpoints between sorted
    distinct scores, and beyond both ends) that reach the minimum, the middle one of the widest run."""
    values, kinds = _arrays(scores, attacks)
    distinct = np.unique(values)
    if len(distinct) == 0:
        raise ValueError("no scores to choose a threshold from")
    candidates = np.r_[distinct[0] - 1e-6, (distinct[1:] + distinct[:-1]) / 2, distinct[-1] + 1e-6]
    acers = np.array([pad_metrics(values, kinds, cut)["acer"] for cut in candidates])
    best = np.flatnonzero(np.isclose(acers, np.nanmin(acers)))
    runs = np.split(best, np.flatnonzero(np.diff(best) > 1) + 1)
    widest = max(runs, key=lambda run: candidates[run[-1]] - candidates[run[0]])
    return float(np.clip((candidates[widest[0]] + candidates[widest[-1]]) / 2, 0.0, 1.0))


def json_safe(value: Any) -> Any:
    """``value`` with NaN floats turned into None, recursively, for JSON."""
    if isinstance(value, float):
        return None if np.isnan(value) else value
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


# --- `unmask eval --liveness` ------------------------------------------------------------------------------------


class Scorer(Protocol):
    """What scores one face of a frame for liveness: unmask's :class:`~unmask.models.liveness.PassiveModel` and
    the MiniFASNet peer alike."""

    name: str
    threshold: float

    def score(self, image: np.ndarray, box: np.ndarray) -> float: ...


@dataclass(frozen=True)
class LivenessItem:
    """One labelled presentation: the file, its key (path as the labels file gives it) and its attack type
    (:data:`LIVE` for a live one)."""

    path: Path
    key: str
    attack: str

    @property
    def is_attack(self) -> bool:
        return self.attack != LIVE


def load_liveness_labels(path: str | os.PathLike[str]) -> list[LivenessItem]:
    """The presentations of a labels CSV (``path,label,attack[,...]``; ``label`` is ``live`` or ``spoof``; paths
    relative to the CSV; a spoof's empty attack type reads ``unknown``); a folder holding ``labels.csv`` too."""
    csv_path = Path(path)
    if csv_path.is_dir():
        csv_path = csv_path / "labels.csv"
    try:
        with open(csv_path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as err:
        raise UnmaskError(f"{csv_path}: cannot read the labels ({err.strerror or err})") from None
    items = []
    for number, row in enumerate(rows, start=2):
        label = (row.get("label") or "").strip().lower()
        if not row.get("path") or label not in ("live", "spoof"):
            raise UnmaskError(f"{csv_path}:{number}: needs a path and a label 'live' or 'spoof'")
        attack = LIVE if label == "live" else ((row.get("attack") or "").strip() or "unknown")
        if label == "spoof" and attack == LIVE:
            attack = "unknown"
        items.append(LivenessItem(csv_path.parent / row["path"], row["path"], attack))
    if not items:
        raise UnmaskError(f"{csv_path}: no presentations listed")
    return items


def _score_frame(
    image: np.ndarray,
    analyzer: FaceAnalyzer,
    scorers: Sequence[Scorer],
    record: dict[str, Any],
    per_frame: dict[str, list[float]],
) -> None:
    """Every face the analyzer finds in one frame, scored by every scorer; the frame takes its most suspicious
    face (an attack may be held up beside the person holding it)."""
    faces = analyzer(image)
    record["frames"] += 1
    if not faces:
        return
    record["faces"] += len(faces)
    for scorer in scorers:
        per_frame[scorer.name].append(max(scorer.score(image, face.box) for face in faces))


def score_presentation(
    item: LivenessItem, analyzer: FaceAnalyzer, scorers: Sequence[Scorer], sampling: Sampling
) -> dict[str, Any]:
    """Every scorer's attack score for one file, on the same faces: in each sampled frame, every face the
    analyzer finds is scored and the frame takes its most suspicious face (an attack may be held up beside the
    person holding it); the file takes the mean over its frames with a face. ``error`` when unreadable."""
    record: dict[str, Any] = {"path": item.key, "attack": item.attack, "frames": 0, "faces": 0, "error": None}
    per_frame: dict[str, list[float]] = {scorer.name: [] for scorer in scorers}
    try:
        for frame in read_frames(item.path, sampling):
            _score_frame(frame.image, analyzer, scorers, record, per_frame)
    except (UnmaskError, OSError) as err:
        record["error"] = reason(err, item.path)
    record["scores"] = {name: (float(np.mean(values)) if values else None) for name, values in per_frame.items()}
    return record


# --- `unmask eval --simulated`: attacks simulated from the held-out files of a liveness model --------------------


def card_held_out_files(card: ModelCard, root: str | os.PathLike[str]) -> list[Path]:
    """The files a liveness model's card says were held out of its training, found under ``root`` (the folder
    its training input was, e.g. ``train_real``): each path is taken relative to the training input it lies
    under. Raises :class:`~unmask.errors.UnmaskError` when the card lists none or a file is missing."""
    held = list(card.training.get("held_out_files") or [])
    inputs = [str(item).rstrip("/") for item in card.training.get("config", {}).get("inputs", [])]
    if not held or not inputs:
        raise UnmaskError(f"{card.path}: the card lists no held-out files and training inputs to simulate from")
    base = Path(root)
    files = []
    for name in held:
        under = next((item for item in inputs if name.startswith(item + "/")), None)
        if under is None:
            raise UnmaskError(f"{card.path}: held-out file {name} lies under none of its training inputs")
        path = base / name[len(under) + 1 :]
        if not path.is_file():
            raise UnmaskError(f"{path}: held-out file of {card.name} {card.version} not found under {base}")
        files.append(path)
    return files


def simulated_presentations(
    frames: Sequence[FaceFrame], seed: int = 0, kinds: Sequence[str] = ATTACKS
) -> Iterator[tuple[str, str, np.ndarray]]:
    """For every frame (shrunk as training simulates it, :func:`~unmask.forge.attacks.work_frame`) and every
    attack kind: the whole frame as a live presentation and the attack simulated from it (another frame is the
    room behind the medium), each post-processed alike by its own draws
    (:func:`~unmask.forge.attacks.post_process`). Yields (key, attack type or :data:`LIVE`, frame), seeded by
    ``seed``, the frame's position and the kind."""
    for position, frame in enumerate(frames):
        image, box = work_frame(frame.image, frame.box)
        for number, kind in enumerate(kinds):
            rng = np.random.default_rng([seed, position, number])
            others = [i for i in range(len(frames)) if i != position] or [position]
            room = frames[others[int(rng.integers(len(others)))]].image
            attack = SIMULATORS[kind](image, box, rng, room)
            key = f"{frame.source}#{frame.index}"
            yield f"{key}/live-{kind}", LIVE, post_process(image, box, rng)[0]
            yield f"{key}/{kind}", kind, post_process(attack.image, attack.box, rng)[0]


def evaluate_simulated(
    frames: Sequence[FaceFrame],
    out: Path,
    scorers: Sequence[Scorer],
    seed: int = 0,
    analyzer: FaceAnalyzer | None = None,
    progress: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score :func:`simulated_presentations` of ``frames`` with every scorer on the same faces, found again by
    the analyzer in each simulated frame; writes the same files as :func:`evaluate_liveness`."""
    from tqdm import tqdm

    analyzer = analyzer or FaceAnalyzer()
    records = []
    total = len(frames) * len(ATTACKS) * 2
    for key, attack, image in tqdm(
        simulated_presentations(frames, seed), total=total, desc="simulated", unit="frame", disable=not progress
    ):
        record: dict[str, Any] = {"path": key, "attack": attack, "frames": 0, "faces": 0, "error": None}
        per_frame: dict[str, list[float]] = {scorer.name: [] for scorer in scorers}
        _score_frame(image, analyzer, scorers, record, per_frame)
        record["scores"] = {name: (values[0] if values else None) for name, values in per_frame.items()}
        records.append(record)
    protocol = {
        "presentations": f"{len(frames)} frames of {len({f.source for f in frames})} held-out files; each gives, "
        f"per attack kind ({', '.join(ATTACKS)}), the whole frame as a live presentation and the attack simulated "
        f"from it (unmask.forge.attacks, seed {seed}), both post-processed alike (post_process); frames shrunk to "
        f"at most {WORK_SIDE} px as in training",
        "faces": "found again in every simulated frame; every face the analyzer finds is scored and a frame takes "
        "its highest attack score",
        "thresholds": {scorer.name: scorer.threshold for scorer in scorers},
    }
    metrics = _write_outputs(records, out, scorers, protocol)
    return metrics, records


def liveness_metrics(records: Sequence[dict[str, Any]], scorers: Sequence[Scorer]) -> dict[str, Any]:
    """Per scorer, ISO/IEC 30107-3 figures at its own threshold (and AUC) over the files every scorer scored."""
    scored = [r for r in records if all(r["scores"].get(s.name) is not None for s in scorers)]
    kinds = [r["attack"] for r in scored]
    out: dict[str, Any] = {
        "files": len(records),
        "scored": len(scored),
        "not_scored": {r["path"]: r["error"] or "no face found" for r in records if r not in scored},
        "models": {},
    }
    for scorer in scorers:
        scores = np.array([r["scores"][scorer.name] for r in scored])
        metrics = pad_metrics(scores, kinds, scorer.threshold)
        metrics["auc"] = roc_auc(np.array([k != LIVE for k in kinds]), scores) if scored else float("nan")
        out["models"][scorer.name] = metrics
    return json_safe(out)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:5.1f}%"


def liveness_table(metrics: dict[str, Any]) -> str:
    """The metrics as a plain-text table: one row per model, APCER per attack type, the worst, BPCER, ACER."""
    types = sorted({kind for model in metrics["models"].values() for kind in model["apcer"]})
    header = ["model", "threshold", *(f"APCER {kind}" for kind in types), "APCER worst", "BPCER", "ACER", "AUC"]
    rows = [header]
    for name, model in metrics["models"].items():
        counts = [
            f"{_rate(model['apcer'][k]['apcer'])} ({model['apcer'][k]['accepted']}/{model['apcer'][k]['attacks']})"
            if k in model["apcer"]
            else "-"
            for k in types
        ]
        auc = "-" if model["auc"] is None else f"{model['auc']:.3f}"
        bpcer = f"{_rate(model['bpcer'])} ({model['rejected']}/{model['live']})"
        rows.append(
            [name, f"{model['threshold']:.3f}", *counts, _rate(model["apcer_worst"]), bpcer, _rate(model["acer"]), auc]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    note = (
        f"{metrics['scored']} of {metrics['files']} files scored by every model (the others: no face found or "
        "unreadable, listed in metrics.json); APCER per attack type = attacks called live; BPCER = live called "
        "attack; ACER = (worst APCER + BPCER) / 2; each model at its own threshold."
    )
    return "\n".join([*lines, note])


def _plot(records: Sequence[dict[str, Any]], scorers: Sequence[Scorer], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(scorers), figsize=(5 * len(scorers), 3.2), squeeze=False)
    for axis, scorer in zip(axes[0], scorers, strict=True):
        for label, wanted in (("live", False), ("attack", True)):
            chosen = [
                r["scores"][scorer.name]
                for r in records
                if r["scores"].get(scorer.name) is not None and (r["attack"] != LIVE) == wanted
            ]
            axis.hist(chosen, bins=20, range=(0, 1), alpha=0.6, label=label)
        axis.axvline(scorer.threshold, color="black", linestyle="--", linewidth=1)
        axis.set_title(scorer.name)
        axis.set_xlabel("attack score")
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def evaluate_liveness(
    items: Sequence[LivenessItem],
    out: Path,
    scorers: Sequence[Scorer],
    sampling: Sampling,
    analyzer: FaceAnalyzer | None = None,
    progress: bool = True,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score every presentation with every scorer on the same faces; write ``scores.jsonl``, ``metrics.json``
    (with the protocol), ``table.txt`` and ``histograms.png`` into ``out``. Returns the metrics and records."""
    from tqdm import tqdm

    analyzer = analyzer or FaceAnalyzer()
    records = [
        score_presentation(item, analyzer, scorers, sampling)
        for item in tqdm(items, desc="liveness", unit="file", disable=not progress)
    ]
    protocol = {
        "sampling": sampling.describe(),
        "faces": "every face the analyzer finds in a sampled frame is scored; a frame takes its highest attack "
        "score, a file the mean over its frames with a face",
        "thresholds": {scorer.name: scorer.threshold for scorer in scorers},
    }
    metrics = _write_outputs(records, out, scorers, protocol)
    return metrics, records


def _write_outputs(
    records: Sequence[dict[str, Any]], out: Path, scorers: Sequence[Scorer], protocol: dict[str, Any]
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scores.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")
    metrics = liveness_metrics(records, scorers)
    metrics["protocol"] = protocol
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    (out / "table.txt").write_text(liveness_table(metrics) + "\n", encoding="utf-8")
    _plot(records, scorers, out / "histograms.png")
    return metrics
