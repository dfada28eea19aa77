"""The passive liveness model (``unmask train-liveness``): a small CNN that scores a face crop with its context
(the box's longer side times ``scale``, so paper edges, bezels and fingers show) as live or attack.

It learns from real faces only, against presentation attacks simulated from them
(:mod:`unmask.forge.attacks`): every real frame gives ``variants`` live pictures and as many attacks (print,
screen replay and video replay in turn), each cut to a tight face crop first for a share of them (both classes
alike: many face datasets store crops), then post-processed alike (:func:`~unmask.forge.attacks.post_process`).
Whole source files are held out (a fixed, seeded share), never single crops; the threshold is the one that
minimises ACER on the held-out files' simulated attacks, and nothing else. The simulated crops are cached under
``cache_dir``, keyed by the inputs and the settings that make them.

Writes ``RUN/unmask-live.onnx`` (RGB 0..255 in, attack probability out), its model card ``RUN/unmask-live.json``
and ``RUN/train.json``; shipping is copying both files into ``unmask/models/weights/``.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unmask import __version__
from unmask.evaluate.liveness import LIVE, acer_threshold, json_safe, pad_metrics
from unmask.evaluate.metrics import roc_auc
from unmask.faces.align import CropContract, box_crop
from unmask.forge.attacks import ATTACKS, SIMULATORS, post_process, webcam, work_frame
from unmask.forge.sources import FaceFrame, load_face_frames
from unmask.media import Sampling, sha256_of
from unmask.models.card import ModelCard, Threshold, training_sources
from unmask.train.config import LivenessConfig

NAME = "unmask-live"
BANK_VERSION = "live-bank-2"
MARGIN = 8  # the bank's crops are this much wider than the input, for random shifts in training


def box_contract(config: LivenessConfig) -> CropContract:
    """The crop contract of the model, as its card records it (:func:`unmask.faces.align.box_crop`)."""
    return CropContract(
        name="unmask-box-v1",
        size=config.size,
        scale=config.scale,
        upright=False,
        landmarks="blazeface-box",
        border="black",
    )


def held_out_files(sources: list[str], share: float, seed: int) -> set[str]:
    """A fixed, seeded share of the source files (whole files), held out of training."""
    unique = sorted(set(sources))
    order = np.random.default_rng([seed, 18]).permutation(len(unique))
    return {unique[i] for i in order[: round(len(unique) * share)]}


def _key(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def cached_frames(config: LivenessConfig, cache_dir: Path, log: Callable[[str], None]) -> list[FaceFrame]:
    """The real frames with face boxes (:func:`~unmask.forge.sources.load_face_frames`), cached by inputs."""
    key = _key({"inputs": sorted(config.inputs), "frames": config.frames, "version": "frames-1"})
    path = cache_dir / f"frames-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=True) as data:
            return [
                FaceFrame(image, box, str(source), int(index))
                for image, box, source, index in zip(
                    data["images"], data["boxes"], data["sources"], data["indices"], strict=True
                )
            ]
    log(f"finding faces in {', '.join(config.inputs)} ({config.frames} frames per video)")
    frames = load_face_frames(config.inputs, Sampling(count=config.frames), max_side=480, progress=True)
    cache_dir.mkdir(parents=True, exist_ok=True)
    images = np.empty(len(frames), dtype=object)
    images[:] = [frame.image for frame in frames]
    np.savez(
        path,
        images=images,
        boxes=np.array([frame.box for frame in frames], np.float32),
        sources=np.array([frame.source for frame in frames]),
        indices=np.array([frame.index for frame in frames]),
    )
    return frames


def _tight(image: np.ndarray, box: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The picture cut to a tight square around the face, as face-crop datasets store it."""
    side = max(box[2] - box[0], box[3] - box[1]) * rng.uniform(1.05, 1.7)
    cx = (box[0] + box[2]) / 2 + rng.uniform(-0.08, 0.08) * side
    cy = (box[1] + box[3]) / 2 + rng.uniform(-0.08, 0.08) * side
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(image.shape[1], int(cx + side / 2)), min(image.shape[0], int(cy + side / 2))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return image, box
    return np.ascontiguousarray(image[y0:y1, x0:x1]), box - np.array([x0, y0, x0, y0], np.float32)


