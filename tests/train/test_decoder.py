"""Reconstructions through a pretrained decoder (TAEF2), cached by the crop's pixels."""

import numpy as np
import pytest

pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")

from unmask.train.decoder import DecoderReconstructor


@pytest.fixture(scope="module")
def taesd(shared_data):
    folder = shared_data.parent / "models" / "taesd"
    if not (folder / "taesd.py").is_file():
        pytest.skip(f"no TAEF2 folder at {folder}")
    return folder


@pytest.mark.shared
def test_reconstructions_are_faithful_cached_and_keyed_by_pixels(taesd, tmp_path, astronaut_face):
    image, _ = astronaut_face
    reconstruct = DecoderReconstructor(taesd, tmp_path)
    assert not reconstruct.cached(image)
    assert reconstruct.prepare([image, image[:, ::-1].copy()], progress=False) == 2
    assert reconstruct.cached(image) and reconstruct.prepare([image], progress=False) == 0
    out = reconstruct(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    psnr = 10 * np.log10(255**2 / np.mean((out.astype(float) - image) ** 2))
    assert 30 < psnr < 50  # the same face, not a copy
    again = DecoderReconstructor(taesd, tmp_path)  # a new process would find the same files
    assert np.array_equal(again(image), out)


def test_a_folder_without_the_decoder_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"taesd\.py"):
        DecoderReconstructor(tmp_path, tmp_path / "cache")
