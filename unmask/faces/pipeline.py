"""The face loop shared by ``unmask faces`` and the scanner: per frame, faces found, tracked, capped and aligned.

:func:`track_faces` takes decoded frames and yields, for each, its faces: found by the analyzer (largest first),
given track ids that persist from frame to frame when ``track`` is on (a video), cut to the ``max_faces`` largest,
and aligned under a crop contract.

The frames of a video come in two lanes, each with its own tracker and followed apart, so that neither changes
what the other reads: the sampled frames and the temporal branch's burst (``sampled`` or ``burst``), and the speech
cue's window (``window``). A frame read only for a run of close frames (a burst frame, or a window frame, that is
not ``sampled``) at most :data:`MAX_FOLLOW_GAP_S` after the last run frame of its lane finds its faces again from
their meshes alone (:meth:`FaceAnalyzer.follow`), as the temporal branch was trained on: the detector would move
the crops from frame to frame (and it costs five times as much); any other frame is searched by the detector. A
frame in both lanes is searched once where the two lanes would search it alike (a sampled frame; a frame both
follow from the same faces). The window lane's faces (:attr:`FrameFaces.window_faces`) carry its own track ids and
are not aligned; :func:`~unmask.faces.tracking.link_tracks` says which track of the first lane each one continues.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

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
    ``min_align`` pixels), and ``seconds`` spent finding, tracking and aligning them (decoding not included); all
    empty for a frame read for the window only. ``window_faces``: a window frame's faces in the window's own lane
    (tracked apart, capped, not aligned), found in ``window_seconds`` more."""

    frame: Frame
    found: list[Face]
    faces: list[Face]
    crops: list[AlignedFace | None]
    seconds: float
    window_faces: list[Face] = field(default_factory=list)
    window_seconds: float = 0.0

    @property
    def aligned(self) -> list[tuple[Face, AlignedFace]]:
        """The faces that were aligned, each with its crop, in order."""
        return [(face, crop) for face, crop in zip(self.faces, self.crops, strict=True) if crop is not None]

    @property
    def dropped(self) -> int:
        """How many faces were found beyond the cap."""
        return len(self.found) - len(self.faces)


@dataclass
class _Lane:
    """One lane of a video's frames: its tracker, and the faces of its last run frame (the analyzer's answer,
    before tracking) with that frame's time, whose ``max_faces`` largest are followed into its next run frame."""

    tracker: FaceTracker | None
    followed: list[Face] = field(default_factory=list)
    followed_at: float | None = None


class _Searches:
    """The analyzer's answers for one frame, each asked once: a search by the detector, or a following of the
    faces of one list (the lanes hold their lists, so each list stands for one answer)."""

    def __init__(self, analyzer: FaceAnalyzer, frame: Frame, max_faces: int | None) -> None:
        self.analyzer, self.frame, self.max_faces = analyzer, frame, max_faces
        self.answers: list[tuple[list[Face] | None, list[Face]]] = []

    def __call__(self, lane: _Lane, run: bool) -> list[Face]:
        frame = self.frame
        close = lane.followed_at is None or frame.time is None or frame.time - lane.followed_at <= MAX_FOLLOW_GAP_S
        source = lane.followed if run and not frame.sampled and lane.followed and close else None
        for asked, answer in self.answers:
            if asked is source:
                return answer
        if source is None:
            answer = self.analyzer(frame.image)
        else:
            answer = self.analyzer.follow(frame.image, source if self.max_faces is None else source[: self.max_faces])
        self.answers.append((source, answer))
        return answer


def _advance(lane: _Lane, faces: list[Face], run: bool, frame: Frame) -> list[Face]:
    """Track ``faces`` in ``lane`` and keep them to follow if ``frame`` is one of the lane's runs; the tracked
    faces, all of them."""
    tracked = lane.tracker.update(faces) if lane.tracker is not None else faces
    lane.followed, lane.followed_at = (faces, frame.time) if run else ([], None)
    return tracked


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

    ``track`` follows faces across frames (one :class:`FaceTracker` per lane for all of ``frames``: pass the
    frames of one video); without it faces keep ``track_id`` None. ``max_faces`` None keeps every face found.
    Faces whose box is under ``min_align`` pixels are kept but not aligned.
    """
    if max_faces is not None and max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, not {max_faces}")
    main = _Lane(FaceTracker() if track else None)
    window = _Lane(FaceTracker() if track else None)
    for frame in frames:
        tick = time.perf_counter()
        search = _Searches(analyzer, frame, max_faces)
        faces: list[Face] = []
        kept: list[Face] = []
        crops: list[AlignedFace | None] = []
        if frame.sampled or frame.burst:
            faces = _advance(main, search(main, frame.burst), frame.burst, frame)
            kept = faces if max_faces is None else faces[:max_faces]
            crops = [
                align_face(frame.image, face.landmarks, contract) if face.size >= min_align else None for face in kept
            ]
        seconds = time.perf_counter() - tick
        heard: list[Face] = []
        if frame.window:
            heard = _advance(window, search(window, True), True, frame)
            heard = heard if max_faces is None else heard[:max_faces]
        yield FrameFaces(frame, faces, kept, crops, seconds, heard, time.perf_counter() - tick - seconds)
