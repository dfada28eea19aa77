"""A detector's video threshold, set on real videos only (tools/video_threshold.py, loaded from its path)."""

import json
import shutil

import numpy as np
import pytest

from unmask.models import load_card


@pytest.fixture(scope="module")
def tool(load_tool):
    return load_tool("video_threshold")


def eval_folder(folder, sha256):
    """An `unmask eval` folder of dev-like records scored by the model with ``sha256``."""

    def record(key, group, label, score):
        return {"key": key, "group": group, "label": label, "method": "m", "verdict": "real",
                "unmask": {"video": score, "frames": [score]}, "protocol": {"model": {"sha256": sha256}}}  # fmt: skip

    records = [
        record("real_video/a.mp4", "real_video", "real", 0.3),
        record("real_video/b.mp4", "real_video", "real", 0.8),
        record("ffpp/fake/c.mp4", "ffpp", "fake", 0.9),
        record("animated/x/fake/d.mp4", "animated", "fake", 0.5),
        record("ciplab/real/e.jpg", "ciplab", "real", 0.95),  # a photo: not a real video
    ]
    folder.mkdir()
    (folder / "scores.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


def test_the_video_threshold_is_set_on_real_videos_and_written_into_the_card(tool, tmp_path, media, capsys):
    shipped = load_card()
    shutil.copyfile(shipped.weights, tmp_path / shipped.file)
    card = shipped.replace(video_threshold=None).save(tmp_path / "card.json")
    dev = eval_folder(tmp_path / "dev-eval", card.sha256)
    args = ["--eval", str(dev), "--real", str(media / "single_*.mp4"), "--card", str(card.path)]  # a pattern
    assert tool.main([*args, "--out", str(tmp_path / "scored"), "--write"]) == 0
    out = capsys.readouterr().out
    written = load_card(card.path)
    point = written.video_operating_point
    # Three real videos (a, b and the generated clip, which scores low); at most 2% of them above: none.
    assert written.video_threshold == pytest.approx(float(np.nextafter(0.8, 1.0)))
    assert written.threshold == shipped.threshold  # photos keep theirs
    assert point.details["real_videos"] == 3 and point.details["dev_real_videos"] == 2
    assert point.details["dev_at_threshold"]["swap"]["fakes_flagged"] == 1  # c.mp4
    assert point.calibrated_on == (f"the 2 real videos of the dev set ({dev})", f"{media}/: 1 files")
    assert point.details["other_real_files"] == ["single_face.mp4"] and "--write" in point.command
    assert "dev fake videos: 1 of 2 flagged" in out


def test_an_eval_folder_of_another_model_is_refused(tool, tmp_path, capsys):
    dev = eval_folder(tmp_path / "dev-eval", "0" * 64)
    assert tool.main(["--eval", str(dev), "--out", str(tmp_path / "scored")]) == 2
    assert "was not scored by" in capsys.readouterr().err


def test_a_folder_that_is_not_an_eval_folder_is_one_line(tool, tmp_path, capsys):
    assert tool.main(["--eval", str(tmp_path / "nothing"), "--out", str(tmp_path / "scored")]) == 2
    assert capsys.readouterr().err.strip().endswith("no scores.jsonl (not an unmask eval folder)")
