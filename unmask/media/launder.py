"""Laundering: what the web does to a picture or a clip on its way (compression, resizing, blur, noise), as plain
deterministic operations on RGB ``uint8`` frames with explicit parameters.

The frame detector's training (:func:`unmask.forge.augment.post_augment`) and the temporal branch's
(:class:`unmask.train.temporal_data.Launder`) draw the parameters at random; the robustness ladder
(:mod:`unmask.evaluate.robustness`) names fixed rungs. All three call these operations, so the ladder measures
what training taught. One vocabulary: a rung's kind is the name of the operation it calls.

==========================  ===================  ==============================  ================================
operation                   ladder rungs         post_augment (stills)           Launder (windows)
==========================  ===================  ==============================  ================================
``jpeg(image, quality)``    jpeg-90 .. jpeg-30   quality 40-100 (4 in 5)         ``quality`` 40-100 (70-100
                                                                                 before H.264), every frame
``scale(image, factor)``    scale-0.75 .. 0.25   0.35-0.9, ``back_up``           ``scale`` 0.35-0.9, ``back_up``
                            (not back up)        (``down="linear"``, floored     (``min_side=8``)
                                                 sizes, ``min_side=8``)
``levels(image, g, b)``     -                    - (``forge`` jitters colour)    ``gain``, ``bias``
``h264(frames, crf)``       h264-crf23 .. 40     -                               ``crf`` 18-38, the window as one
                            (``write_h264``:                                     stream
                            whole files)
``blur(image, sigma)``      blur-1, blur-2       sigma 0.4-1.5                   ``blur`` 0.5-2
``noise(image, sigma, s)``  noise-5, noise-10    sigma 2-8, drawn from the       ``noise`` 2-12: one pattern
                            (seed 0: one         training generator (a still:    (``fixed_noise``) or a fresh
                            pattern on every     fresh for every image, grain)   draw for every frame (grain),
                            frame)                                               ``dtype=float32``
``grain(image, sigma)``     grain-5, grain-10    -                               -
==========================  ===================  ==============================  ================================

*noise* is one Gaussian pattern (from a seed) on every frame, as a static overlay or fixed-pattern sensor noise
adds it; *grain* is Gaussian noise drawn afresh for every frame, as a camera's sensor adds it. To a frame-by-frame
detector they are alike; to the temporal branch they are not. The options that look odd (``down="linear"``,
floored sizes, ``dtype``) keep each caller's pixels what they were before these operations were shared.

Bad arguments raise :class:`ValueError` with a one-line message.
"""

from __future__ import annotations

import io
import math
import os
import zlib
from collections.abc import Iterable, Sequence
from typing import BinaryIO, Literal

import av
import cv2
import numpy as np

from unmask.media.writer import write_video

INTERPOLATIONS = {
    "area": cv2.INTER_AREA,
    "linear": cv2.INTER_LINEAR,
    "cubic": cv2.INTER_CUBIC,
    "nearest": cv2.INTER_NEAREST,
    "lanczos": cv2.INTER_LANCZOS4,
}


def _check_image(image: np.ndarray) -> None:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        got = f"{image.dtype} array of shape {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"laundering needs an RGB uint8 image (H x W x 3), not a {got}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"laundering needs a non-empty image, not one of shape {image.shape}")


def _check_crf(crf: int) -> None:
    if isinstance(crf, bool) or int(crf) != crf or not 0 <= crf <= 51:
        raise ValueError(f"H.264 CRF must be a whole number in 0..51, not {crf!r}")


def jpeg(image: np.ndarray, quality: float) -> np.ndarray:
    """Encoded and decoded as JPEG at ``quality`` (a whole number in 1..100)."""
    _check_image(image)
    if isinstance(quality, bool) or int(quality) != quality or not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be a whole number in 1..100, not {quality!r}")
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def scale(
    image: np.ndarray,
    factor: float,
    back_up: bool = False,
    down: str = "area",
    min_side: int = 1,
    rounding: Literal["nearest", "floor"] = "nearest",
    up: str = "linear",
) -> np.ndarray:
    """Resized by ``factor`` per side (``down`` interpolation; sides rounded by ``rounding``, at least
    ``min_side`` pixels); with ``back_up``, scaled back to the original size (``up`` interpolation): the detail
    is lost, the size kept. Interpolations: :data:`INTERPOLATIONS`."""
    _check_image(image)
    if not math.isfinite(factor) or factor <= 0:
        raise ValueError(f"scale factor must be a positive number, not {factor!r}")
    for name in (down, up):
        if name not in INTERPOLATIONS:
            raise ValueError(f"unknown interpolation {name!r}; known: {', '.join(INTERPOLATIONS)}")
    if rounding not in ("nearest", "floor"):
        raise ValueError(f"unknown rounding {rounding!r}; known: nearest, floor")
    if min_side < 1:
        raise ValueError(f"min_side must be at least 1, not {min_side!r}")
    side = round if rounding == "nearest" else math.floor
    height, width = image.shape[:2]
    size = (max(min_side, side(width * factor)), max(min_side, side(height * factor)))
    out = cv2.resize(image, size, interpolation=INTERPOLATIONS[down])
    return cv2.resize(out, (width, height), interpolation=INTERPOLATIONS[up]) if back_up else out


