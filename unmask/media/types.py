"""Plain data that the media layer hands on: decoded frames, probe results, limits and frame sampling."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

MediaKind = Literal["image", "video"]


@dataclass(frozen=True)
class Limits:
    """Bounds that protect against inputs too big to process; exceeding one is a :class:`MediaLimitError`.

    ``max_pixels`` applies to a still image and to each video frame, and is checked from the file's header,
    before any pixel is decoded (a decompression bomb is refused without being unpacked).
    """

    max_pixels: int = 100_000_000
    max_duration_s: float = 3 * 3600.0
    max_frames: int = 500_000

    def __post_init__(self) -> None:
        if self.max_pixels < 1 or self.max_frames < 1 or self.max_duration_s <= 0:
            raise ValueError(f"limits must be positive: {self}")


def _ordinal(number: int) -> str:
    """2nd, 3rd, 4th, 11th, 21st..."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


@dataclass(frozen=True)
class Sampling:
    """Which frames of a video to decode into pixels.

    By default every frame. ``every_nth`` keeps frames 0, N, 2N...; ``max_fps`` keeps at most that many frames
    per second of video time (right for variable frame rates); both may be combined. ``count`` instead keeps
    that many frames evenly spaced over the whole video, first and last included, and excludes the other two.
    """

    every_nth: int = 1
    count: int | None = None
    max_fps: float | None = None

    def __post_init__(self) -> None:
        if self.every_nth < 1:
            raise ValueError(f"every_nth must be at least 1, not {self.every_nth}")
        if self.count is not None and self.count < 1:
            raise ValueError(f"count must be at least 1, not {self.count}")
        if self.max_fps is not None and not self.max_fps > 0:
            raise ValueError(f"max_fps must be positive, not {self.max_fps}")
        if self.count is not None and (self.every_nth != 1 or self.max_fps is not None):
            raise ValueError("count (evenly spaced frames) cannot be combined with every_nth or max_fps")

    def describe(self) -> str:
        """A short human-readable summary, e.g. ``every 5th frame, at most 2 fps``."""
        if self.count is not None:
            return f"{self.count} evenly spaced frames"
        parts = ["every frame" if self.every_nth == 1 else f"every {_ordinal(self.every_nth)} frame"]
        if self.max_fps is not None:
            parts.append(f"at most {self.max_fps:g} fps")
        return ", ".join(parts)


def spread_indices(count: int, frame_count: int) -> set[int]:
    """The indices of ``count`` frames evenly spaced over ``frame_count``, first and last included."""
    return {int(i) for i in np.linspace(0, frame_count - 1, min(count, frame_count)).round()}


