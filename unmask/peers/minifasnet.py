"""MiniFASNet (Silent-Face-Anti-Spoofing, Minivision, Apache-2.0): a passive liveness peer, read from a folder at
run time and never shipped.

Two ONNX models, each fed one crop of the face box, as Silent-Face's ``CropImage`` cuts it: MiniFASNetV2 at 2.7
times the box, MiniFASNetV1SE at 4.0 times, each side scaled separately (the crop keeps the box's aspect), the
scale lowered where the frame is too small for it, and the crop shifted to lie inside the frame (no padding);
resized to 80x80, BGR, float 0..255 (not divided by 255), N x 3 x 80 x 80. Each gives 3 logits; softmax, class 1 is
live; the two models' probabilities are averaged. Its attack score here is 1 minus that live probability, so that
it reads like unmask's; its threshold is 0.5 (Silent-Face calls a face live when class 1 wins, which for two
averaged 3-way softmaxes is not exactly 0.5, but is the threshold its users apply to the live probability).
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from unmask.errors import ModelError

MODELS = (("MiniFASNetV2.onnx", 2.7), ("MiniFASNetV1SE.onnx", 4.0))
SIZE = 80
LIVE_CLASS = 1
THRESHOLD = 0.5


def silent_face_crop(image: np.ndarray, box: np.ndarray, scale: float, size: int = SIZE) -> np.ndarray:
    """The crop Silent-Face cuts for a model at ``scale``: the box (x0, y0, x1, y1) grown by ``scale`` on each
    side's own length (less where the frame is too small), moved to lie inside the frame, resized to ``size``."""
    height, width = image.shape[:2]
    x0, y0, x1, y1 = (float(value) for value in np.asarray(box).reshape(-1)[:4])
    box_w, box_h = max(1.0, x1 - x0), max(1.0, y1 - y0)
    scale = min((height - 1) / box_h, (width - 1) / box_w, scale)
    new_w, new_h = box_w * scale, box_h * scale
    cx, cy = x0 + box_w / 2, y0 + box_h / 2
    left, top, right, bottom = cx - new_w / 2, cy - new_h / 2, cx + new_w / 2, cy + new_h / 2
    if left < 0:
        right, left = right - left, 0.0
    if top < 0:
        bottom, top = bottom - top, 0.0
    if right > width - 1:
        left, right = left - (right - width + 1), width - 1.0
    if bottom > height - 1:
        top, bottom = top - (bottom - height + 1), height - 1.0
    left, top = max(0, int(left)), max(0, int(top))
    patch = image[top : int(bottom) + 1, left : int(right) + 1]
    return cv2.resize(patch, (size, size))


class MiniFASNet:
    """Both MiniFASNet models from ``folder`` (``MiniFASNetV2.onnx``, ``MiniFASNetV1SE.onnx``), on the CPU."""

    name = "minifasnet"
    threshold = THRESHOLD

    def __init__(self, folder: str | os.PathLike[str], threads: int = 0) -> None:
        import onnxruntime as ort

        self.folder = Path(folder)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.sessions = []
        for file, scale in MODELS:
            path = self.folder / file
            if not path.is_file():
                raise ModelError(f"{path}: MiniFASNet weights not found (give the folder holding {MODELS[0][0]})")
            try:
                session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            except Exception as err:  # noqa: BLE001 - onnxruntime raises its own exception types
                raise ModelError(f"{path}: cannot load the model ({err})") from None
            self.sessions.append((session, session.get_inputs()[0].name, scale))

    def live_probability(self, image: np.ndarray, box: np.ndarray) -> float:
        """The two models' mean probability that the face at ``box`` of an RGB uint8 frame is live."""
        bgr = np.ascontiguousarray(image[..., ::-1])
        total = 0.0
        for session, input_name, scale in self.sessions:
            crop = silent_face_crop(bgr, box, scale).astype(np.float32).transpose(2, 0, 1)[None]
            logits = session.run(None, {input_name: np.ascontiguousarray(crop)})[0][0].astype(np.float64)
            probabilities = np.exp(logits - logits.max())
            total += float(probabilities[LIVE_CLASS] / probabilities.sum())
        return total / len(self.sessions)

    def score(self, image: np.ndarray, box: np.ndarray) -> float:
        """Attack probability (1 minus the live probability), on unmask's scale: higher is more likely an attack."""
        return 1.0 - self.live_probability(image, box)
