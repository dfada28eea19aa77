import os
import sys

import cv2
import h5py
import numpy as np
import pytest

from unmask.errors import ModelError
from unmask.peers.mesonet import MesoNet

# P(fake) of skimage's astronaut resized to 256x256 with cv2.INTER_AREA, computed by an independent torch
# implementation of Meso4 (nn.Conv2d padding='same', BatchNorm2d in eval mode with the file's moving statistics,
# NHWC flatten) loaded from the same HDF5 weights; the numpy runner agrees with it to within 1e-6.
KNOWN = {"Meso4_DF.h5": 0.0017567873, "Meso4_F2F.h5": 0.1454221606}


@pytest.fixture(scope="module")
def mesonet_dir(shared_data):
    folder = shared_data.parent / "models" / "mesonet"
    missing = [name for name in KNOWN if not (folder / name).is_file()]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"MesoNet weights {missing} not found in {folder}; they are required under CI")
        pytest.skip(f"MesoNet weights {missing} not found in {folder}")
    return folder


@pytest.fixture(scope="module")
def meso_df(mesonet_dir):
    return MesoNet(mesonet_dir / "Meso4_DF.h5")


@pytest.fixture(scope="module")
def astronaut256(astronaut):
    return cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)


@pytest.mark.shared
def test_output_is_one_float32_probability_per_crop(meso_df, astronaut256):
    rng = np.random.default_rng(0)
    crops = np.stack([astronaut256, rng.integers(0, 256, (256, 256, 3), dtype=np.uint8), np.zeros_like(astronaut256)])
    p = meso_df.predict(crops)
    assert p.shape == (3,)
    assert p.dtype == np.float32
    assert np.all((p >= 0) & (p <= 1))
    assert meso_df.predict(crops[:0]).shape == (0,)


@pytest.mark.shared
def test_batch_equals_one_by_one(meso_df, astronaut256):
    crops = np.stack([astronaut256, astronaut256[::-1], astronaut256[:, ::-1]])
    batch = meso_df.predict(crops)
    single = np.concatenate([meso_df.predict(crop[None]) for crop in crops])
    np.testing.assert_allclose(batch, single, atol=1e-6)


@pytest.mark.shared
@pytest.mark.parametrize("size", [(160, 160), (300, 240), (512, 512)])
def test_any_crop_size_is_accepted(meso_df, astronaut, size):
    crop = cv2.resize(astronaut, (size[1], size[0]), interpolation=cv2.INTER_AREA)
    p = meso_df.predict(crop[None])
    assert p.shape == (1,) and 0 <= p[0] <= 1


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_answer(mesonet_dir, astronaut256, name):
    p = MesoNet(mesonet_dir / name).predict(astronaut256[None])[0]
    assert p == pytest.approx(KNOWN[name], abs=1e-5)


@pytest.mark.shared
def test_other_network_is_refused(mesonet_dir):
    inception = mesonet_dir / "MesoInception_DF.h5"
    if not inception.is_file():
        pytest.skip(f"{inception} not found")
    with pytest.raises(ModelError, match="not Meso4 weights"):
        MesoNet(inception)


@pytest.mark.shared
@pytest.mark.parametrize("bad", [np.zeros((8, 8, 3), np.uint8), np.zeros((1, 8, 8, 3), np.float32)])
def test_bad_crops_raise_value_error(meso_df, bad):
    with pytest.raises(ValueError, match="uint8 RGB crops"):
        meso_df.predict(bad)


def test_missing_file_raises_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        MesoNet(tmp_path / "Meso4_DF.h5")


def test_bogus_file_raises_model_error(tmp_path):
    bogus = tmp_path / "Meso4_DF.h5"
    bogus.write_text("not an HDF5 file\n")
    with pytest.raises(ModelError, match="cannot read"):
        MesoNet(bogus)


def test_hdf5_without_keras_layers_raises_model_error(tmp_path):
    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as f:
        f["x"] = np.zeros(3)
    with pytest.raises(ModelError, match="cannot read"):
        MesoNet(empty)


def test_missing_h5py_raises_model_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ModelError, match="pip install h5py"):
        MesoNet(tmp_path / "Meso4_DF.h5")
