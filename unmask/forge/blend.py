"""What every training forgery is made of: an altered copy blended into the original through a soft mask.

:mod:`unmask.forge.forgeries` (single crops) and :mod:`unmask.forge.animate` (clips) both blend with
:func:`blend` and both take a :data:`Reconstructor` (an autoencoder that re-renders a crop), so these sit
below both and neither imports the other for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Reconstructor = Callable[[np.ndarray], np.ndarray]
"""Re-renders an RGB uint8 crop into an RGB uint8 image of the same size."""


@dataclass(frozen=True, eq=False)
class Forgery:
    """A forged crop, the per-pixel blend weight of the altered copy, and which forgery made it."""

    image: np.ndarray
    mask: np.ndarray
    kind: str
    detail: str = ""

    def boundary(self) -> np.ndarray:
        """The blending-boundary map ``4 m (1 - m)`` (Face X-ray's target): 1 where the blend is half-and-half."""
        return 4.0 * self.mask * (1.0 - self.mask)


def blend(original: np.ndarray, altered: np.ndarray, mask: np.ndarray, kind: str, detail: str = "") -> Forgery:
    """``mask * altered + (1 - mask) * original``, rounded to uint8; where the mask is 0 the original is kept."""
    weight = mask[..., None]
    mixed = weight * altered.astype(np.float32) + (1 - weight) * original.astype(np.float32)
    image = np.where(weight > 0, np.clip(np.rint(mixed), 0, 255), original).astype(np.uint8)
    return Forgery(image=image, mask=mask.astype(np.float32), kind=kind, detail=detail)
