import numpy as np
import pytest

from mediagen import ASTRONAUT_CHIN, ASTRONAUT_EYES, ASTRONAUT_NOSE
from unmask.faces.detector import FaceDetector
from unmask.faces.mesh import FaceMesh
from unmask.faces.regions import LEFT_EYE_RING, NUM_LANDMARKS, RIGHT_EYE_RING


@pytest.fixture(scope="module")
def models():
    return FaceDetector(), FaceMesh()


def test_mesh_on_the_astronaut(models, astronaut):
    detector, mesh = models
    landmarks, presence = mesh(astronaut, detector(astronaut)[0])
    assert landmarks.shape == (NUM_LANDMARKS, 3) and landmarks.dtype == np.float32
    assert presence > 0.9
    # Mesh points 1 (nose tip) and 152 (chin), and the centres of the eye contours, against the photo.
    assert np.abs(landmarks[1, :2] - ASTRONAUT_NOSE).max() < 8
    assert np.abs(landmarks[152, :2] - ASTRONAUT_CHIN).max() < 8
    assert np.abs(landmarks[list(LEFT_EYE_RING), :2].mean(axis=0) - ASTRONAUT_EYES[0]).max() < 6
    assert np.abs(landmarks[list(RIGHT_EYE_RING), :2].mean(axis=0) - ASTRONAUT_EYES[1]).max() < 6


def test_mesh_follows_a_turned_face(models, astronaut):
    # Turning the photo a quarter clockwise must turn the landmarks the same way.
    detector, mesh = models
    upright, _ = mesh(astronaut, detector(astronaut)[0])
    turned_image = np.ascontiguousarray(np.rot90(astronaut, k=-1))
    turned, _ = mesh(turned_image, detector(turned_image)[0])
    expected_x = 511 - upright[:, 1]
    expected_y = upright[:, 0]
    assert np.median(np.abs(turned[:, 0] - expected_x)) < 3
    assert np.median(np.abs(turned[:, 1] - expected_y)) < 3
