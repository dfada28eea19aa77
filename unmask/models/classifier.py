"""The deepfake classifier at inference: an ONNX graph run with onnxruntime (no torch).

Input: aligned RGB crops (N x S x S x 3, uint8) made under the card's crop contract. Output: the probability
that each face is fake and its blending-boundary map (N x S/8 x S/8, values 0..1) to overlay as a heatmap.
"""

from __future__ import annotations

import os

import numpy as np

from unmask.models.card import ModelCard, load_card, open_session

BATCH = 16


class FakeClassifier:
    """Scores aligned face crops with a shipped (or given) detector; loads and checks the weights once."""

    def __init__(self, card: ModelCard | str | os.PathLike[str] | None = None, threads: int = 0) -> None:
        self.card = card if isinstance(card, ModelCard) else load_card(card)
        self.session = open_session(self.card, threads)
        self.size = self.card.contract.size

    @property
    def threshold(self) -> float:
        return self.card.threshold

    def predict(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fake probabilities (N, float32) and boundary maps (N x S/8 x S/8) of N aligned crops."""
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1:] != (self.size, self.size, 3):
            raise ValueError(f"expected N x {self.size} x {self.size} x 3 crops, got {crops.shape}")
        if len(crops) == 0:
            side = self.size // 8
            return np.zeros(0, np.float32), np.zeros((0, side, side), np.float32)
        scores, maps = [], []
        for start in range(0, len(crops), BATCH):
            batch = crops[start : start + BATCH].astype(np.float32).transpose(0, 3, 1, 2)
            probability, boundary = self.session.run(None, {"image": np.ascontiguousarray(batch)})
            scores.append(probability)
            maps.append(boundary)
        return np.concatenate(scores).astype(np.float32), np.concatenate(maps).astype(np.float32)
