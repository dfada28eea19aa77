"""Small geometric helpers shared by detection, the mesh, alignment and tracking."""

from __future__ import annotations

import math

import cv2
import numpy as np


def box_side(box: np.ndarray) -> float:
    """The longer side of an (x0, y0, x1, y1) box."""
    return float(max(box[2] - box[0], box[3] - box[1]))


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one (x0, y0, x1, y1) box with each row of ``boxes``."""
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    intersection = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = area + areas - intersection
    return np.where(union > 0, intersection / np.maximum(union, 1e-12), 0.0)


def square_transform(center: np.ndarray, side: float, angle: float, out_size: int) -> np.ndarray:
    """The 2x3 affine matrix mapping a square of ``side`` pixels centred on ``center`` and turned by ``angle``
    radians (counter-clockwise on screen) onto an upright ``out_size`` x ``out_size`` image."""
    cx, cy = float(center[0]), float(center[1])
    matrix = cv2.getRotationMatrix2D((cx, cy), math.degrees(angle), out_size / side)
    matrix[:, 2] += (out_size / 2 - cx, out_size / 2 - cy)
    return matrix


def apply_transform(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map (N, 2) or (N, 3) points through a 2x3 affine matrix; a third column (depth) is scaled alike."""
    mapped = np.array(points, dtype=np.float32, copy=True)
    mapped[:, :2] = points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
    if points.shape[1] > 2:
        mapped[:, 2:] = points[:, 2:] * math.sqrt(abs(np.linalg.det(matrix[:, :2])))
    return mapped


# Points fixed on each side of the crop, one pixel outside it, so that the triangulation covers every pixel and
# the warp fades from the face's motion to none at the crop's edge, as an animator smears hair and background.
ANCHORS_PER_SIDE = 5


def border_anchors(shape: tuple[int, int]) -> np.ndarray:
    """Fixed points just outside the border of a crop of ``shape`` (height, width): they pin the crop's edges
    when a mesh is warped, so that only the face moves."""
    height, width = shape
    xs = np.linspace(-1.0, width, ANCHORS_PER_SIDE)
    ys = np.linspace(-1.0, height, ANCHORS_PER_SIDE)
    border = [(x, -1.0) for x in xs] + [(x, float(height)) for x in xs]
    border += [(-1.0, y) for y in ys[1:-1]] + [(float(width), y) for y in ys[1:-1]]
    return np.array(border, dtype=np.float64)


def with_border_anchors(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The landmarks' x, y followed by :func:`border_anchors` (468 + 16 points for the face mesh)."""
    return np.vstack([np.asarray(landmarks, dtype=np.float64)[:, :2], border_anchors(shape)])


def mesh_triangles(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The Delaunay triangles (M x 3 indices) of the mesh points plus fixed anchors around a crop of ``shape``.

    Indices below 468 are landmarks, the rest anchors (see :func:`unmask.forge.animate.mesh_warp`). Compute it
    once per clip and pass it to every warp: the same triangles then move with the face from frame to frame, as a
    mesh does.
    """
    points = with_border_anchors(landmarks, shape)
    low, high = points.min(axis=0) - 2, points.max(axis=0) + 2
    subdivision = cv2.Subdiv2D((int(np.floor(low[0])), int(np.floor(low[1])), *(np.ceil(high - low) + 1).astype(int)))
    subdivision.insert([(float(x), float(y)) for x, y in points])
    corners = subdivision.getTriangleList().reshape(-1, 3, 2)
    # Subdiv2D returns coordinates, stored as float32: look up which point each corner is (of duplicates, one).
    lookup = {(float(x), float(y)): number for number, (x, y) in enumerate(points.astype(np.float32))}
    indices = np.array([[lookup.get((float(x), float(y)), -1) for x, y in triangle] for triangle in corners])
    indices = indices.reshape(-1, 3)
    keep = (indices >= 0).all(axis=1) & (indices[:, 0] != indices[:, 1])
    keep &= (indices[:, 1] != indices[:, 2]) & (indices[:, 0] != indices[:, 2])
    return indices[keep].astype(np.int32)
