"""Make the demo samples: the astronaut photo that scikit-image ships (NASA, public domain) and a short
640x480 clip rendered from it, the camera panning and zooming across the photo.

Usage: python samples/make_samples.py [FOLDER]   (default: the folder of this script)
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

from unmask.media import write_video


def pan_clip(photo: np.ndarray, frames: int = 75, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    """Frames of a camera moving slowly over ``photo``: a pan from left to right with a gentle zoom."""
    width, height = size
    clip = []
    for step in range(frames):
        t = step / max(frames - 1, 1)
        scale = 1.1 + 0.2 * t
        matrix = np.array([[scale, 0.0, 40 - 120 * t], [0.0, scale, -30.0]])
        clip.append(cv2.warpAffine(photo, matrix, (width, height), borderMode=cv2.BORDER_REFLECT_101))
    return clip


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    photo = data.astronaut()
    Image.fromarray(photo).save(folder / "astronaut.jpg", quality=95)
    write_video(folder / "astronaut_pan.mp4", pan_clip(photo), fps=25)
    print(f"samples written to {folder}: astronaut.jpg, astronaut_pan.mp4")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
