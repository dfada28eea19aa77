"""Post-augmentations applied alike to real crops and to forgeries, so that compression, scale, blur, noise and
colour are no cue to the label: JPEG at quality 40-100, down- and up-scaling, blur, sensor noise, colour shifts
and mirroring. A forgery's mask (or boundary map) goes through the same geometric change as its image."""

from __future__ import annotations

import cv2
import numpy as np

from unmask.forge.forgeries import jitter_colour


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode as JPEG at ``quality``."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def post_augment(
    image: np.ndarray, rng: np.random.Generator, target: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Launder one RGB uint8 crop like the web does; ``target`` (a map of the same height and width) is
    mirrored with it. Returns the new image and target."""
    if rng.random() < 0.5:
        image = image[:, ::-1]
        target = None if target is None else target[:, ::-1]
    if rng.random() < 0.3:
        image = jitter_colour(image, rng, strength=0.5).astype(np.uint8)
    height, width = image.shape[:2]
    if rng.random() < 0.3:
        factor = rng.uniform(0.35, 0.9)
        small = cv2.resize(image, (max(8, int(width * factor)), max(8, int(height * factor))), cv2.INTER_AREA)
        image = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.15:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.4, 1.5))
    if rng.random() < 0.15:
        noise = rng.normal(0, rng.uniform(2, 8), size=image.shape)
        image = np.clip(image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.8:
        image = jpeg(image, int(rng.integers(40, 101)))
    image = np.ascontiguousarray(image)
    return image, None if target is None else np.ascontiguousarray(target)
