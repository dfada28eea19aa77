"""The temporal branch's network (:class:`TemporalNet`: a per-frame MLP, two residual temporal convolutions, mean
and max over time), one optimisation step of it, its scores, and its ONNX export with dynamic batch and time
axes. It reads the raw ``T x F`` output of :func:`unmask.models.temporal.track_features`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unmask.models.temporal import NUM_FEATURES


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
