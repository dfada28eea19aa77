"""The ``unmask faces`` job: aligned face crops and their landmarks from images, videos and folders.

For each input file it writes PNG crops (lossless, so no new compression traces) under ``DIR/crops/``, the 468
landmarks of each crop in crop pixels as a ``.npy`` (float32, 468x3) beside it, and one line in
``DIR/index.jsonl`` with the file's path, the number of faces found, its crops, or the error that stopped it.
``DIR/run.json`` records the crop contract, the sampling and the totals. A file that cannot be read is
reported and skipped; the others still run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

from unmask import __version__
from unmask.errors import UnmaskError, reason
from unmask.faces.align import ALIGNMENT, AlignedFace, CropContract
from unmask.faces.analyzer import FaceAnalyzer
from unmask.faces.pipeline import MAX_FACES, track_faces
from unmask.media import InputFile, Limits, MediaInfo, Sampling, collect_inputs, expected_frames, probe, read_frames

INDEX_FILE = "index.jsonl"
RUN_FILE = "run.json"
CROPS_FOLDER = "crops"


@dataclass
class ExtractSummary:
    """Totals of one run of :func:`extract_faces`."""

    out_dir: Path
    files: int = 0
    files_with_faces: int = 0
    crops: int = 0
    errors: list[str] = field(default_factory=list)
    ignored: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "files_with_faces": self.files_with_faces,
            "crops": self.crops,
            "errors": len(self.errors),
            "ignored_non_media_files": self.ignored,
        }


class FaceExtractor:
    """Runs the extraction of one output folder; see :func:`extract_faces`."""

    def __init__(
        self,
        out_dir: Path,
        analyzer: FaceAnalyzer,
        contract: CropContract,
        sampling: Sampling,
        limits: Limits,
        max_faces: int,
        progress: bool,
    ) -> None:
        self.out_dir = out_dir
        self.analyzer = analyzer
        self.contract = contract
        self.sampling = sampling
        self.limits = limits
        self.max_faces = max_faces
        self.progress = progress

    def _frames(self, entry: InputFile, info: MediaInfo) -> Iterator[Any]:
        frames = read_frames(entry.path, self.sampling, self.limits, info=info)
        if info.kind == "image" or not self.progress:
            return frames
        return tqdm(
            frames,
            total=expected_frames(info, self.sampling),
            desc=entry.path.name[:30],
            unit="frame",
            leave=False,
            dynamic_ncols=True,
        )

    def _save(self, folder: Path, stem: str, aligned: AlignedFace) -> dict[str, str]:
        """Write one aligned face's crop and landmarks, and return their paths relative to the output."""
        folder.mkdir(parents=True, exist_ok=True)
        crop_file, landmarks_file = folder / f"{stem}.png", folder / f"{stem}.npy"
        if not cv2.imwrite(str(crop_file), cv2.cvtColor(aligned.image, cv2.COLOR_RGB2BGR)):
            raise OSError(f"cannot write {crop_file}")
        np.save(landmarks_file, aligned.landmarks.astype(np.float32))
        return {
            "file": crop_file.relative_to(self.out_dir).as_posix(),
            "landmarks": landmarks_file.relative_to(self.out_dir).as_posix(),
        }

    def process(self, entry: InputFile) -> dict[str, Any]:
        """Extract the faces of one file and return its index record; a bad file gives a record with an error.

        ``faces`` counts the faces of a still, or the distinct tracks (people) of a video.
        """
        record: dict[str, Any] = {
            "path": str(entry.path),
            "kind": None,
            "width": None,
            "height": None,
            "frames": 0,
            "faces": 0,
            "dropped_faces": 0,
            "crops": [],
            "error": None,
        }
        folder = self.out_dir / CROPS_FOLDER / entry.key
        tracks: set[int] = set()
        try:
            info = probe(entry.path, self.limits)
            record.update(kind=info.kind, width=info.width, height=info.height)
            video = info.kind == "video"
            loop = track_faces(
                self._frames(entry, info), self.analyzer, track=video, contract=self.contract, max_faces=self.max_faces
            )
            for found in loop:
                frame = found.frame
                record["frames"] += 1
                if video:
                    tracks.update(face.track_id for face in found.found if face.track_id is not None)
                else:
                    record["faces"] = len(found.found)
                record["dropped_faces"] += found.dropped
                for number, (face, aligned) in enumerate(found.aligned):  # every face: no minimum size here
                    stem = f"f{frame.index:06d}_t{face.track_id:02d}" if video else f"face{number:02d}"
                    files = self._save(folder, stem, aligned)
                    time = None if frame.time is None else round(frame.time, 4)
                    record["crops"].append({**files, "frame": frame.index, "time": time, **face.to_dict()})
        except Exception as err:  # noqa: BLE001 - one bad file must not stop a batch; the message says what broke
            record["error"] = reason(err, entry.path)
        if tracks:
            record["faces"] = len(tracks)
        return record


def extract_faces(
    inputs: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    analyzer: FaceAnalyzer | None = None,
    contract: CropContract = ALIGNMENT,
    sampling: Sampling = Sampling(),
    limits: Limits = Limits(),
    max_faces: int = MAX_FACES,
    progress: bool = True,
    on_error: Callable[[str], None] | None = None,
) -> ExtractSummary:
    """Write aligned crops, landmarks and ``index.jsonl`` for every face in ``inputs`` into ``out_dir``.

    At most ``max_faces`` faces (the largest) are kept per frame; the rest are counted as ``dropped_faces``.
    ``progress`` shows progress bars on stderr; ``on_error`` is called with the one-line message of each file
    that fails. A previous run's ``crops`` folder in ``out_dir`` is replaced.
    """
    if max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, not {max_faces}")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UnmaskError(f"{out}: exists and is not a folder")
    files, ignored = collect_inputs(inputs, exclude=out)
    out.mkdir(parents=True, exist_ok=True)
    if (out / INDEX_FILE).exists() and (out / CROPS_FOLDER).is_dir():
        shutil.rmtree(out / CROPS_FOLDER)
    extractor = FaceExtractor(out, analyzer or FaceAnalyzer(), contract, sampling, limits, max_faces, progress)
    summary = ExtractSummary(out_dir=out, ignored=ignored)
    bar = tqdm(files, desc="faces", unit="file", disable=not progress, dynamic_ncols=True)
    with open(out / INDEX_FILE, "w", encoding="utf-8") as index:
        for entry in bar:
            record = extractor.process(entry)
            index.write(json.dumps(record) + "\n")
            index.flush()
            summary.files += 1
            summary.files_with_faces += record["faces"] > 0
            summary.crops += len(record["crops"])
            if record["error"]:
                summary.errors.append(record["error"])
                if on_error is not None:
                    on_error(record["error"])
            bar.set_postfix(crops=summary.crops, errors=len(summary.errors), refresh=False)
    run = {
        "unmask_version": __version__,
        "contract": contract.to_dict(),
        "sampling": sampling.describe(),
        "min_face_size": extractor.analyzer.min_face_size,
        "max_faces": max_faces,
        "totals": summary.to_dict(),
    }
    (out / RUN_FILE).write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    return summary
