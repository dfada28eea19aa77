"""Detection metrics on labelled scores (label 1 = fake, higher score = more likely fake)."""

from __future__ import annotations

import numpy as np


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random fake outscores a random real, ties counting half.
    NaN when either class is missing."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    positives, negatives = scores[labels], scores[~labels]
    if len(positives) == 0 or len(negatives) == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    # Average ranks over ties (1-based).
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    rank_sum = ranks[labels].sum()
    return float((rank_sum - len(positives) * (len(positives) + 1) / 2) / (len(positives) * len(negatives)))


def threshold_at_fpr(real_scores: np.ndarray, max_fpr: float) -> float:
    """The lowest threshold at which at most ``max_fpr`` of ``real_scores`` are at or above it (scores at or
    above the threshold are called fake)."""
    scores = np.sort(np.asarray(real_scores, dtype=np.float64))[::-1]
    if len(scores) == 0:
        raise ValueError("no real scores to calibrate on")
    allowed = int(np.floor(max_fpr * len(scores)))
    # Everything strictly above the (allowed+1)-th highest score may be called fake.
    return float(np.nextafter(scores[allowed], np.inf)) if allowed < len(scores) else float(scores[-1])
