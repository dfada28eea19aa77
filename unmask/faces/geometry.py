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
