import dataclasses
import math

import cv2
import numpy as np
import pytest

from unmask.faces import ALIGNMENT, CropContract, FaceAnalyzer, align_face
from unmask.faces.geometry import apply_transform
from unmask.faces.regions import LEFT_EYE_RING, RIGHT_EYE_RING


@pytest.fixture(scope="module")
def analyzer():
    return FaceAnalyzer()


def eye_centres(landmarks):
    return landmarks[list(LEFT_EYE_RING), :2].mean(axis=0), landmarks[list(RIGHT_EYE_RING), :2].mean(axis=0)


def test_contract_is_one_serialisable_definition():
    assert ALIGNMENT.to_dict() == {
        "name": "unmask-align-v1",
        "size": 224,
        "scale": 1.3,
        "upright": True,
        "landmarks": "mediapipe-face-mesh-468",
        "border": "black",
    }
    with pytest.raises(ValueError, match="size"):
        CropContract(size=8)
    with pytest.raises(ValueError, match="scale"):
        CropContract(scale=0)


def test_crop_shape_and_landmarks(analyzer, astronaut):
    face = analyzer(astronaut)[0]
    aligned = align_face(astronaut, face.landmarks)
    assert aligned.image.shape == (224, 224, 3) and aligned.image.dtype == np.uint8
    assert aligned.matrix.shape == (2, 3)
    assert np.allclose(aligned.landmarks[:, :2], apply_transform(aligned.matrix, face.landmarks)[:, :2])
    # The mesh fills the middle of the crop: its longer side is 1 / scale of the crop's.
    extent = aligned.landmarks[:, :2].max(axis=0) - aligned.landmarks[:, :2].min(axis=0)
    assert extent.max() == pytest.approx(224 / 1.3, rel=0.02)
    centre = (aligned.landmarks[:, :2].max(axis=0) + aligned.landmarks[:, :2].min(axis=0)) / 2
    assert np.abs(centre - 112).max() < 1


@pytest.mark.parametrize("degrees", [-35, 20])
def test_turned_face_comes_out_upright(analyzer, astronaut, degrees):
    matrix = cv2.getRotationMatrix2D((256, 256), degrees, 1.0)
    turned = cv2.warpAffine(astronaut, matrix, (512, 512))
    aligned = align_face(turned, analyzer(turned)[0].landmarks)
    left, right = eye_centres(aligned.landmarks)
    assert abs(math.degrees(math.atan2(right[1] - left[1], right[0] - left[0]))) < 1.0
    straight = align_face(astronaut, analyzer(astronaut)[0].landmarks)
    assert np.abs(aligned.image.astype(int) - straight.image.astype(int))[40:180, 40:180].mean() < 12


def test_scale_invariance_and_antialiasing(analyzer, astronaut):
    small = align_face(astronaut, analyzer(astronaut)[0].landmarks)
    big_photo = cv2.resize(astronaut, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    big = align_face(big_photo, analyzer(big_photo)[0].landmarks)  # shrinks about 6x: the averaging path
    assert big.image.shape == small.image.shape
    assert np.abs(big.image.astype(int) - small.image.astype(int))[40:180, 40:180].mean() < 10


def test_no_rotation_when_not_upright(analyzer, astronaut):
    contract = dataclasses.replace(ALIGNMENT, upright=False, size=64)
    aligned = align_face(astronaut, analyzer(astronaut)[0].landmarks, contract)
    assert aligned.image.shape == (64, 64, 3)
    assert aligned.matrix[0, 1] == pytest.approx(0, abs=1e-9)


def test_face_at_the_edge_is_padded_black(analyzer, astronaut):
    cut = np.ascontiguousarray(astronaut[60:200, 170:290])
    aligned = align_face(cut, analyzer(cut)[0].landmarks)
    assert aligned.image.shape == (224, 224, 3)
    assert aligned.image[:, :5].max() == 0 or aligned.image[:5].max() == 0


def test_box_crop_centres_the_box_with_its_context_and_black_outside():
    from unmask.faces.align import box_crop

    image = np.zeros((200, 300, 3), np.uint8)
    image[80:120, 130:170] = 200  # the "face"
    crop = box_crop(image, np.array([130, 80, 170, 120]), 2.0, 64)
    assert crop.shape == (64, 64, 3)
    assert crop[24:40, 24:40].min() > 150 and crop[:10].max() == 0  # face in the middle half, context around
    edge = box_crop(image, np.array([0, 0, 40, 40]), 3.0, 60)
    assert edge[:15, :15].max() == 0  # outside the frame: black
    big = box_crop(np.full((1000, 1000, 3), 90, np.uint8), np.array([100, 100, 900, 900]), 1.0, 32)
    assert big.shape == (32, 32, 3) and abs(int(big.mean()) - 90) <= 1
