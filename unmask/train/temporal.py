"""Training the temporal branch: real face tracks against same-person animations of them, features once, model often.

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
That is the slow part; it runs once, in parallel, and is cached in ``RUN/features-<key>.npz``. The model (per
frame MLP, two residual temporal convolutions, mean and max over time) then trains on the cache in seconds,
on random sub-windows of 2 to ``window`` frames so that it scores short tracks too. It is exported to ONNX with
dynamic batch and time axes, with a model card draft beside it.
"""

from __future__ import annotations

import hashlib
import json
import math
import multiprocessing
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from unmask import __version__
from unmask.evaluate.metrics import roc_auc
from unmask.faces.detector import Detection
from unmask.faces.mesh import FaceMesh
from unmask.faces.regions import CHEEK_SIDES, LEFT_EYE_RING, NOSE_TIP, RIGHT_EYE_RING, UPPER_INNER_LIP
from unmask.forge.animate import ANIMATION_KINDS, make_clip_forgery
from unmask.forge.blend import Reconstructor
from unmask.forge.sources import TrackFrames, crop_contract, load_tracks, prepare_faces
from unmask.media import Sampling, launder, sha256_of
from unmask.models.card import ModelCard, Threshold, training_folder, training_sources
from unmask.models.temporal import BURST_STEP_S, FEATURE_NAMES, FEATURES_VERSION, NUM_FEATURES, track_features
from unmask.train.config import TemporalConfig, ignore_arguments

MODEL_NAME = "unmask-temporal"


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


# The model.


