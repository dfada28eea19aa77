"""``unmask train-temporal``: the temporal branch, trained on real face tracks against same-person animations of
them; features once, model often.

The windows, their forgeries and laundering, and the features of both (:mod:`unmask.train.temporal_data`) are
the slow part; they are computed once and cached in ``RUN/features-<key>.npz``, whose key covers every setting
that changes them. The model (:mod:`unmask.train.temporal_net`) then trains on the cache in seconds, on random
sub-windows of 2 to ``window`` frames so that it scores short tracks too. It is exported to ONNX with dynamic
batch and time axes, with a model card draft beside it, and ``temporal.json`` records the run.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from unmask import __version__
from unmask.evaluate.metrics import roc_auc
from unmask.forge.animate import ANIMATION_KINDS
from unmask.forge.sources import TrackFrames, crop_contract, load_tracks, prepare_faces
from unmask.media import Sampling, sha256_of
from unmask.models.card import ModelCard, Threshold, training_folder, training_sources
from unmask.models.temporal import BURST_STEP_S, FEATURE_NAMES, FEATURES_VERSION, NUM_FEATURES
from unmask.train.config import TemporalConfig, ignore_arguments
from unmask.train.temporal_data import build_features, draw_jobs, split_tracks
from unmask.train.temporal_net import TemporalNet, export_onnx, score, train_step

MODEL_NAME = "unmask-temporal"


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
