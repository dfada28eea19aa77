import numpy as np

from unmask.faces.geometry import ANCHORS_PER_SIDE, border_anchors, mesh_triangles, with_border_anchors


def test_border_anchors_sit_just_outside_the_crop():
    anchors = border_anchors((100, 60))
    assert len(anchors) == 4 * ANCHORS_PER_SIDE - 4
    outside = (anchors[:, 0] <= -1) | (anchors[:, 0] >= 60) | (anchors[:, 1] <= -1) | (anchors[:, 1] >= 100)
    assert outside.all()
    points = with_border_anchors(np.zeros((468, 3)), (100, 60))
    assert points.shape == (468 + len(anchors), 2)


def test_mesh_triangles_cover_the_crop(astronaut_face):
    image, landmarks = astronaut_face
    triangles = mesh_triangles(landmarks, image.shape[:2])
    assert triangles.ndim == 2 and triangles.shape[1] == 3 and len(triangles) > 900
    assert triangles.min() >= 0 and (triangles < 468).any() and (triangles >= 468).any()  # mesh and anchors
    assert (np.sort(triangles, axis=1)[:, 1:] != np.sort(triangles, axis=1)[:, :-1]).all()
