"""Encode RGB frames into a video file, or one RGB picture into a JPEG: for samples, tests, benchmarks and
annotated output."""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import cv2
import numpy as np


def write_video(
    path: str | os.PathLike[str] | BinaryIO,
    frames: Iterable[np.ndarray],
    fps: float = 25.0,
    codec: str = "libx264",
    crf: int = 20,
    rotation: int = 0,
    repeatable: bool = False,
    audio: np.ndarray | None = None,
    sample_rate: int = 16_000,
    audio_codec: str = "aac",
) -> int:
    """Write RGB ``uint8`` frames of one size to ``path`` and return how many were written.

    ``rotation`` stores a display-rotation flag (degrees clockwise a player turns the picture), as phones do;
    the pixels themselves are written as given. Sizes are rounded down to even numbers, as H.264 requires.
    A binary file object (``io.BytesIO``) gets an MP4 container. With ``repeatable`` (libx264 only), the same
    frames always give the same stream: one thread and no rate-control lookahead, without which x264 here gives
    a different stream now and then for the same frames. ``audio`` (mono float samples in [-1, 1] at
    ``sample_rate``) adds a sound track from the first frame on, encoded with ``audio_codec`` (``aac`` for MP4,
    ``libopus`` for WebM, whose sound is 48 kHz).
    """
    options = {"crf": str(crf), "preset": "veryfast"} if codec == "libx264" else {}
    if repeatable and codec == "libx264":
        options.update(threads="1", **{"x264-params": "threads=1:lookahead-threads=1:sync-lookahead=0:rc-lookahead=0"})
    written = 0
    target, container_format = (os.fspath(path), None) if isinstance(path, (str, os.PathLike)) else (path, "mp4")
    with av.open(target, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001), options=options)
        stream.pix_fmt = "yuv420p"
        sound = None
        if audio is not None:  # every stream is added before the first packet is written
            sound = container.add_stream(audio_codec, rate=48_000 if "opus" in audio_codec else sample_rate)
            sound.layout = "mono"
        for array in frames:
            height, width = (array.shape[0] // 2) * 2, (array.shape[1] // 2) * 2
            if written == 0:
                stream.width, stream.height = width, height
                if rotation:
                    stream.set_display_rotation(-rotation)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array[:height, :width, :3]), format="rgb24")
            container.mux(stream.encode(frame))
            written += 1
        container.mux(stream.encode(None))
        if sound is not None:
            samples = np.clip(np.asarray(audio, dtype=np.float32).reshape(1, -1), -1, 1)
            frame = av.AudioFrame.from_ndarray(samples, format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = sample_rate, 0, Fraction(1, sample_rate)
            container.mux(sound.encode(frame))
            container.mux(sound.encode(None))
    return written


def write_jpeg(path: str | os.PathLike[str], image: np.ndarray, quality: int = 90) -> Path:
    """Write an RGB ``uint8`` picture as a JPEG (its folder made if missing); an unwritable path is an OSError."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out), cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)]):
        raise OSError(f"cannot write {out}")
    return out
