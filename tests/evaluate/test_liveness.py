"""ISO/IEC 30107-3 figures on known answers, the threshold that minimises ACER, the labels reader and a run of
``evaluate_liveness`` with fake scorers."""

import json

import numpy as np
import pytest

from unmask.errors import UnmaskError
from unmask.evaluate.liveness import (
    LIVE,
    acer_threshold,
    evaluate_liveness,
    liveness_table,
    load_liveness_labels,
    pad_metrics,
)
from unmask.media import Sampling


def test_pad_metrics_known_answer():
    scores = [0.1, 0.2, 0.9, 0.8, 0.3, 0.7, 0.4]
    kinds = [LIVE, LIVE, LIVE, "print", "print", "replay-screen", "replay-screen"]
    m = pad_metrics(scores, kinds, 0.5)
    assert m["apcer"]["print"] == {"apcer": 0.5, "accepted": 1, "attacks": 2}
    assert m["apcer"]["replay-screen"]["apcer"] == 0.5
    assert m["bpcer"] == pytest.approx(1 / 3) and m["rejected"] == 1 and m["live"] == 3
    assert m["apcer_worst"] == 0.5 and m["acer"] == pytest.approx((0.5 + 1 / 3) / 2)
    assert m["apcer_all"] == 0.5


def test_a_score_at_the_threshold_is_an_attack():
    m = pad_metrics([0.5, 0.5], [LIVE, "print"], 0.5)
    assert m["bpcer"] == 1.0 and m["apcer"]["print"]["apcer"] == 0.0


def test_threshold_minimises_acer_in_the_middle_of_the_gap():
    scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]
    kinds = [LIVE, LIVE, LIVE, "print", "print", "replay-video"]
    cut = acer_threshold(scores, kinds)
    assert 0.3 < cut < 0.7 and pad_metrics(scores, kinds, cut)["acer"] == 0.0
    assert cut == pytest.approx(0.5)


def test_bad_lengths_are_refused():
    with pytest.raises(ValueError):
        pad_metrics([0.1], [LIVE, "print"], 0.5)


def test_labels_reader(tmp_path):
    (tmp_path / "labels.csv").write_text("path,label,attack\na.jpg,live,none\nb.jpg,spoof,print\nc.jpg,spoof,\n")
    items = load_liveness_labels(tmp_path)
    assert [(i.key, i.attack, i.is_attack) for i in items] == [
        ("a.jpg", LIVE, False),
        ("b.jpg", "print", True),
        ("c.jpg", "unknown", True),
    ]
    (tmp_path / "bad.csv").write_text("path,label\na.jpg,maybe\n")
    with pytest.raises(UnmaskError, match="live' or 'spoof"):
        load_liveness_labels(tmp_path / "bad.csv")
    with pytest.raises(UnmaskError, match="cannot read"):
        load_liveness_labels(tmp_path / "missing.csv")


class _Fixed:
    def __init__(self, name, threshold, value):
        self.name, self.threshold, self.value = name, threshold, value

    def score(self, image, box):
        return self.value(image)


def test_evaluate_liveness_scores_the_same_faces_with_every_model(tmp_path, media):
    import shutil

    shutil.copy(media / "astronaut.jpg", tmp_path / "live.jpg")
    shutil.copy(media / "astronaut.jpg", tmp_path / "print.jpg")
    (tmp_path / "labels.csv").write_text(
        "path,label,attack\nlive.jpg,live,none\nprint.jpg,spoof,print\nnone.jpg,live,\n"
    )
    items = load_liveness_labels(tmp_path / "labels.csv")
    scorers = [_Fixed("a", 0.5, lambda image: 0.2), _Fixed("b", 0.5, lambda image: 0.9)]
    metrics, records = evaluate_liveness(items, tmp_path / "out", scorers, Sampling(count=2), progress=False)
    assert metrics["scored"] == 2 and list(metrics["not_scored"]) == ["none.jpg"]
    assert metrics["models"]["a"]["bpcer"] == 0.0 and metrics["models"]["a"]["apcer_worst"] == 1.0
    assert metrics["models"]["b"]["bpcer"] == 1.0 and metrics["models"]["b"]["apcer_worst"] == 0.0
    assert json.loads((tmp_path / "out" / "metrics.json").read_text())["scored"] == 2
    assert (tmp_path / "out" / "histograms.png").is_file()
    assert "APCER print" in liveness_table(metrics)
    assert np.isclose(records[0]["scores"]["a"], 0.2)
