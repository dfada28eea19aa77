"""Training batches: each real crop paired with a forgery of itself, both laundered: by one history drawn for
the pair and applied to both halves (``paired``, :mod:`unmask.forge.history`), or by post-augmentations drawn
for each image on its own (the recipe of unmask-blend 1.0.0)."""

from __future__ import annotations

import cv2
import numpy as np
import torch

from unmask.forge import Reconstructor, low_light, make_forgery, post_augment
from unmask.forge.history import apply_history, draw_history
from unmask.forge.sources import Crop


def make_pairs(
    crops: list[Crop],
    rng: np.random.Generator,
    reconstruct: Reconstructor | None,
    augment: bool = True,
    weights: dict[str, float] | None = None,
    paired: bool = False,
    dim: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Images (2N x 3 x H x W, 0..255), labels (2N: real 0, fake 1) and boundary targets (2N x 1 x H/8 x W/8):
    each crop, then a forgery of it (kinds drawn by ``weights``, as :func:`~unmask.forge.make_forgery` does).
    A share ``dim`` of the crops is first darkened (:func:`~unmask.forge.low_light`): the real half and the
    forgery made from it share the dim scene (with ``dim`` 0 nothing is drawn for it: the draws stay as before).
    With ``augment``, both are laundered: alike (one history per pair) when ``paired``, else each on its own."""
    images, labels, targets = [], [], []
    for crop in crops:
        real = low_light(crop.image, rng) if dim and rng.random() < dim else crop.image
        forgery = make_forgery(real, crop.landmarks, rng, reconstruct, weights)
        history = draw_history(rng) if augment and paired else None
        for image, boundary, label in (
            (real, np.zeros(real.shape[:2], np.float32), 0.0),
            (forgery.image, forgery.boundary(), 1.0),
        ):
            if history is not None:
                image, boundary = apply_history(image, history, boundary)
            elif augment:
                image, boundary = post_augment(image, rng, boundary)
            height, width = image.shape[:2]
            assert boundary is not None
            small = cv2.resize(boundary, (width // 8, height // 8), interpolation=cv2.INTER_AREA)
            images.append(image)
            targets.append(small)
            labels.append(label)
    batch = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float()
    return batch, torch.tensor(labels), torch.from_numpy(np.stack(targets))[:, None]
