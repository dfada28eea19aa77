import dataclasses
import hashlib
import importlib.util
import json
import runpy
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"
torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")
ort = pytest.importorskip("onnxruntime")

from mediagen import digest, scene  # noqa: E402
from unmask.evaluate.robustness import Laundering  # noqa: E402
from unmask.faces.align import ALIGNMENT  # noqa: E402
from unmask.forge.animate import ANIMATION_KINDS  # noqa: E402
from unmask.forge.sources import TrackFrames, load_tracks  # noqa: E402
from unmask.media import launder, sha256_of  # noqa: E402
from unmask.models.temporal import FEATURE_NAMES, FEATURES_VERSION, NUM_FEATURES, TemporalClassifier  # noqa: E402
from unmask.train.config import IDENTITY_FEATURES, TEXTURE_LEVELS, TemporalConfig, ignore_arguments  # noqa: E402
from unmask.train.temporal_data import Launder, held_out_windows, make_pair, sample_windows, split_tracks  # noqa: E402
from unmask.train.temporal_loop import train_temporal  # noqa: E402
from unmask.train.temporal_net import TemporalNet, export_onnx, train_step  # noqa: E402


def jittered(image, landmarks, seed, frames):
    """A tiny clip of the still: small turns and shifts (crop and landmarks under one affine), fresh noise."""
    rng = np.random.default_rng(seed)
    size = image.shape[0]
    clip, marks = [], []
    for _ in range(frames):
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-2, 2), 1.0)
        matrix[:, 2] += rng.uniform(-3, 3, size=2)
        frame = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        clip.append(np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8))
        points = landmarks.copy()
        points[:, :2] = landmarks[:, :2] @ matrix[:, :2].T + matrix[:, 2]
        marks.append(points.astype(np.float32))
    return np.stack(clip), np.stack(marks)


@pytest.fixture(scope="module")
def windows(astronaut_face):
    """Features of three real windows of 5 frames and of their forgeries, one of each kind."""
    image, landmarks = astronaut_face
    real, fake = [], []
    for seed, kind in enumerate(("reenact", "lipsync", "rerender")):
        frames, marks = jittered(image, landmarks, seed, 5)
        r, f, _ = make_pair(frames, marks, np.arange(5) * 0.1, kind, np.random.default_rng(seed))
        real.append(r)
        fake.append(f)
    return np.stack(real), np.stack(fake)


def test_pairs_are_t_by_f_and_differ(windows):
    real, fake = windows
    assert real.shape == fake.shape == (3, 5, NUM_FEATURES)
    assert np.isfinite(real).all() and np.isfinite(fake).all()
    assert not np.array_equal(real, fake)


def test_laundering_is_one_draw_for_every_frame(astronaut_face):
    image, _ = astronaut_face
    launder = Launder(quality=50, scale=0.5, gain=1.05, bias=-4.0)
    frames = np.stack([image, image])
    out = launder(frames)
    assert out.shape == frames.shape and out.dtype == np.uint8
    assert np.array_equal(out[0], out[1]) and not np.array_equal(out[0], image)


def test_h264_laundering_codes_the_window_as_a_video(astronaut_face):
    image, _ = astronaut_face
    frames = np.stack([image, np.roll(image, 2, axis=1), image])
    out = Launder(quality=None, scale=1.0, gain=1.0, bias=0.0, crf=35)(frames)
    assert out.shape == frames.shape and out.dtype == np.uint8
    assert 0 < np.abs(out.astype(int) - frames).mean() < 20
    draws = [Launder.draw(np.random.default_rng(seed), h264=0.5) for seed in range(200)]
    assert 60 < sum(d.crf is not None for d in draws) < 140
    assert all(d.crf is None for d in (Launder.draw(np.random.default_rng(seed), h264=0.0) for seed in range(50)))


