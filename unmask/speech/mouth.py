"""The mouth from the face mesh, frame by frame: how far the lips are apart, how much of the mouth is open, how
fast the lips move.

``aperture`` is the mean distance between facing points of the inner lip line (the middle and two to each side)
divided by the mouth's width (corner to corner): about 0 with the lips together, 0.3 to 0.6 wide open, the same
whatever the size of the face. ``area`` is the area inside the inner lip line divided by the squared width;
``motion`` how much the aperture changes from one frame to the next, per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from unmask.faces.regions import INNER_LIPS, MOUTH_CORNERS, mouth_aperture


@dataclass(frozen=True)
class MouthSeries:
    """One face's mouth over a run of frames: ``times`` (seconds), ``aperture`` and ``area`` per frame, and the
    mouth's ``width`` in pixels per frame."""

    times: np.ndarray
    aperture: np.ndarray
    area: np.ndarray
    width: np.ndarray

    def __len__(self) -> int:
        return len(self.times)

    @property
    def motion(self) -> np.ndarray:
        """The aperture's change per second from each frame to the next (one less than the frames)."""
        if len(self.times) < 2:
            return np.zeros(0)
        return np.abs(np.diff(self.aperture)) / np.maximum(np.diff(self.times), 1e-3)

    def between(self, start: float, end: float) -> MouthSeries:
        """The frames from ``start`` to ``end`` seconds (end excluded)."""
        keep = (self.times >= start) & (self.times < end)
        return MouthSeries(self.times[keep], self.aperture[keep], self.area[keep], self.width[keep])


def mouth_series(landmarks: np.ndarray, times: np.ndarray) -> MouthSeries:
    """The mouth of a face over frames from its meshes, ``landmarks`` (T, 468, 2+) in any pixels, and the frames'
    ``times`` (T,) in seconds."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.ndim != 3 or points.shape[1] < max(INNER_LIPS) + 1 or points.shape[2] < 2:
        raise ValueError(f"mouth_series needs (T, 468, 2+) landmarks, not an array of shape {points.shape}")
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    if len(times) != len(points):
        raise ValueError(f"{len(points)} meshes but {len(times)} times")
    xy = points[:, :, :2]
    width = np.linalg.norm(xy[:, MOUTH_CORNERS[0]] - xy[:, MOUTH_CORNERS[1]], axis=1)
    safe = np.maximum(width, 1e-6)
    ring = xy[:, list(INNER_LIPS)]
    x, y = ring[..., 0], ring[..., 1]
    area = 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))
    return MouthSeries(times, mouth_aperture(xy), area / safe**2, width)
