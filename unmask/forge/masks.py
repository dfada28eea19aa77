"""Soft masks for training forgeries, drawn from the 468-point face mesh of an aligned crop.

A mask starts as the convex hull of a set of mesh points (the whole face, the face without its forehead, or one
region: an eye with its brow, the nose, the mouth), is deformed by a smooth random displacement field, eroded or
dilated, and blurred twice with random kernels, so that its edge is never the same twice. Values lie in [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np

from unmask.faces.mesh import FACE_OVAL, LEFT_EYE_RING, RIGHT_EYE_RING

# Mesh indices of the brows (the image's left brow first) and of the nose and the outer lip line.
LEFT_BROW = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
RIGHT_BROW = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
NOSE = (168, 6, 197, 195, 5, 4, 1, 19, 94, 2, 98, 327, 48, 278, 64, 294, 129, 358, 49, 279, 115, 344)
MOUTH = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)

REGIONS: dict[str, tuple[int, ...]] = {
    "left_eye": LEFT_EYE_RING + LEFT_BROW,
    "right_eye": RIGHT_EYE_RING + RIGHT_BROW,
    "nose": NOSE,
    "mouth": MOUTH,
}
"""The facial parts that a partial composite may replace."""


def _hull(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    hull = cv2.convexHull(np.round(points[:, :2]).astype(np.int32))
    cv2.fillConvexPoly(mask, hull, 255)
    return mask.astype(np.float32) / 255.0


def face_mask(landmarks: np.ndarray, shape: tuple[int, int], forehead: bool = True) -> np.ndarray:
    """The hull of the whole mesh, or, without ``forehead``, of the mesh from the brows down (crops are upright)."""
    points = landmarks[:, :2]
    if not forehead:
        brow_line = float(np.mean(landmarks[list(LEFT_BROW + RIGHT_BROW), 1]))
        points = points[points[:, 1] >= brow_line]
    return _hull(points, shape)


def region_mask(landmarks: np.ndarray, shape: tuple[int, int], region: str) -> np.ndarray:
    """The hull of one of :data:`REGIONS`, grown by a tenth of the face's width so it takes some skin with it."""
    mask = _hull(landmarks[list(REGIONS[region]), :2], shape)
    oval = landmarks[list(FACE_OVAL), 0]
    grow = max(1, round(0.1 * float(oval.max() - oval.min())))
    return cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1)))


def smooth_field(shape: tuple[int, int], amplitude: float, rng: np.random.Generator, cells: int = 4) -> np.ndarray:
    """A smooth random (H, W, 2) displacement field in pixels, at most about ``amplitude`` in each direction."""
    height, width = shape
    coarse = rng.uniform(-amplitude, amplitude, size=(cells, cells, 2)).astype(np.float32)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)


def displace(image: np.ndarray, field: np.ndarray, border: int = cv2.BORDER_REFLECT) -> np.ndarray:
    """Resample ``image`` so that each pixel takes the value at its position plus ``field``."""
    height, width = field.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(image, grid_x + field[..., 0], grid_y + field[..., 1], cv2.INTER_LINEAR, borderMode=border)


def _odd(value: float) -> int:
    return max(1, int(value) // 2 * 2 + 1)


def soften(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Deform, erode or dilate, and blur a binary mask twice with random kernels; the result peaks at 1."""
    size = mask.shape[0]
    mask = displace(mask, smooth_field(mask.shape, 0.03 * size, rng), border=cv2.BORDER_CONSTANT)
    step = int(rng.integers(0, max(2, size // 28)))
    if step:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * step + 1, 2 * step + 1))
        mask = cv2.erode(mask, kernel) if rng.random() < 0.6 else cv2.dilate(mask, kernel)
    for _ in range(2):
        kernel = _odd(rng.uniform(0.02, 0.12) * size)
        mask = cv2.GaussianBlur(mask, (kernel, kernel), 0)
    peak = float(mask.max())
    if peak <= 0:
        return mask
    return np.clip(mask / peak, 0.0, 1.0).astype(np.float32)
