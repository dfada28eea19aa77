import math

import numpy as np
import pytest

from unmask.evaluate.metrics import roc_auc, threshold_at_fpr


@pytest.mark.parametrize(
    ("labels", "scores", "expected"),
    [
        ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], 1.0),
        ([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1], 0.0),
        ([0, 1], [0.5, 0.5], 0.5),  # a tie counts half
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75),  # 3 of 4 pairs ordered right
        # fake 0.5 beats 0.2 and ties twice (1 + 0.5 + 0.5); fake 0.9 beats all three reals: 5 of 6 pairs
        ([0, 0, 0, 1, 1], [0.2, 0.5, 0.5, 0.5, 0.9], 5 / 6),
    ],
)
def test_auc_known_answers(labels, scores, expected):
    assert roc_auc(np.array(labels), np.array(scores)) == pytest.approx(expected)


def test_auc_needs_both_classes():
    assert math.isnan(roc_auc(np.array([1, 1]), np.array([0.1, 0.2])))


def test_threshold_at_fpr():
    reals = np.arange(100) / 100  # 0.00 .. 0.99
    threshold = threshold_at_fpr(reals, 0.01)
    assert (reals >= threshold).mean() <= 0.01
    assert 0.98 < threshold <= 0.99 + 1e-9
    assert (reals >= threshold_at_fpr(reals, 0.0)).sum() == 0
    with pytest.raises(ValueError):
        threshold_at_fpr(np.array([]), 0.01)
