"""The 468-point face mesh (MediaPipe's face landmark model), run on a region found by the detector.

The region is a square 1.5 times the face, turned so that the eyes lie level, and resampled to 192x192; the
model returns 468 points (x, y, z) in that square and a face-presence score, and the points are mapped back
into the frame's pixels (z keeps the same pixel scale, relative to the face). A first pass starts from the
detector's box and eyes; a second pass starts from the square around the first pass's mesh, as MediaPipe
does when tracking, which makes the points depend less on where the detector put its box (a turned photo
gives the same mesh, turned; see tests/faces/test_mesh.py).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from unmask.faces.detector import Detection
from unmask.faces.geometry import apply_transform, square_transform
from unmask.faces.regions import LEFT_EYE_RING, NUM_LANDMARKS, RIGHT_EYE_RING
from unmask.faces.tflite import TFLiteModel, sigmoid

MODEL_FILE = "face_landmark.tflite"
INPUT_SIZE = 192
ROI_SCALE = 1.5


def face_square(landmarks: np.ndarray, upright: bool = True) -> tuple[np.ndarray, float, float]:
    """The centre, side and angle (radians) of the smallest square around the mesh, turned so that the line
    between the eye centres is level (``upright``) or not turned at all."""
    points = np.asarray(landmarks, dtype=np.float64)[:, :2]
    angle = 0.0
    if upright:
        dx, dy = points[list(RIGHT_EYE_RING)].mean(axis=0) - points[list(LEFT_EYE_RING)].mean(axis=0)
        angle = math.atan2(dy, dx)
    cos, sin = math.cos(angle), math.sin(angle)
    turn = np.array([[cos, sin], [-sin, cos]])
    turned = points @ turn.T
    low, high = turned.min(axis=0), turned.max(axis=0)
    centre = ((low + high) / 2) @ turn  # back into frame coordinates
    return centre, max(float((high - low).max()), 1.0), angle


class FaceMesh:
    """Maps a :class:`Detection` to 468 landmarks in frame pixels and a face-presence score in [0, 1]."""

    def __init__(self, num_threads: int | None = None, refine: bool = True) -> None:
        self._model = TFLiteModel(MODEL_FILE, num_threads=num_threads)
        self.refine = refine

    def _run(self, image: np.ndarray, centre: np.ndarray, side: float, angle: float) -> tuple[np.ndarray, float]:
        matrix = square_transform(centre, side * ROI_SCALE, angle, INPUT_SIZE)
        patch = cv2.warpAffine(
            image, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT
        )
        raw_points, raw_flag = self._model((patch.astype(np.float32) / 255.0)[None])
        landmarks = apply_transform(cv2.invertAffineTransform(matrix), raw_points.reshape(NUM_LANDMARKS, 3))
        presence = float(sigmoid(raw_flag.reshape(-1)[-1]))
        return landmarks, presence

    def __call__(self, image: np.ndarray, detection: Detection) -> tuple[np.ndarray, float]:
        left_eye, right_eye = detection.keypoints[0], detection.keypoints[1]
        angle = math.atan2(float(right_eye[1] - left_eye[1]), float(right_eye[0] - left_eye[0]))
        box = detection.box
        centre = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        landmarks, presence = self._run(image, centre, detection.size, angle)
        if self.refine:
            landmarks, presence = self._run(image, *face_square(landmarks))
        return landmarks, presence

    def follow(self, image: np.ndarray, landmarks: np.ndarray) -> tuple[np.ndarray, float]:
        """The mesh in ``image`` of a face whose mesh in a frame shortly before was ``landmarks``: one pass from
        the square around that mesh, as MediaPipe tracks a face between frames (the refining pass of
        ``__call__`` starts from the same square, and a converged mesh needs no rough first pass)."""
        return self._run(image, *face_square(landmarks))
