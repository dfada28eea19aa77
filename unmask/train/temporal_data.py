"""The temporal branch's training data: real face tracks, windows of them, and a forgery of each window, laundered
alike with it and turned into features.

Real clips come from ``unmask faces`` output folders of real videos (an input that is not one is extracted
first, every ``every``-th frame, into ``RUN/faces-N``). Crops are grouped by (file, track) into sequences in
frame order; whole files (by content, so a file copied into two folders counts once) are held out for
validation. A *window* is ``window`` frames of one track taken at a random spacing (1 to ``max_stride``
extracted frames apart), so that the time step spans what 32 evenly spaced frames of a 2-20 s clip give.

For each window a forgery of the same frames is made (:func:`unmask.forge.animate.make_clip_forgery`, the kinds
in turn), then real and forged windows go through the same laundering (one draw per pair, applied to every
frame: JPEG, down- and up-scaling, brightness and contrast, and for a share of windows the whole window coded as
H.264), landmarks are found again on every laundered frame (at inference they come from the face mesh on the
frame as it is, so a lip-synced mouth has the landmarks of the mouth that was drawn), and
:func:`unmask.models.temporal.track_features` turns both into ``T x F`` features.
That is the slow part of a run; :func:`build_features` does it in parallel, and the run
(:mod:`unmask.train.temporal_loop`) caches the result in ``RUN/features-<key>.npz``.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from tqdm import tqdm

from unmask.faces.detector import Detection
from unmask.faces.mesh import FaceMesh
from unmask.faces.regions import CHEEK_SIDES, LEFT_EYE_RING, NOSE_TIP, RIGHT_EYE_RING, UPPER_INNER_LIP
from unmask.forge.animate import make_clip_forgery
from unmask.forge.blend import Reconstructor
from unmask.forge.sources import TrackFrames
from unmask.media import launder
from unmask.models.temporal import NUM_FEATURES, track_features
from unmask.train.config import TemporalConfig

# Real tracks and windows.


def split_tracks(
    tracks: Sequence[TrackFrames], held_out: float, seed: int
) -> tuple[list[TrackFrames], list[TrackFrames]]:
    """Hold out whole files (all tracks of a video): a shuffled run of files until about ``held_out`` of the
    frames is reached, never all of them. Files are never split between the two sides."""
    groups = sorted({track.group for track in tracks})
    rng = np.random.default_rng([seed, 7])
    order = [groups[i] for i in rng.permutation(len(groups))]
    sizes = {group: sum(len(t) for t in tracks if t.group == group) for group in groups}
    total = sum(sizes.values())
    held: set[str] = set()
    for group in order:
        if len(held) + 1 >= len(groups) or sum(sizes[g] for g in held) >= held_out * total:
            break
        held.add(group)
    return [t for t in tracks if t.group not in held], [t for t in tracks if t.group in held]


@dataclass(frozen=True)
class Window:
    """``frames`` (positions in one track's crop list, increasing) of track number ``track``."""

    track: int
    positions: tuple[int, ...]
    stride: int


def sample_windows(
    tracks: Sequence[TrackFrames], count: int, window: int, max_stride: int, rng: np.random.Generator
) -> list[Window]:
    """``count`` windows of ``window`` frames, each from one track, at a random spacing of 1 to ``max_stride``
    crops (less where the track is short). Tracks are drawn in proportion to the square root of their length,
    so that one long clip does not make the whole set. Tracks shorter than ``window`` are not used."""
    usable = [number for number, track in enumerate(tracks) if len(track) >= window]
    if not usable:
        raise ValueError(f"no track has {window} frames: extract more frames or shorten the window")
    weights = np.sqrt([len(tracks[number]) for number in usable])
    picks = rng.choice(usable, size=count, p=weights / weights.sum())
    windows = []
    for number in picks:
        length = len(tracks[number])
        stride = int(rng.integers(1, min(max_stride, (length - 1) // max(1, window - 1)) + 1))
        start = int(rng.integers(0, length - (window - 1) * stride))
        windows.append(Window(int(number), tuple(range(start, start + window * stride, stride)), stride))
    return windows


# Making the pairs (run in worker processes).


@dataclass(frozen=True)
class Launder:
    """One laundering draw, applied to every frame of a real window and its forgery alike: down- and up-scaling,
    contrast and brightness, JPEG per frame, then (``crf``) the whole window encoded as one H.264 stream, whose
    inter-frame coding makes texture stick from frame to frame in real clips too; last, after all coding, a
    Gaussian blur and added Gaussian noise, drawn fresh for every frame (sensor noise, a clip filmed off a screen)
    or one pattern for all of them (fixed-pattern noise, a static overlay). Without these, 1.3.0 read added noise
    as a sign of real video and ranked FF++ nearly upside down under the ladder's noise; 1.4.0, trained with them,
    holds up better under noise and worse on clean clips (BENCHMARKS.md). The operations are
    :mod:`unmask.media.launder`'s, which the robustness ladder also calls (its docstring maps the names)."""

    quality: int | None  # JPEG quality, or None for no re-encoding
    scale: float  # down-scale factor before scaling back up (1: none)
    gain: float  # contrast
    bias: float  # brightness, in grey levels
    crf: int | None = None  # H.264 constant rate factor of the window, or None for none
    blur: float = 0.0  # sigma (pixels) of a Gaussian blur of every frame after coding (0: none)
    noise: float = 0.0  # sigma (grey levels) of Gaussian noise added to every frame after coding (0: none)
    fixed_noise: bool = False  # one noise pattern for every frame of the window instead of a fresh one each
    seed: int = 0  # of the noise, so that a draw launders the real window and its forgery with the same noise

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        h264: float = TemporalConfig.h264,
        low_resolution: float = TemporalConfig.low_resolution,
        blur: float = TemporalConfig.blur,
        noise: float = TemporalConfig.noise,
    ) -> Launder:
        """``h264``: the share of windows encoded as video (most of them after a light JPEG, as a clip that was
        shared twice); ``low_resolution``: the share rendered at 0.35-0.9 of their size and scaled back;
        ``blur``: the share blurred after coding (sigma 0.5-2 px); ``noise``: the share given noise after coding
        (sigma 2-12 grey levels; fresh in each frame for two in three of them, one pattern for the rest)."""
        video = rng.random() < h264
        if video:
            quality = int(rng.integers(70, 101)) if rng.random() < 0.5 else None
            crf = int(rng.integers(18, 39))
        else:
            quality = int(rng.integers(40, 101)) if rng.random() < 0.9 else None
            crf = None
        scale = float(rng.uniform(0.35, 0.9)) if rng.random() < low_resolution else 1.0
        jitter = rng.random() < 0.5
        gain = float(rng.uniform(0.9, 1.1)) if jitter else 1.0
        bias = float(rng.uniform(-10, 10)) if jitter else 0.0
        # Drawn only when asked for, so that a run without them draws what runs before them drew.
        sigma = float(rng.uniform(0.5, 2.0)) if blur and rng.random() < blur else 0.0
        level, fixed, seed = 0.0, False, 0
        if noise and rng.random() < noise:
            level, fixed, seed = float(rng.uniform(2.0, 12.0)), bool(rng.random() < 1 / 3), int(rng.integers(2**31))
        return cls(quality, scale, gain, bias, crf, sigma, level, fixed, seed)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        out = []
        for frame in frames:
            if self.scale < 1:
                frame = launder.scale(frame, self.scale, back_up=True, min_side=8)
            if self.gain != 1 or self.bias:
                frame = launder.levels(frame, self.gain, self.bias)
            if self.quality is not None:
                frame = launder.jpeg(frame, self.quality)
            out.append(frame)
        stacked = np.stack(out)
        if self.crf is not None:
            stacked = launder.h264(stacked, self.crf)
        if self.blur > 0:
            stacked = np.stack([launder.blur(frame, self.blur) for frame in stacked])
        if self.noise > 0:
            # One pattern from the seed for every frame, or a fresh draw for each from one generator.
            rng = self.seed if self.fixed_noise else np.random.default_rng(self.seed)
            stacked = np.stack([launder.noise(frame, self.noise, rng, dtype=np.float32) for frame in stacked])
        return stacked


@dataclass(frozen=True)
class Shares:
    """The share of windows given each laundering of :meth:`Launder.draw` (from :class:`TemporalConfig`)."""

    h264: float = TemporalConfig.h264
    low_resolution: float = TemporalConfig.low_resolution
    blur: float = TemporalConfig.blur
    noise: float = TemporalConfig.noise

    @classmethod
    def of(cls, config: TemporalConfig) -> Shares:
        return cls(config.h264, config.low_resolution, config.blur, config.noise)


def redetect(mesh: FaceMesh, frames: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """The face mesh run again on each frame, started from a box around the old landmarks: what inference
    would find on these pixels (a re-drawn mouth gets its own landmarks, not the real frame's)."""
    out = []
    for frame, points in zip(frames, landmarks, strict=True):
        xy = points[:, :2]
        low, high = xy.min(axis=0), xy.max(axis=0)
        # The detector's six keypoints: the eyes, the nose tip, the mouth's centre, and for the ears the widest
        # points of the face oval.
        keypoints = np.stack(
            [
                xy[list(LEFT_EYE_RING)].mean(axis=0),
                xy[list(RIGHT_EYE_RING)].mean(axis=0),
                xy[NOSE_TIP],
                xy[UPPER_INNER_LIP],
                *xy[list(CHEEK_SIDES)],
            ]
        ).astype(np.float32)
        detection = Detection(np.concatenate([low, high]).astype(np.float32), keypoints, 1.0)
        found, _ = mesh(frame, detection)
        out.append(found if np.isfinite(found).all() else points)
    return np.stack(out).astype(np.float32)


_WORKER: dict[str, Any] = {}


def _init_worker(autoencoder: str | None, redetect_landmarks: bool, single_thread: bool = True) -> None:
    if single_thread:  # one process per core: threads inside each would only fight
        cv2.setNumThreads(1)
        torch.set_num_threads(1)
    _WORKER["mesh"] = FaceMesh(num_threads=1) if redetect_landmarks else None
    reconstruct: Reconstructor | None = None
    if autoencoder:
        from unmask.train.autoencoder import load_reconstructor

        reconstruct = load_reconstructor(autoencoder)
    _WORKER["reconstruct"] = reconstruct


@dataclass(frozen=True)
class _Job:
    number: int
    seed: int
    crops: tuple[str, ...]
    landmarks: tuple[str, ...]
    times: tuple[float, ...]
    kind: str
    shares: Shares


def load_window(job: _Job) -> tuple[np.ndarray, np.ndarray]:
    """The real crops (T x H x W x 3, RGB) and landmarks (T x 468 x 3) of a job's window."""
    frames = []
    for path in job.crops:
        image = cv2.imread(path, cv2.IMREAD_COLOR)
        if image is None:
            raise OSError(f"cannot read {path}")
        frames.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    return np.stack(frames), np.stack([np.load(path) for path in job.landmarks])


def make_pair(
    frames: np.ndarray,
    landmarks: np.ndarray,
    times: np.ndarray | None,
    kind: str,
    rng: np.random.Generator,
    mesh: FaceMesh | None = None,
    reconstruct: Reconstructor | None = None,
    shares: Shares = Shares(),
) -> tuple[np.ndarray, np.ndarray, str]:
    """Features of a real window and of its same-person forgery of ``kind``, laundered alike: ``(real, fake,
    detail)``, each ``T x F``. With ``mesh``, landmarks are found again on the laundered frames of both."""
    real, fake, detail = forge_pair(frames, landmarks, kind, rng, reconstruct, shares)
    out = []
    for laundered in (real, fake):
        marks = redetect(mesh, laundered, landmarks) if mesh is not None else landmarks
        out.append(track_features(laundered, marks, times))
    return out[0], out[1], detail


def forge_pair(
    frames: np.ndarray,
    landmarks: np.ndarray,
    kind: str,
    rng: np.random.Generator,
    reconstruct: Reconstructor | None = None,
    shares: Shares = Shares(),
) -> tuple[np.ndarray, np.ndarray, str]:
    """A real window and its same-person forgery of ``kind``, laundered alike: ``(real, fake, detail)``, the frames
    that :func:`make_pair` takes its features from (the same draws from ``rng``)."""
    forgery = make_clip_forgery(frames, landmarks, rng, reconstruct, kinds=(kind,))
    laundering = Launder.draw(rng, **asdict(shares))
    return laundering(frames), laundering(forgery.frames), forgery.detail


def _run_job(job: _Job) -> tuple[int, np.ndarray, np.ndarray, str]:
    frames, landmarks = load_window(job)
    times = np.array(job.times) if all(math.isfinite(t) for t in job.times) else None
    rng = np.random.default_rng(job.seed)
    real, fake, detail = make_pair(
        frames,
        landmarks,
        times,
        job.kind,
        rng,
        _WORKER.get("mesh"),
        _WORKER.get("reconstruct"),
        job.shares,
    )
    return job.number, real, fake, detail


def _jobs(tracks: Sequence[TrackFrames], windows: Sequence[Window], config: TemporalConfig, offset: int) -> list[_Job]:
    jobs = []
    for number, window in enumerate(windows, start=offset):
        track = tracks[window.track]
        jobs.append(
            _Job(
                number=number,
                seed=int(np.random.SeedSequence([config.seed, 11, number]).generate_state(1)[0]),
                crops=tuple(track.crops[p] for p in window.positions),
                landmarks=tuple(track.landmarks[p] for p in window.positions),
                times=tuple(track.times[p] for p in window.positions),
                kind=config.kinds[number % len(config.kinds)],
                shares=Shares.of(config),
            )
        )
    return jobs


def draw_jobs(
    train_tracks: Sequence[TrackFrames], held_tracks: Sequence[TrackFrames], config: TemporalConfig
) -> tuple[list[_Job], list[Window], list[Window]]:
    """The windows of a run (training ones first, then held-out ones: 15% of ``config.windows`` by default) and a
    job for each: its forgery kind and seed. The same tracks and config always give the same jobs."""
    rng = np.random.default_rng([config.seed, 5])
    held_count = max(len(config.kinds), round(config.windows * config.held_out))
    train_windows = sample_windows(train_tracks, config.windows - held_count, config.window, config.max_stride, rng)
    held_windows = sample_windows(held_tracks, held_count, config.window, config.max_stride, rng)
    jobs = _jobs(train_tracks, train_windows, config, 0) + _jobs(held_tracks, held_windows, config, len(train_windows))
    return jobs, train_windows, held_windows


def build_features(
    jobs: Sequence[_Job], config: TemporalConfig, progress: bool = True
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Real and forged features (``N x T x F`` each) and the forgery details of ``jobs``, in job order, computed
    by ``config.workers`` processes (results do not depend on how many)."""
    real = np.zeros((len(jobs), config.window, NUM_FEATURES), np.float32)
    fake = np.zeros_like(real)
    details = [""] * len(jobs)
    position = {job.number: i for i, job in enumerate(jobs)}
    bar = tqdm(total=len(jobs), desc="features", unit="window", disable=not progress, dynamic_ncols=True)
    init = (config.autoencoder, config.redetect)
    if config.workers > 1:
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with context.Pool(config.workers, initializer=_init_worker, initargs=init) as pool:
            for number, r, f, detail in pool.imap_unordered(_run_job, jobs, chunksize=4):
                i = position[number]
                real[i], fake[i], details[i] = r, f, detail
                bar.update(1)
    else:
        _init_worker(*init, single_thread=False)
        for job in jobs:
            number, r, f, detail = _run_job(job)
            i = position[number]
            real[i], fake[i], details[i] = r, f, detail
            bar.update(1)
    bar.close()
    return real, fake, details


# A finished run's windows.


def held_out_windows(run_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The held-out real and forged windows of a finished run (``N x T x F`` each, from its feature cache) and the
    kind of each forgery."""
    summary = json.loads((run_dir / "temporal.json").read_text(encoding="utf-8"))
    stored = np.load(run_dir / summary["feature_cache"])
    split = summary["windows"]["train"]
    return stored["real"][split:], stored["fake"][split:], stored["kinds"][split:]
