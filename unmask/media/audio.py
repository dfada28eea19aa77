"""A clip's sound track, decoded with PyAV (FFmpeg) to 16-kHz mono and streamed in blocks on the video's clock.

:func:`probe_audio` says whether a file has a sound track and how it lines up with the video (the first video
frame is time 0, as in :func:`~unmask.media.read_frames`). :func:`iter_audio` streams the samples of a span in
blocks of about a second, so memory stays bounded whatever the length of the clip; :func:`read_audio` gathers a
short span into one array. :func:`audio_problem` says, in words, what is wrong with a track for listening to it:
none at all, silence, or sound that stops well before the picture. Those are reported, not raised: a clip
without sound is still a clip. A file that cannot be opened, or a sound track that breaks off while decoding,
raises a :class:`~unmask.errors.MediaError` with a one-line message.
"""

from __future__ import annotations

import math
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import av
import av.error
import numpy as np

from unmask.errors import CorruptMediaError

SAMPLE_RATE = 16_000
"""Samples per second of the decoded sound."""
SILENT_PEAK = 10 ** (-60 / 20)
"""A track whose loudest sample stays under -60 dBFS is silent."""
SHORT_BY_S = 1.0
"""A track that ends more than this many seconds before the video is reported as short."""
MAX_READ_S = 600.0
"""The longest span :func:`read_audio` gathers into one array (longer spans are streamed)."""


@dataclass(frozen=True)
class AudioInfo:
    """A file's first sound track as its container describes it; ``codec`` None when there is none.

    ``start_s`` is when the track starts on the video's clock (negative when it starts before the first
    frame), ``duration_s`` its length where the container says, ``video_s`` the video's length where known.
    """

    path: str
    codec: str | None
    channels: int = 0
    rate: int = 0
    start_s: float = 0.0
    duration_s: float | None = None
    video_s: float | None = None

    @property
    def present(self) -> bool:
        return self.codec is not None


def _seconds(value: int | None, time_base: object) -> float | None:
    return None if value is None or time_base is None else float(value * time_base)


def _open(name: str) -> av.container.InputContainer:
    try:
        return av.open(name, mode="r", metadata_errors="ignore")
    except av.error.FFmpegError as err:
        raise CorruptMediaError(f"{name}: cannot be opened to read its sound ({err.strerror or err})") from None


def probe_audio(path: str | os.PathLike[str]) -> AudioInfo:
    """Describe the first sound track of ``path`` (an :class:`AudioInfo` whose ``codec`` is None when the file has
    none), from the container alone."""
    name = os.fspath(path)
    with _open(name) as container:
        if not container.streams.audio:
            video_s = container.duration / av.time_base if container.duration else None
            return AudioInfo(name, None, video_s=video_s)
        stream = container.streams.audio[0]
        origin = 0.0
        video_s = None
        if container.streams.video:
            video = container.streams.video[0]
            origin = _seconds(video.start_time, video.time_base) or 0.0
            video_s = _seconds(video.duration, video.time_base)
        if video_s is None and container.duration:
            video_s = container.duration / av.time_base
        start = _seconds(stream.start_time, stream.time_base)
        duration = _seconds(stream.duration, stream.time_base)
        context = stream.codec_context
        return AudioInfo(
            path=name,
            codec=context.name,
            channels=int(context.channels or 0),
            rate=int(context.sample_rate or 0),
            start_s=(start - origin) if start is not None else 0.0,
            duration_s=duration,
            video_s=video_s,
        )


