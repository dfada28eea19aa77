import numpy as np
import pytest

from unmask.faces.regions import (
    CHIN_TIP,
    EYES,
    FACE_OVAL,
    JAW,
    LEFT_BROW,
    LEFT_EYE_RING,
    LIPS,
    MOUTH,
    MOUTH_CORNERS,
    NOSE,
    NOSE_TIP,
    NUM_LANDMARKS,
    REGIONS,
    RIGHT_BROW,
    RIGHT_EYE_RING,
    eyes_mask,
    face_mask,
    face_width,
    head_mask,
    hull_mask,
    mouth_and_chin_mask,
    region_mask,
)

CONTOURS = {
    "FACE_OVAL": FACE_OVAL,
    "LEFT_EYE_RING": LEFT_EYE_RING,
    "RIGHT_EYE_RING": RIGHT_EYE_RING,
    "LEFT_BROW": LEFT_BROW,
    "RIGHT_BROW": RIGHT_BROW,
    "NOSE": NOSE,
    "MOUTH": MOUTH,
    "LIPS": LIPS,
    "JAW": JAW,
}


@pytest.mark.parametrize("name", sorted(CONTOURS))
def test_point_lists_name_distinct_mesh_points(name):
    points = CONTOURS[name]
    assert all(0 <= index < NUM_LANDMARKS for index in points)
    assert len(set(points)) == len(points)


def test_the_jaw_runs_along_the_lower_face_oval_and_eyes_are_both_rings():
    assert set(JAW) <= set(FACE_OVAL) and CHIN_TIP in JAW
    assert EYES == LEFT_EYE_RING + RIGHT_EYE_RING
    assert set(MOUTH_CORNERS) <= set(MOUTH) and LIPS[: len(MOUTH)] == MOUTH


def test_hull_mask_fills_a_known_square_and_scales_about_the_centroid():
    square = np.array([[10.0, 10.0], [29.0, 10.0], [29.0, 29.0], [10.0, 29.0]])
    mask = hull_mask(square, (40, 40))
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 1}
    assert mask.sum() == 20 * 20 and mask[10:30, 10:30].all()
    assert hull_mask(square, (40, 40), scale=0.5).sum() == 10 * 10  # corners at 14.75 and 24.25, rounded
    assert hull_mask(square, (40, 40), scale=1.5).sum() > mask.sum()


def test_face_mask_covers_the_face_and_not_the_corners(astronaut_face):
    image, landmarks = astronaut_face
    mask = face_mask(landmarks, image.shape[:2])
    assert mask.shape == image.shape[:2] and mask.dtype == np.float32 and set(np.unique(mask)) == {0.0, 1.0}
    nose = np.round(landmarks[NOSE_TIP, :2]).astype(int)
    assert mask[nose[1], nose[0]] == 1
    assert mask[:10, :10].max() == 0 and mask[-10:, -10:].max() == 0
    assert np.array_equal(mask, hull_mask(landmarks, image.shape[:2]).astype(np.float32))


def test_no_forehead_mask_is_smaller(astronaut_face):
    image, landmarks = astronaut_face
    assert face_mask(landmarks, image.shape[:2], forehead=False).sum() < face_mask(landmarks, image.shape[:2]).sum()


@pytest.mark.parametrize("region", sorted(REGIONS))
def test_region_mask_is_a_grown_part_inside_the_face(astronaut_face, region):
    image, landmarks = astronaut_face
    mask = region_mask(landmarks, image.shape[:2], region)
    part = hull_mask(landmarks[list(REGIONS[region])], image.shape[:2])
    assert mask.dtype == np.float32 and mask.min() == 0 and mask.max() == 1
    assert mask[part > 0].all() and mask.sum() > part.sum()  # grown, so it takes some skin along
    assert mask.sum() < 0.5 * face_mask(landmarks, image.shape[:2]).sum()


def test_region_mask_of_an_unknown_part_fails(astronaut_face):
    image, landmarks = astronaut_face
    with pytest.raises(KeyError):
        region_mask(landmarks, image.shape[:2], "ear")


def test_face_width_is_the_oval_extent():
    landmarks = np.zeros((NUM_LANDMARKS, 3))
    landmarks[list(FACE_OVAL), 0] = 90.0
    landmarks[FACE_OVAL[0], 0], landmarks[FACE_OVAL[5], 0] = 40.0, 150.0
    landmarks[0, 0] = 500.0  # not on the oval
    assert face_width(landmarks) == 110.0


def test_head_mask_grows_and_lifts_the_face_hull(astronaut_face):
    image, landmarks = astronaut_face
    shape = image.shape[:2]
    assert np.array_equal(head_mask(landmarks, shape, 1.0, 0.0), face_mask(landmarks, shape))
    head = head_mask(landmarks, shape, 1.3, 0.1)
    assert head.sum() > face_mask(landmarks, shape).sum()
    assert np.nonzero(head)[0].min() < np.nonzero(face_mask(landmarks, shape))[0].min()  # takes hair along


def test_mouth_and_chin_mask_takes_the_lower_face_only(astronaut_face):
    image, landmarks = astronaut_face
    mask = mouth_and_chin_mask(landmarks, image.shape[:2])
    assert mask.dtype == np.float32 and mask.max() == 1
    for index in (*MOUTH_CORNERS, CHIN_TIP):
        x, y = np.round(landmarks[index, :2]).astype(int)
        assert mask[y, x] == 1
    assert not mask[hull_mask(landmarks[list(EYES)], image.shape[:2]) > 0].any()


def test_eyes_mask_is_feathered_around_both_eyes(astronaut_face):
    image, landmarks = astronaut_face
    mask = eyes_mask(landmarks, image.shape[:2])
    assert mask.dtype == np.float32 and mask.min() >= 0 and mask.max() <= 1
    for ring in (LEFT_EYE_RING, RIGHT_EYE_RING):
        x, y = np.round(landmarks[list(ring), :2].mean(axis=0)).astype(int)
        assert mask[y, x] == pytest.approx(1.0)
    assert np.count_nonzero((mask > 0) & (mask < 1)) > 0  # a soft edge
    x, y = np.round(landmarks[CHIN_TIP, :2]).astype(int)
    assert mask[y, x] == 0
