"""``unmask train``: an autoencoder, then the detector, on real faces only, with forgeries made on the fly.

Everything lives in one run folder: ``faces-N/`` (crops of each input that was not already an ``unmask faces``
output), ``autoencoder.pt``, ``checkpoint.pt`` (written every ``checkpoint_every`` steps, atomically; a new run
in the same folder resumes from it), ``detector.pt``, ``detector.onnx`` and ``train.json`` (the settings, the data,
and the validation history on held-out files). Batches are drawn from a generator seeded with (seed, step), so a
resumed run sees the same batches as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from unmask import __version__
from unmask.evaluate.metrics import roc_auc
from unmask.forge.blend import Reconstructor
from unmask.forge.forgeries import weights_with
from unmask.forge.sources import Crop, crop_contract, load_crops, prepare_faces, split_by_source
from unmask.media import Sampling
from unmask.train.autoencoder import AutoEncoder, Reconstruct, to_tensor
from unmask.train.config import HISTORIES, TrainConfig
from unmask.train.data import make_pairs
from unmask.train.decoder import DecoderReconstructor
from unmask.train.net import Detector, Exported


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train_autoencoder(crops: list[Crop], config: TrainConfig, device: torch.device, path: Path) -> AutoEncoder:
    """Train (or load, when ``path`` exists) the autoencoder that re-renders faces for reconstruction forgeries."""
    model = AutoEncoder().to(device)
    if path.is_file():
        model.load_state_dict(torch.load(path, map_location=device))
        return model
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng([config.seed, 1])
    bar = tqdm(range(config.autoencoder_steps), desc="autoencoder", unit="step", dynamic_ncols=True)
    for _ in bar:
        picks = rng.integers(0, len(crops), size=config.autoencoder_batch)
        batch = [crops[i].image[:, ::-1] if rng.random() < 0.5 else crops[i].image for i in picks]
        images = to_tensor([np.ascontiguousarray(image) for image in batch], device)
        loss = nn.functional.l1_loss(model(images), images)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        bar.set_postfix(l1=f"{loss.item():.4f}", refresh=False)
    _atomic_save(model.state_dict(), path)
    return model


def _schedule(step: int, config: TrainConfig) -> float:
    if step < config.warmup:
        return (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def loss_of(model: Detector, batch: tuple[torch.Tensor, ...], config: TrainConfig, device: torch.device) -> dict:
    images, labels, targets = (tensor.to(device) for tensor in batch)
    logits, boundary = model(images)
    classify = nn.functional.binary_cross_entropy_with_logits(logits, labels)
    locate = nn.functional.binary_cross_entropy_with_logits(boundary, targets)
    return {"loss": classify + config.map_weight * locate, "classify": classify, "locate": locate}


def validation_pairs(
    crops: list[Crop], config: TrainConfig, reconstruct: Reconstructor | None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The held-out check's batches: images (2N x 3 x H x W, 0..255) and labels of each held-out real crop and a
    forgery of it, made with the run's forgery kinds and laundering from a fixed seed, so that every reading of a
    run's held-out AUC (training's, and any other detector scored against the same pairs) sees the same pairs."""
    rng = np.random.default_rng([config.seed, 2])
    for start in range(0, len(crops), config.batch):
        images, labels, _ = make_pairs(
            crops[start : start + config.batch],
            rng,
            reconstruct,
            weights=weights_with(config.rerender),
            paired=config.history == "paired",
            dim=config.low_light,
        )
        yield images, labels


@torch.no_grad()
def validate(
    model: Detector, crops: list[Crop], config: TrainConfig, device: torch.device, reconstruct: Reconstructor | None
) -> dict[str, float]:
    """AUC of held-out real crops against forgeries of them (:func:`validation_pairs`)."""
    model.eval()
    scores, labels = [], []
    for images, batch_labels in validation_pairs(crops, config, reconstruct):
        logits, _ = model(images.to(device))
        scores.append(torch.sigmoid(logits).cpu().numpy())
        labels.append(batch_labels.numpy())
    model.train()
    return {"auc": roc_auc(np.concatenate(labels), np.concatenate(scores)), "pairs": len(crops)}


