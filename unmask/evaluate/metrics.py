"""Detection metrics on labelled scores (label 1 = fake, higher score = more likely fake; a score at or above a
threshold is called fake).

Every function takes plain arrays and returns plain floats, NaN where a metric is undefined (one class missing),
so that a table can show ``-`` rather than fail. :func:`bootstrap_ci` resamples reals and fakes separately
(each replicate keeps both classes) and, given ``clusters``, resamples whole videos rather than frames, since
the frames of one video are not independent.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]


def _arrays(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(f"labels {labels.shape} and scores {scores.shape} must be two arrays of one length")
    return labels, scores


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random fake outscores a random real, ties counting half.
    NaN when either class is missing."""
    labels, scores = _arrays(labels, scores)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    average_rank = np.cumsum(counts) - (counts - 1) / 2  # 1-based ranks, averaged over ties
    rank_sum = average_rank[inverse][labels].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False- and true-positive rates at each distinct score taken as threshold, highest first, starting at
    (0, 0) for an infinite threshold: ``(fpr, tpr, thresholds)``. Rates are NaN when a class is missing."""
    labels, scores = _arrays(labels, scores)
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1] if len(scores) else np.array([], int)
    true_pos = np.cumsum(labels)[last_of_tie]
    false_pos = (last_of_tie + 1) - true_pos
    positives, negatives = labels.sum(), (~labels).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = np.r_[0.0, true_pos / positives] if positives else np.full(len(last_of_tie) + 1, np.nan)
        fpr = np.r_[0.0, false_pos / negatives] if negatives else np.full(len(last_of_tie) + 1, np.nan)
    return fpr, tpr, np.r_[np.inf, scores[last_of_tie]]


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    """Average precision: the precision at each threshold weighted by the recall it adds (ties grouped);
    NaN without fakes."""
    labels, scores = _arrays(labels, scores)
    if not labels.any():
        return float("nan")
    fpr, tpr, _ = roc_curve(labels, scores)
    positives, negatives = labels.sum(), (~labels).sum()
    true_pos = tpr[1:] * positives
    false_pos = (np.nan_to_num(fpr[1:]) * negatives) if negatives else np.zeros_like(true_pos)
    precision = true_pos / np.maximum(true_pos + false_pos, 1)
    return float(np.sum(np.diff(tpr) * precision))


def equal_error_rate(labels: np.ndarray, scores: np.ndarray) -> float:
    """The rate at which false alarms (reals called fake) equal misses (fakes called real), interpolated
    linearly between the two ROC points around the crossing; NaN when a class is missing."""
    fpr, tpr, _ = roc_curve(labels, scores)
    if np.isnan(fpr).any() or np.isnan(tpr).any():
        return float("nan")
    fnr = 1 - tpr
    gap = fnr - fpr  # starts at 1 (threshold infinite), ends at <= 0 (everything called fake)
    crossing = int(np.flatnonzero(gap <= 0)[0])
    if crossing == 0:
        return 0.0
    before, after = gap[crossing - 1], gap[crossing]
    weight = before / (before - after)
    return float(fpr[crossing - 1] + weight * (fpr[crossing] - fpr[crossing - 1]))


def tpr_at_fpr(labels: np.ndarray, scores: np.ndarray, max_fpr: float) -> float:
    """The share of fakes caught at the lowest threshold that calls at most ``max_fpr`` of the reals fake (no
    interpolation: a threshold must exist); NaN when a class is missing."""
    fpr, tpr, _ = roc_curve(labels, scores)
    if np.isnan(fpr).any() or np.isnan(tpr).any():
        return float("nan")
    return float(tpr[fpr <= max_fpr + 1e-12].max())


def confusion(labels: np.ndarray, scores: np.ndarray, threshold: float | np.ndarray) -> dict[str, float | int]:
    """Counts and accuracy when scores at or above ``threshold`` (one value, or one per score) are called fake."""
    labels, scores = _arrays(labels, scores)
    called = scores >= threshold
    counts = {
        "true_fake": int((called & labels).sum()),
        "false_fake": int((called & ~labels).sum()),
        "true_real": int((~called & ~labels).sum()),
        "false_real": int((~called & labels).sum()),
    }
    counts["accuracy"] = float((called == labels).mean()) if len(labels) else float("nan")
    return counts


def threshold_at_fpr(real_scores: np.ndarray, max_fpr: float) -> float:
    """The lowest threshold at which at most ``max_fpr`` of ``real_scores`` are at or above it (scores at or
    above the threshold are called fake)."""
    scores = np.sort(np.asarray(real_scores, dtype=np.float64))[::-1]
    if len(scores) == 0:
        raise ValueError("no real scores to calibrate on")
    allowed = int(np.floor(max_fpr * len(scores)))
    # Everything strictly above the (allowed+1)-th highest score may be called fake.
    return float(np.nextafter(scores[allowed], np.inf)) if allowed < len(scores) else float(scores[-1])


def bootstrap_ci(
    metric: Metric,
    labels: np.ndarray,
    scores: np.ndarray,
    clusters: np.ndarray | None = None,
    replicates: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval of ``metric(labels, scores)``: reals and fakes are resampled apart, whole
    clusters (videos) at a time when ``clusters`` names each row's; NaN when a class is missing."""
    labels, scores = _arrays(labels, scores)
    clusters = np.arange(len(labels)) if clusters is None else np.asarray(clusters)
    ids, first, inverse = np.unique(clusters, return_index=True, return_inverse=True)
    cluster_label = labels[first]
    real_ids, fake_ids = np.flatnonzero(~cluster_label), np.flatnonzero(cluster_label)
    if len(real_ids) == 0 or len(fake_ids) == 0:
        return float("nan"), float("nan")
    order = np.argsort(inverse, kind="stable")  # rows grouped by cluster
    sizes = np.bincount(inverse, minlength=len(ids))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    rng = np.random.default_rng(seed)
    values = np.empty(replicates)
    for r in range(replicates):
        chosen = np.r_[rng.choice(real_ids, len(real_ids)), rng.choice(fake_ids, len(fake_ids))]
        lengths = sizes[chosen]
        shift = np.repeat(starts[chosen] - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
        rows = order[shift + np.arange(lengths.sum())]
        values[r] = metric(labels[rows], scores[rows])
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail], method="nearest")  # values a replicate took
    return float(low), float(high)