def test_laundering_blurs_and_adds_noise_after_coding_fresh_or_fixed(astronaut_face):
    image, _ = astronaut_face
    frames = np.stack([image, image, image])
    plain = Launder(quality=None, scale=1.0, gain=1.0, bias=0.0)
    assert np.array_equal(plain(frames), frames)
    blurred = Launder(quality=None, scale=1.0, gain=1.0, bias=0.0, blur=2.0)(frames)
    assert np.abs(cv2.Laplacian(blurred[0], cv2.CV_32F)).mean() < 0.5 * np.abs(cv2.Laplacian(image, cv2.CV_32F)).mean()
    fresh = Launder(quality=None, scale=1.0, gain=1.0, bias=0.0, noise=8.0, seed=3)(frames)
    fixed = Launder(quality=None, scale=1.0, gain=1.0, bias=0.0, noise=8.0, fixed_noise=True, seed=3)(frames)
    for out in (fresh, fixed):
        assert out.dtype == np.uint8 and 4 < np.abs(out.astype(int) - frames).mean() < 10
    assert not np.array_equal(fresh[0], fresh[1])  # a new draw in every frame
    assert np.array_equal(fixed[0], fixed[1])  # one pattern for all of them
    again = Launder(quality=None, scale=1.0, gain=1.0, bias=0.0, noise=8.0, seed=3)(frames)
    assert np.array_equal(fresh, again)  # the real window and its forgery get the same noise


def test_laundering_draws_blur_and_noise_only_when_asked():
    draws = [Launder.draw(np.random.default_rng(seed), blur=0.25, noise=0.3) for seed in range(300)]
    assert 45 < sum(d.blur > 0 for d in draws) < 110 and all(d.blur <= 2.0 for d in draws)
    noisy = [d for d in draws if d.noise > 0]
    assert 60 < len(noisy) < 125 and all(2.0 <= d.noise <= 12.0 for d in noisy)
    assert 0 < sum(d.fixed_noise for d in noisy) < len(noisy)
    # They are drawn after the older settings, which therefore stay what they were; without them, none is drawn.
    for seed in range(20):
        plain, extra = np.random.default_rng(seed), np.random.default_rng(seed)
        without, with_them = Launder.draw(plain, blur=0.0, noise=0.0), Launder.draw(extra, blur=1.0, noise=1.0)
        assert without.blur == 0.0 and without.noise == 0.0 and with_them.blur > 0 and with_them.noise > 0
        assert dataclasses.replace(with_them, blur=0.0, noise=0.0, fixed_noise=False, seed=0) == without
        assert plain.random() != extra.random()


def test_two_training_steps_give_a_finite_loss(windows):
    real, fake = windows
    torch.manual_seed(0)
    model = TemporalNet(hidden=16)
    model.standardise(np.concatenate([real, fake]))
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-2)
    features = torch.from_numpy(np.concatenate([real, fake]))
    labels = torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    losses = [train_step(model, optimiser, features, labels) for _ in range(2)]
    assert all(np.isfinite(losses))
    assert model(features[:, :2]).shape == (6,)  # any length, two frames included


@pytest.fixture(scope="module")
def exported(tmp_path_factory, windows):
    real, fake = windows
    torch.manual_seed(1)
    model = TemporalNet(hidden=16, keep=range(1, NUM_FEATURES, 2)).eval()  # every other column
    model.standardise(np.concatenate([real, fake]))
    path = tmp_path_factory.mktemp("onnx") / "unmask-temporal.onnx"
    export_onnx(model, path, frames=5)
    return model, path


@pytest.mark.parametrize("frames", [3, 16, 32])
def test_onnx_and_torch_agree_at_any_length(exported, frames):
    model, path = exported
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    features = np.random.default_rng(frames).normal(size=(2, frames, NUM_FEATURES)).astype(np.float32)
    features = features * model.scale.numpy() + model.mean.numpy()
    (onnx_logits,) = session.run(None, {"features": features})
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(features)).numpy()
    assert onnx_logits.shape == (2,)
    np.testing.assert_allclose(onnx_logits, torch_logits, atol=1e-4)


def test_columns_the_model_does_not_keep_do_not_count(exported):
    model, _ = exported
    features = torch.randn(2, 6, NUM_FEATURES) * model.scale + model.mean
    changed = features.clone()
    changed[..., 0] += 100.0  # column 0 is not kept
    with torch.no_grad():
        assert torch.equal(model(features), model(changed))
    with pytest.raises(ValueError, match="keep"):
        TemporalNet(keep=[NUM_FEATURES])


