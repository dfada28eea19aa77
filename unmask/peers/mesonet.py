"""MesoNet (Meso4, Afchar et al. 2018) run in plain numpy from its published Keras HDF5 weights (no torch, no TF).

The weights file holds weights only, no model config; the architecture is the published one:
input 256x256 RGB in [0, 1]; four blocks of conv ('same' padding, bias) -> ReLU -> BatchNorm (eps 1e-3) ->
max-pool, with 3x3x8, 5x5x8, 5x5x16, 5x5x16 kernels and pools of 2, 2, 2 and 4; flatten in NHWC order; dense 16
with LeakyReLU(0.1); dense 1 with a sigmoid that gives P(real). Dropout does nothing at inference.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

from unmask.errors import ModelError

SIZE = 256
BN_EPSILON = 1e-3
LEAKY_SLOPE = 0.1
POOLS = (2, 2, 2, 4)
# (kernel size, input channels, output channels) of the four convolutions, checked against the file.
CONVS = ((3, 3, 8), (5, 8, 8), (5, 8, 16), (5, 16, 16))


class _Block:
    """One conv -> ReLU -> BatchNorm -> max-pool block, its weights laid out for a single matrix product."""

    def __init__(self, kernel: np.ndarray, bias: np.ndarray, bn: dict[str, np.ndarray], pool: int) -> None:
        k, _, cin, cout = kernel.shape
        self.k = k
        self.pool = pool
        # Rows ordered (dy, dx, cin) to match the patches made by _patches.
        self.kernel = np.ascontiguousarray(kernel.reshape(k * k * cin, cout), dtype=np.float32)
        self.bias = bias.astype(np.float32)
        scale = bn["gamma"] / np.sqrt(bn["moving_variance"] + BN_EPSILON)
        self.scale = scale.astype(np.float32)
        self.shift = (bn["beta"] - bn["moving_mean"] * scale).astype(np.float32)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h, w, _ = x.shape
        y = _patches(x, self.k) @ self.kernel
        y += self.bias
        np.maximum(y, 0.0, out=y)
        y *= self.scale
        y += self.shift
        p = self.pool
        return y.reshape(h // p, p, w // p, p, -1).max(axis=(1, 3))


def _patches(x: np.ndarray, k: int) -> np.ndarray:
    """The k x k neighbourhoods of an H x W x C image, zero-padded ('same'), as an (H*W) x (k*k*C) matrix."""
    h, w, c = x.shape
    r = k // 2
    padded = np.pad(x, ((r, r), (r, r), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(0, 1))  # H x W x C x k x k
    return windows.transpose(0, 1, 3, 4, 2).reshape(h * w, k * k * c)


def _layer_weights(f: object, name: str) -> dict[str, np.ndarray]:
    """The weights of one Keras layer, keyed by their short name ('kernel', 'gamma', ...)."""
    group = f[name]  # type: ignore[index]
    weights = {}
    for full in group.attrs["weight_names"]:
        full = full.decode() if isinstance(full, bytes) else str(full)
        short = full.rsplit("/", 1)[-1].split(":")[0]
        weights[short] = np.asarray(group[full], dtype=np.float32)
    return weights


class MesoNet:
    """Meso4 loaded from a Keras HDF5 weights file (``Meso4_DF.h5`` or ``Meso4_F2F.h5``); scores face crops."""

    name = "mesonet"
    threshold = 0.5  # its own decision point: P(real) below one half

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            import h5py  # imported here: only this peer needs it
        except ImportError:
            raise ModelError("h5py is needed to read MesoNet weights: pip install h5py") from None

        self.path = Path(path)
        if not self.path.is_file():
            raise ModelError(f"{self.path}: MesoNet weights not found")
        try:
            with h5py.File(self.path, "r") as f:
                names = [n.decode() if isinstance(n, bytes) else str(n) for n in f.attrs["layer_names"]]
                convs = [_layer_weights(f, n) for n in names if n.startswith("conv2d")]
                norms = [_layer_weights(f, n) for n in names if n.startswith("batch_normalization")]
                dense = [_layer_weights(f, n) for n in names if n.startswith("dense")]
        except (OSError, KeyError, ValueError, TypeError) as err:
            raise ModelError(f"{self.path}: cannot read MesoNet weights ({err})") from None
        self._check(convs, norms, dense)
        self.blocks = [
            _Block(conv["kernel"], conv["bias"], norm, pool)
            for conv, norm, pool in zip(convs, norms, POOLS, strict=True)
        ]
        self.dense1 = (dense[0]["kernel"], dense[0]["bias"])
        self.dense2 = (dense[1]["kernel"][:, 0], float(dense[1]["bias"][0]))

    def _check(self, convs: list[dict], norms: list[dict], dense: list[dict]) -> None:
        """Refuses a file whose layers do not have the shapes of Meso4 (MesoInception, another network)."""
        found = [tuple(c.get("kernel", np.empty(0)).shape) for c in convs]
        expected = [(k, k, cin, cout) for k, cin, cout in CONVS]
        ok = (
            found == expected
            and all("bias" in c for c in convs)
            and len(norms) == 4
            and all({"gamma", "beta", "moving_mean", "moving_variance"} <= n.keys() for n in norms)
            and [tuple(d.get("kernel", np.empty(0)).shape) for d in dense] == [(1024, 16), (16, 1)]
        )
        if not ok:
            raise ModelError(f"{self.path}: not Meso4 weights (convolutions {found}, {len(dense)} dense layers)")

    def predict(self, crops: np.ndarray) -> np.ndarray:
        """Probability that each face is fake (1 - MesoNet's P(real)), float32, one per crop.

        ``crops``: N x H x W x 3 uint8 RGB face crops of any size; each is resized to 256 x 256.
        """
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[-1] != 3 or crops.dtype != np.uint8:
            raise ValueError(f"expected N x H x W x 3 uint8 RGB crops, got {crops.shape} {crops.dtype}")
        return np.array([self._fake_probability(crop) for crop in crops], dtype=np.float32)

    def _fake_probability(self, crop: np.ndarray) -> float:
        h, w = crop.shape[:2]
        if (h, w) != (SIZE, SIZE):
            shrink = h > SIZE or w > SIZE
            crop = cv2.resize(crop, (SIZE, SIZE), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        x = crop.astype(np.float32) * np.float32(1 / 255)
        for block in self.blocks:
            x = block(x)
        kernel, bias = self.dense1
        hidden = x.reshape(-1) @ kernel + bias  # 8 x 8 x 16 flattened in NHWC order, as Keras does
        hidden = np.where(hidden > 0, hidden, LEAKY_SLOPE * hidden)
        logit_real = float(hidden @ self.dense2[0]) + self.dense2[1]
        return _sigmoid(-logit_real)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
