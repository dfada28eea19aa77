import json

import cv2
import numpy as np
import pytest

from unmask.errors import ModelError
from unmask.faces.align import ALIGNMENT
from unmask.faces.regions import MOUTH
from unmask.media import sha256_of
from unmask.models.card import WEIGHTS
from unmask.models.temporal import (
    DEFAULT_STEP,
    FEATURE_NAMES,
    FEATURES_VERSION,
    NUM_FEATURES,
    TemporalClassifier,
    track_features,
)

SHIPPED_CARD = WEIGHTS / "unmask-temporal.json"


def jittered_clip(image, landmarks, seed, frames=6, fresh_noise=True, sigma=4.0):
    """A short 'video' of the still: each frame turned by up to 2 degrees and shifted by a few pixels, crop and
    landmarks under the same affine. ``fresh_noise`` adds new sensor noise to every frame, as a camera does;
    without it one noisy frame is repeated under the small warps, as a one-shot animation repeats its source."""
    rng = np.random.default_rng(seed)
    size = image.shape[0]
    base = np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)
    clip, marks = [], []
    for _ in range(frames):
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-2, 2), 1.0)
        matrix[:, 2] += rng.uniform(-3, 3, size=2)
        source = image if fresh_noise else base
        frame = cv2.warpAffine(source, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        if fresh_noise:
            frame = np.clip(frame + rng.normal(0, sigma, frame.shape), 0, 255).astype(np.uint8)
        points = landmarks.copy()
        points[:, :2] = landmarks[:, :2] @ matrix[:, :2].T + matrix[:, 2]
        clip.append(frame)
        marks.append(points)
    return np.stack(clip), np.stack(marks)


@pytest.fixture(scope="module")
def clip(astronaut_face):
    image, landmarks = astronaut_face
    return jittered_clip(image, landmarks, seed=3)


def column(name):
    return FEATURE_NAMES.index(name)


def test_features_are_t_by_f_finite_float32(clip):
    frames, marks = clip
    features = track_features(frames, marks, np.arange(len(frames)) * 0.1)
    assert features.shape == (len(frames), NUM_FEATURES)
    assert features.dtype == np.float32
    assert np.isfinite(features).all()
    assert len(set(FEATURE_NAMES)) == NUM_FEATURES


def test_features_are_deterministic(clip):
    frames, marks = clip
    first = track_features(frames, marks, None)
    second = track_features(frames.copy(), marks.copy(), None)
    assert first.tobytes() == second.tobytes()


def test_two_frames_are_enough_and_the_first_takes_the_seconds_motion(clip):
    frames, marks = clip
    features = track_features(frames[:2], marks[:2], np.array([0.0, 0.1]))
    assert features.shape == (2, NUM_FEATURES)
    for name in ("motion_shift", "motion_nonrigid", "stick_skin", "stick_band_skin"):
        assert features[0, column(name)] == features[1, column(name)]


def test_time_steps_are_read_and_defaulted(clip):
    frames, marks = clip
    given = track_features(frames[:3], marks[:3], np.array([0.0, 0.5, 1.0]))
    assert given[:, column("log_step")] == pytest.approx(np.log(0.5))
    missing = track_features(frames[:3], marks[:3], None)
    assert missing[:, column("log_step")] == pytest.approx(np.log(DEFAULT_STEP))
    # A slower clock means slower motion: the same displacement over 5x the time.
    assert (given[:, column("motion_shift")] < missing[:, column("motion_shift")]).all()


def test_features_do_not_change_with_the_z_coordinate(clip):
    frames, marks = clip
    flat = marks.copy()
    flat[..., 2] = 0
    assert np.array_equal(track_features(frames, marks), track_features(frames, flat[..., :2]))


def test_sticking_is_higher_for_one_repeated_frame_than_for_fresh_noise(astronaut_face):
    image, landmarks = astronaut_face
    stuck = track_features(*jittered_clip(image, landmarks, seed=5, fresh_noise=False))
    fresh = track_features(*jittered_clip(image, landmarks, seed=5, fresh_noise=True))
    for name in ("stick_skin", "stick_mouth"):
        assert stuck[:, column(name)].mean() > fresh[:, column(name)].mean() + 0.2, name
    # The coarser band is explained by the content alone, repeated or not.
    assert abs(stuck[:, column("stick_band_skin")].mean() - fresh[:, column("stick_band_skin")].mean()) < 0.1


def test_a_blurred_mouth_lowers_mouth_sharpness_against_the_cheeks(clip):
    frames, marks = clip
    blurred = frames.copy()
    for frame, points in zip(blurred, marks, strict=True):
        lips = points[list(MOUTH), :2]
        (x0, y0), (x1, y1) = np.floor(lips.min(axis=0) - 8).astype(int), np.ceil(lips.max(axis=0) + 8).astype(int)
        frame[y0:y1, x0:x1] = cv2.GaussianBlur(frame[y0:y1, x0:x1], (0, 0), 2.0)
    sharp = track_features(frames, marks)[:, column("sharp_mouth_vs_cheeks")]
    soft = track_features(blurred, marks)[:, column("sharp_mouth_vs_cheeks")]
    assert (soft < sharp - 0.5).all()


@pytest.mark.parametrize(
    ("frames", "marks", "message"),
    [
        (np.zeros((1, 64, 64, 3), np.uint8), np.zeros((1, 468, 2)), "at least 2 frames"),
        (np.zeros((3, 64, 64, 3), np.float32), np.zeros((3, 468, 2)), "uint8"),
        (np.zeros((3, 64, 48, 3), np.uint8), np.zeros((3, 468, 2)), "S x S"),
        (np.zeros((3, 64, 64, 3), np.uint8), np.zeros((3, 68, 2)), "468"),
        (np.zeros((3, 64, 64, 3), np.uint8), np.full((3, 468, 2), np.nan), "finite"),
    ],
)
def test_bad_tracks_are_refused(frames, marks, message):
    with pytest.raises(ValueError, match=message):
        track_features(frames, marks)


def test_times_must_match_the_frames(clip):
    frames, marks = clip
    with pytest.raises(ValueError, match="frame times"):
        track_features(frames, marks, np.arange(len(frames) + 1.0))


# The classifier: card checks that need no real model.


def write_card(folder, onnx_bytes, **changes):
    weights = folder / "unmask-temporal.onnx"
    weights.write_bytes(onnx_bytes)
    card = {
        "name": "unmask-temporal",
        "version": "test",
        "file": weights.name,
        "sha256": sha256_of(weights),
        "features_version": FEATURES_VERSION,
        "window": 8,
        "contract": ALIGNMENT.to_dict(),
        "threshold": {"value": 0.5},
    }
    card.update(changes)
    path = folder / "unmask-temporal.json"
    path.write_text(json.dumps(card), encoding="utf-8")
    return path


def tiny_onnx():
    """A stand-in model (no torch): the logit is the mean of every feature over time, per batch item."""
    onnx = pytest.importorskip("onnx", reason="building a test graph needs the onnx package")
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("ReduceMean", ["features"], ["logit"], axes=[1, 2], keepdims=0)],
        "tiny",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "time", NUM_FEATURES])],
        [helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def test_a_card_whose_sha256_does_not_match_is_refused(tmp_path):
    path = write_card(tmp_path, b"not the model the card names", sha256="0" * 64)
    with pytest.raises(ModelError, match="sha256"):
        TemporalClassifier(path)


def test_a_card_for_other_features_is_refused(tmp_path):
    path = write_card(tmp_path, b"weights", features_version="temporal-features-v0")
    with pytest.raises(ModelError, match="features"):
        TemporalClassifier(path)


def test_a_card_without_a_window_is_refused(tmp_path):
    path = write_card(tmp_path, b"weights")
    data = json.loads(path.read_text())
    del data["window"]
    path.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="window"):
        TemporalClassifier(path)


