"""The face loop shared by ``unmask faces`` and the scanner: per frame, faces found, tracked, capped and aligned.

:func:`track_faces` takes decoded frames and yields, for each, its faces: found by the analyzer (largest first),
given track ids that persist from frame to frame when ``track`` is on (a video), cut to the ``max_faces`` largest,
and aligned under a crop contract. A frame read only for a run of close frames (a burst or a window: ``in_run``
and not ``sampled``) at most :data:`MAX_FOLLOW_GAP_S` after another run frame finds its faces again from their
meshes alone (:meth:`FaceAnalyzer.follow`), as the temporal branch was trained on: the detector would move the
crops from frame to frame (and it costs five times as much).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from unmask.faces.align import ALIGNMENT, AlignedFace, CropContract, align_face
from unmask.faces.analyzer import FaceAnalyzer
from unmask.faces.tracking import FaceTracker
from unmask.faces.types import Face
from unmask.media import Frame

MAX_FACES = 20
MAX_FOLLOW_GAP_S = 0.5  # faces are followed from a run frame at most this long before; further, found afresh


@dataclass(frozen=True, eq=False)
class FrameFaces:
    """One frame's faces: ``found`` all those found (tracked in a video, largest first), ``faces`` the
    ``max_faces`` largest of them, ``crops`` the aligned crops of ``faces`` (None for a face under the loop's
    ``min_align`` pixels), and ``seconds`` spent finding, tracking and aligning them (decoding not included)."""

    frame: Frame
    found: list[Face]
    faces: list[Face]
    crops: list[AlignedFace | None]
    seconds: float

    @property
    def aligned(self) -> list[tuple[Face, AlignedFace]]:
        """The faces that were aligned, each with its crop, in order."""
        return [(face, crop) for face, crop in zip(self.faces, self.crops, strict=True) if crop is not None]

    @property
    def dropped(self) -> int:
        """How many faces were found beyond the cap."""
        return len(self.found) - len(self.faces)


def track_faces(
    frames: Iterable[Frame],
    analyzer: FaceAnalyzer,
    *,
    track: bool,
    contract: CropContract = ALIGNMENT,
    max_faces: int | None = MAX_FACES,
    min_align: float = 0.0,
) -> Iterator[FrameFaces]:
    """The faces of each frame in ``frames``, in order; see the module's description.

    ``track`` follows faces across frames (one :class:`FaceTracker` for all of ``frames``: pass the frames of one
    video); without it faces keep ``track_id`` None. ``max_faces`` None keeps every face found. Faces whose box is
    under ``min_align`` pixels are kept but not aligned.
    """
    if max_faces is not None and max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, not {max_faces}")
    tracker = FaceTracker() if track else None
    followed: list[Face] = []  # the faces of the last run frame, to follow into the next one
    followed_at: float | None = None
    for frame in frames:
        tick = time.perf_counter()
        close = followed_at is None or frame.time is None or frame.time - followed_at <= MAX_FOLLOW_GAP_S
        if frame.in_run and not frame.sampled and followed and close:
            faces = analyzer.follow(frame.image, followed)
        else:
            faces = analyzer(frame.image)
        if tracker is not None:
            faces = tracker.update(faces)
        kept = faces if max_faces is None else faces[:max_faces]
        followed, followed_at = (kept, frame.time) if frame.in_run else ([], None)
        crops = [align_face(frame.image, face.landmarks, contract) if face.size >= min_align else None for face in kept]
        yield FrameFaces(frame, faces, kept, crops, time.perf_counter() - tick)
