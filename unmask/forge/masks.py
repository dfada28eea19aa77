"""The random deformation and softening of masks for training forgeries.

A forgery's mask starts as a region of the face mesh (:mod:`unmask.faces.regions`: the whole face, the face
without its forehead, or one part), is deformed by a smooth random displacement field, eroded or dilated, and
blurred with random kernels, so that its edge is never the same twice. Values lie in [0, 1].
"""

from __future__ import annotations

import cv2
import numpy as np


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


def soft_seam(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A gentler :func:`soften` for small regions: a slight deformation and one blur, so a mouth mask does not
    spread up to the eyes. Peaks at 1."""
    size = mask.shape[0]
    mask = displace(mask, smooth_field(mask.shape, 0.015 * size, rng), border=cv2.BORDER_CONSTANT)
    kernel = max(3, int(rng.uniform(0.04, 0.09) * size) // 2 * 2 + 1)
    mask = cv2.GaussianBlur(mask, (kernel, kernel), 0)
    peak = float(mask.max())
    return np.clip(mask / peak, 0.0, 1.0).astype(np.float32) if peak > 0 else mask.astype(np.float32)
