"""Decode still and animated images with Pillow into upright RGB arrays.

Handles EXIF orientation, and converts every colour mode unmask may meet (bilevel, grayscale, palette, alpha,
16-bit, float, CMYK, YCbCr) to 8-bit RGB. Transparent pixels are composited over white, as viewers show them.
The pixel limit is checked on the header's size, before any pixel is decoded.
"""

from __future__ import annotations

import re
import struct
import warnings
from collections.abc import Callable, Iterator

import numpy as np
from PIL import Image, ImageOps

from unmask.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError
from unmask.media.types import Limits, MediaInfo

# The formats unmask lets Pillow open (an MPO from a phone opens as JPEG); AVIF where Pillow was built with it.
Image.init()
PILLOW_FORMATS = tuple(fmt for fmt in ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "AVIF") if fmt in Image.OPEN)

_EXIF_ORIENTATION = 0x0112
# Degrees clockwise that each EXIF orientation turns the stored picture (mirroring aside).
_ORIENTATION_ROTATION = {1: 0, 2: 0, 3: 180, 4: 180, 5: 90, 6: 90, 7: 270, 8: 270}
# The delay browsers give GIF frames that declare none or an implausibly short one.
_DEFAULT_FRAME_MS = 100
# What Pillow raises on damaged data (struct.error: a header field cut short, e.g. a GIF frame's descriptor).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, MemoryError, struct.error)


def megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} MP"


def check_pixels(name: str, width: int, height: int, limits: Limits) -> None:
    """Refuse a picture whose size exceeds ``limits.max_pixels``."""
    if width * height > limits.max_pixels:
        raise MediaLimitError(
            f"{name}: {width}x{height} pixels ({megapixels(width * height)}) exceed the limit of "
            f"{megapixels(limits.max_pixels)}; refused before decoding"
        )


def open_image(name: str, limits: Limits) -> Image.Image:
    """Open an image lazily (header only) after checking its pixel count against ``limits``."""
    ceiling = Image.MAX_IMAGE_PIXELS
    if ceiling is not None and 2 * ceiling < limits.max_pixels:
        # Pillow refuses images over twice MAX_IMAGE_PIXELS by itself. unmask checks its own limit before any
        # decoding, so where a caller allows more, Pillow's ceiling is raised to match (process-wide, upward only).
        Image.MAX_IMAGE_PIXELS = limits.max_pixels // 2 + 1
    try:
        with warnings.catch_warnings():
            # unmask applies its own pixel limit right below; Pillow's warning would only add noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(name, formats=PILLOW_FORMATS)
    except Image.DecompressionBombError as err:
        raise _bomb(name, err, limits) from None
    except Image.UnidentifiedImageError:
        raise CorruptMediaError(f"{name}: damaged image header, cannot be decoded") from None
    except _DECODE_ERRORS as err:
        raise CorruptMediaError(f"{name}: damaged image ({err})") from None
    check_pixels(name, image.width, image.height, limits)
    return image


def _bomb(name: str, err: Image.DecompressionBombError, limits: Limits) -> MediaLimitError:
    """Pillow's own ceiling (never above unmask's limit) was met first, by the image or by one frame of an
    animation: it, too, refuses before decoding."""
    found = re.search(r"\((\d+) pixels\)", str(err))
    pixels = f"{megapixels(int(found.group(1)))} " if found else ""
    return MediaLimitError(
        f"{name}: image of {pixels}exceeds the limit of {megapixels(limits.max_pixels)}; refused before decoding"
    )


