"""ISO/IEC 30107-3 figures on known answers, the threshold that minimises ACER, the labels reader, a run of
``evaluate_liveness`` with fake scorers, and the simulated set (``--simulated``): the card's held-out files, the
seeded presentations and a run of ``evaluate_simulated``."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from unmask.errors import UnmaskError
from unmask.evaluate.liveness import (
    LIVE,
    acer_threshold,
    card_held_out_files,
    evaluate_liveness,
    evaluate_simulated,
    liveness_table,
    load_liveness_labels,
    pad_metrics,
    simulated_presentations,
)
from unmask.forge.sources import FaceFrame
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


def _card(held, inputs):
    return SimpleNamespace(
        name="unmask-live",
        version="9",
        path="card.json",
        training={"held_out_files": held, "config": {"inputs": inputs}},
    )


def test_held_out_files_are_found_under_the_given_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jpg").write_bytes(b"x")
    (tmp_path / "y.jpg").write_bytes(b"y")
    card = _card(["../shared/train_real/a/x.jpg", "../shared/train_real/y.jpg"], ["../shared/train_real"])
    assert card_held_out_files(card, tmp_path) == [tmp_path / "a" / "x.jpg", tmp_path / "y.jpg"]
    with pytest.raises(UnmaskError, match="not found under"):
        card_held_out_files(_card(["/d/train_real/z.jpg"], ["/d/train_real"]), tmp_path)
    with pytest.raises(UnmaskError, match="under none of its training inputs"):
        card_held_out_files(_card(["/e/z.jpg"], ["/d/train_real"]), tmp_path)
    with pytest.raises(UnmaskError, match="no held-out files"):
        card_held_out_files(_card([], []), tmp_path)


def _frames(astronaut):
    box = np.array([170, 30, 260, 140], np.float32)  # about the astronaut's face
    mirrored = np.array([512 - box[2], box[1], 512 - box[0], box[3]], np.float32)
    return [
        FaceFrame(astronaut, box, "a.jpg", 0),
        FaceFrame(np.ascontiguousarray(astronaut[:, ::-1]), mirrored, "b.jpg", 0),
    ]


def test_simulated_presentations_pair_each_attack_with_a_live_frame_and_are_seeded(astronaut):
    frames = _frames(astronaut)
    one = list(simulated_presentations(frames, seed=3))
    two = list(simulated_presentations(frames, seed=3))
    assert [key for key, _, _ in one] == [key for key, _, _ in two]
    assert all(np.array_equal(a[2], b[2]) for a, b in zip(one, two, strict=True))
    kinds = [kind for _, kind, _ in one]
    assert len(one) == 12 and kinds.count(LIVE) == 6 and {"print", "screen", "video"} < set(kinds)
    assert one[0][0] == "a.jpg#0/live-print" and one[1][0] == "a.jpg#0/print"
    assert all(max(image.shape[:2]) == 320 and image.dtype == np.uint8 for _, _, image in one)  # as in training


def test_evaluate_simulated_scores_the_same_faces_with_every_model(tmp_path, astronaut):
    frames = _frames(astronaut)[:1]
    scorers = [_Fixed("a", 0.5, lambda image: 0.2), _Fixed("b", 0.5, lambda image: 0.9)]
    metrics, records = evaluate_simulated(frames, tmp_path / "out", scorers, progress=False)
    assert len(records) == 6 and metrics["files"] == 6
    assert metrics["scored"] + len(metrics["not_scored"]) == 6 and metrics["scored"] >= 2
    assert metrics["models"]["b"]["apcer_worst"] in (0.0, None) and metrics["models"]["a"]["bpcer"] in (0.0, None)
    assert "simulated" in json.loads((tmp_path / "out" / "metrics.json").read_text())["protocol"]["presentations"]
    assert (tmp_path / "out" / "table.txt").is_file()
