import importlib.util
import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from unmask.forge.animate import ANIMATION_KINDS  # noqa: E402
from unmask.media import sha256_of  # noqa: E402
from unmask.models.temporal import FEATURE_NAMES, FEATURES_VERSION, NUM_FEATURES, TemporalClassifier  # noqa: E402
from unmask.train.config import IDENTITY_FEATURES, TEXTURE_LEVELS, TemporalConfig, ignore_arguments  # noqa: E402
from unmask.train.temporal_data import held_out_windows  # noqa: E402
from unmask.train.temporal_loop import train_temporal  # noqa: E402


def test_a_tiny_run_writes_the_model_and_its_card(tmp_path, faces_folder):
    faces = faces_folder(tmp_path / "faces", [("a", 8, 1), ("b", 8, 1), ("c", 8, 1)])
    config = TemporalConfig(window=4, windows=9, epochs=2, batch=4, workers=1, redetect=False, held_out=0.3)
    summary = train_temporal([str(faces)], tmp_path / "run", config, log=lambda _: None)
    run = tmp_path / "run"
    card = json.loads((run / "unmask-temporal.json").read_text())
    assert card["sha256"] == sha256_of(run / card["file"])
    assert card["features_version"] == FEATURES_VERSION and card["window"] == 4
    assert set(summary["held_out_auc"]["4_frames"]) == {*ANIMATION_KINDS, "all"}
    assert {v["file"] for v in card["training"]["videos"]} == {"a.mp4", "b.mp4", "c.mp4"}
    assert any(v["held_out"] for v in card["training"]["videos"])
    assert 0 <= TemporalClassifier(run / "unmask-temporal.json").predict(np.zeros((3, NUM_FEATURES))) <= 1
    # A second run reuses the cached features.
    assert len(list(run.glob("features-*.npz"))) == 1
    again = train_temporal([str(faces)], run, config, log=lambda _: None)
    assert again["feature_cache"] == summary["feature_cache"]
    # tools/compare_temporal.py scores a run's ONNX model on its held-out windows from the cache: the training's
    # own figures again (ONNX and PyTorch agree), so runs can be crossed like for like.
    real, fake, kinds = held_out_windows(run)
    assert len(real) == len(fake) == len(kinds) == summary["windows"]["held_out"]
    spec = importlib.util.spec_from_file_location("compare_temporal", TOOLS / "compare_temporal.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    crossed = tool.compare([run])
    assert list(crossed) == ["run"] and list(crossed["run"]) == ["run"]
    assert crossed["run"]["run"] == pytest.approx(summary["held_out_auc"]["4_frames"], abs=1e-3)
    assert tool.main([str(run), str(run)]) == 0
    assert tool.main([str(tmp_path / "faces")]) == 2  # not a training run: one line, no traceback


def test_the_command_line_trains_the_branch(tmp_path, faces_folder, capsys, monkeypatch):
    from unmask.cli import main

    faces = faces_folder(tmp_path / "faces", [("a", 8, 1), ("b", 8, 1), ("c", 8, 1)])
    run = tmp_path / "run"
    argv = [str(faces), "-o", str(run), "--windows", "6", "--window", "4", "--epochs", "1", "--workers", "1"]
    assert main(["train-temporal", *argv]) == 0
    assert "held-out AUC" in capsys.readouterr().out
    card = json.loads((run / "unmask-temporal.json").read_text())
    assert card["training"]["command"].startswith("unmask train-temporal ")
    assert card["training"]["settings"]["h264"] == 0.5
    assert " --blur-share 0.25 --noise-share 0.3" in card["training"]["command"]
    assert card["features_read"] == [name for name in FEATURE_NAMES if name not in IDENTITY_FEATURES]
    # Leaving out a group of features: the card says which the model reads, and its command gives them back.
    again = tmp_path / "again"
    assert main(["train-temporal", *argv[:2], str(again), *argv[3:], "--ignore", "texture-levels"]) == 0
    card = json.loads((again / "unmask-temporal.json").read_text())
    assert not set(card["features_read"]) & {*TEXTURE_LEVELS, *IDENTITY_FEATURES}
    assert "sharp_face_vs_ring" in card["features_read"] and len(card["features_read"]) == NUM_FEATURES - 26
    assert card["training"]["command"].endswith(" --ignore texture-levels")
    # The laundering shares can be set (to train as versions up to 1.3.0 did: none) and the command says so.
    plain = tmp_path / "plain"
    assert main(["train-temporal", *argv[:2], str(plain), *argv[3:], "--blur-share", "0", "--noise-share", "0"]) == 0
    card = json.loads((plain / "unmask-temporal.json").read_text())
    assert card["training"]["settings"]["blur"] == 0 and card["training"]["settings"]["noise"] == 0
    assert " --blur-share 0 --noise-share 0" in card["training"]["command"]
    with pytest.raises(SystemExit):
        main(["train-temporal", *argv, "--noise-share", "1.5"])
    assert "must lie between 0 and 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train-temporal", *argv, "--ignore", "no-such-feature"])
    assert "no feature or group 'no-such-feature'" in capsys.readouterr().err
    # python -m unmask train-temporal is the same command (training does not import the command line).
    monkeypatch.setattr(sys, "argv", ["unmask", "train-temporal", "--help"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("unmask", run_name="__main__")
    assert stop.value.code == 0 and "unmask train-temporal" in capsys.readouterr().out


def test_ignore_arguments_name_whole_groups():
    assert ignore_arguments(list(IDENTITY_FEATURES)) == []
    assert ignore_arguments([*IDENTITY_FEATURES, *TEXTURE_LEVELS, "stick_edge"]) == ["texture-levels", "stick_edge"]
    assert ignore_arguments([*IDENTITY_FEATURES, "sharp_face"]) == ["sharp_face"]
