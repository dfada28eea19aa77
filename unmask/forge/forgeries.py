"""Training forgeries made from one real face crop and the same person only: unmask never swaps identities.

Each function takes an aligned RGB crop (uint8, H x W x 3, made under the crop contract), its 468 landmarks in
crop pixels and a seeded :class:`numpy.random.Generator`, and returns a :class:`Forgery`: the forged image and
its soft mask ``m`` in [0, 1], the weight with which the altered copy was blended in at each pixel, so that
``forgery = m * altered + (1 - m) * original`` exactly. Outside the mask the forgery equals the original.

- :func:`self_blend` (after Self-Blended Images, built from its published description): a copy of the face with
  changed colour, changed frequency content (down- and up-sampled, or sharpened) and a small warp is blended
  back through a deformed, eroded and blurred mesh-hull mask, sometimes without the forehead.
- :func:`reconstruction_blend`: the face re-rendered by an autoencoder trained on real faces (the blur and
  upsampling fingerprints of autoencoder face swaps), blended back through the same kind of mask.
- :func:`partial_composite`: only an eye, the nose or the mouth replaced by a shifted, rescaled, recoloured
  copy of itself, like hand-made composites of facial parts.
- :func:`whole_rerender`: the whole crop re-rendered, with no blend boundary (the mask is 1 everywhere), as
  :func:`~unmask.forge.animate.rerender_clip` re-renders each frame of a clip: the decoder and restoration
  fingerprints of faces that talking-head and one-shot animation generators render whole.
"""

from __future__ import annotations

import cv2
import numpy as np

from unmask.faces.regions import NUM_LANDMARKS, REGIONS, face_mask, region_mask
from unmask.forge.animate import rerender_clip
from unmask.forge.blend import Forgery, Reconstructor, blend
from unmask.forge.masks import displace, smooth_field, soften

BLEND_RATIOS = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)
KINDS = ("self_blend", "reconstruction", "partial", "rerender")
DEFAULT_WEIGHTS = {"self_blend": 0.5, "reconstruction": 0.25, "partial": 0.25}
"""The shares of the forgery kinds when none are given (whole re-renders only on request: see :func:`weights_with`)."""


def _check(image: np.ndarray, landmarks: np.ndarray) -> None:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an RGB uint8 image, got {image.dtype} {image.shape}")
    if landmarks.ndim != 2 or landmarks.shape[0] != NUM_LANDMARKS or landmarks.shape[1] < 2:
        raise ValueError(f"expected {NUM_LANDMARKS} landmarks, got {landmarks.shape}")


def jitter_colour(image: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Shift RGB channels, hue, saturation, brightness and contrast by random amounts (float32 out, 0..255)."""
    out = image.astype(np.float32) + rng.uniform(-20, 20, size=3).astype(np.float32) * strength
    hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-6, 6) * strength) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * (1 + rng.uniform(-0.25, 0.25) * strength), 0, 255)
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    contrast, brightness = 1 + rng.uniform(-0.2, 0.2) * strength, rng.uniform(-20, 20) * strength
    return np.clip((out - 128) * contrast + 128 + brightness, 0, 255)


def change_frequency(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Either down-sample by 2-4x and back up (lost detail), or sharpen (exaggerated detail)."""
    height, width = image.shape[:2]
    if rng.random() < 0.5:
        factor = rng.uniform(2, 4)
        small = cv2.resize(image, (max(1, int(width / factor)), max(1, int(height / factor))), cv2.INTER_AREA)
        interpolation = (cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(2))]
        return cv2.resize(small, (width, height), interpolation=interpolation)
    blurred = cv2.GaussianBlur(image, (0, 0), rng.uniform(1, 2.5))
    amount = rng.uniform(0.5, 1.5)
    return np.clip(image.astype(np.float32) * (1 + amount) - blurred.astype(np.float32) * amount, 0, 255)


def small_warp(image: np.ndarray, rng: np.random.Generator, shift: float = 0.03, scale: float = 0.05) -> np.ndarray:
    """Scale about the centre by up to ``scale`` and shift by up to ``shift`` of the side, plus a gentle elastic."""
    height, width = image.shape[:2]
    factor = 1 + rng.uniform(-scale, scale)
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0.0, factor)
    matrix[:, 2] += rng.uniform(-shift, shift, size=2) * (width, height)
    warped = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return displace(warped, smooth_field((height, width), 0.01 * width, rng))


