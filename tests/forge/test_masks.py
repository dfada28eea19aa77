import numpy as np
import pytest

from unmask.faces.regions import REGIONS, face_mask, region_mask
from unmask.forge.masks import displace, smooth_field, soft_seam, soften


def test_masks_lie_in_unit_interval(astronaut_face):
    image, landmarks = astronaut_face
    rng = np.random.default_rng(0)
    for mask in (
        face_mask(landmarks, image.shape[:2]),
        face_mask(landmarks, image.shape[:2], forehead=False),
        *(region_mask(landmarks, image.shape[:2], region) for region in REGIONS),
    ):
        soft = soften(mask, rng)
        assert soft.dtype == np.float32 and soft.min() >= 0 and soft.max() == pytest.approx(1.0)


def test_smooth_field_stays_within_its_amplitude():
    field = smooth_field((60, 80), 3.0, np.random.default_rng(0))
    assert field.shape == (60, 80, 2) and field.dtype == np.float32
    assert np.abs(field).max() < 3.0 * 1.5 and np.abs(field).max() > 0  # cubic overshoot stays small


def test_displace_by_a_zero_field_is_the_identity():
    image = np.random.default_rng(1).integers(0, 255, (32, 48, 3), dtype=np.uint8)
    assert np.array_equal(displace(image, np.zeros((32, 48, 2), np.float32)), image)


def test_soft_seam_is_gentler_than_soften_and_reproducible(astronaut_face):
    image, landmarks = astronaut_face
    mask = region_mask(landmarks, image.shape[:2], "mouth")
    seam = soft_seam(mask, np.random.default_rng(3))
    assert seam.dtype == np.float32 and seam.min() >= 0 and seam.max() == pytest.approx(1.0)
    assert np.array_equal(seam, soft_seam(mask, np.random.default_rng(3)))
    assert (seam > 0).sum() < 4 * (mask > 0).sum()  # it does not spread far beyond the region


def test_softening_an_empty_mask_leaves_it_empty():
    empty = np.zeros((64, 64), np.float32)
    assert not soften(empty, np.random.default_rng(0)).any()
    assert not soft_seam(empty, np.random.default_rng(0)).any()
