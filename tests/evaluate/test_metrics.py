import math

import numpy as np
import pytest

from unmask.evaluate.metrics import (
    average_precision,
    bootstrap_ci,
    confusion,
    equal_error_rate,
    roc_auc,
    roc_curve,
    threshold_at_fpr,
    tpr_at_fpr,
)


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


def test_roc_curve_by_hand():
    # scores 0.9 fake, 0.8 real, 0.8 fake (tie), 0.1 real
    fpr, tpr, thresholds = roc_curve(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.8, 0.1]))
    assert thresholds.tolist() == [np.inf, 0.9, 0.8, 0.1]
    assert fpr.tolist() == [0, 0, 0.5, 1] and tpr.tolist() == [0, 0.5, 1, 1]


def test_average_precision_by_hand():
    # ranked: fake (P=1, R=.5), real, fake (P=2/3, R=1): AP = .5*1 + .5*2/3
    assert average_precision(np.array([1, 0, 1]), np.array([0.9, 0.5, 0.2])) == pytest.approx(0.5 + 1 / 3)
    # a tie of one real and one fake at the top: P=1/2 at R=1
    assert average_precision(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert math.isnan(average_precision(np.array([0, 0]), np.array([0.1, 0.2])))


def test_equal_error_rate_by_hand():
    assert equal_error_rate(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == 0.0
    # fpr/fnr cross exactly at the middle point: half the reals above, half the fakes below
    assert equal_error_rate(np.array([0, 1, 0, 1]), np.array([0.1, 0.2, 0.3, 0.4])) == pytest.approx(0.5)
    # perfectly wrong: every real above every fake
    assert equal_error_rate(np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.3, 0.4])) == pytest.approx(1.0)


def test_tpr_at_fpr_by_hand():
    labels = np.array([0] * 10 + [1] * 4)
    scores = np.r_[np.arange(10) / 10, [0.95, 0.85, 0.5, 0.05]]
    # no real may be called fake at FPR 0: only the fake at 0.95 beats every real
    assert tpr_at_fpr(labels, scores, 0.0) == pytest.approx(0.25)
    # one real of ten (0.9) may be: the fakes at 0.95 and 0.85 are caught
    assert tpr_at_fpr(labels, scores, 0.1) == pytest.approx(0.5)
    assert tpr_at_fpr(labels, scores, 0.05) == pytest.approx(0.25)


def test_confusion_counts_at_a_threshold():
    counts = confusion(np.array([0, 0, 1, 1]), np.array([0.1, 0.6, 0.6, 0.2]), 0.6)
    assert counts == {"true_fake": 1, "false_fake": 1, "true_real": 1, "false_real": 1, "accuracy": 0.5}


def test_bootstrap_interval_holds_the_estimate_and_narrows_with_data():
    rng = np.random.default_rng(0)
    small_labels = np.r_[np.zeros(10), np.ones(10)]
    small = small_labels + rng.normal(0, 1, 20)
    large_labels = np.r_[np.zeros(400), np.ones(400)]
    large = large_labels + rng.normal(0, 1, 800)
    low, high = bootstrap_ci(roc_auc, small_labels, small, replicates=300)
    assert low <= roc_auc(small_labels, small) <= high
    low2, high2 = bootstrap_ci(roc_auc, large_labels, large, replicates=300)
    assert high2 - low2 < high - low
    assert bootstrap_ci(roc_auc, large_labels, large, replicates=50) == bootstrap_ci(
        roc_auc, large_labels, large, replicates=50
    )


def test_bootstrap_resamples_whole_clusters():
    # reals: video A (50 frames at 0.2), video B (0.9); fakes: video C (0.5), video D (0.95). Drawing whole videos,
    # every replicate's AUC is a multiple of 1/4; drawing single frames, almost none is.
    labels = np.r_[np.zeros(100), np.ones(100)]
    scores = np.repeat([0.2, 0.9, 0.5, 0.95], 50)
    videos = np.repeat([0, 1, 2, 3], 50)
    for end in bootstrap_ci(roc_auc, labels, scores, videos, replicates=200):
        assert (4 * end) == pytest.approx(round(4 * end))
    frames = bootstrap_ci(roc_auc, labels, scores, replicates=200)
    assert any(abs(4 * end - round(4 * end)) > 1e-6 for end in frames)
    assert all(math.isnan(v) for v in bootstrap_ci(roc_auc, np.zeros(5), np.arange(5.0)))