def blend_mask(landmarks: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A softened mesh-hull mask (a quarter of them without the forehead) times a random blend ratio."""
    forehead = rng.random() >= 0.25
    ratio = float(rng.choice(BLEND_RATIOS))
    mask = soften(face_mask(landmarks, shape, forehead=forehead), rng) * ratio
    return mask, f"{'face' if forehead else 'face-no-forehead'} ratio={ratio:g}"


def self_blend(image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator) -> Forgery:
    """Blend an altered copy of the face back onto itself (Self-Blended Images)."""
    _check(image, landmarks)
    altered = jitter_colour(image, rng)
    altered = change_frequency(altered, rng)
    altered = small_warp(altered, rng)
    mask, detail = blend_mask(landmarks, image.shape[:2], rng)
    return blend(image, altered, mask, "self_blend", detail)


def reconstruction_blend(
    image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator, reconstruct: Reconstructor
) -> Forgery:
    """Blend the face as re-rendered by an autoencoder (see :mod:`unmask.train.autoencoder`) back onto itself."""
    _check(image, landmarks)
    rendered = reconstruct(image)
    if rendered.shape != image.shape:
        raise ValueError(f"the reconstruction has shape {rendered.shape}, not {image.shape}")
    altered = rendered.astype(np.float32)
    if rng.random() < 0.5:
        altered = jitter_colour(rendered, rng, strength=0.5)
    mask, detail = blend_mask(landmarks, image.shape[:2], rng)
    return blend(image, altered, mask, "reconstruction", detail)


def partial_composite(
    image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator, region: str | None = None
) -> Forgery:
    """Replace one facial part by a shifted, rescaled and recoloured copy of itself."""
    _check(image, landmarks)
    region = region or str(rng.choice(list(REGIONS)))
    height, width = image.shape[:2]
    centre = landmarks[list(REGIONS[region]), :2].mean(axis=0)
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), rng.uniform(-4, 4), rng.uniform(0.9, 1.1))
    matrix[:, 2] += rng.uniform(-0.03, 0.03, size=2) * (width, height)
    altered = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    altered = jitter_colour(altered, rng, strength=0.7)
    if rng.random() < 0.5:
        altered = change_frequency(altered, rng)
    mask = soften(region_mask(landmarks, (height, width), region), rng)
    return blend(image, altered, mask, "partial", region)


def whole_rerender(
    image: np.ndarray, landmarks: np.ndarray, rng: np.random.Generator, reconstruct: Reconstructor | None = None
) -> Forgery:
    """The whole crop re-rendered, background included, with no seam: one frame of
    :func:`~unmask.forge.animate.rerender_clip` (restoration-like or, half the time when given, the autoencoder)."""
    _check(image, landmarks)
    clip = rerender_clip(image[None], landmarks[None], rng, reconstruct)
    return blend(image, clip.frames[0], np.ones(image.shape[:2], np.float32), "rerender", clip.detail)


def weights_with(rerender: float) -> dict[str, float] | None:
    """Forgery shares with ``rerender`` of them whole re-renders and the rest as :data:`DEFAULT_WEIGHTS` shares
    it; None (the default shares, drawn exactly as before whole re-renders existed) when ``rerender`` is 0."""
    if not 0 <= rerender <= 1:
        raise ValueError(f"the re-render share must be between 0 and 1, got {rerender}")
    if rerender == 0:
        return None
    return {**{kind: share * (1 - rerender) for kind, share in DEFAULT_WEIGHTS.items()}, "rerender": rerender}


def make_forgery(
    image: np.ndarray,
    landmarks: np.ndarray,
    rng: np.random.Generator,
    reconstruct: Reconstructor | None = None,
    weights: dict[str, float] | None = None,
) -> Forgery:
    """One forgery of a kind drawn by ``weights`` (default: self-blends half the time, the rest shared by
    reconstructions, when an autoencoder is given, and partial composites; no whole re-renders)."""
    if weights is None:
        weights = DEFAULT_WEIGHTS
    if reconstruct is None:
        weights = {kind: weight for kind, weight in weights.items() if kind != "reconstruction"}
    kinds = [kind for kind in KINDS if weights.get(kind, 0) > 0]
    if not kinds:
        raise ValueError("no forgery kind has a positive weight")
    probabilities = np.array([weights[kind] for kind in kinds], dtype=np.float64)
    kind = kinds[int(rng.choice(len(kinds), p=probabilities / probabilities.sum()))]
    if kind == "self_blend":
        return self_blend(image, landmarks, rng)
    if kind == "partial":
        return partial_composite(image, landmarks, rng)
    if kind == "rerender":
        return whole_rerender(image, landmarks, rng, reconstruct)
    assert reconstruct is not None
    return reconstruction_blend(image, landmarks, rng, reconstruct)
