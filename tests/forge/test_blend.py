import numpy as np
import pytest

from unmask.forge.blend import Forgery, blend


def test_blend_is_the_masked_mix_rounded_and_keeps_the_original_where_the_mask_is_zero():
    original = np.full((2, 3, 3), 100, np.uint8)
    altered = np.full((2, 3, 3), 201, np.float32)
    mask = np.array([[0.0, 0.5, 1.0], [0.25, 0.0, 1.0]], np.float32)
    forgery = blend(original, altered, mask, "test", "detail")
    assert isinstance(forgery, Forgery) and forgery.kind == "test" and forgery.detail == "detail"
    assert forgery.image.dtype == np.uint8 and forgery.mask.dtype == np.float32
    assert forgery.image[..., 0].tolist() == [[100, 150, 201], [125, 100, 201]]  # 150.5 rounds to even
    assert forgery.boundary()[0].tolist() == pytest.approx([0.0, 1.0, 0.0])


def test_blend_clips_an_altered_copy_outside_the_byte_range():
    original = np.zeros((1, 2, 3), np.uint8)
    altered = np.array([[[-40.0] * 3, [300.0] * 3]], np.float32)
    assert blend(original, altered, np.ones((1, 2), np.float32), "test").image[..., 0].tolist() == [[0, 255]]
