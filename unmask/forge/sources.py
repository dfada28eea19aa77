"""Real faces to forge from: crop folders written by ``unmask faces`` (``index.jsonl``, PNG crops, landmarks),
made on demand from folders of real images and videos."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from unmask.faces.extract import INDEX_FILE, extract_faces
from unmask.media import Sampling


@dataclass(frozen=True, eq=False)
class Crop:
    """One real face: the aligned RGB crop, its landmarks in crop pixels, and the media file it came from."""

    image: np.ndarray
    landmarks: np.ndarray
    source: str


def prepare_faces(
    inputs: Sequence[str],
    work_dir: Path,
    sampling: Sampling,
    log: Callable[[str], None] = print,
    progress: bool = True,
) -> list[Path]:
    """The crop folders for ``inputs``: those that are ``unmask faces`` outputs as they are, the others extracted
    once into ``work_dir/faces-N`` (the video frames ``sampling`` keeps) and reused afterwards."""
    folders = []
    for number, item in enumerate(inputs):
        path = Path(item)
        if (path / INDEX_FILE).is_file():
            folders.append(path)
            continue
        out = work_dir / f"faces-{number}"
        if not (out / INDEX_FILE).is_file():
            log(f"extracting faces from {path} into {out} ({sampling.describe()})")
            extract_faces([path], out, sampling=sampling, progress=progress)
        folders.append(out)
    return folders


def load_crops(folders: list[Path], limit: int | None = None) -> list[Crop]:
    """The crops listed in each folder's ``index.jsonl``, loaded into memory (the first ``limit`` if given)."""
    crops: list[Crop] = []
    for folder in folders:
        with open(folder / INDEX_FILE, encoding="utf-8") as index:
            for line in index:
                record = json.loads(line)
                for entry in record["crops"]:
                    if limit is not None and len(crops) >= limit:
                        return crops
                    image = cv2.imread(str(folder / entry["file"]), cv2.IMREAD_COLOR)
                    if image is None:
                        raise OSError(f"cannot read {folder / entry['file']}")
                    landmarks = np.load(folder / entry["landmarks"])
                    crops.append(Crop(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), landmarks, record["path"]))
    return crops


def split_by_source(crops: list[Crop], every: int = 20) -> tuple[list[Crop], list[Crop]]:
    """Hold out every ``every``-th media file (all of its crops, so no person's frame leaks) for validation."""
    sources = sorted({crop.source for crop in crops})
    held = set(sources[every // 2 :: every])
    return [c for c in crops if c.source not in held], [c for c in crops if c.source in held]
