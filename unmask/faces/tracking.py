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


def _closest(seen: list[Sighting], sightings: list[Sighting]) -> tuple[float, float, float]:
    """Where two tracks are seen closest in time (the smallest shift among equally close pairs): the seconds
    between them there, the centres' shift relative to the larger size, and the ratio of the sizes."""
    when_a, when_b = np.array([when for when, _ in seen]), np.array([when for when, _ in sightings])
    box_a = np.array([box for _, box in seen], np.float64).reshape(-1, 4)
    box_b = np.array([box for _, box in sightings], np.float64).reshape(-1, 4)
    size_a = np.maximum(box_a[:, 2] - box_a[:, 0], box_a[:, 3] - box_a[:, 1])[:, None]
    size_b = np.maximum(box_b[:, 2] - box_b[:, 0], box_b[:, 3] - box_b[:, 1])[None, :]
    centre_a, centre_b = (box_a[:, :2] + box_a[:, 2:]) / 2, (box_b[:, :2] + box_b[:, 2:]) / 2
    gap = np.abs(when_a[:, None] - when_b[None, :])
    shift = np.linalg.norm(centre_a[:, None] - centre_b[None, :], axis=2) / np.maximum(np.maximum(size_a, size_b), 1e-6)
    best = np.unravel_index(np.lexsort((shift.ravel(), gap.ravel()))[0], gap.shape)
    larger, smaller = max(size_a[best[0], 0], size_b[0, best[1]]), min(size_a[best[0], 0], size_b[0, best[1]])
    return float(gap[best]), float(shift[best]), float(larger / max(smaller, 1e-6))


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
            when, shift, ratio = _closest(seen, sightings)
            if shift <= max_shift and ratio <= max_size_ratio:
                pairs.append((when, shift, other, track))
    links: dict[int, int] = {}
    for _, _, other, track in sorted(pairs):
        if other not in links and track not in links.values():
            links[other] = track
    return links