@dataclass(frozen=True)
class Burst:
    """A run of ``frames`` frames about ``step_s`` seconds apart (a whole number of frames, at least one),
    centred in the video: what a model trained on short windows of a clip reads, whatever the clip's length.
    A video shorter than the run gives what it has, from its first frame."""

    frames: int
    step_s: float

    def __post_init__(self) -> None:
        if self.frames < 1:
            raise ValueError(f"a burst needs at least 1 frame, not {self.frames}")
        if not self.step_s > 0:
            raise ValueError(f"the step of a burst must be positive, not {self.step_s}")

    def step(self, fps: float | None) -> int:
        """Frames between two frames of the burst at ``fps`` (25 where the rate is unknown)."""
        return max(1, round(self.step_s * (fps or 25.0)))

    def indices(self, frame_count: int, fps: float | None) -> set[int]:
        step = self.step(fps)
        span = (self.frames - 1) * step + 1
        start = max(0, (frame_count - span) // 2)
        return set(range(start, min(frame_count, start + span), step))

    def describe(self, fps: float | None = None) -> str:
        if fps is None:
            return f"a burst of {self.frames} frames {self.step_s:g} s apart"
        step = self.step(fps)
        return f"a burst of {self.frames} frames, every {_ordinal(step)} ({step / fps:.3g} s apart)"


@dataclass(frozen=True)
class Window:
    """Every frame from ``start_s`` to ``end_s`` (seconds from the first frame, end excluded), or with ``step_s``
    every frame about that far apart (a whole number of frames, at least one: every ``step(fps)``-th frame of the
    clip): a run of close frames at the clip's own rate, as a measurement of motion over a stretch of time needs
    (the speech cue reads the mouth over a stretch of speech)."""

    start_s: float
    end_s: float
    step_s: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.start_s) and math.isfinite(self.end_s)) or self.end_s <= self.start_s:
            raise ValueError(f"a window needs a start before its end, not {self.start_s:g} to {self.end_s:g}")
        if self.step_s is not None and not self.step_s > 0:
            raise ValueError(f"the step of a window must be positive, not {self.step_s}")

    def __contains__(self, time: object) -> bool:
        return isinstance(time, (int, float)) and self.start_s <= time < self.end_s

    def step(self, fps: float | None) -> int:
        """Frames between two frames of the window at ``fps`` (25 where the rate is unknown)."""
        return 1 if self.step_s is None else max(1, round(self.step_s * (fps or 25.0)))

    def takes(self, index: int, time: float, fps: float | None) -> bool:
        """Whether frame ``index``, at ``time`` seconds, is one of the window's (every ``step(fps)``-th frame of
        the clip within it)."""
        return time in self and index % self.step(fps) == 0

    def frames(self, fps: float | None) -> int:
        """About how many frames the window holds at ``fps`` (25 where the rate is unknown)."""
        return max(1, round((self.end_s - self.start_s) * (fps or 25.0) / self.step(fps)))

    def describe(self, fps: float | None = None) -> str:
        span = f"from {self.start_s:.2f} s to {self.end_s:.2f} s"
        step = self.step(fps)
        if step == 1:
            return f"every frame {span}"
        return f"every {_ordinal(step)} frame ({step / (fps or 25.0):.3g} s apart) {span}"


@dataclass(frozen=True)
class MediaInfo:
    """What a probe learns about a file without decoding all of it.

    ``width`` and ``height`` are the displayed size, after EXIF orientation or the video's rotation flag;
    ``rotation`` is how many degrees clockwise the stored picture is turned to display it upright.
    ``frame_count`` is 1 for a still image; for a video it comes from the container, or is estimated from
    duration and frame rate when the container does not say (then ``frame_count_exact`` is False).
    """

    path: str
    kind: MediaKind
    format: str
    codec: str
    width: int
    height: int
    rotation: int = 0
    frame_count: int | None = 1
    frame_count_exact: bool = True
    fps: float | None = None
    duration_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded picture: an upright RGB ``uint8`` array of shape (height, width, 3).

    ``index`` counts decoded frames from 0 (a still image is frame 0); ``time`` is the presentation time in
    seconds from the start of the video, None for a still image. ``sampled``: the :class:`Sampling` asked for
    it; ``burst``: it belongs to the :class:`Burst` asked for; ``window``: to the :class:`Window` asked for (a
    frame may be all three).
    """

    image: np.ndarray
    index: int = 0
    time: float | None = None
    sampled: bool = True
    burst: bool = False
    window: bool = False

    @property
    def in_run(self) -> bool:
        """Read as one of a run of close frames (a burst or a window), whose faces can be followed from frame
        to frame."""
        return self.burst or self.window

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


def expected_frames(
    info: MediaInfo, sampling: Sampling, burst: Burst | None = None, window: Window | None = None
) -> int | None:
    """How many frames ``sampling`` (and ``burst``, and ``window``) will keep of this media (approximate when the
    frame count is, and an upper bound with a window), or None."""
    if info.frame_count is None:
        return None
    if info.kind == "image" or info.frame_count == 1:
        return 1
    extra = 0 if window is None else window.frames(info.fps)
    if sampling.count is not None:
        wanted = spread_indices(sampling.count, info.frame_count)
        if burst is not None:
            wanted |= burst.indices(info.frame_count, info.fps)
        return min(info.frame_count, len(wanted) + extra)
    expected = -(-info.frame_count // sampling.every_nth)
    if sampling.max_fps is not None and info.duration_s:
        expected = min(expected, int(info.duration_s * sampling.max_fps) + 1)
    if burst is not None:  # an upper bound: burst frames the sampling keeps anyway are counted twice
        expected = min(info.frame_count, expected + burst.frames)
    return min(info.frame_count, expected + extra)