def test_predict_refuses_fewer_than_two_frames_and_wrong_widths(tmp_path):
    classifier = TemporalClassifier(write_card(tmp_path, tiny_onnx()))
    with pytest.raises(ValueError, match="at least 2 frames"):
        classifier.predict(np.zeros((1, NUM_FEATURES), np.float32))
    with pytest.raises(ValueError, match="features"):
        classifier.predict(np.zeros((4, NUM_FEATURES + 1), np.float32))
    with pytest.raises(ValueError, match="finite"):
        classifier.predict(np.full((4, NUM_FEATURES), np.nan, np.float32))


def test_long_tracks_are_scored_in_windows_whose_logits_are_averaged(tmp_path):
    classifier = TemporalClassifier(write_card(tmp_path, tiny_onnx()))  # window 8, logit = mean feature
    features = np.zeros((20, NUM_FEATURES), np.float32)
    features[:10] = 1.0
    # Windows start at 0, 4, 8 and 12 (the last one flush with the end): mean logits 1, 0.75, 0.25, 0.
    expected = 1 / (1 + np.exp(-(1 + 0.75 + 0.25 + 0) / 4))
    assert classifier.predict(features) == pytest.approx(expected, abs=1e-6)
    assert classifier.predict(features[:2]) == pytest.approx(1 / (1 + np.exp(-1.0)), abs=1e-6)
    assert classifier.threshold == 0.5


# The shipped model, once it ships.

needs_shipped = pytest.mark.skipif(
    not SHIPPED_CARD.is_file(), reason=f"no temporal model shipped yet ({SHIPPED_CARD} is absent)"
)


@needs_shipped
def test_the_shipped_card_loads_and_matches_these_features():
    classifier = TemporalClassifier()
    assert classifier.card.data["features_version"] == FEATURES_VERSION
    assert classifier.window >= 2
    assert 0 < classifier.threshold < 1


@needs_shipped
@pytest.mark.parametrize("frames", [2, 3, 16, 32])
def test_the_shipped_model_scores_tracks_of_any_length(astronaut_face, frames):
    image, landmarks = astronaut_face
    features = track_features(*jittered_clip(image, landmarks, seed=frames, frames=frames))
    probability = TemporalClassifier().predict(features)
    assert 0.0 <= probability <= 1.0
