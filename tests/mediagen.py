"""Media made on the fly for tests, so that nothing binary is committed."""

from __future__ import annotations

import hashlib
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

# Where the astronaut's face is in scikit-image's 512x512 photo, read by eye off a 4x zoom with a 10-pixel grid:
# the pupils (the one on the image's left first), nose tip, mouth centre and chin, and a box from the
# hairline to the chin and cheek to cheek (x0, y0, x1, y1).
ASTRONAUT_EYES = ((203, 101), (245, 103))
ASTRONAUT_NOSE = (225, 127)
ASTRONAUT_MOUTH = (222, 143)
ASTRONAUT_CHIN = (220, 180)
ASTRONAUT_FACE = (182, 85, 268, 180)


def pan(photo: np.ndarray, frames: int, size: tuple[int, int] = (640, 480), shift: float = 60) -> list[np.ndarray]:
    """Frames of a slow pan across ``photo`` (the camera moves ``shift`` pixels in all)."""
    clip = []
    for step in range(frames):
        dx = 40 - shift * step / max(frames - 1, 1)
        matrix = np.array([[1.1, 0.0, dx], [0.0, 1.1, -20.0]])
        clip.append(cv2.warpAffine(photo, matrix, size, borderMode=cv2.BORDER_REFLECT_101))
    return clip


def two_faces(photo: np.ndarray, frames: int) -> list[np.ndarray]:
    """Two copies of the astronaut's head on a grey 640x480 canvas, drifting towards each other."""
    x0, y0, x1, y1 = ASTRONAUT_FACE
    head = photo[y0 - 50 : y1 + 50, x0 - 50 : x1 + 50]
    clip = []
    for step in range(frames):
        canvas = np.full((480, 640, 3), 120, dtype=np.uint8)
        for left in (30 + step, 380 - step):
            canvas[100 : 100 + head.shape[0], left : left + head.shape[1]] = head
        clip.append(canvas)
    return clip


def crowd(photo: np.ndarray, rows: int = 7, columns: int = 7) -> np.ndarray:
    """A grid of ``rows`` x ``columns`` copies of the astronaut's head (each face about 110 px): a crowd photo."""
    x0, y0, x1, y1 = ASTRONAUT_FACE
    head = photo[y0 - 30 : y1 + 30, x0 - 30 : x1 + 30]
    return np.tile(head, (rows, columns, 1))


def png_of_size(width: int, height: int, whole: bool = True) -> bytes:
    """A grayscale PNG of the given size, all black; ``whole=False`` cuts it off after 100 rows of pixels."""

    def chunk(tag: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))

    head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    packer = zlib.compressobj(1)
    rows = (b"\x00" + bytes(width)) * 100
    if not whole:
        return head + chunk(b"IDAT", packer.compress(rows) + packer.flush(zlib.Z_SYNC_FLUSH))
    body = b"".join(packer.compress(rows) for _ in range(height // 100))
    body += packer.compress((b"\x00" + bytes(width)) * (height % 100)) + packer.flush()
    return head + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def write_vfr_video(path: Path, frames: list[np.ndarray], times: list[float]) -> None:
    """Write frames at the given presentation times (seconds): a variable-frame-rate video."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=30, options={"preset": "veryfast"})
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        for array, time in zip(frames, times, strict=True):
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            frame.pts = round(time * 1000)
            frame.time_base = Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def scene(height: int = 83, width: int = 97, seed: int = 0) -> np.ndarray:
    """A small RGB picture of odd size: colour ramps under noise, from black to white (so clipping shows)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / width, y * 255 / height, (x + y) * 255 / (width + height)], axis=-1)
    return np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)


def digest(*arrays: np.ndarray) -> str:
    """16 hex digits of the sha256 of arrays' shapes, dtypes and bytes: pins outputs bit for bit."""
    hashed = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        hashed.update(str((array.shape, array.dtype.str)).encode())
        hashed.update(array.tobytes())
    return hashed.hexdigest()[:16]