def make_pair(
    frame: FaceFrame, room: np.ndarray, kind: str, rng: np.random.Generator, config: LivenessConfig
) -> tuple[np.ndarray, np.ndarray]:
    """One live crop and one attack crop of ``kind`` made from ``frame``, framed and post-processed alike, each
    ``config.size + MARGIN`` pixels at the contract's scale widened to match. A share ``config.close`` of the
    attacks fill their frame (no edge shows); a share ``config.webcam`` of the pairs are seen by a cheap webcam
    (:func:`~unmask.forge.attacks.webcam`), both pictures alike."""
    image, box = work_frame(frame.image, frame.box)
    frame = FaceFrame(image, box, frame.source, frame.index)
    close = bool(config.close) and rng.random() < config.close
    attack = SIMULATORS[kind](frame.image, frame.box, rng, room, close)
    captured = bool(config.webcam) and rng.random() < config.webcam  # the pair seen by one cheap webcam
    side = config.size + MARGIN
    scale = config.scale * side / config.size
    crops = []
    for image, box in ((frame.image, frame.box), (attack.image, attack.box)):
        if captured:
            image = webcam(image, box, rng)
        # A close attack's face is larger in its frame than the live face in its own: both are cut tight, so
        # that how much of the frame the face fills is no cue.
        if close or rng.random() < config.tight_share:
            image, box = _tight(image, box, rng)
        image, box = post_process(image, box, rng)
        crops.append(box_crop(image, box, scale, side))
    return crops[0], crops[1]


_FRAMES: list[FaceFrame] = []
_ROOMS: dict[bool, list[int]] = {}


