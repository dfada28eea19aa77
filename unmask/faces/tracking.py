"""Follow faces from frame to frame of one video, so that each person keeps one track id.

Faces are matched to the tracks of earlier frames by how far their centres moved (relative to their size)
and how much their size changed, nearest first. A track that finds no face for ``max_missed`` processed
frames in a row ends; a face that matches no track starts a new one. Ids count up from 0 and are never reused.

:func:`link_tracks` says which track of one lane of a video's frames each track of another lane is the face of
(the scanner tracks the speech cue's window apart from its sampled frames), by the same measures.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from unmask.faces.geometry import box_side
from unmask.faces.types import Face

MAX_SHIFT = 0.75  # a face's centre moves at most this share of its size to stay in its track
MAX_SIZE_RATIO = 1.5  # and its size changes at most this much

Sighting = tuple[float, np.ndarray]
"""Where a track's face was at one time: (seconds, box (x0, y0, x1, y1) in pixels)."""


@dataclass
class _Track:
    track_id: int
    center: np.ndarray
    size: float
    missed: int = 0


class FaceTracker:
    """Assigns stable track ids to the faces of successive frames; make one per video."""

    def __init__(
        self, max_shift: float = MAX_SHIFT, max_size_ratio: float = MAX_SIZE_RATIO, max_missed: int = 15
    ) -> None:
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


def _gap(a: Sighting, b: Sighting) -> tuple[float, float, float]:
    """Seconds between two sightings, the centre's shift relative to the larger size, and the size ratio."""
    (when_a, box_a), (when_b, box_b) = a, b
    box_a, box_b = np.asarray(box_a, np.float64), np.asarray(box_b, np.float64)
    size_a, size_b = box_side(box_a), box_side(box_b)
    shift = float(np.linalg.norm((box_a[:2] + box_a[2:]) / 2 - (box_b[:2] + box_b[2:]) / 2)) / max(size_a, size_b, 1e-6)
    ratio = max(size_a, size_b) / max(min(size_a, size_b), 1e-6)
    return abs(when_a - when_b), shift, ratio


def link_tracks(
    tracks: dict[int, list[Sighting]],
    others: dict[int, list[Sighting]],
    max_shift: float = MAX_SHIFT,
    max_size_ratio: float = MAX_SIZE_RATIO,
) -> dict[int, int]:
    """Which track of ``tracks`` each track of ``others`` (tracked apart over frames of the same video) is the
    face of: {other id: track id}. Each pair is compared where their sightings are closest in time; a pair whose
    faces there lie further apart than a :class:`FaceTracker` would follow is no match. Pairs are taken closest in
    time first, then by the smallest shift; each track is linked to at most one other, and the other way round.
    """
    pairs = []
    for other, seen in others.items():
        for track, sightings in tracks.items():
            if not seen or not sightings:
                continue
            when, shift, ratio = min((_gap(a, b) for a in seen for b in sightings), key=lambda gap: gap[:2])
            if shift <= max_shift and ratio <= max_size_ratio:
                pairs.append((when, shift, other, track))
    links: dict[int, int] = {}
    for _, _, other, track in sorted(pairs):
        if other not in links and track not in links.values():
            links[other] = track
    return links
