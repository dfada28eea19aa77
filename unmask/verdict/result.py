"""What a scan says about one input: per-frame and per-face scores, face tracks, and the media verdict.

The verdict comes from the worst (highest-scoring) usable face track (``decided_by``): ``fake`` when its score is
at or above the threshold, else ``real``; ``not_applicable`` when no face could be scored (none found, all too
small, or no track with enough frames), with the reason; ``error`` when the input could not be read, with the
reason. :meth:`ScanResult.to_dict` follows the JSON Schema in ``unmask/verdict/scan.schema.json``.

A result renders itself: :meth:`ScanResult.row` is its line of the ``unmask scan`` table, :meth:`ScanResult.to_html`
and :meth:`ScanResult.save_report` its HTML report, with the picture of each face track that the scanner kept
(:func:`keep_pictures`), the model card of the detector that made it and the file's Content Credentials.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from unmask.media import Frame
from unmask.models.card import ModelCard, load_card
from unmask.report.html import TrackPicture, render_report, write_report
from unmask.report.provenance import Provenance, read_provenance
from unmask.report.table import format_row

SCHEMA_VERSION = "1.3"
MAX_PICTURES = 20  # face tracks whose picture a result keeps for its report: the most suspicious ones
Verdict = Literal["fake", "real", "not_applicable", "error"]
VERDICTS: tuple[str, ...] = ("fake", "real", "not_applicable", "error")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


@dataclass
class FaceScore:
    """One face in one sampled frame."""

    index: int
    time: float | None
    box: list[float]
    score: float
    track: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "time": _round(self.time), "box": self.box, "score": _round(self.score)}


def on_scale(probability: float, own_threshold: float, threshold: float) -> float:
    """Put a branch's probability on the frame branch's scale: piecewise linear, 0 -> 0, its own threshold ->
    ``threshold``, 1 -> 1. So a track is ``fake`` exactly when one of its cues reaches its own threshold."""
    probability = min(max(float(probability), 0.0), 1.0)
    if probability <= own_threshold:
        return threshold * probability / own_threshold if own_threshold > 0 else threshold
    if own_threshold >= 1:
        return 1.0
    return threshold + (1 - threshold) * (probability - own_threshold) / (1 - own_threshold)


@dataclass
class Cue:
    """What one branch says about a track: its score on the verdict's scale (None when it did not apply, with
    the reason), for the temporal and speech branches their own probability, whether it counts towards the
    track's score (``fused``: a cue that has not earned it is reported only) and what it rests on
    (``evidence``)."""

    score: float | None
    applied: bool
    reason: str | None = None
    probability: float | None = None
    fused: bool = True
    evidence: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"score": _round(self.score), "applied": self.applied, "reason": self.reason}
        if self.probability is not None:
            out["probability"] = _round(self.probability)
        if not self.fused:
            out["fused"] = False
        if self.evidence is not None:
            out["evidence"] = self.evidence
        return out


@dataclass
class Track:
    """One face followed over the sampled frames (a still has one track per face)."""

    id: int
    frames: list[FaceScore] = field(default_factory=list)
    usable: bool = True
    cues: dict[str, Cue] = field(default_factory=dict)

    @property
    def blend_score(self) -> float:
        """The mean of the track's frame scores (the frame branch)."""
        return sum(face.score for face in self.frames) / len(self.frames)

    @property
    def score(self) -> float:
        """The highest of the track's fused cues (the frame branch's mean when it has no other)."""
        scores = [cue.score for cue in self.cues.values() if cue.score is not None and cue.fused]
        return max(scores) if scores else self.blend_score

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "score": _round(self.score),
            "usable": self.usable,
            "cues": {name: cue.to_dict() for name, cue in self.cues.items()},
            "frames": [face.to_dict() for face in self.frames],
        }


@dataclass
class FrameScore:
    """One sampled frame: the highest face score in it, or None when it had no scored face."""

    index: int
    time: float | None
    score: float | None
    faces: int

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "time": _round(self.time), "score": _round(self.score), "faces": self.faces}


@dataclass
class Unscored:
    """The faces found in the sampled frames but not scored, and why: ``beyond_max_faces`` past the ``max_faces``
    largest of their frame (None: no cap applied), ``too_small`` under the size a face needs to be scored;
    ``reason`` says it in words (None when every face found was scored)."""

    beyond_max_faces: int = 0
    too_small: int = 0
    max_faces: int | None = None
    reason: str | None = None

    @property
    def faces(self) -> int:
        """How many faces were found and not scored (summed over the sampled frames of a video)."""
        return self.beyond_max_faces + self.too_small

    def to_dict(self) -> dict[str, Any]:
        return {
            "faces": self.faces,
            "beyond_max_faces": self.beyond_max_faces,
            "too_small": self.too_small,
            "max_faces": self.max_faces,
            "reason": self.reason,
        }


