"""A contact sheet of face crops: one picture to check at a glance that crops and landmarks are right.

Reads the ``index.jsonl`` that ``unmask faces`` writes, picks up to ``limit`` crops spread evenly over all of
them, draws each crop's face oval and eye contours from its landmarks, labels it with its file (and video
frame and track), and tiles them into one JPEG.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from unmask.faces.regions import FACE_OVAL, LEFT_EYE_RING, RIGHT_EYE_RING
from unmask.media import write_jpeg

TILE = 128
LABEL_HEIGHT = 16
_OUTLINES = (FACE_OVAL, LEFT_EYE_RING[:9] + LEFT_EYE_RING[9:][::-1], RIGHT_EYE_RING[:9] + RIGHT_EYE_RING[9:][::-1])


def _label(record_path: str, crop: dict) -> str:
    name = Path(record_path).name
    if crop.get("track") is None:
        return name
    return f"f{crop['frame']} t{crop['track']} {name}"


def _tile(folder: Path, record_path: str, crop: dict) -> np.ndarray | None:
    image = cv2.imread(str(folder / crop["file"]))
    if image is None:
        return None
    scale = TILE / image.shape[1]
    tile = cv2.resize(image, (TILE, TILE), interpolation=cv2.INTER_AREA)
    landmarks_file = folder / crop.get("landmarks", "")
    if landmarks_file.is_file():
        points = np.load(landmarks_file)[:, :2] * scale
        for outline in _OUTLINES:
            polygon = np.round(points[list(outline)]).astype(np.int32)
            cv2.polylines(tile, [polygon], isClosed=True, color=(80, 220, 80), thickness=1, lineType=cv2.LINE_AA)
    labelled = np.full((TILE + LABEL_HEIGHT, TILE, 3), 255, dtype=np.uint8)
    labelled[:TILE] = tile
    text = _label(record_path, crop)
    while len(text) > 3 and cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.33, 1)[0][0] > TILE - 4:
        text = text[:-2] + "~"
    cv2.putText(labelled, text, (2, TILE + 12), cv2.FONT_HERSHEY_SIMPLEX, 0.33, (0, 0, 0), 1, cv2.LINE_AA)
    return labelled


def contact_sheet(out_dir: str | os.PathLike[str], limit: int = 64, columns: int = 8) -> Path | None:
    """Write ``contact_sheet.jpg`` into the output folder of ``unmask faces``; return its path, or None if
    the run made no crops."""
    folder = Path(out_dir)
    crops = []
    with open(folder / "index.jsonl", encoding="utf-8") as index:
        for line in index:
            record = json.loads(line)
            crops.extend((record["path"], crop) for crop in record["crops"])
    if not crops:
        return None
    picks = sorted({round(i) for i in np.linspace(0, len(crops) - 1, min(limit, len(crops)))})
    tiles = [tile for tile in (_tile(folder, *crops[i]) for i in picks) if tile is not None]
    if not tiles:
        return None
    columns = min(columns, len(tiles))
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * (TILE + LABEL_HEIGHT), columns * TILE, 3), 255, dtype=np.uint8)
    for number, tile in enumerate(tiles):
        row, column = divmod(number, columns)
        sheet[row * tile.shape[0] : (row + 1) * tile.shape[0], column * TILE : (column + 1) * TILE] = tile
    return write_jpeg(folder / "contact_sheet.jpg", cv2.cvtColor(sheet, cv2.COLOR_BGR2RGB))
