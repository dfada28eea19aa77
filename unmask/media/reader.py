"""One way in for every input: ``probe`` describes a file, ``read_frames`` streams its sampled frames.

The kind of file is decided by its content (see :mod:`unmask.media.sniff`), limits are checked before
decoding, and a still image is simply a video of one frame, so callers need a single loop for both.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator

import numpy as np

from unmask.errors import MediaLimitError
from unmask.media import image as image_codec
from unmask.media import video as video_codec
from unmask.media.sniff import sniff
from unmask.media.types import Burst, Frame, Limits, MediaInfo, Sampling, Window, spread_indices


def probe(path: str | os.PathLike[str], limits: Limits = Limits()) -> MediaInfo:
    """Describe the image or video at ``path``: kind, displayed size, duration, fps, frame count and codec.

    Raises a :class:`~unmask.errors.MediaError` subclass, with a one-line message, for anything that is not
    readable media or exceeds ``limits``.
    """
    name = os.fspath(path)
    signature = sniff(name)
    if signature.kind == "image":
        info = image_codec.probe_image(name, limits)
    else:
        info = video_codec.probe_video(name, signature.format, limits)
    if info.duration_s is not None and info.duration_s > limits.max_duration_s:
        raise MediaLimitError(
            f"{name}: {info.duration_s:.0f} s long, over the limit of {limits.max_duration_s:g} s; refused"
        )
    if info.frame_count_exact and info.frame_count and info.frame_count > limits.max_frames:
        raise MediaLimitError(f"{name}: {info.frame_count} frames, over the limit of {limits.max_frames}; refused")
    return info


def read_image(path: str | os.PathLike[str], limits: Limits = Limits()) -> np.ndarray:
    """Decode a still image (or the first frame of a video) into an upright RGB ``uint8`` array."""
    frames = read_frames(path, Sampling(count=1), limits)
    try:
        return next(frames).image
    finally:
        frames.close()


class FrameSelector:
    """Decides, frame by frame, which frames a :class:`Sampling` keeps, and which belong to the ``burst``.

    ``frame_count`` is needed only for ``Sampling.count`` and for a burst; ``time`` is in seconds from the
    first frame. ``last_index`` is the last frame wanted, where that is known before the end.
    """

    def __init__(
        self, sampling: Sampling, frame_count: int | None = None, burst: Burst | None = None, fps: float | None = None
    ) -> None:
        self.sampling = sampling
        self._wanted: set[int] | None = None
        self.burst: set[int] = set()
        self.last_index: int | None = None
        if (sampling.count is not None or burst is not None) and not frame_count:
            raise ValueError("evenly spaced sampling and bursts need the number of frames")
        if burst is not None and frame_count:
            self.burst = burst.indices(frame_count, fps)
        if sampling.count is not None and frame_count:
            self._wanted = spread_indices(sampling.count, frame_count)
            self.last_index = max(self._wanted | self.burst)
        self._last_bucket: int | None = None

    def __call__(self, index: int, time: float) -> bool:
        if self._wanted is not None:
            return index in self._wanted
        if index % self.sampling.every_nth:
            return False
        if self.sampling.max_fps is not None:
            # One frame per 1/max_fps slot of video time: right for variable frame rates too.
            bucket = math.floor(time * self.sampling.max_fps + 1e-6)
            if bucket == self._last_bucket:
                return False
            self._last_bucket = bucket
        return True


def read_frames(
    path: str | os.PathLike[str],
    sampling: Sampling = Sampling(),
    limits: Limits = Limits(),
    info: MediaInfo | None = None,
    burst: Burst | None = None,
    window: Window | None = None,
) -> Iterator[Frame]:
    """Stream the frames of an image or video that ``sampling`` keeps, and those of ``burst`` and ``window`` if
    given, as upright RGB :class:`Frame` objects in order (each says which of them wanted it).

    A still image yields one frame (index 0, time None). Only one frame is held at a time. Pass ``info`` from
    an earlier :func:`probe` of the same file to skip probing it again.
    """
    name = os.fspath(path)
    info = info or probe(name, limits)
    if info.kind == "image":
        yield Frame(image=image_codec.read_image(name, limits), index=0, time=None)
        return
    source: Iterator[tuple[int, float, Callable[[], np.ndarray]]]
    frame_count = info.frame_count
    if info.format in image_codec.PILLOW_FORMATS:  # an animated image: Pillow's format names, not FFmpeg's
        source = image_codec.iter_animation(name, limits)
    else:
        if (sampling.count is not None or burst is not None) and not info.frame_count_exact:
            frame_count = video_codec.count_frames(name, info.format)
        source = video_codec.iter_video(name, info, limits)
    keep = FrameSelector(sampling, frame_count, burst, info.fps)
    try:
        for index, time, decode in source:
            sampled, in_burst = keep(index, time), index in keep.burst
            in_window = window is not None and window.takes(index, time, info.fps)
            if sampled or in_burst or in_window:
                yield Frame(image=decode(), index=index, time=time, sampled=sampled, burst=in_burst, window=in_window)
            if keep.last_index is not None and index >= keep.last_index and (window is None or time >= window.end_s):
                break
    finally:
        source.close()  # release the decoder now, also when the caller stops early
