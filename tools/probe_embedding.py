"""Probe: can the frame detector's embedding, per frame, tell the temporal branch's forgeries from real windows?

The issue of the temporal branch suggested feeding it "the detector's embedding" instead of hand-made features.
This probe measures that route without building it into the product:

1. every frame of each window of a temporal run (the same tracks, windows, seeds, forgeries and laundering as
   ``unmask train-temporal`` drew for it, read from RUN/temporal.json) and of its forgery goes through the shipped
   frame detector, whose 1280-d pooled features (before the fake head) are kept;
2. the same for the burst crops that the scanner hands the temporal branch in each clip of the dev sets
   (``--dev``; animated, ffpp, dfdc, real_video);
3. PCA to 32 dimensions (fit on the training windows' frames), per window the mean, the standard deviation and
   the mean absolute frame-to-frame difference of each (96 numbers), standardised, an L2 logistic regression
   (C = 1); held-out AUC per forgery kind (all real windows against that kind's forgeries, as train-temporal
   reports it), and with ``--dev`` video AUC (worst track) per set.

    python tools/probe_embedding.py runs/temporal-v5 --clips train-data/clips -o runs/probe-embedding --dev

Writes OUT/train.npz (about 200 MB of float16 embeddings) and OUT/dev.npy, reused on a second run.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort
import torch

from unmask.evaluate.metrics import roc_auc
from unmask.forge.sources import load_tracks, prepare_faces
from unmask.media import Sampling
from unmask.models import WEIGHTS
from unmask.train.autoencoder import load_reconstructor
from unmask.train.config import TemporalConfig
from unmask.train.temporal_data import draw_jobs, forge_pair, load_window, split_tracks
from unmask.train.temporal_loop import auc_by_kind

EMBEDDING = "/detector/Flatten_output_0"  # the pooled features of unmask-blend's graph, before its fake head
DEV_SETS = ("animated", "ffpp", "dfdc", "real_video")
DIMENSIONS = 32
_WORKER: dict = {}


def embedding_model(out: Path) -> Path:
    """The shipped detector's graph with its pooled features as a third output."""
    path = out / "detector-embed.onnx"
    if not path.exists():
        model = onnx.load(WEIGHTS / "unmask-blend.onnx")
        if not any(EMBEDDING in node.output for node in model.graph.node):
            raise SystemExit(f"the shipped detector's graph has no {EMBEDDING}: this probe was written for 1.0.0's")
        model.graph.output.append(onnx.helper.make_tensor_value_info(EMBEDDING, onnx.TensorProto.FLOAT, None))
        onnx.save(model, path)
    return path


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def embed(model: ort.InferenceSession, crops: np.ndarray) -> np.ndarray:
    """N x 1280 float16 embeddings of N aligned RGB crops."""
    images = np.ascontiguousarray(np.asarray(crops).transpose(0, 3, 1, 2).astype(np.float32))
    return model.run(None, {model.get_inputs()[0].name: images})[2].astype(np.float16)


def _init(model: str, autoencoder: str | None) -> None:
    cv2.setNumThreads(1)  # one process per core, single-threaded inside, as train-temporal's workers are
    torch.set_num_threads(1)
    _WORKER["reconstruct"] = load_reconstructor(autoencoder) if autoencoder else None
    _WORKER["model"] = session(Path(model), 1)


def _window(job) -> tuple[int, np.ndarray, np.ndarray]:
    """A job's real window and forgery, drawn as ``unmask train-temporal`` drew them, embedded."""
    frames, landmarks = load_window(job)
    rng = np.random.default_rng(job.seed)
    real, fake, _ = forge_pair(frames, landmarks, job.kind, rng, _WORKER["reconstruct"], job.shares)
    return job.number, embed(_WORKER["model"], real), embed(_WORKER["model"], fake)


def train_embeddings(run: Path, clips: str, out: Path, model: Path) -> None:
    config = TemporalConfig(**json.loads((run / "temporal.json").read_text())["config"])
    folders = prepare_faces([clips], out, Sampling(every_nth=config.every), print, progress=False)
    tracks = load_tracks(folders, config.min_face, min_length=config.window)
    jobs, train, _ = draw_jobs(*split_tracks(tracks, config.held_out, config.seed), config)
    real = np.zeros((len(jobs), config.window, 1280), np.float16)
    fake = np.zeros_like(real)
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(config.workers, initializer=_init, initargs=(str(model), config.autoencoder)) as pool:
        for done, (number, r, f) in enumerate(pool.imap_unordered(_window, jobs, chunksize=4), start=1):
            real[number], fake[number] = r, f
            if done % 400 == 0:
                print(f"{done} of {len(jobs)} windows, {time.perf_counter() - started:.0f} s", flush=True)
    kinds = np.array([job.kind for job in jobs])
    np.savez(out / "train.npz", real=real, fake=fake, kinds=kinds, split=len(train))


