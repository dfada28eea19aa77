"""Heatmaps: the classifier's blending-boundary map laid over each scored face crop.

The map is the model's estimate of where an altered face was blended in (bright along the seam); on a real face
it should stay dark. Overlays are written as JPEG: the crop on the left, crop plus map on the right.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from unmask.media import Frame, write_jpeg


class Scored(Protocol):
    """What the writer reads of a scored face: its score (a scan's ``FaceScore`` has one)."""

    @property
    def score(self) -> float: ...


def overlay(crop: np.ndarray, boundary: np.ndarray, alpha: float = 0.55) -> np.ndarray:
    """The RGB crop beside the same crop with ``boundary`` (values 0..1, any size) as a colour map over it."""
    height, width = crop.shape[:2]
    heat = cv2.resize(np.clip(boundary, 0, 1).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    colour = cv2.cvtColor(cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)
    weight = (alpha * np.clip(heat, 0, 1))[..., None]
    mixed = (crop.astype(np.float32) * (1 - weight) + colour.astype(np.float32) * weight).astype(np.uint8)
    return np.hstack([crop, mixed])


class HeatmapWriter:
    """A scan ``on_frame`` callback that writes one overlay per scored face into ``folder/<input name>/``."""

    def __init__(self, folder: str | os.PathLike[str], name: str) -> None:
        self.folder = Path(folder) / (re.sub(r"[^\w.-]+", "_", name) or "input")
        self.written: list[Path] = []

    def __call__(
        self, frame: Frame, faces: Sequence[Scored], crops: np.ndarray | None, maps: np.ndarray | None
    ) -> None:
        if crops is None or maps is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for number, (face, crop, boundary) in enumerate(zip(faces, crops, maps, strict=True)):
            path = self.folder / f"f{frame.index:06d}_face{number:02d}_{face.score:.3f}.jpg"
            self.written.append(write_jpeg(path, overlay(crop, boundary)))