def _make(job: tuple[int, int, bool, dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, str]:
    index, variant, held, settings = job
    config = LivenessConfig(**settings)
    rng = np.random.default_rng([config.seed, index, variant])
    kind = ATTACKS[(index + variant) % len(ATTACKS)]
    rooms = _ROOMS[held]
    room = _FRAMES[rooms[int(rng.integers(len(rooms)))]].image
    live, attack = make_pair(_FRAMES[index], room, kind, rng, config)
    return live, attack, kind


def build_bank(
    frames: list[FaceFrame], held: set[str], config: LivenessConfig, cache_dir: Path, log: Callable[[str], None]
) -> dict[str, np.ndarray]:
    """Every frame's live and attack crops (``images``, ``attack`` 0/1, ``kind``, ``held`` 0/1, ``source``),
    made in ``config.workers`` processes and cached."""
    settings = {key: value for key, value in asdict(config).items() if key not in ("inputs",)}
    making = {k: settings[k] for k in ("size", "scale", "variants", "tight_share", "seed", "held_out")}
    making.update({k: settings[k] for k in ("webcam", "close") if settings[k]})  # older banks keep their keys
    key = _key({"frames": [(f.source, f.index) for f in frames], "settings": making, "version": BANK_VERSION})
    path = cache_dir / f"bank-{key}.npz"
    if path.is_file():
        log(f"simulated crops from {path}")
        with np.load(path) as data:
            return {name: data[name] for name in data.files}
    global _FRAMES, _ROOMS
    _FRAMES = frames
    _ROOMS = {flag: [i for i, f in enumerate(frames) if (f.source in held) == flag] for flag in (False, True)}
    jobs = [(i, v, frames[i].source in held, settings) for i in range(len(frames)) for v in range(config.variants)]
    log(f"simulating {len(jobs)} live/attack pairs in {config.workers} processes")
    started = time.perf_counter()
    context = multiprocessing.get_context("fork")
    with context.Pool(config.workers) as pool:
        made = pool.map(_make, jobs, chunksize=16)
    log(f"simulated in {time.perf_counter() - started:.0f} s")
    images, attack, kinds, held_flags, sources = [], [], [], [], []
    for (index, _, in_held, _), (live, fake, kind) in zip(jobs, made, strict=True):
        for image, label, name in ((live, 0, LIVE), (fake, 1, kind)):
            images.append(image)
            attack.append(label)
            kinds.append(name)
            held_flags.append(int(in_held))
            sources.append(frames[index].source)
    bank = {
        "images": np.stack(images),
        "attack": np.array(attack, np.uint8),
        "kind": np.array(kinds),
        "held": np.array(held_flags, np.uint8),
        "source": np.array(sources),
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, **bank)
    return bank


def _separable(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False),
        nn.BatchNorm2d(cin),
        nn.ReLU(inplace=True),
        nn.Conv2d(cin, cout, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class LiveNet(nn.Module):
    """A MobileNet-like CNN: a strided stem, six depthwise-separable blocks (four strided), average and max
    pooling, one logit of being an attack. Takes RGB 0..255 (N x 3 x S x S) and normalises inside."""

    def __init__(self, width: int = 24) -> None:
        super().__init__()
        w = width
        self.stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        self.blocks = nn.Sequential(
            _separable(w, 2 * w, 2),
            _separable(2 * w, 2 * w, 1),
            _separable(2 * w, 4 * w, 2),
            _separable(4 * w, 4 * w, 1),
            _separable(4 * w, 8 * w, 2),
            _separable(8 * w, 8 * w, 2),
        )
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(16 * w, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(images / 127.5 - 1.0))
        pooled = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        return self.head(pooled)[:, 0]


class _Exported(nn.Module):
    def __init__(self, net: LiveNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(images))


def export_onnx(net: LiveNet, path: Path, size: int) -> None:
    """The inference graph: ``image`` (N x 3 x S x S, RGB 0..255) to ``attack_probability`` (N)."""
    torch.onnx.export(
        _Exported(net.cpu().eval()),
        (torch.rand(2, 3, size, size) * 255,),
        str(path),
        input_names=["image"],
        output_names=["attack_probability"],
        dynamic_axes={"image": {0: "batch"}, "attack_probability": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def _centre(images: np.ndarray, size: int) -> np.ndarray:
    start = (images.shape[1] - size) // 2
    return images[:, start : start + size, start : start + size]


@torch.no_grad()
def predict(net: LiveNet, images: np.ndarray, size: int, batch: int = 256) -> np.ndarray:
    """Attack probabilities of bank crops (centre-cut to ``size``)."""
    net.eval()
    out = []
    for start in range(0, len(images), batch):
        chunk = _centre(images[start : start + batch], size).transpose(0, 3, 1, 2)
        out.append(torch.sigmoid(net(torch.from_numpy(np.ascontiguousarray(chunk)).float())).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def held_out_report(scores: np.ndarray, bank: dict[str, np.ndarray], threshold: float) -> dict[str, Any]:
    """ISO/IEC 30107-3 figures and AUC on the held-out files' crops at ``threshold``."""
    metrics = pad_metrics(scores, bank["kind"].tolist(), threshold)
    metrics["auc"] = roc_auc(bank["attack"].astype(bool), scores)
    metrics["crops"] = len(scores)
    metrics["files"] = len(set(bank["source"].tolist()))
    return metrics


def training_command(config: LivenessConfig) -> str:
    """The ``unmask train-liveness`` command line that makes this config (the options that differ from the
    defaults the card does not name on its own), as the card records it."""
    defaults = LivenessConfig()
    words = ["unmask train-liveness", *config.inputs, "-o RUN", f"--variants {config.variants}"]
    words.append(f"--epochs {config.epochs}")
    for name, option in (("tight_share", "--tight"), ("webcam", "--webcam"), ("close", "--close")):
        if getattr(config, name) != getattr(defaults, name):
            words.append(f"{option} {getattr(config, name)}")
    return " ".join(words)


def train_liveness(
    config: LivenessConfig,
    run_dir: Path,
    cache_dir: Path | None = None,
    log: Callable[[str], None] = print,
    version: str = "1.0.0",
) -> dict[str, Any]:
    """Train, choose the threshold on the held-out files, export the ONNX graph and draft its model card
    (``version``). Resumable: the state after each epoch is kept in ``RUN/checkpoint.pt`` and a run with the
    same config goes on from there."""
    from tqdm import tqdm

    run_dir.mkdir(parents=True, exist_ok=True)
    cache = cache_dir or run_dir / "cache"
    torch.manual_seed(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    started = time.perf_counter()
    frames = cached_frames(config, cache, log)
    if not frames:
        raise ValueError("no faces of 64 px or more found in the inputs")
    held = held_out_files([frame.source for frame in frames], config.held_out, config.seed)
    bank = build_bank(frames, held, config, cache, log)
    train_rows = np.flatnonzero(bank["held"] == 0)
    held_rows = np.flatnonzero(bank["held"] == 1)
    log(f"{len(frames)} frames of {len({f.source for f in frames})} files; {len(held)} files held out; "
        f"{len(train_rows)} training crops, {len(held_rows)} held out")  # fmt: skip
    net = LiveNet(config.width)
    optimiser = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * (len(train_rows) // config.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, config.lr, total_steps=max(1, steps), pct_start=0.15)
    loss_of = nn.BCEWithLogitsLoss()
    rng = np.random.default_rng([config.seed, 5])
    images, labels = bank["images"], bank["attack"].astype(np.float32)
    history = []
    held_bank = {name: values[held_rows] for name, values in bank.items()}
    checkpoint = run_dir / "checkpoint.pt"
    first = 0
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state["config"] == asdict(config):
            net.load_state_dict(state["net"])
            optimiser.load_state_dict(state["optimiser"])
            schedule.load_state_dict(state["schedule"])
            rng.bit_generator.state = state["rng"]
            history, first = state["history"], state["epoch"]
            log(f"resuming after epoch {first} from {checkpoint}")
        else:
            log(f"{checkpoint} was made with other settings: starting afresh")
    bar = tqdm(total=steps, initial=first * (len(train_rows) // config.batch), desc="liveness", unit="step")
    for epoch in range(first, config.epochs):
        net.train()
        order = rng.permutation(train_rows)
        losses = []
        for start in range(0, len(order) - config.batch + 1, config.batch):
            rows = np.sort(order[start : start + config.batch])
            dx, dy = rng.integers(0, MARGIN + 1, 2)
            chunk = images[rows, dy : dy + config.size, dx : dx + config.size]
            if rng.random() < 0.5:
                chunk = chunk[:, :, ::-1]
            x = torch.from_numpy(np.ascontiguousarray(chunk.transpose(0, 3, 1, 2))).float()
            loss = loss_of(net(x), torch.from_numpy(labels[rows]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
            bar.update(1)
        scores = predict(net, held_bank["images"], config.size)
        auc = roc_auc(held_bank["attack"].astype(bool), scores)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "held_out_auc": auc})
        log(f"epoch {epoch + 1}: loss {np.mean(losses):.4f}, held-out AUC {auc:.4f}")
        torch.save(
            {
                "config": asdict(config),
                "net": net.state_dict(),
                "optimiser": optimiser.state_dict(),
                "schedule": schedule.state_dict(),
                "rng": rng.bit_generator.state,
                "history": history,
                "epoch": epoch + 1,
            },
            checkpoint,
        )
    bar.close()
    scores = predict(net, held_bank["images"], config.size)
    threshold = acer_threshold(scores, held_bank["kind"].tolist())
    report = held_out_report(scores, held_bank, threshold)
    log(f"threshold {threshold:.4f}: held-out ACER {report['acer']:.4f}, BPCER {report['bpcer']:.4f}, "
        f"worst APCER {report['apcer_worst']:.4f} ({report['apcer_worst_type']})")  # fmt: skip
    torch.save(net.state_dict(), run_dir / "liveness.pt")
    onnx_path = run_dir / f"{NAME}.onnx"
    export_onnx(net, onnx_path, config.size)
    train_sources = sorted({f.source for f in frames} - held)
    card = ModelCard(
        name=NAME,
        version=version,
        file=onnx_path.name,
        sha256=sha256_of(onnx_path),
        size_bytes=onnx_path.stat().st_size,
        kind="liveness",
        input="image: N x 3 x S x S float32, RGB 0..255 (normalised inside), the contract's box crop",
        output="attack_probability: N float32, the probability that the face is a presentation attack",
        contract=box_contract(config),
        operating_point=Threshold(
            value=threshold,
            rule="the threshold that minimises ACER (worst APCER + BPCER) / 2 on the simulated attacks and live "
            "crops of the held-out train_real files; the middle of the widest run of thresholds that reach it. "
            "Set on simulated data only: no real presentation attack was seen.",
            calibrated_on=(f"held-out train_real files ({len(held)}), simulated attacks",),
            command=training_command(config),
        ),
        description="Passive presentation-attack detection (print, screen replay, video replay) from one face crop "
        "with its context, trained on real faces against attacks simulated from them (unmask.forge.attacks).",
        architecture={
            "network": "LiveNet (MobileNet-like, depthwise-separable)",
            "width": config.width,
            "parameters": sum(p.numel() for p in net.parameters()),
        },
        training={
            "command": training_command(config),
            "config": asdict(config),
            "unmask_version": __version__,
            "frames": {
                "train": int(sum(f.source not in held for f in frames)),
                "held_out": int(sum(f.source in held for f in frames)),
            },
            "crops": {"train": len(train_rows), "held_out": len(held_rows)},
            "held_out_files": sorted(held),
            "data": training_sources(train_sources, unit="files"),
            "attacks": list(ATTACKS),
            "history": history,
        },
        metrics={"held_out_simulated": json_safe(report)},
        limitations=(
            "Trained on simulated attacks only: real prints, screens and replays differ from the simulation, "
            "and the threshold was set on the simulation; see the evaluation on real samples.",
            "Masks, cut-outs and deepfakes injected in place of the camera are not simulated and not covered.",
            "One frame at a time: it does not read motion; the active challenge (unmask live) does.",
        ),
    )
    card = card.save(run_dir / f"{NAME}.json")
    summary = {
        "config": asdict(config),
        "held_out": json_safe(report),
        "history": history,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (run_dir / "train.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