class TemporalNet(nn.Module):
    """Per-frame MLP, two residual 1D convolutions over time (kernel 3, dilations 1 and 2: a receptive field of 7
    frames), mean and max over time, and a linear logit. Standardisation of the features and the choice of the
    columns it reads (``keep``) are part of the model (buffers), so the ONNX graph takes the raw output of
    :func:`track_features`, all of its columns. Works at any number of frames (T >= 1)."""

    def __init__(
        self,
        features: int = NUM_FEATURES,
        hidden: int = 32,
        dropout: float = 0.3,
        keep: Sequence[int] | None = None,
    ) -> None:
        super().__init__()
        keep = list(range(features)) if keep is None else list(keep)
        if not keep or min(keep) < 0 or max(keep) >= features:
            raise ValueError(f"keep must name columns of the {features} features")
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("scale", torch.ones(features))
        self.register_buffer("keep", torch.tensor(keep, dtype=torch.int64))
        self.frame = nn.Sequential(
            nn.Linear(len(keep), hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.GELU()
        )
        self.conv1 = nn.Conv1d(hidden, hidden, 3, padding=1)
        self.conv2 = nn.Conv1d(hidden, hidden, 3, padding=2, dilation=2)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * hidden, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``B x T x F`` raw features -> ``B`` logits (positive: animated or re-rendered)."""
        x = torch.clamp((features - self.mean) / self.scale, -8.0, 8.0).index_select(2, self.keep)
        h = self.frame(x).transpose(1, 2)  # B x H x T
        h = h + nn.functional.gelu(self.conv1(h))
        h = h + nn.functional.gelu(self.conv2(h))
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)
        return self.head(pooled).squeeze(1)

    def standardise(self, features: np.ndarray) -> None:
        """Set ``mean`` and ``scale`` from training features (``... x F``)."""
        flat = features.reshape(-1, features.shape[-1]).astype(np.float64)
        self.mean.copy_(torch.from_numpy(flat.mean(axis=0)).float())
        self.scale.copy_(torch.from_numpy(np.maximum(flat.std(axis=0), 1e-3)).float())


def train_step(
    model: TemporalNet, optimiser: torch.optim.Optimizer, features: torch.Tensor, labels: torch.Tensor
) -> float:
    """One optimisation step on a batch (``B x T x F``, ``B`` labels of 0/1); returns the loss."""
    model.train()
    loss = nn.functional.binary_cross_entropy_with_logits(model(features), labels)
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    return float(loss.item())


@torch.no_grad()
def score(model: TemporalNet, features: np.ndarray, length: int | None = None) -> np.ndarray:
    """Probabilities for windows ``N x T x F`` (the first ``length`` frames of each when given)."""
    model.eval()
    if length is not None:
        features = features[:, :length]
    logits = model(torch.from_numpy(np.ascontiguousarray(features)))
    return torch.sigmoid(logits).numpy()


def export_onnx(model: TemporalNet, path: Path, frames: int = 16) -> None:
    """Write the model as ONNX: input ``features`` (batch x time x F, float32), output ``logit`` (batch), both
    axes dynamic."""
    model = model.cpu().eval()
    example = torch.randn(1, frames, model.mean.shape[0]) * model.scale + model.mean
    with warnings.catch_warnings():  # the TorchScript exporter is asked for on purpose: its graph is plain
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            model,
            (example,),
            str(path),
            input_names=["features"],
            output_names=["logit"],
            dynamic_axes={"features": {0: "batch", 1: "time"}, "logit": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


# The run.


def _cache_key(tracks: Sequence[TrackFrames], held: Sequence[TrackFrames], config: TemporalConfig) -> str:
    digest = hashlib.sha256()
    model_only = {"epochs", "batch", "lr", "weight_decay", "workers", "hidden", "dropout", "false_positive_rate"}
    model_only |= {"level_noise", "ignore"}
    settings = {key: value for key, value in asdict(config).items() if key not in model_only}
    digest.update(json.dumps([FEATURES_VERSION, settings], sort_keys=True).encode())
    if config.autoencoder:
        digest.update(sha256_of(config.autoencoder).encode())
    for track in (*tracks, *held):
        digest.update(f"{track.group}:{track.track}:{len(track)}:{track.crops[0]}".encode())
    return digest.hexdigest()[:12]


def auc_by_kind(real_scores: np.ndarray, fake_scores: np.ndarray, kinds: np.ndarray) -> dict[str, float]:
    """AUC of all real windows against the forgeries of each kind (``kinds``: one per forgery), and against all."""
    out: dict[str, float] = {}
    for kind in sorted(set(kinds.tolist())):
        chosen = fake_scores[kinds == kind]
        labels = np.r_[np.zeros(len(real_scores)), np.ones(len(chosen))]
        out[str(kind)] = round(roc_auc(labels, np.r_[real_scores, chosen]), 4)
    labels = np.r_[np.zeros(len(real_scores)), np.ones(len(fake_scores))]
    out["all"] = round(roc_auc(labels, np.r_[real_scores, fake_scores]), 4)
    return out


def held_out_windows(run_dir: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The held-out real and forged windows of a finished run (``N x T x F`` each, from its feature cache) and the
    kind of each forgery."""
    summary = json.loads((run_dir / "temporal.json").read_text(encoding="utf-8"))
    stored = np.load(run_dir / summary["feature_cache"])
    split = summary["windows"]["train"]
    return stored["real"][split:], stored["fake"][split:], stored["kinds"][split:]


def _metrics(model: TemporalNet, real: np.ndarray, fake: np.ndarray, kinds: np.ndarray, length: int | None) -> dict:
    return auc_by_kind(score(model, real, length), score(model, fake, length), kinds)


def _threshold(model: TemporalNet, real: np.ndarray, rate: float) -> float:
    """The score that ``rate`` of held-out real windows reach (at full length)."""
    return float(np.quantile(score(model, real), 1 - rate))


def _fit(
    real: np.ndarray,
    fake: np.ndarray,
    held: tuple[np.ndarray, np.ndarray, np.ndarray],
    config: TemporalConfig,
    log: Callable[[str], None],
) -> tuple[TemporalNet, list[dict[str, Any]]]:
    """Train on real and forged windows (``N x T x F`` each) for ``config.epochs``; each batch is cut to one
    random length of ``min_frames`` to ``window`` frames at random offsets, so that short tracks are scored as
    well as long ones, and each window's feature levels are shifted (``level_noise``). The held-out AUC is logged
    every 10 epochs (for reading, not for choosing a model: the last epoch's model is kept)."""
    keep = [number for number, name in enumerate(FEATURE_NAMES) if name not in set(config.ignore)]
    model = TemporalNet(hidden=config.hidden, dropout=config.dropout, keep=keep)
    model.standardise(np.concatenate([real, fake]))
    spread = (config.level_noise * model.scale.numpy()).astype(np.float32)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    train_x = np.concatenate([real, fake])
    train_y = np.r_[np.zeros(len(real)), np.ones(len(fake))].astype(np.float32)
    steps_per_epoch = math.ceil(len(train_x) / config.batch)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch
    )
    history: list[dict[str, Any]] = []
    bar = tqdm(range(config.epochs), desc="temporal", unit="epoch", dynamic_ncols=True)
    for epoch in bar:
        order = np.random.default_rng([config.seed, 13, epoch]).permutation(len(train_x))
        step_rng = np.random.default_rng([config.seed, 17, epoch])
        losses = []
        for start in range(0, len(order), config.batch):
            picks = order[start : start + config.batch]
            length = int(step_rng.integers(config.min_frames, config.window + 1))
            offsets = step_rng.integers(0, config.window - length + 1, size=len(picks))
            batch = np.stack([train_x[p, o : o + length] for p, o in zip(picks, offsets, strict=True)])
            if config.level_noise:
                batch = batch + step_rng.normal(size=(len(picks), 1, batch.shape[2])).astype(np.float32) * spread
            losses.append(train_step(model, optimiser, torch.from_numpy(batch), torch.from_numpy(train_y[picks])))
            scheduler.step()
        entry: dict[str, Any] = {"epoch": epoch + 1, "loss": round(float(np.mean(losses)), 4)}
        if (epoch + 1) % 10 == 0 or epoch + 1 == config.epochs:
            entry["held_out_auc"] = _metrics(model, *held, None)
            log(f"epoch {epoch + 1}: loss {entry['loss']:.4f}, held-out AUC {entry['held_out_auc']}")
        history.append(entry)
        bar.set_postfix(loss=entry["loss"], refresh=False)
    bar.close()
    return model, history


