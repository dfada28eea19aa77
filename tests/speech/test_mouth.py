import numpy as np
import pytest

from unmask.faces.regions import INNER_LIP_PAIRS, MOUTH_CORNERS
from unmask.speech import mouth_series


def meshes(openings: list[float], width: float = 50.0) -> np.ndarray:
    """Meshes whose only mouth points are the corners (``width`` apart) and facing inner-lip points
    ``opening * width`` apart."""
    out = np.zeros((len(openings), 468, 3))
    for number, opening in enumerate(openings):
        out[number, MOUTH_CORNERS[0], :2] = (100 - width / 2, 200)
        out[number, MOUTH_CORNERS[1], :2] = (100 + width / 2, 200)
        for upper, lower in INNER_LIP_PAIRS:
            out[number, upper, :2] = (100, 200 - opening * width / 2)
            out[number, lower, :2] = (100, 200 + opening * width / 2)
    return out


def test_aperture_is_the_lip_gap_over_the_mouth_width_whatever_the_face_size():
    series = mouth_series(meshes([0.0, 0.2, 0.4]), np.array([0.0, 0.04, 0.08]))
    big = mouth_series(meshes([0.0, 0.2, 0.4], width=200.0), np.array([0.0, 0.04, 0.08]))
    assert series.aperture == pytest.approx([0.0, 0.2, 0.4])
    assert big.aperture == pytest.approx(series.aperture) and big.width == pytest.approx([200.0] * 3)
    assert series.motion == pytest.approx([5.0, 5.0])  # 0.2 of the width in 0.04 s
    assert len(series.between(0.03, 0.1)) == 2


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="468"):
        mouth_series(np.zeros((3, 10, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="times"):
        mouth_series(np.zeros((3, 468, 2)), np.zeros(2))
