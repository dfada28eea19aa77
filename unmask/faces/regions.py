"""The named parts of the 468-point face mesh, and the masks drawn from them.

Every mesh index that unmask reads by name lives here: the contours (face oval, eye rings, brows, nose, lips,
jaw), single points (nose tip, lip and lid points, cheeks) and the facial parts a partial composite replaces.
The masks are filled convex hulls of such points in a crop's pixels, deterministic: the same landmarks give the
same mask. Forgeries deform and soften them at random (:mod:`unmask.forge.masks`); the temporal features
measure texture inside them (:mod:`unmask.models.temporal`).

Indices are MediaPipe face mesh's. "Left" is the image's left, which is the subject's right.
"""

from __future__ import annotations

import cv2
import numpy as np

NUM_LANDMARKS = 468
"""Points in the face mesh."""

# The contour of each eye: the eye on the image's left (the subject's right) first.
LEFT_EYE_RING = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173)
RIGHT_EYE_RING = (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398)
EYES = LEFT_EYE_RING + RIGHT_EYE_RING
# Around the face, from the forehead clockwise on screen, as MediaPipe draws the face oval.
FACE_OVAL = (
    10,
    338,
    297,
    332,
    284,
    251,
    389,
    356,
    454,
    323,
    361,
    288,
    397,
    365,
    379,
    378,
    400,
    377,
    152,
    148,
    176,
    149,
    150,
    136,
    172,
    58,
    132,
    93,
    234,
    127,
    162,
    21,
    54,
    103,
    67,
    109,
)
# The brows (the image's left brow first), the nose, and the outer lip line.
LEFT_BROW = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
RIGHT_BROW = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 48, 278, 64, 294, 129, 358, 49, 279, 115, 344)
MOUTH = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
# The outer lip line and points of the inner one.
LIPS = (*MOUTH, 13, 14, 78, 308, 82, 312, 87, 317)
# The inner lip line, from the image's left corner over the upper lip and back under the lower lip.
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
# Pairs of points facing each other across the mouth on the inner lip line (upper, lower), middle first.
INNER_LIP_PAIRS = ((13, 14), (82, 87), (312, 317))
# Along the jaw from one side of the chin to the other.
JAW = (172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397)

# Single points.
NOSE_TIP = 1
UNDER_NOSE = 2  # under the nose tip: points below it move with the mouth and jaw, points above with the skull
UPPER_INNER_LIP, LOWER_INNER_LIP = 13, 14
MOUTH_CORNERS = (61, 291)
LEFT_EYE_LIDS, LEFT_EYE_CORNERS = (159, 145), (33, 133)
RIGHT_EYE_LIDS, RIGHT_EYE_CORNERS = (386, 374), (263, 362)
CHEEK_SIDES = (234, 454)  # the widest points of the face oval, left and right
CHIN_TIP = 152
CHEEKS = (205, 425)  # the middle of each cheek, between the nose wing and the face oval

REGIONS: dict[str, tuple[int, ...]] = {
    "left_eye": LEFT_EYE_RING + LEFT_BROW,
    "right_eye": RIGHT_EYE_RING + RIGHT_BROW,
    "nose": NOSE,
    "mouth": MOUTH,
}
"""The facial parts that a partial composite may replace."""


def hull_mask(points: np.ndarray, shape: tuple[int, int], scale: float = 1.0) -> np.ndarray:
    """The filled convex hull of (N, 2+) ``points`` scaled by ``scale`` about their centroid, as uint8 0/1."""
    points = np.asarray(points, dtype=np.float64)[:, :2]
    if scale != 1.0:
        centre = points.mean(axis=0)
        points = centre + (points - centre) * scale
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 1)
    return mask


def _hull(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """:func:`hull_mask` as float32 0/1."""
    return hull_mask(points, shape).astype(np.float32)


def _dilate(mask: np.ndarray, grow: int) -> np.ndarray:
    """``mask`` grown by ``grow`` pixels with an elliptic kernel."""
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))


def face_width(landmarks: np.ndarray) -> float:
    """The width of the face oval in pixels (x extent; crops are upright)."""
    return float(np.ptp(landmarks[list(FACE_OVAL), 0]))


def mouth_aperture(points: np.ndarray) -> np.ndarray:
    """How far the lips are apart: the mean distance between the facing points of :data:`INNER_LIP_PAIRS` over the
    width of the mouth (corner to corner), from meshes ``points`` (..., 468, 2+) in any pixels (x and y only). About
    0 with the lips together, 0.3 to 0.6 wide open, whatever the size of the face. One value per mesh."""
    xy = np.asarray(points, dtype=np.float64)[..., :2]
    width = np.linalg.norm(xy[..., MOUTH_CORNERS[0], :] - xy[..., MOUTH_CORNERS[1], :], axis=-1)
    gaps = [np.linalg.norm(xy[..., upper, :] - xy[..., lower, :], axis=-1) for upper, lower in INNER_LIP_PAIRS]
    return np.mean(gaps, axis=0) / np.maximum(width, 1e-6)


def face_mask(landmarks: np.ndarray, shape: tuple[int, int], forehead: bool = True) -> np.ndarray:
    """The hull of the whole mesh, or, without ``forehead``, of the mesh from the brows down (crops are upright).
    Float32 0/1."""
    points = landmarks[:, :2]
    if not forehead:
        brow_line = float(np.mean(landmarks[list(LEFT_BROW + RIGHT_BROW), 1]))
        points = points[points[:, 1] >= brow_line]
    return _hull(points, shape)


def region_mask(landmarks: np.ndarray, shape: tuple[int, int], region: str) -> np.ndarray:
    """The hull of one of :data:`REGIONS`, grown by a tenth of the face's width so it takes some skin with it.
    Float32 0/1."""
    mask = _hull(landmarks[list(REGIONS[region]), :2], shape)
    return _dilate(mask, max(1, round(0.1 * face_width(landmarks))))


def head_mask(landmarks: np.ndarray, shape: tuple[int, int], scale: float, lift: float) -> np.ndarray:
    """The mesh hull scaled by ``scale`` about its centre and raised by ``lift`` of its height: takes hair along.
    Float32 0/1."""
    points = landmarks[:, :2]
    centre = (points.min(axis=0) + points.max(axis=0)) / 2
    grown = centre + (points - centre) * scale
    grown[:, 1] -= lift * float(np.ptp(points[:, 1]))
    return _hull(grown, shape)


def mouth_and_chin_mask(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The hull of the lips and the jaw, grown by a twentieth of the face's width: what a lip-sync render
    replaces. Float32 0/1."""
    mask = _hull(landmarks[list(MOUTH + JAW), :2], shape)
    return _dilate(mask, max(1, round(0.05 * face_width(landmarks))))


def eyes_mask(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Both eyes' hulls grown by a 25th of the face's width and feathered by as much, so that what is done
    through it has no edge of its own. Float32 in [0, 1]."""
    mask = np.maximum(
        _hull(landmarks[list(LEFT_EYE_RING), :2], shape), _hull(landmarks[list(RIGHT_EYE_RING), :2], shape)
    )
    grow = max(1, round(0.04 * face_width(landmarks)))
    mask = _dilate(mask, grow)
    kernel = 2 * grow + 1
    return cv2.GaussianBlur(mask, (kernel, kernel), 0)
