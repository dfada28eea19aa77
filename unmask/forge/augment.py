"""Post-augmentations applied alike to real crops and to forgeries, so that compression, scale, blur, noise and
colour are no cue to the label: JPEG at quality 40-100, down- and up-scaling, blur, sensor noise, colour shifts
and mirroring. A forgery's mask (or boundary map) goes through the same geometric change as its image. The
laundering itself is :mod:`unmask.media.launder`'s, which the robustness ladder also calls; here its parameters
are drawn. :func:`low_light` is a scene, not a history: a real crop darkened before its forgery is made, so that
both halves share it and the blend is made in the dark."""

from __future__ import annotations

import numpy as np

from unmask.forge.forgeries import jitter_colour
from unmask.media import launder


def post_augment(
    image: np.ndarray, rng: np.random.Generator, target: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Launder one RGB uint8 crop like the web does; ``target`` (a map of the same height and width) is
    mirrored with it. Returns the new image and target.

    The down-scale has always been bilinear with floored sizes (``cv2.INTER_AREA`` was once passed where
    ``cv2.resize`` takes its output array), and is kept so: the same seed gives the same crop as before."""
    if rng.random() < 0.5:
        image = image[:, ::-1]
        target = None if target is None else target[:, ::-1]
    if rng.random() < 0.3:
        image = jitter_colour(image, rng, strength=0.5).astype(np.uint8)
    if rng.random() < 0.3:
        factor = rng.uniform(0.35, 0.9)
        image = launder.scale(image, factor, back_up=True, down="linear", min_side=8, rounding="floor")
    if rng.random() < 0.15:
        image = launder.blur(image, rng.uniform(0.4, 1.5))
    if rng.random() < 0.15:
        image = launder.noise(image, rng.uniform(2, 8), rng)
    if rng.random() < 0.8:
        image = launder.jpeg(image, int(rng.integers(40, 101)))
    image = np.ascontiguousarray(image)
    return image, None if target is None else np.ascontiguousarray(target)


def low_light(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A real RGB uint8 crop as if filmed in dim light: midtones pulled down (gamma 1.4-2.6), the level lowered
    (gain 0.45-0.9), the contrast flattened towards the mean (0.6-0.9) and a slight colour cast (each channel
    0.92-1.08). Geometry is untouched, so the crop's landmarks still hold."""
    gamma, gain, contrast = rng.uniform(1.4, 2.6), rng.uniform(0.45, 0.9), rng.uniform(0.6, 0.9)
    cast = rng.uniform(0.92, 1.08, size=3).astype(np.float32)
    out = (image.astype(np.float32) / 255) ** gamma * gain
    out = out.mean() + (out - out.mean()) * contrast
    return np.clip(np.rint(out * cast * 255), 0, 255).astype(np.uint8)
