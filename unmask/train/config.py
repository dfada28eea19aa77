"""Settings of a training run; importable without torch (the command line reads its defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainConfig:
    """Settings of one training run (recorded in ``train.json``)."""

    steps: int = 2200
    batch: int = 16  # real crops + as many forgeries
    lr: float = 3e-4
    weight_decay: float = 1e-4
    warmup: int = 100
    map_weight: float = 1.0
    autoencoder_steps: int = 800
    autoencoder_batch: int = 32
    frames: int = 24
    seed: int = 0
    checkpoint_every: int = 200
    validate_every: int = 400
    device: str = "auto"
    threads: int = 0
    inputs: list[str] = field(default_factory=list)