def test_the_exported_model_runs_behind_the_classifier(exported, tmp_path, windows):
    from unmask.faces.align import ALIGNMENT

    model, path = exported
    card = {
        "name": "unmask-temporal",
        "version": "test",
        "file": str(path),
        "sha256": sha256_of(path),
        "features_version": FEATURES_VERSION,
        "window": 4,
        "contract": ALIGNMENT.to_dict(),
        "threshold": {"value": 0.5},
    }
    (tmp_path / "card.json").write_text(json.dumps(card))
    classifier = TemporalClassifier(tmp_path / "card.json")
    real, _ = windows
    with torch.no_grad():
        expected = torch.sigmoid(model(torch.from_numpy(real[:1, :4]))).item()
    assert classifier.predict(real[0, :4]) == pytest.approx(expected, abs=1e-5)
    assert 0 <= classifier.predict(np.concatenate([real[0], real[1]])) <= 1  # 10 frames: windows of 4


def track(group, number, length, source=None):
    return TrackFrames(
        source=source or f"{group}.mp4",
        group=group,
        track=number,
        frames=tuple(range(0, 2 * length, 2)),
        times=tuple(0.08 * i for i in range(length)),
        crops=tuple(f"{group}/t{number}/f{i}.png" for i in range(length)),
        landmarks=tuple(f"{group}/t{number}/f{i}.npy" for i in range(length)),
    )


def test_the_sampler_never_mixes_tracks_and_spaces_frames_evenly():
    tracks = [track(f"file{g}", t, 20 + 7 * g + t) for g in range(4) for t in range(2)] + [track("short", 0, 5)]
    windows = sample_windows(tracks, 300, 8, 8, np.random.default_rng(0))
    assert len(windows) == 300
    for window in windows:
        chosen = tracks[window.track]
        assert len(window.positions) == 8 and chosen.group != "short"  # too short for 8 frames
        assert 1 <= window.stride <= 8
        assert np.all(np.diff(window.positions) == window.stride)
        assert window.positions[0] >= 0 and window.positions[-1] < len(chosen)
        # Every crop of the window is from this one track.
        crops = {chosen.crops[p].rsplit("/", 1)[0] for p in window.positions}
        assert crops == {f"{chosen.group}/t{chosen.track}"}
    assert len({w.stride for w in windows}) > 3
    with pytest.raises(ValueError, match="no track"):
        sample_windows([track("short", 0, 5)], 3, 8, 8, np.random.default_rng(0))


def test_the_split_holds_out_whole_files():
    tracks = [track(f"file{g}", t, 30) for g in range(10) for t in range(1 + g % 3)]
    train, held = split_tracks(tracks, 0.15, seed=0)
    assert train and held
    assert not {t.group for t in train} & {t.group for t in held}
    assert len(train) + len(held) == len(tracks)
    for group in {t.group for t in held}:  # every track of a held-out file is held out
        assert all(t in held for t in tracks if t.group == group)
    assert 0.1 <= sum(len(t) for t in held) / sum(len(t) for t in tracks) <= 0.4
    assert split_tracks(tracks, 0.15, seed=0) == (train, held)  # deterministic
    # Two files: one of each, whatever the fraction.
    two = [track("a", 0, 30), track("b", 0, 30)]
    assert [len(side) for side in split_tracks(two, 0.9, seed=0)] == [1, 1]


def write_faces_folder(folder, image, landmarks, videos):
    """An ``unmask faces``-like output: for each (name, frames, tracks) a video record with PNG crops and .npy
    landmarks per frame and track."""
    records = []
    for number, (name, frames, tracks) in enumerate(videos):
        crops = []
        clip, marks = jittered(image, landmarks, number, frames)
        for index in range(frames):
            for track_id in range(tracks):
                stem = f"crops/{name}/f{2 * index:06d}_t{track_id:02d}"
                (folder / stem).parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(folder / f"{stem}.png"), cv2.cvtColor(clip[index], cv2.COLOR_RGB2BGR))
                np.save(folder / f"{stem}.npy", marks[index])
                side = 30.0 if (track_id == 1 and index == 0) else 120.0  # one small face: left out
                crops.append(
                    {
                        "file": f"{stem}.png",
                        "landmarks": f"{stem}.npy",
                        "frame": 2 * index,
                        "time": round(2 * index / 25, 4),
                        "track": track_id,
                        "box": [10.0, 10.0, 10.0 + side, 10.0 + side],
                        "score": 0.9,
                        "presence": 0.99,
                    }
                )
        crops.reverse()  # the loader must order by frame itself
        records.append({"path": f"videos/{name}.mp4", "kind": "video", "crops": crops, "error": None})
    records.append({"path": "photo.jpg", "kind": "image", "crops": [], "error": None})
    (folder / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "run.json").write_text(json.dumps({"contract": ALIGNMENT.to_dict()}))  # as `unmask faces` writes it
    return folder


