"""Probe and stream video files with PyAV (FFmpeg), one frame at a time.

Frames are decoded in order and turned into upright RGB arrays only when the caller asks, so skipped frames
cost a decode but no conversion, and memory stays bounded whatever the length of the video. Timestamps come
from the stream (variable frame rates stay correct); the rotation flag of phone videos is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction

import av
import av.error
import numpy as np

from unmask.errors import CorruptMediaError, MediaLimitError, UnsupportedMediaError
from unmask.media.image import check_pixels
from unmask.media.types import Limits, MediaInfo

# Decoded frames may fall short of the container's count by this many (edit lists, dropped leading B-frames)
# before the video is reported as truncated.
_FRAME_COUNT_SLACK = 2


def _reason(err: av.error.FFmpegError) -> str:
    return str(err.strerror or err).strip() or type(err).__name__


def _open(name: str, container_format: str) -> av.container.InputContainer:
    try:
        return av.open(name, mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as err:
        raise CorruptMediaError(f"{name}: damaged or truncated {container_format} file ({_reason(err)})") from None


def _video_stream(name: str, container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        kinds = sorted({stream.type for stream in container.streams}) or ["nothing"]
        raise UnsupportedMediaError(f"{name}: no video stream (the file holds {', '.join(kinds)})")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # FFmpeg knows no decoder for it (an unknown or damaged codec tag)
        raise UnsupportedMediaError(f"{name}: the video stream's codec is unknown; it cannot be decoded")
    return stream


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _upright(array: np.ndarray, rotation: int) -> np.ndarray:
    """Turn a stored frame clockwise by ``rotation`` degrees (a multiple of 90)."""
    if rotation == 0:
        return array
    return np.ascontiguousarray(np.rot90(array, k=-(rotation // 90)))


def probe_video(name: str, container_format: str, limits: Limits) -> MediaInfo:
    """Describe a video from its container, decoding only its first frame (which also proves it decodes)."""
    with _open(name, container_format) as container:
        stream = _video_stream(name, container)
        context = stream.codec_context
        if context.width and context.height:
            check_pixels(name, context.width, context.height, limits)
        try:
            first = next(container.decode(stream), None)
        except av.error.FFmpegError as err:
            raise CorruptMediaError(f"{name}: first video frame cannot be decoded ({_reason(err)})") from None
        if first is None:
            raise CorruptMediaError(f"{name}: video stream holds no decodable frame")
        check_pixels(name, first.width, first.height, limits)
        rotation = int(-(first.rotation or 0)) % 360
        rotation = rotation if rotation in (90, 180, 270) else 0
        width, height = (first.height, first.width) if rotation in (90, 270) else (first.width, first.height)

        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else None
        duration = _seconds(stream.duration, stream.time_base)
        if duration is None and container.duration:
            duration = container.duration / av.time_base
        frame_count: int | None = stream.frames or None
        exact = frame_count is not None
        if frame_count is None and duration and fps:
            frame_count = max(1, round(duration * fps))
        return MediaInfo(
            path=name,
            kind="video",
            format=container.format.name.split(",")[0],
            codec=context.name,
            width=width,
            height=height,
            rotation=rotation,
            frame_count=frame_count,
            frame_count_exact=exact,
            fps=fps,
            duration_s=duration,
        )


def count_frames(name: str, container_format: str) -> int:
    """Count the frames of a video by reading its packets without decoding them."""
    with _open(name, container_format) as container:
        stream = _video_stream(name, container)
        try:
            return sum(1 for packet in container.demux(stream) if packet.size)
        except av.error.FFmpegError as err:
            raise CorruptMediaError(f"{name}: damaged or truncated video ({_reason(err)})") from None


def iter_video(name: str, info: MediaInfo, limits: Limits) -> Iterator[tuple[int, float, Callable[[], np.ndarray]]]:
    """Yield ``(index, time, decode)`` for each frame in presentation order; ``decode()`` gives its pixels.

    ``time`` counts seconds from the first frame. Raises :class:`CorruptMediaError` where decoding breaks
    off or ends well before the container's frame count, and :class:`MediaLimitError` past the limits.
    """
    with _open(name, info.format) as container:
        stream = _video_stream(name, container)
        stream.thread_type = "AUTO"
        fps = info.fps or 25.0
        start: float | None = None
        index = -1
        try:
            for frame in container.decode(stream):
                index += 1
                if index >= limits.max_frames:
                    raise MediaLimitError(f"{name}: more than {limits.max_frames} frames; refused")
                time_s = frame.time if frame.time is not None else index / fps
                start = time_s if start is None else start
                if time_s - start > limits.max_duration_s:
                    raise MediaLimitError(f"{name}: longer than the limit of {limits.max_duration_s:g} s; refused")
                yield index, time_s - start, lambda f=frame: _upright(f.to_ndarray(format="rgb24"), info.rotation)
        except av.error.FFmpegError as err:
            raise CorruptMediaError(
                f"{name}: video is damaged or truncated after frame {index} ({_reason(err)})"
            ) from None
    decoded = index + 1
    if info.frame_count_exact and info.frame_count and decoded + _FRAME_COUNT_SLACK < info.frame_count:
        raise CorruptMediaError(f"{name}: video ended after {decoded} of its {info.frame_count} frames (truncated?)")
