import dataclasses
import hashlib
from pathlib import Path

import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from mediagen import digest, scene  # noqa: E402
from unmask.evaluate.robustness import Laundering  # noqa: E402
from unmask.forge.sources import TrackFrames, load_tracks  # noqa: E402
from unmask.media import launder  # noqa: E402
from unmask.models.temporal import NUM_FEATURES  # noqa: E402
from unmask.train.temporal_data import Launder, sample_windows, split_tracks  # noqa: E402


def test_pairs_are_t_by_f_and_differ(windows):
    real, fake = windows
    assert real.shape == fake.shape == (3, 5, NUM_FEATURES)
    assert np.isfinite(real).all() and np.isfinite(fake).all()
    assert not np.array_equal(real, fake)


def test_laundering_is_one_draw_for_every_frame(astronaut_face):
    image, _ = astronaut_face
    laundering = Launder(quality=50, scale=0.5, gain=1.05, bias=-4.0)
    frames = np.stack([image, image])
    out = laundering(frames)
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
    outputs = [digest(laundering(window)) for laundering in draws]
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


def test_tracks_are_grouped_by_file_and_track_in_frame_order(tmp_path, faces_folder):
    folder = faces_folder(tmp_path, [("a", 6, 2), ("b", 4, 1)])
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