def test_tracks_are_grouped_by_file_and_track_in_frame_order(tmp_path, astronaut_face):
    image, landmarks = astronaut_face
    folder = write_faces_folder(tmp_path, image, landmarks, [("a", 6, 2), ("b", 4, 1)])
    tracks = load_tracks([folder], min_face=64, min_length=2)
    assert [(Path(t.source).name, t.track, len(t)) for t in tracks] == [
        ("a.mp4", 0, 6),
        ("a.mp4", 1, 5),
        ("b.mp4", 0, 4),
    ]
    for one in tracks:
        assert list(one.frames) == sorted(one.frames)
        assert all(f"_t{one.track:02d}" in crop for crop in one.crops)
    # The same folder listed twice: its videos are the same content and count once.
    assert len(load_tracks([folder, folder], min_face=64)) == 3


def test_a_tiny_run_writes_the_model_and_its_card(tmp_path, astronaut_face):
    image, landmarks = astronaut_face
    faces = write_faces_folder(tmp_path / "faces", image, landmarks, [("a", 8, 1), ("b", 8, 1), ("c", 8, 1)])
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


def test_the_command_line_trains_the_branch(tmp_path, astronaut_face, capsys, monkeypatch):
    from unmask.cli import main

    image, landmarks = astronaut_face
    faces = write_faces_folder(tmp_path / "faces", image, landmarks, [("a", 8, 1), ("b", 8, 1), ("c", 8, 1)])
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


def test_laundering_is_pinned_bit_for_bit():
    # Recorded before the operations moved to unmask.media.launder (opencv-python-headless 4.14.0, numpy 2.4.6,
    # av 18.1.0): the same seed draws the same laundering and gives the same pixels (see test_augment's twin).
    image = scene()
    window = np.stack([np.roll(image, k, axis=1) for k in range(4)])
    draws = [
        Launder.draw(np.random.default_rng(seed), h264=0.5, low_resolution=0.5, blur=0.5, noise=0.5)
        for seed in range(30)
    ]
    assert hashlib.sha256("\n".join(map(repr, draws)).encode()).hexdigest()[:16] == "a39a0399c2226b64"
    outputs = [digest(launder(window)) for launder in draws]
    assert hashlib.sha256(" ".join(outputs).encode()).hexdigest()[:16] == "1cb3b150d95a9556"


def test_laundering_calls_the_operations_the_ladder_calls(monkeypatch):
    frames = np.stack([scene(), scene(seed=1)])
    plain = {"quality": None, "scale": 1.0, "gain": 1.0, "bias": 0.0}
    for rung, draw in (
        (Laundering("jpeg", 50), plain | {"quality": 50}),
        (Laundering("blur", 2), plain | {"blur": 2.0}),
    ):
        assert all(
            np.array_equal(rung.frame(frame), out) for frame, out in zip(frames, Launder(**draw)(frames), strict=True)
        )
    called = []
    for name in ("scale", "levels", "jpeg", "h264", "blur", "noise"):
        operation = getattr(launder, name)
        monkeypatch.setattr(launder, name, lambda *a, _n=name, _op=operation, **k: called.append(_n) or _op(*a, **k))
    Launder(quality=80, scale=0.5, gain=1.1, bias=3.0, crf=30, blur=1.0, noise=4.0, seed=1)(frames)
    assert sorted(set(called)) == ["blur", "h264", "jpeg", "levels", "noise", "scale"]