def train_temporal(
    inputs: list[str], run_dir: Path, config: TemporalConfig, log: Callable[[str], None] = print
) -> dict[str, Any]:
    """Extract (or reuse) the real tracks of ``inputs``, build (or reuse) the cached window features, train the
    temporal model, and write ``temporal.pt``, ``unmask-temporal.onnx``, the card draft ``unmask-temporal.json``
    and ``temporal.json`` (settings, data, history, held-out AUC per forgery kind) into ``run_dir``."""
    unknown = sorted(set(config.kinds) - set(ANIMATION_KINDS))
    if unknown or not config.kinds:
        raise ValueError(f"kinds must be taken from {list(ANIMATION_KINDS)}, got {config.kinds}")
    unknown = sorted(set(config.ignore) - set(FEATURE_NAMES))
    if unknown or len(set(config.ignore)) >= NUM_FEATURES:
        raise ValueError(f"ignore must name some (not all) of the features, got unknown {unknown}")
    if config.window < 2 or not 2 <= config.min_frames <= config.window:
        raise ValueError("window must be at least 2 and min_frames between 2 and window")
    started = time.perf_counter()
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    folders = prepare_faces(inputs, run_dir, Sampling(every_nth=config.every), log, progress=False)
    contract = crop_contract(folders)
    tracks = load_tracks(folders, config.min_face, min_length=config.window)
    if not tracks:
        raise ValueError(f"no face track of {config.window} frames in {', '.join(inputs)}")
    train_tracks, held_tracks = split_tracks(tracks, config.held_out, config.seed)
    if not held_tracks:
        raise ValueError("need at least two source videos: one to train on, one to hold out")
    log(
        f"{len(tracks)} tracks from {len({t.group for t in tracks})} videos; "
        f"held out: {len(held_tracks)} tracks of {len({t.group for t in held_tracks})} videos"
    )

    jobs, train_windows, held_windows = draw_jobs(train_tracks, held_tracks, config)
    cache = run_dir / f"features-{_cache_key(train_tracks, held_tracks, config)}.npz"
    tick = time.perf_counter()
    if cache.is_file():
        stored = np.load(cache)
        real, fake, details = stored["real"], stored["fake"], list(stored["details"])
        log(f"features from {cache}")
    else:
        real, fake, details = build_features(jobs, config)
        np.savez_compressed(cache, real=real, fake=fake, details=np.array(details), kinds=[j.kind for j in jobs])
    feature_seconds = time.perf_counter() - tick
    kinds = np.array([job.kind for job in jobs])
    split = len(train_windows)

    held_real, held_fake, held_kinds = real[split:], fake[split:], kinds[split:]
    tick = time.perf_counter()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small runs fastest on one thread; more only wait on each other
    try:
        model, history = _fit(real[:split], fake[:split], (held_real, held_fake, held_kinds), config, log)
    finally:
        torch.set_num_threads(threads)
    model_seconds = time.perf_counter() - tick

    torch.save(model.state_dict(), run_dir / "temporal.pt")
    onnx_path = run_dir / f"{MODEL_NAME}.onnx"
    export_onnx(model, onnx_path, config.window)
    held_out = {
        f"{config.window}_frames": _metrics(model, held_real, held_fake, held_kinds, None),
        "4_frames": _metrics(model, held_real, held_fake, held_kinds, 4),
        "2_frames": _metrics(model, held_real, held_fake, held_kinds, 2),
    }
    threshold = _threshold(model, held_real, config.false_positive_rate)
    # Each held-out video's real windows, scored: a video that the model finds fake as a whole shows here.
    held_sources = np.array([held_tracks[window.track].source for window in held_windows])
    real_scores, fake_scores = score(model, held_real), score(model, held_fake)
    by_video = {
        Path(source).name: {
            "real_mean": round(float(real_scores[held_sources == source].mean()), 4),
            "fake_mean": round(float(fake_scores[held_sources == source].mean()), 4),
            "windows": int((held_sources == source).sum()),
        }
        for source in sorted(set(held_sources.tolist()))
    }
    videos = sorted({(t.source, t.group) for t in tracks})
    listed = [
        {
            "file": Path(source).name,
            "folder": training_folder(source),
            "held_out": any(t.group == group for t in held_tracks),
            "tracks": sum(t.group == group for t in tracks),
            "crops": sum(len(t) for t in tracks if t.group == group),
        }
        for source, group in videos
    ]
    card = ModelCard(
        name=MODEL_NAME,
        version="1",
        file=onnx_path.name,
        sha256=sha256_of(onnx_path),
        kind="temporal",
        contract=contract,
        operating_point=Threshold(
            value=round(threshold, 4),
            rule=f"{config.false_positive_rate:.0%} of held-out real windows ({len(held_real)}, "
            f"{config.window} frames) score at or above it",
        ),
        features_version=FEATURES_VERSION,
        features=tuple(FEATURE_NAMES),
        features_read=tuple(name for name in FEATURE_NAMES if name not in set(config.ignore)),
        window=config.window,
        step_s=BURST_STEP_S,  # scans read a burst of `window` frames this far apart, as the training crops were
        input="features: batch x time x F float32 from unmask.models.temporal.track_features (time >= 2)",
        output="logit: batch; sigmoid gives the probability that the track was animated or re-rendered",
        training={
            "unmask_version": __version__,
            "command": f"unmask train-temporal {' '.join(inputs)} -o {run_dir} --windows {config.windows} "
            f"--epochs {config.epochs} --seed {config.seed}"
            + (f" --autoencoder {config.autoencoder}" if config.autoencoder else "")
            + f" --blur-share {config.blur:g} --noise-share {config.noise:g}"
            + "".join(f" --ignore {name}" for name in ignore_arguments(config.ignore)),
            "settings": asdict(config),
            "forgeries": "same-person animations of each real window (unmask.forge.animate: "
            f"{', '.join(config.kinds)}), laundered alike with their real window; no identity is ever swapped",
            "windows": {"train": split, "held_out": len(held_real), "forged_per_real": 1},
            "data": training_sources([source for source, _ in videos], unit="videos"),
            "videos": listed,
        },
        metrics={
            "held_out_window_auc": held_out,
            "note": "AUC of held-out real windows (whole files held out) against forgeries of them; a measure of "
            "how well the forgeries are learnt, not of performance on real-world fakes (see unmask eval)",
        },
    )
    card.save(run_dir / f"{MODEL_NAME}.json")
    summary = {
        "config": asdict(config),
        "inputs": inputs,
        "features_version": FEATURES_VERSION,
        "tracks": {"train": len(train_tracks), "held_out": len(held_tracks)},
        "windows": {"train": split, "held_out": len(held_real)},
        "forgeries": {
            kind: {
                "windows": int((kinds == kind).sum()),
                "autoencoder": sum(
                    str(d).startswith("autoencoder") for d, k in zip(details, kinds, strict=True) if k == kind
                ),
            }
            for kind in config.kinds
        },
        "feature_cache": cache.name,
        "feature_seconds": round(feature_seconds, 1),
        "model_seconds": round(model_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "held_out_auc": held_out,
        "held_out_by_video": by_video,
        "threshold": threshold,
        "history": history,
    }
    (run_dir / "temporal.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
