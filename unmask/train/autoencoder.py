"""A small convolutional autoencoder trained on real face crops, used to re-render a face for
:func:`unmask.forge.reconstruction_blend`: like the autoencoders of face-swap tools, it works at a lower
resolution than the crop and its output is upsampled back, leaving their blur and upsampling fingerprints.
It learns one shared encoder and one shared decoder over all faces, and re-renders each face as itself."""

from __future__ import annotations

import os

import cv2
import numpy as np
import torch
from torch import nn

AE_SIZE = 64


def _down(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.1, inplace=True))


def _up(cin: int, cout: int) -> nn.Module:
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(cin, cout, 3, 1, 1), nn.LeakyReLU(0.1, inplace=True)
    )


class AutoEncoder(nn.Module):
    """64x64 RGB in [0, 1] -> an 8x8x64 code -> 64x64 RGB in [0, 1] (the size of early face-swap decoders)."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(_down(3, 64), _down(64, 128), _down(128, 256), nn.Conv2d(256, 64, 1))
        self.decoder = nn.Sequential(
            nn.Conv2d(64, 256, 1), _up(256, 128), _up(128, 64), _up(64, 32), nn.Conv2d(32, 3, 3, 1, 1)
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(self.encoder(images)))


def to_tensor(crops: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """RGB uint8 crops -> N x 3 x AE_SIZE x AE_SIZE floats in [0, 1]."""
    small = [cv2.resize(crop, (AE_SIZE, AE_SIZE), interpolation=cv2.INTER_AREA) for crop in crops]
    return torch.from_numpy(np.stack(small)).permute(0, 3, 1, 2).float().div(255).to(device)


class Reconstruct:
    """A :data:`unmask.forge.Reconstructor` around a trained :class:`AutoEncoder`."""

    def __init__(self, model: AutoEncoder, device: torch.device) -> None:
        self.model = model.eval()
        self.device = device

    @torch.no_grad()
    def __call__(self, image: np.ndarray) -> np.ndarray:
        out = self.model(to_tensor([image], self.device))[0].permute(1, 2, 0).cpu().numpy()
        out = np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)
        height, width = image.shape[:2]
        return cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR)


def load_reconstructor(path: str | os.PathLike[str], device: str = "cpu") -> Reconstruct:
    """A reconstructor from the ``autoencoder.pt`` that ``unmask train`` writes into its run folder."""
    model = AutoEncoder()
    model.load_state_dict(torch.load(path, map_location=device))
    return Reconstruct(model.to(device), torch.device(device))
