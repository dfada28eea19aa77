import json

import numpy as np
import pytest
from PIL import Image

from unmask.errors import UnmaskError
from unmask.evaluate import run as eval_run
from unmask.evaluate.datasets import read_labels
from unmask.evaluate.robustness import parse_rungs
from unmask.evaluate.run import METRICS_FILE, SCORES_FILE, evaluate, run_ladder
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
    items = read_labels(labelled)
    metrics, records = evaluate(items, tmp_path, scanner, [ConstantPeer()], progress=False, replicates=50)
    assert len(records) == 5 and {r["group"] for r in records} == {"."}
    overall = metrics["groups"]["all"]
    assert overall["not_applicable"] == 1 and overall["errors"] == 0
    ours = overall["unmask"]
    assert (ours["files"], ours["scored_files"], ours["video"]["real"], ours["video"]["fake"]) == (5, 4, 2, 2)
    assert ours["frame"]["n"] == 1 + 4 + 1 + 1
    video = ours["video"]
    assert video["auc"] == 1.0 and video["ap"] == 1.0 and video["eer"] == 0.0 and ours["min_fake_minus_max_real"] > 0
    assert video["auc_ci"] == [1.0, 1.0] and video["tpr_at_fpr_1"] == 1.0
    assert set(video["at_threshold"]) == {"true_fake", "false_fake", "true_real", "false_real", "accuracy"}
    assert overall["constant"]["video"]["auc"] == 0.5 and "at_threshold" not in overall["constant"]["video"]
    # a method's fakes are measured against the reals of the sets they come from
    assert set(metrics["groups"]) == {"all", "set:.", "method:self-blend"}
    assert metrics["groups"]["method:self-blend"]["unmask"]["video"]["real"] == 2
    assert metrics["protocol"]["sampling"] == "4 evenly spaced frames"
    assert metrics["protocol"]["model"] == scanner.classifier.card.identity()
    branches = {}
    if scanner.temporal is not None:  # on by default as the shipped card says: each branch is measured alone too
        branches = {"unmask:blend": scanner.threshold, "unmask:animation": scanner.temporal.threshold}
    assert metrics["thresholds"] == {"unmask": scanner.threshold, "constant": None, **branches}
    saved = json.loads((tmp_path / METRICS_FILE).read_text())
    assert saved["groups"]["all"]["unmask"]["video"]["auc"] == 1.0
    assert len((tmp_path / SCORES_FILE).read_text().splitlines()) == 5
    videos = [r for r in records if r["key"].endswith("single_face.mp4")]
    assert len(videos[0]["frame_times"]) == len(videos[0]["unmask"]["frames"]) == 4

    calls = []
    monkeypatch.setattr(eval_run, "score_item", lambda *args: calls.append(args))
    again, _ = evaluate(items, tmp_path, scanner, [ConstantPeer()], progress=False, replicates=50)
    assert calls == [] and again["groups"] == metrics["groups"]


def test_an_interrupted_cache_line_is_scanned_again(tmp_path, labelled):
    scanner = Scanner(sampling=Sampling(count=2))
    items = read_labels(labelled)[:2]
    evaluate(items, tmp_path, scanner, progress=False, replicates=0)
    lines = (tmp_path / SCORES_FILE).read_text().splitlines()
    (tmp_path / SCORES_FILE).write_text(lines[0] + "\n" + lines[1][:40])  # the second line cut short
    _, records = evaluate(items, tmp_path, scanner, progress=False, replicates=0)
    assert [r["key"] for r in records] == [item.key for item in items]


def test_robustness_ladder_launders_then_scores_each_rung(tmp_path, labelled):
    scanner = Scanner(sampling=Sampling(count=2))
    items = read_labels(labelled)
    baseline, _ = evaluate(items, tmp_path, scanner, progress=False, replicates=0)
    rungs = parse_rungs("jpeg-30,h264-crf40")
    ladder = run_ladder(items, tmp_path / "robustness", scanner, [], rungs, baseline, progress=False)
    assert [rung["name"] for rung in ladder["rungs"]] == ["jpeg-30", "h264-crf40"]
    assert ladder["baseline"]["groups"]["all"]["unmask"] == baseline["groups"]["all"]["unmask"]["video"]["auc"]
    jpeg_rung = json.loads((tmp_path / "robustness" / "jpeg-30" / METRICS_FILE).read_text())
    assert jpeg_rung["protocol"]["laundering"] == "jpeg-30"
    assert jpeg_rung["groups"]["all"]["unmask"]["files"] == 5
    # H.264 rungs leave stills out: only the two clips are scanned
    h264 = json.loads((tmp_path / "robustness" / "h264-crf40" / METRICS_FILE).read_text())
    assert h264["groups"]["all"]["unmask"]["files"] == 2
    assert scanner.transform is None
    assert json.loads((tmp_path / "robustness" / "robustness.json").read_text()) == ladder


def test_labels_are_checked(tmp_path):
    (tmp_path / "bad.csv").write_text("path,label\nx.jpg,maybe\n")
    with pytest.raises(UnmaskError, match=r"bad\.csv:2"):
        read_labels(tmp_path / "bad.csv")
    (tmp_path / "empty.csv").write_text("path,label\n")
    with pytest.raises(UnmaskError, match="no labelled rows"):
        read_labels(tmp_path / "empty.csv")
    with pytest.raises(UnmaskError, match=r"(?i)no such file"):
        read_labels(tmp_path / "missing.csv")


def test_videos_are_called_at_the_video_threshold_and_photos_and_frames_at_the_threshold():
    def record(key, label, score):
        return {"key": key, "group": "g", "label": label, "method": "m", "verdict": "real",
                "unmask": {"video": score, "frames": [score]}}  # fmt: skip

    records = [
        record("real.mp4", "real", 0.5),
        record("fake.mp4", "fake", 0.6),
        record("real.jpg", "real", 0.5),
        record("fake.jpg", "fake", 0.6),
    ]
    groups = eval_run.summarise(records, {"unmask": 0.9}, replicates=0, video_thresholds={"unmask": 0.55})
    ours = groups["all"]["unmask"]
    assert ours["threshold"] == 0.9 and ours["video_threshold"] == 0.55
    called = ours["video"]["at_threshold"]
    assert (called["true_fake"], called["false_fake"], called["false_real"]) == (1, 0, 1)  # fake.mp4 only
    assert ours["frame"]["at_threshold"]["true_fake"] == 0  # frames at 0.9
    plain = eval_run.summarise(records, {"unmask": 0.9}, replicates=0)["all"]["unmask"]
    assert plain["video"]["at_threshold"]["true_fake"] == 0 and "video_threshold" not in plain