def iter_audio(
    path: str | os.PathLike[str],
    start_s: float = 0.0,
    end_s: float | None = None,
    info: AudioInfo | None = None,
    block_s: float = 1.0,
) -> Iterator[tuple[float, np.ndarray]]:
    """Stream the sound of ``path`` from ``start_s`` to ``end_s`` (seconds on the video's clock; None: to the end)
    as ``(time, samples)`` blocks: 16-kHz mono float32 in [-1, 1], each about ``block_s`` long, the time of its
    first sample, one after the other without gaps. Nothing is yielded for a file without a sound track.

    Only one block (and what the decoder holds) is in memory at a time. Raises :class:`CorruptMediaError` where
    the track breaks off.
    """
    name = os.fspath(path)
    info = info or probe_audio(name)
    if not info.present:
        return
    if end_s is not None and end_s <= start_s:
        return
    block = max(1, round(block_s * SAMPLE_RATE))
    with _open(name) as container:
        stream = container.streams.audio[0]
        origin = (_seconds(stream.start_time, stream.time_base) or 0.0) - info.start_s  # the video's time 0
        if start_s > info.start_s + 1.0 and stream.time_base is not None:
            target = int((start_s + origin - 0.5) / stream.time_base)  # a little early: packets span some time
            try:
                container.seek(max(0, target), stream=stream, backward=True, any_frame=False)
            except av.error.FFmpegError:
                container.seek(0)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pending: list[np.ndarray] = []
        held = 0
        clock: float | None = None  # the time of the first sample held in ``pending``
        try:
            for frame in container.decode(stream):
                if clock is None:
                    clock = (frame.time - origin) if frame.time is not None else info.start_s
                for out in resampler.resample(frame):
                    pending.append(out.to_ndarray().reshape(-1))
                    held += pending[-1].size
                while held >= block:
                    samples = np.concatenate(pending)
                    rest = samples[block:]
                    pending, held = ([rest], rest.size) if rest.size else ([], 0)
                    clock, reached = yield from _emit(clock, samples[:block], start_s, end_s)
                    if reached:
                        return
            for out in resampler.resample(None):
                pending.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as err:
            raise CorruptMediaError(
                f"{name}: the sound track is damaged or truncated near {clock or 0.0:.1f} s ({err.strerror or err})"
            ) from None
        if pending and clock is not None:
            yield from _emit(clock, np.concatenate(pending), start_s, end_s)


def _emit(
    clock: float, chunk: np.ndarray, start_s: float, end_s: float | None
) -> Generator[tuple[float, np.ndarray], None, tuple[float, bool]]:
    """Yield the part of ``chunk`` (whose first sample is at ``clock``) inside ``[start_s, end_s)``; return the
    clock after it and whether ``end_s`` is reached. A generator so that :func:`iter_audio` can ``yield from``."""
    first = max(0, math.ceil((start_s - clock) * SAMPLE_RATE - 1e-6))
    last = chunk.size if end_s is None else min(chunk.size, max(0, round((end_s - clock) * SAMPLE_RATE)))
    if last > first:
        yield clock + first / SAMPLE_RATE, np.clip(chunk[first:last], -1.0, 1.0).astype(np.float32, copy=False)
    after = clock + chunk.size / SAMPLE_RATE
    return after, end_s is not None and after >= end_s


def read_audio(
    path: str | os.PathLike[str], start_s: float, end_s: float, info: AudioInfo | None = None
) -> tuple[float, np.ndarray]:
    """The sound of ``path`` from ``start_s`` to ``end_s`` (at most :data:`MAX_READ_S` seconds) as one array, with
    the time of its first sample: later than ``start_s`` where the track starts later, and an empty array for a
    file without sound."""
    if end_s - start_s > MAX_READ_S:
        raise ValueError(f"read_audio gathers at most {MAX_READ_S:g} s, not {end_s - start_s:g}; stream longer spans")
    blocks = list(iter_audio(path, start_s, end_s, info))
    if not blocks:
        return max(start_s, 0.0), np.zeros(0, np.float32)
    return blocks[0][0], np.concatenate([samples for _, samples in blocks])


def audio_problem(info: AudioInfo, heard_s: float, peak: float) -> str | None:
    """What keeps a sound track from being listened to, in words, or None: no track, silence (its loudest sample
    ``peak`` under -60 dBFS), or nothing decoded. ``heard_s`` is how many seconds of it were decoded."""
    if not info.present:
        return "the file has no sound track"
    if heard_s <= 0:
        return "the sound track holds no decodable sound"
    if peak < SILENT_PEAK:
        return f"the sound track is silent ({heard_s:.1f} s, all under -60 dBFS)"
    return None


def audio_note(info: AudioInfo, heard_s: float) -> str | None:
    """A remark on a usable track: where it ends more than :data:`SHORT_BY_S` before the video, it says so."""
    ends = info.start_s + heard_s
    if info.present and info.video_s is not None and heard_s > 0 and ends < info.video_s - SHORT_BY_S:
        return f"the sound stops at {ends:.1f} s of a {info.video_s:.1f}-s video"
    return None
