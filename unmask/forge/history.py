"""Paired histories: one random processing history, applied alike to a real crop and to its forgery.

A forgery must differ from its own real source only by what the manipulation changed. Independent random
laundering of the two halves (:func:`unmask.forge.augment.post_augment`, drawn once per image) is the same on
average, but each pair then also differs by its two histories, and a model can learn from how a face was
resampled or compressed as well as from how it was forged. Here one :class:`History` is drawn per pair and
applied to both with the operations of :mod:`unmask.media.launder`: mirroring, a colour shift, a resampling
(down by 0.3-0.95x with one interpolation and back up with another, as faces are resized by the people who post
them), blur, sensor noise (the same pattern on both) and a codec round trip (JPEG, an H.264 or a VP9 intra frame,
at a random quality), so that quality, resolution, resampling and compression cancel out of the pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from unmask.forge.forgeries import jitter_colour
from unmask.media import launder

DOWN_INTERPOLATIONS = ("area", "linear", "cubic", "nearest")
UP_INTERPOLATIONS = ("linear", "cubic", "lanczos")
CODECS = ("jpeg", "h264", "vp9")


@dataclass(frozen=True)
class History:
    """What happens to both halves of a pair after the forgery is made, in this order; ``None`` skips a step."""

    flip: bool = False
    colour_seed: int | None = None
    resample: tuple[float, str, str] | None = None  # factor, down interpolation, up interpolation
    blur: float | None = None  # Gaussian sigma in pixels
    noise: tuple[float, int] | None = None  # sigma, seed of the one pattern both halves get
    codec: tuple[str, int] | None = None  # ("jpeg", quality) | ("h264", crf) | ("vp9", crf)

    def describe(self) -> str:
        parts = ["flip"] if self.flip else []
        if self.colour_seed is not None:
            parts.append("colour")
        if self.resample:
            parts.append(f"resample {self.resample[0]:.2f} {self.resample[1]}/{self.resample[2]}")
        if self.blur:
            parts.append(f"blur {self.blur:.1f}")
        if self.noise:
            parts.append(f"noise {self.noise[0]:.1f}")
        if self.codec:
            parts.append(f"{self.codec[0]} {self.codec[1]}")
        return ", ".join(parts) or "none"


def draw_history(rng: np.random.Generator) -> History:
    """A random history: mirrored half the time, colour shifted 30%, resampled 50%, blurred 15%, noisy 15%, and
    through a codec 85% of the time (JPEG quality 40-100, H.264 CRF 18-36 or VP9 CRF 20-50, in 5:3:1)."""
    flip = bool(rng.random() < 0.5)
    colour_seed = int(rng.integers(1 << 31)) if rng.random() < 0.3 else None
    resample = None
    if rng.random() < 0.5:
        down = DOWN_INTERPOLATIONS[int(rng.integers(len(DOWN_INTERPOLATIONS)))]
        up = UP_INTERPOLATIONS[int(rng.integers(len(UP_INTERPOLATIONS)))]
        resample = (float(rng.uniform(0.3, 0.95)), down, up)
    blur = float(rng.uniform(0.4, 1.5)) if rng.random() < 0.15 else None
    noise = (float(rng.uniform(2, 8)), int(rng.integers(1 << 31))) if rng.random() < 0.15 else None
    codec = None
    if rng.random() < 0.85:
        name = str(rng.choice(CODECS, p=[5 / 9, 3 / 9, 1 / 9]))
        quality = {"jpeg": (40, 101), "h264": (18, 37), "vp9": (20, 51)}[name]
        codec = (name, int(rng.integers(*quality)))
    return History(flip, colour_seed, resample, blur, noise, codec)


def apply_history(
    image: np.ndarray, history: History, target: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """``image`` (RGB uint8) through ``history``; ``target`` (a map of the same size) is mirrored with it."""
    if history.flip:
        image = np.ascontiguousarray(image[:, ::-1])
        target = None if target is None else target[:, ::-1]
    if history.colour_seed is not None:
        image = jitter_colour(image, np.random.default_rng(history.colour_seed), strength=0.5).astype(np.uint8)
    if history.resample is not None:
        factor, down, up = history.resample
        image = launder.scale(image, factor, back_up=True, down=down, up=up, min_side=8)
    if history.blur:
        image = launder.blur(image, history.blur)
    if history.noise is not None:
        image = launder.noise(image, *history.noise)
    if history.codec is not None:
        name, quality = history.codec
        image = np.ascontiguousarray(image)
        if name == "jpeg":
            image = launder.jpeg(image, quality)
        elif name == "h264":
            image = launder.h264(image[None], quality)[0]
        else:
            image = launder.vp9(image, quality)
    image = np.ascontiguousarray(image)
    return image, None if target is None else np.ascontiguousarray(target)