def dev_embeddings(data: Path, out: Path, model: Path) -> None:
    """Each dev clip's tracks, as the burst crops the scanner gives the temporal branch, embedded."""
    import unmask.verdict.scanner as scanner_module

    captured: list[np.ndarray] = []
    features = scanner_module.track_features  # the burst crops of each track pass through here: caught on the way

    def capture(crops: np.ndarray, landmarks: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
        captured.append(np.asarray(crops).copy())
        return features(crops, landmarks, times)

    scanner_module.track_features = capture
    scanner = scanner_module.Scanner(temporal=True)
    detector = session(model, 2)
    keys, labels, tracks = [], [], []
    with open(data / "dev" / "labels.csv", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["path"].split("/")[0] in DEV_SETS]
    for row in rows:
        captured.clear()
        scanner.scan(data / "dev" / row["path"])
        keys.append(row["path"])
        labels.append(row["label"])
        tracks.append([embed(detector, crops) for crops in captured])
        print(row["path"], f"{len(captured)} track(s)", flush=True)
    np.save(out / "dev.npy", np.array({"keys": keys, "labels": labels, "tracks": tracks}, dtype=object))


def fit(out: Path, dev: bool) -> None:
    stored = np.load(out / "train.npz")
    split, kinds = int(stored["split"]), stored["kinds"]
    real, fake = stored["real"].astype(np.float32), stored["fake"].astype(np.float32)
    frames = np.concatenate([real[:split], fake[:split]]).reshape(-1, real.shape[-1])
    centre = frames.mean(0)
    axes = np.linalg.svd(frames[::4] - centre, full_matrices=False)[2][:DIMENSIONS].T

    def summary(windows: np.ndarray) -> np.ndarray:
        z = (windows - centre) @ axes
        return np.concatenate([z.mean(1), z.std(1), np.abs(np.diff(z, axis=1)).mean(1)], axis=1)

    train_x = np.concatenate([summary(real[:split]), summary(fake[:split])])
    train_y = np.r_[np.zeros(split), np.ones(split)]
    held_real, held_fake = summary(real[split:]), summary(fake[split:])
    variants = {
        "all": slice(0, 3 * DIMENSIONS),
        "mean only": slice(0, DIMENSIONS),
        "temporal only": slice(DIMENSIONS, 3 * DIMENSIONS),
    }
    devs = np.load(out / "dev.npy", allow_pickle=True).item() if dev else None
    for name, columns in variants.items():
        x = train_x[:, columns]
        mean, scale = x.mean(0), x.std(0) + 1e-6
        x = (x - mean) / scale
        weights, bias = np.zeros(x.shape[1]), 0.0
        for _ in range(3000):  # L2 logistic regression, C = 1, by gradient descent
            p = 1 / (1 + np.exp(-(x @ weights + bias)))
            weights -= 0.5 * (x.T @ (p - train_y) + weights) / len(train_y)
            bias -= 0.5 * float((p - train_y).sum()) / len(train_y)

        def score(rows: np.ndarray, columns: slice = columns, mean=mean, scale=scale, w=weights, b=bias) -> np.ndarray:
            return ((rows[:, columns] - mean) / scale) @ w + b

        by_kind = auc_by_kind(score(held_real), score(held_fake), kinds[split:])
        total = by_kind.pop("all")
        print(f"held-out, {name}: AUC {total:.3f} {by_kind}")
        if devs is None:
            continue
        videos = []
        for key, label, tracks in zip(devs["keys"], devs["labels"], devs["tracks"], strict=True):
            scores = [float(score(summary(t.astype(np.float32)[None]))[0]) for t in tracks]
            if scores:
                videos.append((key, label, max(scores)))
        parts = []
        for group in DEV_SETS[:3]:
            rows = [(label, s) for key, label, s in videos if key.startswith(group + "/")]
            y = np.array([label == "fake" for label, _ in rows], float)
            parts.append(
                f"{group} {roc_auc(y, np.array([s for _, s in rows])):.3f} ({int(y.sum())} fake, "
                f"{int(len(y) - y.sum())} real)"
            )
        print(f"dev video AUC, {name}: " + "; ".join(parts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a train-temporal run folder (its temporal.json)")
    parser.add_argument("--clips", required=True, help="the face tracks it was trained on (unmask faces output)")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--dev", action="store_true", help="also embed and score the dev clips' bursts")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    model = embedding_model(args.output)
    if not (args.output / "train.npz").exists():
        train_embeddings(args.run, args.clips, args.output, model)
    if args.dev and not (args.output / "dev.npy").exists():
        dev_embeddings(args.data, args.output, model)
    fit(args.output, args.dev)
    return 0


if __name__ == "__main__":
    sys.exit(main())
