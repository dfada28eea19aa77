"""What the face layer hands on: a face found in a frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from unmask.faces.geometry import box_side


@dataclass(frozen=True, eq=False)
class Face:
    """A face found in a frame, in that frame's pixel coordinates.

    ``box`` is the detector's (x0, y0, x1, y1) and ``score`` its confidence; ``keypoints`` (6, 2) are its eyes
    (image-left first), nose tip, mouth centre and ear tragions; ``landmarks`` (468, 3) are the face mesh,
    whose z shares the pixel scale of x and y; ``presence`` is the mesh model's confidence that a face is
    there. ``track_id`` is set by a :class:`~unmask.faces.tracking.FaceTracker` in videos.
    """

    box: np.ndarray
    score: float
    keypoints: np.ndarray
    landmarks: np.ndarray
    presence: float
    track_id: int | None = None

    @property
    def size(self) -> float:
        """The longer side of the box, in pixels."""
        return box_side(self.box)

    @property
    def center(self) -> np.ndarray:
        return np.array([(self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2], dtype=np.float32)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (the 468 landmarks are left out: store them as an array)."""
        return {
            "box": [round(float(v), 1) for v in self.box],
            "score": round(self.score, 4),
            "presence": round(self.presence, 4),
            "track": self.track_id,
        }
