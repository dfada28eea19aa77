"""Real faces to forge from: crop folders written by ``unmask faces`` (``index.jsonl``, PNG crops, landmarks),
made on demand from folders of real images and videos."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

from unmask.errors import UnmaskError
from unmask.faces.align import CropContract
from unmask.faces.analyzer import FaceAnalyzer
from unmask.faces.extract import INDEX_FILE, RUN_FILE, extract_faces
from unmask.media import Sampling, collect_inputs, read_frames, sha256_of


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


def crop_contract(folders: Sequence[Path]) -> CropContract:
    """The crop contract the crops of ``folders`` were made with (each folder's ``run.json`` from ``unmask
    faces``); a ValueError when a folder does not say, or when two folders were made under different ones: a
    model must be trained on crops of one contract, and its card records that contract."""
    contracts: dict[CropContract, Path] = {}
    for folder in folders:
        try:
            run = json.loads((Path(folder) / RUN_FILE).read_text(encoding="utf-8"))
            contract = CropContract(**run["contract"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{folder}: cannot read the crop contract from its {RUN_FILE} ({err})") from None
        contracts.setdefault(contract, Path(folder))
    if not contracts:
        raise ValueError("no crop folders to read a crop contract from")
    if len(contracts) > 1:
        (first, one), (second, other) = list(contracts.items())[:2]
        raise ValueError(
            f"crops made under different contracts: {one} ({first.name}, {first.size} px, scale {first.scale:g}) "
            f"and {other} ({second.name}, {second.size} px, scale {second.scale:g}); extract them again alike"
        )
    return next(iter(contracts))


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


HELD_OUT_EVERY = 20


def split_by_source(crops: list[Crop], every: int = HELD_OUT_EVERY) -> tuple[list[Crop], list[Crop]]:
    """Hold out every ``every``-th media file (all of its crops, so no person's frame leaks) for validation."""
    sources = sorted({crop.source for crop in crops})
    held = set(sources[every // 2 :: every])
    return [c for c in crops if c.source not in held], [c for c in crops if c.source in held]


@dataclass(frozen=True)
class TrackFrames:
    """One face track of one real video: its crops in frame order, with the file it came from."""

    source: str  # the video's path as ``unmask faces`` recorded it
    group: str  # content key of the video: held out as a whole
    track: int
    frames: tuple[int, ...]
    times: tuple[float, ...]
    crops: tuple[str, ...]  # PNG paths
    landmarks: tuple[str, ...]  # .npy paths

    def __len__(self) -> int:
        return len(self.frames)


def _content_key(path: str, folder: Path) -> str:
    """The sha256 of the source video when it can be read (so one file copied into two folders is one group),
    else its name."""
    for candidate in (Path(path), folder / path):
        if candidate.is_file():
            return sha256_of(candidate)
    return Path(path).name


def _box_side(box: Sequence[float]) -> float:
    return max(float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))


def load_tracks(folders: Sequence[Path], min_face: float = 64.0, min_length: int = 2) -> list[TrackFrames]:
    """The video face tracks listed in ``unmask faces`` folders, one :class:`TrackFrames` per (file, track).

    Crops whose detector box is under ``min_face`` pixels are left out; tracks with fewer than ``min_length``
    crops are dropped; a video whose content was already seen (the same bytes in another folder) is skipped.
    """
    tracks: list[TrackFrames] = []
    seen: set[str] = set()
    for folder in folders:
        with open(folder / INDEX_FILE, encoding="utf-8") as index:
            for line in index:
                record = json.loads(line)
                if record.get("kind") != "video" or record.get("error") or not record.get("crops"):
                    continue
                group = _content_key(record["path"], folder)
                if group in seen:
                    continue
                seen.add(group)
                by_track: dict[int, list[dict[str, Any]]] = {}
                for entry in record["crops"]:
                    if entry.get("track") is None or _box_side(entry["box"]) < min_face:
                        continue
                    by_track.setdefault(int(entry["track"]), []).append(entry)
                for track, entries in sorted(by_track.items()):
                    entries.sort(key=lambda entry: entry["frame"])
                    if len(entries) < min_length:
                        continue
                    tracks.append(
                        TrackFrames(
                            source=record["path"],
                            group=group,
                            track=track,
                            frames=tuple(int(e["frame"]) for e in entries),
                            times=tuple(float("nan") if e["time"] is None else float(e["time"]) for e in entries),
                            crops=tuple(str(folder / e["file"]) for e in entries),
                            landmarks=tuple(str(folder / e["landmarks"]) for e in entries),
                        )
                    )
    return tracks


@dataclass(frozen=True, eq=False)
class FaceFrame:
    """A whole real frame with the box (x0, y0, x1, y1) of its largest face: what presentation attacks are
    simulated from (they need the context around the face, not an aligned crop)."""

    image: np.ndarray
    box: np.ndarray
    source: str
    index: int = 0


def load_face_frames(
    inputs: Sequence[str],
    sampling: Sampling,
    min_face: float = 64.0,
    max_side: int = 640,
    progress: bool = False,
) -> list[FaceFrame]:
    """Every sampled frame of the real media under ``inputs`` whose largest face is ``min_face`` pixels or more,
    shrunk so its longer side is at most ``max_side``. Files that cannot be read are skipped."""
    analyzer = FaceAnalyzer()
    found: list[FaceFrame] = []
    files, _ = collect_inputs(list(inputs))
    for path in tqdm([item.path for item in files], desc="frames", unit="file", disable=not progress):
        try:
            for frame in read_frames(path, sampling):
                faces = analyzer(frame.image)
                if not faces:
                    continue
                face = max(faces, key=lambda item: item.size)
                if face.size < min_face:
                    continue
                image, box = frame.image, np.asarray(face.box, np.float32)
                shrink = max_side / max(image.shape[:2])
                if shrink < 1:
                    size = (round(image.shape[1] * shrink), round(image.shape[0] * shrink))
                    image, box = cv2.resize(image, size, interpolation=cv2.INTER_AREA), box * shrink
                found.append(FaceFrame(np.ascontiguousarray(image), box, str(path), frame.index))
        except (UnmaskError, OSError):
            continue
    return found
