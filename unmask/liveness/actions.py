"""What a face does, frame by frame, read from its 468-point mesh: head pose, eyes, mouth.

Every measure is taken from one mesh at a time (:func:`measure`) and comes out the same whatever the size of the
face:

- ``yaw`` and ``pitch`` (degrees): the head's pose, from the mesh's own 3D axes (its z shares the pixel scale of x
  and y). Left to right runs from cheek side to cheek side (points 234 and 454), up from the chin (152) to the top
  of the forehead (10); the face looks along their cross product. ``yaw`` is positive when the nose turns towards
  the image's right, which is the person's own left (a camera does not mirror); ``pitch`` is positive when the
  face looks up. Facing the camera, ``pitch`` is not zero (the forehead-to-chin line leans back by a few degrees,
  more or less from one face to another): a look up is measured against the clip's own level.
- ``eyes``: the eye aspect ratio (Soukupova and Cech, 2016), the mean over both eyes of the two lid-to-lid
  distances over twice the corner-to-corner distance, in 3D so that it does not grow as the head turns: about
  0.2-0.3 open, under half that closed.
- ``mouth``: the lips' aperture (:func:`unmask.faces.regions.mouth_aperture`): about 0 closed, 0.3-0.6 wide open.
- ``smile``: the mouth's width over the distance between the eye centres: about 0.8 at rest, 1.0-1.2 in a broad
  smile.

:func:`face_series` follows the largest face of a clip over its frames (the face loop of
:func:`unmask.faces.track_faces`: found afresh every few frames, followed from its mesh in between) and gives these
measures over time as a :class:`FaceSeries`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from unmask.faces import FaceAnalyzer, track_faces
from unmask.faces.regions import (
    CHEEK_SIDES,
    CHIN_TIP,
    LEFT_EYE_CORNERS,
    LEFT_EYE_RING,
    MOUTH_CORNERS,
    RIGHT_EYE_CORNERS,
    RIGHT_EYE_RING,
    mouth_aperture,
)
from unmask.media import Frame

FOREHEAD_TOP = 10
# Lid pairs (upper, lower) across each eye, a third of the way in from each corner.
LEFT_EYE_LID_PAIRS = ((160, 144), (158, 153))
RIGHT_EYE_LID_PAIRS = ((385, 380), (387, 373))
MEASURES = ("yaw", "pitch", "eyes", "mouth", "smile")
FIND_EVERY = 5  # in a clip the face is found afresh every FIND_EVERY-th frame and followed from its mesh in between


def _distance(points: np.ndarray, first: int, second: int) -> float:
    return float(np.linalg.norm(points[first] - points[second]))


def head_pose(landmarks: np.ndarray) -> tuple[float, float]:
    """The head's ``(yaw, pitch)`` in degrees from one mesh (468, 3): see the module's description."""
    points = np.asarray(landmarks, dtype=np.float64)
    across = points[CHEEK_SIDES[1]] - points[CHEEK_SIDES[0]]
    across /= max(float(np.linalg.norm(across)), 1e-9)
    up = points[FOREHEAD_TOP] - points[CHIN_TIP]
    up -= across * float(np.dot(across, up))
    up /= max(float(np.linalg.norm(up)), 1e-9)
    facing = np.cross(across, up)  # towards the camera (-z: nearer points have smaller z); image y runs down
    yaw = math.degrees(math.asin(float(np.clip(facing[0], -1, 1))))
    pitch = -math.degrees(math.asin(float(np.clip(facing[1], -1, 1))))
    return yaw, pitch


def eye_aspect_ratio(landmarks: np.ndarray) -> float:
    """The eye aspect ratio of one mesh (468, 3), both eyes' mean: see the module's description."""
    points = np.asarray(landmarks, dtype=np.float64)
    ratios = []
    for pairs, corners in ((LEFT_EYE_LID_PAIRS, LEFT_EYE_CORNERS), (RIGHT_EYE_LID_PAIRS, RIGHT_EYE_CORNERS)):
        lids = sum(_distance(points, upper, lower) for upper, lower in pairs)
        ratios.append(lids / (2 * max(_distance(points, *corners), 1e-9)))
    return float(np.mean(ratios))


def smile_ratio(landmarks: np.ndarray) -> float:
    """The mouth's width over the distance between the eye centres, in 3D: see the module's description."""
    points = np.asarray(landmarks, dtype=np.float64)
    eyes = np.linalg.norm(points[list(LEFT_EYE_RING)].mean(axis=0) - points[list(RIGHT_EYE_RING)].mean(axis=0))
    return _distance(points, *MOUTH_CORNERS) / max(float(eyes), 1e-9)


def measure(landmarks: np.ndarray) -> dict[str, float]:
    """Every measure of :data:`MEASURES` for one mesh (468, 3)."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (468, 3) or not np.isfinite(points).all():
        raise ValueError(f"expected a (468, 3) mesh of finite numbers, got an array of shape {points.shape}")
    yaw, pitch = head_pose(points)
    return {
        "yaw": yaw,
        "pitch": pitch,
        "eyes": eye_aspect_ratio(points),
        "mouth": float(mouth_aperture(points)),
        "smile": smile_ratio(points),
    }


