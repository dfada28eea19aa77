"""Face detection with MediaPipe's full-range BlazeFace model, decoded here from its raw outputs.

The model sees a 192x192 letterboxed copy of the frame and predicts, for each of 2304 anchors (a 48x48 grid),
a score and a box with six keypoints: the two eyes, the nose tip, the mouth centre and the two ear tragions.
Overlapping predictions are merged by weighted non-maximum suppression, as MediaPipe does.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from unmask.faces.geometry import box_iou, box_side
from unmask.faces.tflite import TFLiteModel, sigmoid

MODEL_FILE = "face_detection_full_range.tflite"
INPUT_SIZE = 192
_GRID = 48  # 192 / stride 4: one anchor per cell


@dataclass(frozen=True)
class Detection:
    """A detected face in pixel coordinates of the image it was found in.

    ``box`` is (x0, y0, x1, y1); ``keypoints`` is (6, 2): the eye on the image's left, the eye on its right,
    nose tip, mouth centre, ear tragion on the left, ear tragion on the right.
    """

    box: np.ndarray
    keypoints: np.ndarray
    score: float

    @property
    def size(self) -> float:
        """The longer side of the box, in pixels."""
        return box_side(self.box)

    def shifted(self, dx: float, dy: float) -> Detection:
        offset = np.array([dx, dy], dtype=np.float32)
        return Detection(self.box + np.tile(offset, 2), self.keypoints + offset, self.score)


def _anchors() -> np.ndarray:
    centers = (np.arange(_GRID, dtype=np.float32) + 0.5) / _GRID
    xs, ys = np.meshgrid(centers, centers)
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


def weighted_nms(boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, iou_threshold: float) -> list[int]:
    """Merge overlapping predictions; each kept row of ``boxes``/``points`` becomes their score-weighted mean.

    Returns the indices of the best-scoring prediction of each group, with ``boxes`` and ``points`` updated in
    place at those indices.
    """
    order = np.argsort(-scores)
    kept: list[int] = []
    while order.size:
        best = order[0]
        overlap = box_iou(boxes[best], boxes[order]) > iou_threshold
        group = order[overlap]
        weights = scores[group][:, None]
        boxes[best] = (boxes[group] * weights).sum(axis=0) / weights.sum()
        points[best] = (points[group] * weights[:, :, None]).sum(axis=0) / weights.sum()
        kept.append(int(best))
        order = order[~overlap]
    return kept


class FaceDetector:
    """BlazeFace full range: finds every face of 1/10 of the frame's longer side and larger, fewer below.

    Call it with an RGB ``uint8`` image; it returns :class:`Detection` objects, best score first.
    """

    def __init__(self, score_threshold: float = 0.5, iou_threshold: float = 0.3, num_threads: int | None = None):
        self.score_threshold = score_threshold
        self.iou_threshold = iou_threshold
        self._model = TFLiteModel(MODEL_FILE, num_threads=num_threads)
        self._anchors = _anchors()

    def letterbox(self, image: np.ndarray) -> tuple[np.ndarray, float, int, int]:
        """Scale ``image`` to fit 192x192 keeping its aspect, pad the rest black; return it and how.

        Bilinear, as MediaPipe samples (and several times faster than area averaging on a 640x480 frame);
        beyond a four-fold shrink, area averaging, so that the shrink does not alias.
        """
        height, width = image.shape[:2]
        scale = INPUT_SIZE / max(height, width)
        new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
        interpolation = cv2.INTER_AREA if scale < 0.25 else cv2.INTER_LINEAR
        resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
        left, top = (INPUT_SIZE - new_w) // 2, (INPUT_SIZE - new_h) // 2
        canvas = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
        canvas[top : top + new_h, left : left + new_w] = resized
        return canvas, scale, left, top

    def __call__(self, image: np.ndarray) -> list[Detection]:
        canvas, scale, left, top = self.letterbox(image)
        tensor = (canvas.astype(np.float32) / 127.5 - 1.0)[None]
        raw_boxes, raw_scores = self._model(tensor)
        scores = sigmoid(raw_scores.reshape(-1))
        candidates = np.flatnonzero(scores >= self.score_threshold)
        if candidates.size == 0:
            return []
        raw = raw_boxes.reshape(-1, 16)[candidates] / INPUT_SIZE
        anchors = self._anchors[candidates]
        centers = raw[:, 0:2] + anchors
        half = raw[:, 2:4] / 2
        boxes = np.concatenate([centers - half, centers + half], axis=1)
        points = raw[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
        valid = (half > 0).all(axis=1)
        boxes, points, kept_scores = boxes[valid], points[valid], scores[candidates][valid]
        keep = weighted_nms(boxes, points, kept_scores, self.iou_threshold)
        # From letterboxed unit coordinates back to the pixels of the original image.
        offset = np.array([left, top], dtype=np.float32)
        detections = []
        for index in keep:
            box = (boxes[index].reshape(2, 2) * INPUT_SIZE - offset) / scale
            keypoints = (points[index] * INPUT_SIZE - offset) / scale
            detections.append(
                Detection(box.reshape(4).astype(np.float32), keypoints.astype(np.float32), float(kept_scores[index]))
            )
        return detections