def export_onnx(model: Detector, path: Path, size: int) -> None:
    """Write the inference graph (probability and boundary map from RGB 0..255) with a dynamic batch axis."""
    exported = Exported(model.cpu().eval())
    example = torch.rand(2, 3, size, size) * 255
    torch.onnx.export(
        exported,
        (example,),
        str(path),
        input_names=["image"],
        output_names=["fake_probability", "boundary"],
        dynamic_axes={"image": {0: "batch"}, "fake_probability": {0: "batch"}, "boundary": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def train(config: TrainConfig, run_dir: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run (or resume) a whole training run in ``run_dir`` and return the contents of its ``train.json``."""
    if config.history not in HISTORIES:
        raise ValueError(f"history must be one of {', '.join(HISTORIES)}, not {config.history!r}")
    if not 0 <= config.low_light <= 1:
        raise ValueError(f"the low-light share must be between 0 and 1, got {config.low_light}")
    run_dir.mkdir(parents=True, exist_ok=True)
    seed_everything(config.seed)
    device = pick_device(config.device)
    if config.threads:
        torch.set_num_threads(config.threads)
    folders = prepare_faces(config.inputs, run_dir, Sampling(count=config.frames), log)
    contract = crop_contract(folders)
    crops = load_crops(folders)
    if len(crops) < 2:
        raise ValueError(f"found {len(crops)} face crops in {', '.join(config.inputs)}: too few to train on")
    train_crops, val_crops = split_by_source(crops)
    if not train_crops:
        train_crops, val_crops = crops, []
    log(f"{len(crops)} real crops from {len({c.source for c in crops})} files; {len(val_crops)} held out; {device}")

    started = time.perf_counter()
    reconstruct: Reconstructor
    if config.decoder:
        decoder = DecoderReconstructor(config.decoder, config.decoder_cache or run_dir / "decoder-cache")
        made = decoder.prepare([crop.image for crop in crops])
        log(f"{len(crops) - made} reconstructions through {decoder.name} from its cache, {made} made")
        reconstruct = decoder
    else:
        autoencoder = train_autoencoder(train_crops, config, device, run_dir / "autoencoder.pt")
        reconstruct = Reconstruct(autoencoder, device)

    model = Detector(pretrained=True, image_size=contract.size).to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: _schedule(step, config))
    history: list[dict[str, Any]] = []
    step = 0
    checkpoint = run_dir / "checkpoint.pt"
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        step, history = state["step"], state["history"]
        log(f"resuming from step {step}")
    model.train()
    half = max(1, config.batch // 2)
    weights = weights_with(config.rerender)
    paired = config.history == "paired"
    bar = tqdm(total=config.steps, initial=step, desc="detector", unit="step", dynamic_ncols=True)
    while step < config.steps:
        rng = np.random.default_rng([config.seed, 3, step])
        picks = rng.integers(0, len(train_crops), size=half)
        batch = make_pairs(
            [train_crops[i] for i in picks], rng, reconstruct, weights=weights, paired=paired, dim=config.low_light
        )
        losses = loss_of(model, batch, config, device)
        optimiser.zero_grad()
        losses["loss"].backward()
        optimiser.step()
        scheduler.step()
        step += 1
        bar.update(1)
        bar.set_postfix({k: f"{v.item():.3f}" for k, v in losses.items()}, refresh=False)
        if val_crops and (step % config.validate_every == 0 or step == config.steps):
            history.append({"step": step, **validate(model, val_crops, config, device, reconstruct)})
            log(f"step {step}: held-out AUC {history[-1]['auc']:.4f}")
        if step % config.checkpoint_every == 0 or step == config.steps:
            _atomic_save(
                {
                    "model": model.state_dict(),
                    "optimiser": optimiser.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "step": step,
                    "history": history,
                },
                checkpoint,
            )
    bar.close()
    _atomic_save(model.state_dict(), run_dir / "detector.pt")
    export_onnx(model, run_dir / "detector.onnx", contract.size)
    summary = {
        "unmask_version": __version__,
        "config": asdict(config),
        "device": str(device),
        "contract": contract.to_dict(),
        "data": [str(folder) for folder in folders],
        "crops": {"train": len(train_crops), "held_out": len(val_crops)},
        "files": {"train": len({c.source for c in train_crops}), "held_out": len({c.source for c in val_crops})},
        "images_seen": config.steps * half * 2,
        "history": history,
        "seconds_this_session": round(time.perf_counter() - started, 1),
    }
    (run_dir / "train.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary
