"""Follow faces from frame to frame of one video, so that each person keeps one track id.

Faces are matched to the tracks of earlier frames by how far their centres moved (relative to their size)
and how much their size changed, nearest first. A track that finds no face for ``max_missed`` processed
frames in a row ends; a face that matches no track starts a new one. Ids count up from 0 and are never reused.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from unmask.faces.types import Face


@dataclass
class _Track:
    track_id: int
    center: np.ndarray
    size: float
    missed: int = 0


class FaceTracker:
    """Assigns stable track ids to the faces of successive frames; make one per video."""

    def __init__(self, max_shift: float = 0.75, max_size_ratio: float = 1.5, max_missed: int = 15) -> None:
        self.max_shift = max_shift
        self.max_size_ratio = max_size_ratio
        self.max_missed = max_missed
        self._tracks: list[_Track] = []
        self._next_id = 0

    def update(self, faces: list[Face]) -> list[Face]:
        """Return ``faces`` (same order) with ``track_id`` set, and advance the tracks by one frame."""
        pairs = []
        for t, track in enumerate(self._tracks):
            for f, face in enumerate(faces):
                size = max(track.size, face.size, 1e-6)
                shift = float(np.linalg.norm(face.center - track.center)) / size
                ratio = max(track.size, face.size) / max(min(track.size, face.size), 1e-6)
                if shift <= self.max_shift and ratio <= self.max_size_ratio:
                    pairs.append((shift, t, f))
        assigned: dict[int, int] = {}
        used_tracks: set[int] = set()
        for _, t, f in sorted(pairs):
            if t not in used_tracks and f not in assigned:
                assigned[f] = t
                used_tracks.add(t)
        for t, track in enumerate(self._tracks):
            track.missed = 0 if t in used_tracks else track.missed + 1
        result = []
        for f, face in enumerate(faces):
            if f in assigned:
                track = self._tracks[assigned[f]]
                track.center, track.size = face.center, face.size
            else:
                track = _Track(self._next_id, face.center, face.size)
                self._next_id += 1
                self._tracks.append(track)
            result.append(dataclasses.replace(face, track_id=track.track_id))
        self._tracks = [track for track in self._tracks if track.missed <= self.max_missed]
        return result
