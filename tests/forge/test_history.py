"""Paired histories: one laundering drawn per pair hits the real crop and its forgery alike, so the pair still
differs only inside the forgery's mask."""

import cv2
import numpy as np
import pytest

from unmask.forge import self_blend
from unmask.forge.history import CODECS, History, apply_history, draw_history
from unmask.media import launder


def pair(astronaut_face, seed=0):
    image, landmarks = astronaut_face
    forgery = self_blend(image, landmarks, np.random.default_rng(seed))
    return image, forgery


def outside(mask: np.ndarray, margin: int) -> np.ndarray:
    """Pixels at least ``margin`` pixels away from any pixel the mask touches."""
    touched = (mask > 0).astype(np.uint8)
    return cv2.dilate(touched, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) == 0


def test_a_history_without_a_codec_leaves_the_pair_equal_outside_the_mask(astronaut_face):
    image, forgery = pair(astronaut_face)
    history = History(flip=False, colour_seed=7, resample=(0.4, "area", "cubic"), blur=1.0, noise=(6.0, 3))
    real, _ = apply_history(image, history)
    fake, _ = apply_history(forgery.image, history)
    far = outside(forgery.mask, margin=12)  # resampling and blur reach a few source pixels
    assert far.mean() > 0.05
    assert np.array_equal(real[far], fake[far])
    inside = forgery.mask > 0.5 * forgery.mask.max()
    assert np.abs(real.astype(int) - fake)[inside].mean() > 1  # and the forgery is still there
    assert not np.array_equal(real, image)  # the history did something


def test_a_jpeg_history_leaves_blocks_without_mask_equal(astronaut_face):
    image, forgery = pair(astronaut_face, seed=1)
    history = History(codec=("jpeg", 50))
    real, _ = apply_history(image, history)
    fake, _ = apply_history(forgery.image, history)
    blocks = outside(forgery.mask, margin=16)  # JPEG codes 8x8 blocks (16x16 for subsampled colour) on their own
    assert np.array_equal(real[blocks], fake[blocks])


@pytest.mark.parametrize("codec", ["h264", "vp9"])
def test_a_video_codec_history_hits_both_halves_alike(astronaut_face, codec):
    image, forgery = pair(astronaut_face, seed=2)
    history = History(resample=(0.6, "linear", "lanczos"), codec=(codec, 30))
    real, _ = apply_history(image, history)
    fake, _ = apply_history(forgery.image, history)
    far, inside = outside(forgery.mask, margin=16), forgery.mask > 0.5 * forgery.mask.max()
    difference = np.abs(real.astype(int) - fake)
    assert difference[far].mean() < 0.25 * difference[inside].mean()
    coded, _ = apply_history(image, History(codec=(codec, 30)))
    assert 0 < np.abs(coded.astype(int) - image).mean() < 10  # a real round trip, at a sane quality


def test_the_target_is_mirrored_with_the_image_and_shapes_are_kept(astronaut_face):
    image, forgery = pair(astronaut_face)
    out, target = apply_history(forgery.image, History(flip=True), forgery.boundary())
    assert out.shape == image.shape and out.dtype == np.uint8 and out.flags.c_contiguous
    assert np.array_equal(target, forgery.boundary()[:, ::-1])
    assert np.array_equal(out, forgery.image[:, ::-1])


def test_histories_are_seeded_and_cover_every_step():
    draws = [draw_history(np.random.default_rng(seed)) for seed in range(300)]
    assert draws[:5] == [draw_history(np.random.default_rng(seed)) for seed in range(5)]
    assert {d.codec[0] for d in draws if d.codec} == set(CODECS)
    assert 0.4 < np.mean([d.resample is not None for d in draws]) < 0.6
    assert 0.75 < np.mean([d.codec is not None for d in draws]) < 0.95
    assert any(d.noise for d in draws) and any(d.blur for d in draws) and any(d.colour_seed for d in draws)
    assert "resample" in next(d for d in draws if d.resample).describe()


def test_vp9_round_trip_repeats_and_keeps_odd_sizes(astronaut_face):
    image, _ = astronaut_face
    odd = np.ascontiguousarray(image[:101, :75])
    once, twice = launder.vp9(odd, 35), launder.vp9(odd, 35)
    assert once.shape == odd.shape and np.array_equal(once, twice)
