import json

import numpy as np
import pytest
from PIL import Image

from unmask.errors import UnmaskError
from unmask.evaluate import run as eval_run
from unmask.evaluate.run import METRICS_FILE, SCORES_FILE, evaluate, read_labels
from unmask.faces import FaceAnalyzer
from unmask.forge import self_blend
from unmask.media import Sampling
from unmask.verdict import Scanner


class ConstantPeer:
    name = "constant"

    def predict(self, crops):
        return np.full(len(crops), 0.5, np.float32)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory, media, astronaut):
    folder = tmp_path_factory.mktemp("labelled")
    (face,) = FaceAnalyzer()(astronaut)
    for seed in range(2):
        forged = self_blend(astronaut, face.landmarks, np.random.default_rng(seed)).image
        Image.fromarray(forged).save(folder / f"fake{seed}.png")
    rows = ["path,label,source,method"]
    rows += [f"{media / name},real,gen,original" for name in ("astronaut.png", "single_face.mp4", "no_face.mp4")]
    rows += [f"fake{seed}.png,fake,gen,self-blend" for seed in range(2)]
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")
    return folder / "labels.csv"


def test_evaluate_writes_scores_and_metrics_and_reuses_its_cache(tmp_path, labelled, monkeypatch):
    scanner = Scanner(sampling=Sampling(count=4))
    metrics = evaluate(labelled, tmp_path, scanner, [ConstantPeer()], progress=False)
    overall = metrics["groups"]["all"]
    assert overall["not_applicable"] == 1 and overall["errors"] == 0
    ours = overall["unmask"]
    assert (ours["files"], ours["scored_files"], ours["real_files"], ours["fake_files"]) == (5, 4, 2, 2)
    assert ours["frames"] == 1 + 4 + 1 + 1
    assert ours["video_auc"] == 1.0 and ours["min_fake_minus_max_real"] > 0
    assert overall["constant"]["video_auc"] == 0.5
    assert {"real_files_called_fake", "fake_files_called_fake", "real_frames_above_threshold"} <= set(ours)
    assert set(metrics["groups"]) >= {"all", "method:original", "method:self-blend"}
    assert metrics["protocol"]["sampling"] == "4 evenly spaced frames"
    assert metrics["protocol"]["model"] == scanner.classifier.card.identity()
    saved = json.loads((tmp_path / METRICS_FILE).read_text())
    assert saved["groups"]["all"]["unmask"]["video_auc"] == 1.0
    assert len((tmp_path / SCORES_FILE).read_text().splitlines()) == 5

    calls = []
    monkeypatch.setattr(eval_run, "score_item", lambda *args: calls.append(args))
    again = evaluate(labelled, tmp_path, scanner, [ConstantPeer()], progress=False)
    assert calls == [] and again["groups"] == metrics["groups"]


def test_labels_are_checked(tmp_path):
    (tmp_path / "bad.csv").write_text("path,label\nx.jpg,maybe\n")
    with pytest.raises(UnmaskError, match=r"bad\.csv:2"):
        read_labels(tmp_path / "bad.csv")
    (tmp_path / "empty.csv").write_text("path,label\n")
    with pytest.raises(UnmaskError, match="no labelled rows"):
        read_labels(tmp_path / "empty.csv")
    with pytest.raises(UnmaskError, match=r"(?i)no such file"):
        read_labels(tmp_path / "missing.csv")