def _count_frames(name: str, image: Image.Image, limits: Limits) -> int:
    """The frames of an image (1 for a still); Pillow reads every frame's header to count them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return int(getattr(image, "n_frames", 1) or 1)
    except Image.DecompressionBombError as err:
        raise _bomb(name, err, limits) from None
    except _DECODE_ERRORS as err:
        raise CorruptMediaError(f"{name}: damaged animation ({err})") from None


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except _DECODE_ERRORS:
        return 1  # unreadable EXIF: show the picture as stored


def to_rgb(image: Image.Image) -> np.ndarray:
    """Convert a decoded Pillow image of any supported mode into a C-contiguous RGB ``uint8`` array."""
    mode = image.mode
    if mode == "RGB":
        return np.ascontiguousarray(np.asarray(image))
    if mode.startswith("I") or mode == "F":
        gray = np.asarray(image)
        if gray.ndim != 2:
            raise UnsupportedMediaError(f"colour mode {mode} is not supported")
        return np.repeat(_to_uint8(gray, mode)[:, :, None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        alpha = rgba[:, :, 3:4] / 255.0
        over_white = rgba[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return np.ascontiguousarray(np.rint(over_white).astype(np.uint8))
    try:
        return np.ascontiguousarray(np.asarray(image.convert("RGB")))
    except ValueError:
        raise UnsupportedMediaError(f"colour mode {mode} is not supported") from None


def _to_uint8(gray: np.ndarray, mode: str) -> np.ndarray:
    """Scale 16-bit, 32-bit integer or float gray levels to 0..255."""
    if mode == "F" or gray.dtype.kind == "f":
        values = np.nan_to_num(gray.astype(np.float32))
        peak = float(values.max()) if values.size else 0.0
        scale = 255.0 if peak <= 1.0 else 1.0
        return np.clip(np.rint(values * scale), 0, 255).astype(np.uint8)
    values = gray.astype(np.int64)
    peak = int(values.max()) if values.size else 0
    if mode.startswith("I;16") or 255 < peak <= 65535:
        return np.clip((values + 128) // 257, 0, 255).astype(np.uint8)
    if peak <= 255:
        return np.clip(values, 0, 255).astype(np.uint8)
    return np.clip(values * 255 // peak, 0, 255).astype(np.uint8)


def probe_image(name: str, limits: Limits) -> MediaInfo:
    """Describe an image from its header. An animated GIF, PNG or WebP is described as a video."""
    with open_image(name, limits) as image:
        fmt = image.format or "image"
        frames = _count_frames(name, image, limits)
        if frames > 1:
            frame_ms = _frame_ms(image)
            return MediaInfo(
                path=name,
                kind="video",
                format=fmt,
                codec=fmt.lower(),
                width=image.width,
                height=image.height,
                frame_count=frames,
                fps=1000.0 / frame_ms,
                duration_s=frames * frame_ms / 1000.0,
            )
        rotation = _ORIENTATION_ROTATION.get(_orientation(image), 0)
        width, height = (image.height, image.width) if rotation in (90, 270) else (image.width, image.height)
        return MediaInfo(
            path=name, kind="image", format=fmt, codec=fmt.lower(), width=width, height=height, rotation=rotation
        )


def _frame_ms(image: Image.Image) -> float:
    duration = image.info.get("duration") or 0
    return float(duration) if duration > 10 else float(_DEFAULT_FRAME_MS)


def read_image(name: str, limits: Limits) -> np.ndarray:
    """Decode the (first frame of the) image at ``name`` into an upright RGB array."""
    with open_image(name, limits) as image:
        try:
            image.load()
            upright = ImageOps.exif_transpose(image) if _orientation(image) != 1 else image
        except _DECODE_ERRORS as err:
            raise CorruptMediaError(f"{name}: truncated or damaged image ({err})") from None
        return _frame_to_rgb(name, upright)


def _frame_to_rgb(name: str, image: Image.Image) -> np.ndarray:
    try:
        image.load()  # first: loading a GIF frame may change its mode (a frame past the first one turns RGBA)
        return to_rgb(image)
    except UnsupportedMediaError as err:
        raise UnsupportedMediaError(f"{name}: {err}") from None
    except _DECODE_ERRORS as err:
        raise CorruptMediaError(f"{name}: truncated or damaged image ({err})") from None


def iter_animation(name: str, limits: Limits) -> Iterator[tuple[int, float, Callable[[], np.ndarray]]]:
    """Yield ``(index, time, decode)`` for each frame of an animated image; ``decode()`` gives its pixels.

    ``decode`` must be called before the next frame is requested, as Pillow keeps one frame at a time.
    """
    with open_image(name, limits) as image:
        frames = _count_frames(name, image, limits)
        try:
            time_s = 0.0
            for index in range(frames):
                with warnings.catch_warnings():  # unmask's own limit is checked right below
                    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                    image.seek(index)
                # A GIF frame may reach past the canvas, which then grows: the limit holds for every frame.
                check_pixels(name, image.width, image.height, limits)
                yield index, time_s, lambda: _frame_to_rgb(name, image)
                time_s += _frame_ms(image) / 1000.0
        except Image.DecompressionBombError as err:
            raise _bomb(name, err, limits) from None
        except _DECODE_ERRORS as err:
            raise CorruptMediaError(f"{name}: truncated or damaged animation ({err})") from None
