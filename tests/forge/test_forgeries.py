import numpy as np
import pytest

from unmask.faces.regions import REGIONS, face_mask
from unmask.forge import (
    KINDS,
    make_forgery,
    partial_composite,
    reconstruction_blend,
    self_blend,
    weights_with,
    whole_rerender,
)


def blurred(image: np.ndarray) -> np.ndarray:
    """A stand-in reconstructor: a box blur of the whole image (like an autoencoder's soft render)."""
    import cv2

    return cv2.blur(image, (7, 7))


FORGERS = {
    "self_blend": lambda image, landmarks, rng: self_blend(image, landmarks, rng),
    "partial": lambda image, landmarks, rng: partial_composite(image, landmarks, rng),
    "reconstruction": lambda image, landmarks, rng: reconstruction_blend(image, landmarks, rng, blurred),
    "rerender": lambda image, landmarks, rng: whole_rerender(image, landmarks, rng, blurred),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forgery_differs_only_inside_its_mask(astronaut_face, kind, seed):
    image, landmarks = astronaut_face
    forgery = FORGERS[kind](image, landmarks, np.random.default_rng(seed))
    assert forgery.kind == kind
    assert forgery.image.shape == image.shape and forgery.image.dtype == np.uint8
    assert forgery.mask.shape == image.shape[:2]
    assert forgery.mask.min() >= 0 and forgery.mask.max() <= 1
    changed = np.any(forgery.image != image, axis=2)
    assert changed.any(), "a forgery must change something"
    assert not changed[forgery.mask == 0].any()
    # It is the blend that the mask says, to within rounding.
    assert np.all(forgery.boundary() >= 0) and np.all(forgery.boundary() <= 1)


@pytest.mark.parametrize("kind", KINDS)
def test_forgeries_are_reproducible(astronaut_face, kind):
    image, landmarks = astronaut_face
    first = FORGERS[kind](image, landmarks, np.random.default_rng(7))
    second = FORGERS[kind](image, landmarks, np.random.default_rng(7))
    third = FORGERS[kind](image, landmarks, np.random.default_rng(8))
    assert np.array_equal(first.image, second.image) and np.array_equal(first.mask, second.mask)
    assert not np.array_equal(first.image, third.image)


def test_self_blend_mask_covers_the_face_and_not_the_corners(astronaut_face):
    image, landmarks = astronaut_face
    forgery = self_blend(image, landmarks, np.random.default_rng(3))
    nose = np.round(landmarks[1, :2]).astype(int)
    assert forgery.mask[nose[1], nose[0]] > 0
    assert forgery.mask[:10, :10].max() == 0 and forgery.mask[-10:, -10:].max() == 0


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_partial_composite_stays_in_its_region(astronaut_face, region):
    image, landmarks = astronaut_face
    forgery = partial_composite(image, landmarks, np.random.default_rng(0), region=region)
    assert forgery.detail == region
    whole = face_mask(landmarks, image.shape[:2])
    # A part's mask is much smaller than the face and centred near the part.
    assert 0 < (forgery.mask > 0.5).sum() < 0.5 * whole.sum()
    centre = landmarks[list(REGIONS[region]), :2].mean(axis=0)
    ys, xs = np.nonzero(forgery.mask > 0.5)
    assert abs(xs.mean() - centre[0]) < 20 and abs(ys.mean() - centre[1]) < 20


def test_make_forgery_draws_every_kind_and_skips_reconstruction_without_an_autoencoder(astronaut_face):
    image, landmarks = astronaut_face
    rng = np.random.default_rng(0)
    with_ae = {make_forgery(image, landmarks, rng, blurred).kind for _ in range(20)}
    without = {make_forgery(image, landmarks, rng).kind for _ in range(20)}
    everything = {make_forgery(image, landmarks, rng, blurred, weights_with(0.2)).kind for _ in range(40)}
    assert with_ae == set(KINDS) - {"rerender"}, "whole re-renders only when asked for"
    assert without == {"self_blend", "partial"}
    assert everything == set(KINDS)


def test_whole_rerender_changes_the_whole_crop_with_no_boundary(astronaut_face):
    image, landmarks = astronaut_face
    for seed in range(6):
        forgery = whole_rerender(image, landmarks, np.random.default_rng(seed), blurred)
        assert forgery.kind == "rerender" and np.all(forgery.mask == 1)
        assert forgery.boundary().max() == 0, "no seam: nothing for the boundary head to find"
        corner = np.abs(forgery.image[:40, :40].astype(int) - image[:40, :40]).mean()
        assert corner > 0.5, "the background is re-rendered too"
    details = {whole_rerender(image, landmarks, np.random.default_rng(s), blurred).detail for s in range(12)}
    assert any(d.startswith("autoencoder") for d in details) and any(d.startswith("render=") for d in details)


def test_rerender_share_keeps_the_old_draws_at_zero(astronaut_face):
    image, landmarks = astronaut_face
    assert weights_with(0) is None
    shares = weights_with(0.2)
    assert shares is not None and shares["rerender"] == 0.2 and sum(shares.values()) == pytest.approx(1.0)
    for seed in range(10):  # a recipe without whole re-renders draws exactly what it drew before they existed
        old = make_forgery(image, landmarks, np.random.default_rng(seed), blurred)
        new = make_forgery(image, landmarks, np.random.default_rng(seed), blurred, weights_with(0))
        assert old.kind == new.kind and np.array_equal(old.image, new.image)
    with pytest.raises(ValueError, match="between 0 and 1"):
        weights_with(1.5)


def test_bad_input_is_refused(astronaut_face):
    image, landmarks = astronaut_face
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="RGB uint8"):
        self_blend(image.astype(np.float32), landmarks, rng)
    with pytest.raises(ValueError, match="468 landmarks"):
        self_blend(image, landmarks[:10], rng)
    with pytest.raises(ValueError, match="reconstruction"):
        reconstruction_blend(image, landmarks, rng, lambda crop: crop[:10])
    with pytest.raises(ValueError, match="positive weight"):
        make_forgery(image, landmarks, rng, weights={"self_blend": 0})
