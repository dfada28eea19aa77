"""Plain data that the media layer hands on: decoded frames, probe results, limits and frame sampling."""

from __future__ import annotations

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
    seconds from the start of the video, None for a still image.
    """

    image: np.ndarray
    index: int = 0
    time: float | None = None

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


def expected_frames(info: MediaInfo, sampling: Sampling) -> int | None:
    """How many frames ``sampling`` will keep of this media (approximate when the frame count is), or None."""
    if info.frame_count is None:
        return None
    if sampling.count is not None:
        return min(sampling.count, info.frame_count)
    expected = -(-info.frame_count // sampling.every_nth)
    if sampling.max_fps is not None and info.duration_s:
        expected = min(expected, int(info.duration_s * sampling.max_fps) + 1)
    return expected
