"""MiniFASNet, read from ../shared/models/minifasnet: Silent-Face's crop, and its own sample pictures (a live face
and a spoof in ../shared/data/liveness) on the right sides."""

from pathlib import Path

import numpy as np
import pytest

from unmask.errors import ModelError
from unmask.peers.minifasnet import MiniFASNet, silent_face_crop


def test_the_crop_is_shifted_inside_the_frame_and_resized():
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, :100] = 255
    crop = silent_face_crop(image, np.array([0, 20, 40, 60]), 2.7, 80)
    assert crop.shape == (80, 80, 3)
    # The box grown 2.7x would start left of the frame: it is moved right, not padded with black.
    assert crop[:, 0].min() == 255


def test_missing_weights_are_one_line(tmp_path):
    with pytest.raises(ModelError, match="MiniFASNet weights not found"):
        MiniFASNet(tmp_path)


@pytest.mark.shared
def test_its_own_samples(shared_data: Path):
    folder = shared_data.parent / "models" / "minifasnet"
    if not folder.is_dir():
        pytest.skip(f"MiniFASNet not found at {folder}")
    from unmask.faces import FaceAnalyzer
    from unmask.media import read_image

    model = MiniFASNet(folder, threads=1)
    analyzer = FaceAnalyzer()
    scores = {}
    for name in ("live/image_T1.jpg", "spoof/image_F1.jpg"):
        image = read_image(shared_data / "liveness" / name)
        face = analyzer(image)[0]
        scores[name] = model.score(image, face.box)
    assert scores["live/image_T1.jpg"] < 0.5 < scores["spoof/image_F1.jpg"]
