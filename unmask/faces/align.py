"""The alignment/crop contract: how a face is cut out of a frame, defined once for training and inference.

A crop is a square around the 468-point mesh: the picture is turned so that the line between the two eye
centres is level (``upright``), the mesh's bounding box is taken in that turned frame, and the square's side is
``scale`` times the longer side of that box, centred on it. The square is resampled to ``size`` x ``size``
pixels; what falls outside the frame is black. Everything that scores faces must read crops made by
:func:`align_face` with the contract it was trained on: a model card records ``CropContract.to_dict()``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

from unmask.faces.geometry import apply_transform, square_transform
from unmask.faces.mesh import face_square


@dataclass(frozen=True)
class CropContract:
    """Which landmarks, what margin and what output size make an aligned face crop."""

    name: str = "unmask-align-v1"
    size: int = 224
    scale: float = 1.3
    upright: bool = True
    landmarks: str = "mediapipe-face-mesh-468"
    border: str = "black"

    def __post_init__(self) -> None:
        if self.size < 16:
            raise ValueError(f"crop size must be at least 16 pixels, not {self.size}")
        if not self.scale > 0:
            raise ValueError(f"crop scale must be positive, not {self.scale}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def transform(self, landmarks: np.ndarray) -> np.ndarray:
        """The 2x3 affine matrix that maps frame pixels to crop pixels for a face with these landmarks."""
        centre, side, angle = face_square(landmarks, upright=self.upright)
        return square_transform(centre, side * self.scale, angle, self.size)


ALIGNMENT = CropContract()
"""The contract every shipped model of this version is trained and run with."""


@dataclass(frozen=True, eq=False)
class AlignedFace:
    """A face crop made under a :class:`CropContract`.

    ``matrix`` maps frame pixels to crop pixels; ``landmarks`` are the 468 mesh points in crop pixels.
    """

    image: np.ndarray
    matrix: np.ndarray
    landmarks: np.ndarray


def align_face(image: np.ndarray, landmarks: np.ndarray, contract: CropContract = ALIGNMENT) -> AlignedFace:
    """Cut the face with these 468 ``landmarks`` out of an RGB frame, as ``contract`` says."""
    matrix = contract.transform(landmarks)
    size = contract.size
    shrink = int(1.0 / math.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    if shrink >= 2:
        # Sample at about the frame's own resolution, then average down: a plain warp would alias.
        warped = cv2.warpAffine(
            image,
            matrix * shrink,
            (size * shrink, size * shrink),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
        )
        crop = cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)
    else:
        crop = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return AlignedFace(image=crop, matrix=matrix, landmarks=apply_transform(matrix, landmarks))


def box_crop(image: np.ndarray, box: np.ndarray, scale: float, size: int) -> np.ndarray:
    """A square ``size`` x ``size`` crop of an RGB frame centred on a detector ``box`` (x0, y0, x1, y1), its side
    ``scale`` times the box's longer side, not turned; what falls outside the frame is black. The passive liveness
    model's crop: the context around the face (paper edges, bezels, fingers) is in it, as the card's contract
    (``scale``, ``size``) says."""
    x0, y0, x1, y1 = (float(value) for value in np.asarray(box, np.float64).reshape(-1)[:4])
    side = max(x1 - x0, y1 - y0, 1.0) * scale
    factor = size / side
    matrix = np.array(
        [[factor, 0.0, size / 2 - factor * (x0 + x1) / 2], [0.0, factor, size / 2 - factor * (y0 + y1) / 2]]
    )
    shrink = int(1.0 / factor)
    if shrink >= 2:  # sample at about the frame's own resolution, then average down: a plain warp would alias
        warped = cv2.warpAffine(
            image, matrix * shrink, (size * shrink, size * shrink), flags=cv2.INTER_LINEAR, borderValue=0
        )
        return cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderValue=0)