@dataclass
class ScanResult:
    """The result of scanning one image, video or array.

    Beside what its JSON holds, a result made by a :class:`~unmask.verdict.Scanner` carries what its report
    needs: ``pictures`` (the best-scoring crop and boundary map of up to :data:`MAX_PICTURES` face tracks),
    ``card`` (the detector's model card) and ``source`` (the file scanned, whose Content Credentials the report
    reads; the server names a result after the upload's name, not its own copy of the file).
    """

    path: str | None
    sha256: str | None
    kind: str | None
    verdict: Verdict
    score: float | None
    threshold: float
    reason: str | None
    model: dict[str, str]
    temporal_model: dict[str, str] | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    sampling: str | None = None
    frames: list[FrameScore] = field(default_factory=list)
    faces: list[Track] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    unmask_version: str = ""
    decided_by: int | None = None
    unscored: Unscored = field(default_factory=Unscored)
    pictures: dict[int, TrackPicture] = field(default_factory=dict, repr=False, compare=False)
    card: ModelCard | None = field(default=None, repr=False, compare=False)
    source: str | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict following the scan JSON Schema (version :data:`SCHEMA_VERSION`)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "unmask_version": self.unmask_version,
            "path": self.path,
            "sha256": self.sha256,
            "kind": self.kind,
            "width": self.width,
            "height": self.height,
            "duration_s": _round(self.duration_s, 3),
            "verdict": self.verdict,
            "score": _round(self.score),
            "threshold": _round(self.threshold, 6),
            "decided_by": self.decided_by,
            "reason": self.reason,
            "model": self.model,
            "temporal_model": self.temporal_model,
            "sampling": self.sampling,
            "frames": [frame.to_dict() for frame in self.frames],
            "faces": [track.to_dict() for track in self.faces],
            "unscored": self.unscored.to_dict(),
            "timings": {key: round(value, 4) for key, value in self.timings.items()},
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def row(self) -> str:
        """The result's row of the ``unmask scan`` table (:data:`unmask.report.HEADER` heads it)."""
        usable = sum(track.usable for track in self.faces)
        return format_row(self.verdict, self.score, usable, len(self.frames), self.path, self.reason)

    def to_html(
        self, provenance: Provenance | None = None, made_at: datetime | None = None, *, with_pictures: bool = True
    ) -> str:
        """The result's self-contained HTML report (see :mod:`unmask.report.html`). ``provenance`` defaults to
        the Content Credentials read from ``source`` (not checked when there is none: an array). Without a
        ``card`` the shipped detector's is shown, and the report says so if that is not the model that scanned.
        ``with_pictures=False`` leaves the face pictures and heatmaps out (the server stores such reports)."""
        return render_report(
            self.to_dict(),
            self.pictures,
            self._card(),
            self._provenance(provenance),
            made_at,
            with_pictures=with_pictures,
        )

    def save_report(self, path: str | os.PathLike[str], provenance: Provenance | None = None) -> Path:
        """Write :meth:`to_html` to ``path`` (its folder is made) and return the path; an unwritable path is a
        one-line :class:`~unmask.errors.UnmaskError`."""
        return write_report(path, self.to_dict(), self.pictures, self._card(), self._provenance(provenance))

    def _card(self) -> ModelCard:
        return self.card if self.card is not None else load_card()

    def _provenance(self, given: Provenance | None) -> Provenance | None:
        if given is not None or self.source is None:
            return given
        return read_provenance(self.source)


def keep_pictures(
    pictures: dict[int, TrackPicture],
    frame: Frame,
    faces: Sequence[FaceScore],
    crops: np.ndarray | None,
    maps: np.ndarray | None,
    limit: int = MAX_PICTURES,
) -> None:
    """Keep in ``pictures`` each face track's best-scoring crop and map so far, from one frame's scored ``faces``
    and their ``crops`` and ``maps`` (copied: the scanner's arrays are reused). With ``limit`` tracks kept, a new
    one takes the place of the least suspicious, if it scores higher."""
    if crops is None:
        return
    for number, face in enumerate(faces):
        kept = pictures.get(face.track)
        if kept is not None and face.score <= kept.score:
            continue
        if kept is None and len(pictures) >= limit:
            lowest = min(pictures.values(), key=lambda picture: picture.score)
            if face.score <= lowest.score:
                continue
            del pictures[lowest.track]
        boundary = None if maps is None else np.array(maps[number], copy=True)
        pictures[face.track] = TrackPicture(
            face.track, float(face.score), frame.index, frame.time, np.array(crops[number], copy=True), boundary
        )


def decide(tracks: list[Track], threshold: float) -> tuple[Verdict, float | None, Track | None]:
    """The verdict, score and deciding track from the usable tracks: the worst one decides."""
    usable = [track for track in tracks if track.usable and track.frames]
    if not usable:
        return "not_applicable", None, None
    worst = max(usable, key=lambda track: track.score)
    return ("fake" if worst.score >= threshold else "real"), worst.score, worst
