"""The passive liveness model at inference: an ONNX graph run with onnxruntime (no torch).

It scores one face of a frame: the crop its card's contract names (:func:`unmask.faces.align.box_crop`: a square
of ``contract.scale`` times the detector box's longer side, so the context around the face shows, resized to
``contract.size``), RGB 0..255 in, the probability that the face is a presentation attack (a print, a screen
replay) out. At or above the card's threshold it is called an attack.
"""

from __future__ import annotations

import os

import numpy as np

from unmask.errors import ModelError
from unmask.faces.align import box_crop
from unmask.models.card import ModelCard, load_card, open_session

DEFAULT_PASSIVE = "unmask-live"


class PassiveModel:
    """A shipped (or given) passive liveness model; loads and checks its weights once."""

    def __init__(self, card: ModelCard, threads: int = 0) -> None:
        if card.kind != "liveness":
            raise ModelError(f"{card.path}: a {card.kind} model, not a liveness model")
        self.card = card
        self.name = card.name
        self.version = card.version
        self.session = open_session(card, threads)
        self.size = card.contract.size
        self.scale = card.contract.scale

    @property
    def threshold(self) -> float:
        """Attack score at or above which a face is called an attack."""
        return self.card.threshold

    def crop(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        """The model's input crop of the face at ``box`` (x0, y0, x1, y1, frame pixels) of an RGB uint8 frame."""
        array = np.asarray(image)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f"expected an RGB uint8 frame (H x W x 3), got {array.dtype} {array.shape}")
        box = np.asarray(box, dtype=np.float64).reshape(-1)
        if box.shape != (4,) or not np.isfinite(box).all() or box[2] <= box[0] or box[3] <= box[1]:
            raise ValueError(f"expected a box (x0, y0, x1, y1) with x1 > x0 and y1 > y0, got {box.tolist()}")
        return box_crop(array, box, self.scale, self.size)

    def score_crops(self, crops: np.ndarray) -> np.ndarray:
        """Attack probabilities (N, float32) of N crops made by :meth:`crop`."""
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1:] != (self.size, self.size, 3):
            raise ValueError(f"expected N x {self.size} x {self.size} x 3 crops, got {crops.shape}")
        if len(crops) == 0:
            return np.zeros(0, np.float32)
        batch = np.ascontiguousarray(crops.astype(np.float32).transpose(0, 3, 1, 2))
        return self.session.run(None, {"image": batch})[0].astype(np.float32).reshape(-1)

    def score(self, image: np.ndarray, box: np.ndarray) -> float:
        """Attack probability in [0, 1] for the face at box (x0, y0, x1, y1, frame pixels) in an RGB uint8 frame."""
        return float(self.score_crops(self.crop(image, box)[None])[0])


def load_passive(name: str | os.PathLike[str] = DEFAULT_PASSIVE, threads: int = 0) -> PassiveModel:
    """The passive liveness model a shipped name (or a card path) names, its weights checked against its card;
    ``threads`` 0 lets onnxruntime choose. Raises :class:`~unmask.errors.ModelError` with one clear line when the
    card or the weights are missing or do not match."""
    return PassiveModel(load_card(name), threads)