@dataclass(frozen=True)
class FaceSeries:
    """One face over a clip: ``times`` (seconds, rising) and each of :data:`MEASURES` per frame, as arrays; the
    face's ``boxes`` (x0, y0, x1, y1) per frame; and how many frames were read (``frames``), the face in only
    ``len(times)`` of them."""

    times: np.ndarray
    values: dict[str, np.ndarray]
    boxes: np.ndarray
    frames: int

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def from_meshes(cls, meshes: Iterable[np.ndarray], times: Iterable[float], frames: int | None = None) -> FaceSeries:
        """The series of a face whose mesh (468, 3) at each of ``times`` is in ``meshes`` (boxes: the meshes')."""
        meshes = [np.asarray(mesh, dtype=np.float64) for mesh in meshes]
        stamps = np.asarray(list(times), dtype=np.float64).reshape(-1)
        if len(meshes) != len(stamps):
            raise ValueError(f"{len(meshes)} meshes but {len(stamps)} times")
        measured = [measure(mesh) for mesh in meshes]
        values = {name: np.array([entry[name] for entry in measured], dtype=np.float64) for name in MEASURES}
        boxes = np.array(
            [[*mesh[:, :2].min(axis=0), *mesh[:, :2].max(axis=0)] for mesh in meshes], dtype=np.float64
        ).reshape(-1, 4)
        return cls(stamps, values, boxes, len(stamps) if frames is None else frames)

    def between(self, start: float, end: float) -> FaceSeries:
        """The frames from ``start`` to ``end`` seconds (both included)."""
        keep = (self.times >= start) & (self.times <= end)
        return FaceSeries(
            self.times[keep],
            {name: values[keep] for name, values in self.values.items()},
            self.boxes[keep],
            self.frames,
        )


def face_series(frames: Iterable[Frame], analyzer: FaceAnalyzer, find_every: int = FIND_EVERY) -> FaceSeries:
    """The largest face of a clip's ``frames`` over time, followed from frame to frame.

    The face is found afresh in every ``find_every``-th frame (and whenever it was lost) and followed from its mesh
    in the frames between, as :func:`unmask.faces.track_faces` does for runs of close frames: the mesh of a face
    that moves moves with it, at a fifth of the cost of finding it. Frames without a time (a still) count as 0 s.
    """
    if find_every < 1:
        raise ValueError(f"find_every must be at least 1, not {find_every}")
    marked = (
        dataclasses.replace(frame, sampled=number % find_every == 0, burst=True) for number, frame in enumerate(frames)
    )
    meshes, times, boxes, count = [], [], [], 0
    track: int | None = None
    for found in track_faces(marked, analyzer, track=True, max_faces=1):
        count += 1
        face = next((face for face in found.faces if track is None or face.track_id == track), None)
        if face is None and found.faces:  # lost, or another face: take the largest from here on
            face = found.faces[0]
        if face is None:
            continue
        track = face.track_id
        meshes.append(face.landmarks)
        times.append(found.frame.time or 0.0)
        boxes.append(face.box)
    series = FaceSeries.from_meshes(meshes, times, count)
    return dataclasses.replace(series, boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
