"""A contact sheet of training forgeries, so a person can see what the detector learns from: each row shows
the real crop, its forgery, the blend mask and the boundary map the model is taught to draw; for the
animation forgeries made as clips, a sheet and a side-by-side clip of each; and for the simulated presentation
attacks, the live frame beside its attack, both as the liveness model sees them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from unmask.forge.animate import make_clip_forgery, write_clip_sheet, write_side_by_side
from unmask.forge.attacks import Attack
from unmask.forge.blend import Forgery, Reconstructor
from unmask.forge.sources import TrackFrames
from unmask.media import write_jpeg

TILE = 160
LABEL_HEIGHT = 18


def _grey(values: np.ndarray) -> np.ndarray:
    return np.dstack([np.clip(values * 255, 0, 255).astype(np.uint8)] * 3)


def forgery_row(real: np.ndarray, forgery: Forgery) -> np.ndarray:
    """real | forgery | mask | boundary, TILE pixels high, with the forgery's kind written under it."""
    tiles = [real, forgery.image, _grey(forgery.mask), _grey(forgery.boundary())]
    row = np.hstack([cv2.resize(tile, (TILE, TILE), interpolation=cv2.INTER_AREA) for tile in tiles])
    labelled = np.full((TILE + LABEL_HEIGHT, row.shape[1], 3), 255, dtype=np.uint8)
    labelled[:TILE] = row
    text = f"{forgery.kind}: {forgery.detail}" if forgery.detail else forgery.kind
    cv2.putText(labelled, text, (4, TILE + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return labelled


def _with_box(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """``image`` fitted into a TILE square (aspect kept) with the face box drawn on it."""
    factor = TILE / max(image.shape[:2])
    small = cv2.resize(image, (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor))))
    tile = np.full((TILE, TILE, 3), 255, np.uint8)
    tile[: small.shape[0], : small.shape[1]] = small
    x0, y0, x1, y1 = (np.asarray(box, np.float32) * factor).round().astype(int)
    cv2.rectangle(tile, (int(x0), int(y0)), (int(x1), int(y1)), (0, 220, 0), 1)
    return tile


def attack_row(live: np.ndarray, live_box: np.ndarray, attack: Attack) -> np.ndarray:
    """live | attack, each with its face box, TILE pixels high, with the attack's kind and parameters under it."""
    row = np.hstack([_with_box(live, live_box), _with_box(attack.image, attack.box)])
    labelled = np.full((TILE + LABEL_HEIGHT, row.shape[1], 3), 255, dtype=np.uint8)
    labelled[:TILE] = row
    text = f"{attack.kind}: {attack.detail}"[:48]
    cv2.putText(labelled, text, (4, TILE + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    return labelled


def write_forgery_sheet(rows: list[np.ndarray], path: str | os.PathLike[str], columns: int = 2) -> Path:
    """Tile rows made by :func:`forgery_row` (or :func:`attack_row`) into one RGB-to-JPEG sheet at ``path``."""
    if not rows:
        raise ValueError("no forgeries to draw")
    columns = max(1, min(columns, len(rows)))
    height, width = rows[0].shape[:2]
    lines = -(-len(rows) // columns)
    sheet = np.full((lines * height, columns * width + (columns - 1) * 8, 3), 255, dtype=np.uint8)
    for number, row in enumerate(rows):
        line, column = divmod(number, columns)
        x = column * (width + 8)
        sheet[line * height : (line + 1) * height, x : x + width] = row
    return write_jpeg(path, sheet)


def write_clip_examples(
    tracks: Sequence[TrackFrames],
    out_dir: str | os.PathLike[str],
    count: int,
    rng: np.random.Generator,
    reconstruct: Reconstructor | None = None,
    length: int = 16,
) -> list[Path]:
    """``count`` animation forgeries of windows of ``length`` frames drawn from real face ``tracks``, each shown
    as a contact sheet (``clipNN_<kind>.jpg``) and a side-by-side clip (``clipNN_<kind>.mp4``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for number in range(count):
        track = tracks[int(rng.integers(len(tracks)))]
        start = int(rng.integers(0, max(1, len(track) - length + 1)))
        chosen = range(start, min(len(track), start + length))
        frames = [cv2.cvtColor(cv2.imread(track.crops[i], cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) for i in chosen]
        landmarks = [np.load(track.landmarks[i]) for i in chosen]
        forgery = make_clip_forgery(frames, landmarks, rng, reconstruct)
        stem = out / f"clip{number:02d}_{forgery.kind}"
        written.append(write_clip_sheet(frames, forgery, stem.with_suffix(".jpg")))
        written.append(write_side_by_side(frames, forgery, stem.with_suffix(".mp4")))
    return written
