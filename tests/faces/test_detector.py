import numpy as np
import pytest

from mediagen import ASTRONAUT_EYES, ASTRONAUT_FACE, ASTRONAUT_MOUTH, ASTRONAUT_NOSE
from unmask.faces.detector import INPUT_SIZE, FaceDetector, _anchors, weighted_nms
from unmask.faces.geometry import box_iou


@pytest.fixture(scope="module")
def detector():
    return FaceDetector()


def test_anchor_grid():
    anchors = _anchors()
    assert anchors.shape == (2304, 2)
    assert anchors.min() == pytest.approx(0.5 / 48) and anchors.max() == pytest.approx(47.5 / 48)


def test_box_iou_known_values():
    boxes = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]], dtype=np.float32)
    assert box_iou(boxes[0], boxes) == pytest.approx([1.0, 50 / 150, 0.0])


def test_weighted_nms_merges_overlaps_by_score():
    boxes = np.array([[0, 0, 10, 10], [2, 0, 12, 10], [50, 50, 60, 60]], dtype=np.float32)
    points = np.zeros((3, 6, 2), dtype=np.float32)
    points[1] += 3.0
    scores = np.array([0.9, 0.3, 0.8], dtype=np.float32)
    kept = weighted_nms(boxes, points, scores, iou_threshold=0.3)
    assert kept == [0, 2]
    assert boxes[0] == pytest.approx([0.5, 0, 10.5, 10])  # (0 * 0.9 + 2 * 0.3) / 1.2
    assert points[0, 0] == pytest.approx([0.75, 0.75])


def test_letterbox_keeps_aspect(detector):
    canvas, scale, left, top = detector.letterbox(np.full((100, 400, 3), 255, dtype=np.uint8))
    assert canvas.shape == (INPUT_SIZE, INPUT_SIZE, 3)
    assert scale == pytest.approx(0.48) and (left, top) == (0, 72)
    assert canvas[:72].max() == 0 and canvas[72:120].min() == 255


def test_astronaut_face_is_found_where_it_is(detector, astronaut):
    detections = detector(astronaut)
    assert len(detections) == 1
    found = detections[0]
    assert found.score > 0.8
    assert box_iou(found.box, np.array([ASTRONAUT_FACE], dtype=np.float32))[0] > 0.5
    expected = np.array([*ASTRONAUT_EYES, ASTRONAUT_NOSE, ASTRONAUT_MOUTH], dtype=np.float32)
    assert np.abs(found.keypoints[:4] - expected).max() < 8


def test_no_face_in_a_coffee_cup(detector, no_face_photo):
    assert detector(no_face_photo) == []


def test_blank_and_tiny_frames(detector):
    assert detector(np.zeros((480, 640, 3), dtype=np.uint8)) == []
    assert detector(np.zeros((1, 1, 3), dtype=np.uint8)) == []