def levels(image: np.ndarray, gain: float, bias: float) -> np.ndarray:
    """Contrast times ``gain`` and brightness plus ``bias`` grey levels, clipped to 0..255."""
    _check_image(image)
    if not (math.isfinite(gain) and math.isfinite(bias)):
        raise ValueError(f"gain and bias must be finite, not {gain!r} and {bias!r}")
    return np.clip(image.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of ``sigma`` pixels (0: none)."""
    _check_image(image)
    if not math.isfinite(sigma) or sigma < 0:
        raise ValueError(f"blur sigma must be a number of pixels >= 0, not {sigma!r}")
    return cv2.GaussianBlur(image, (0, 0), sigma) if sigma > 0 else image.copy()


def noise(
    image: np.ndarray,
    sigma: float,
    seed: int | np.random.Generator = 0,
    dtype: type[np.floating] = np.float64,
) -> np.ndarray:
    """Gaussian noise of ``sigma`` grey levels added and clipped: drawn from ``seed`` (the same pattern for every
    image of a shape), or drawn next from a generator (a fresh one on every call); added in ``dtype``."""
    _check_image(image)
    if not math.isfinite(sigma) or sigma < 0:
        raise ValueError(f"noise sigma must be a number of grey levels >= 0, not {sigma!r}")
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"noise is added in float32 or float64, not {dtype!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    pattern = rng.normal(0.0, sigma, image.shape).astype(dtype)
    return np.clip(image.astype(dtype) + pattern, 0, 255).astype(np.uint8)


def grain(image: np.ndarray, sigma: float) -> np.ndarray:
    """:func:`noise` drawn afresh for every frame, yet reproducibly: seeded by the frame's own pixels."""
    _check_image(image)
    return noise(image, sigma, zlib.crc32(np.ascontiguousarray(image).tobytes()))


def write_h264(
    target: str | os.PathLike[str] | BinaryIO, frames: Iterable[np.ndarray], crf: int, fps: float = 25.0
) -> int:
    """RGB frames written as one H.264 stream at ``crf`` (libx264, 4:2:0, sizes rounded down to even) by the
    repeatable writer: the same frames always give the same stream. Returns how many frames were written."""
    _check_crf(crf)
    if not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number, not {fps!r}")
    return write_video(target, frames, fps=fps, crf=int(crf), repeatable=True)


def h264(frames: np.ndarray | Sequence[np.ndarray], crf: int, fps: float = 25.0) -> np.ndarray:
    """``T x H x W x 3`` RGB frames encoded as one H.264 stream in memory (:func:`write_h264`) and decoded back:
    the inter-frame compression a clip gets when it is uploaded or shared. Odd sizes are padded by repeating the
    last row or column, then cut back. The same frames always give the same result."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or len(frames) == 0:
        raise ValueError(f"H.264 needs a non-empty T x H x W x 3 stack of frames, not an array of shape {frames.shape}")
    _check_image(frames[0])  # one array: its first frame speaks for all
    height, width = frames.shape[1:3]
    padded = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    buffer = io.BytesIO()
    write_h264(buffer, padded, crf, fps)
    buffer.seek(0)
    with av.open(buffer, mode="r") as container:
        decoded = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    if len(decoded) != len(frames):
        raise RuntimeError(f"H.264 round trip returned {len(decoded)} of {len(frames)} frames")
    return np.stack(decoded)[:, :height, :width]


def vp9(image: np.ndarray, crf: int) -> np.ndarray:
    """One RGB frame encoded as a VP9 intra frame (libvpx, ``crf`` 0..63, 4:2:0, one thread, realtime) and decoded
    back, as a WebM upload's first frame is; repeatable. Odd sizes are padded, then cut back."""
    _check_image(image)
    if isinstance(crf, bool) or int(crf) != crf or not 0 <= crf <= 63:
        raise ValueError(f"VP9 CRF must be a whole number in 0..63, not {crf!r}")
    height, width = image.shape[:2]
    padded = np.ascontiguousarray(np.pad(image, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge"))
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="webm") as container:
        stream = container.add_stream("libvpx-vp9", rate=25)
        stream.width, stream.height, stream.pix_fmt = padded.shape[1], padded.shape[0], "yuv420p"
        stream.options = {"crf": str(int(crf)), "b:v": "0", "deadline": "realtime", "cpu-used": "8", "threads": "1"}
        for packet in stream.encode(av.VideoFrame.from_ndarray(padded, format="rgb24")):
            container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    buffer.seek(0)
    with av.open(buffer) as container:
        decoded = next(container.decode(video=0)).to_ndarray(format="rgb24")
    return decoded[:height, :width]
