"""The robustness ladder: the same evaluation after the laundering that social media applies.

Each rung changes the media before faces are looked for: JPEG re-compression of every frame (quality 90, 70,
50, 30), downscaling (0.75, 0.5, 0.25 of each side, not scaled back: small faces stay small), H.264 re-encoding
of whole videos (CRF 23, 30, 40; stills are left out of those rungs), Gaussian blur (sigma 1 and 2 pixels),
Gaussian noise (sigma 5 and 10 grey levels, the same pattern on every frame so a rung is reproducible) and grain:
Gaussian noise of the same sigmas drawn afresh for every frame (seeded by the frame's pixels, so still
reproducible), as a camera's sensor adds it. To a frame-by-frame detector the two are alike; to the temporal
branch they are not: one fixed pattern sticks to the frame from one frame to the next, fresh grain does not.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from unmask.errors import UnmaskError
from unmask.forge.augment import jpeg
from unmask.media import Limits, Sampling, probe, read_frames, write_video


@dataclass(frozen=True)
class Laundering:
    """One rung of the ladder: ``kind`` (jpeg, scale, h264, blur, noise, grain) at ``value``."""

    kind: str
    value: float

    def __post_init__(self) -> None:
        if self.kind not in ("jpeg", "scale", "h264", "blur", "noise", "grain"):
            raise ValueError(f"unknown laundering {self.kind!r}")

    @property
    def name(self) -> str:
        """``jpeg-70``, ``scale-0.5``, ``h264-crf30``, ``blur-2``, ``noise-5``, ``grain-5``."""
        value = f"{self.value:g}"
        return f"h264-crf{value}" if self.kind == "h264" else f"{self.kind}-{value}"

    @property
    def videos_only(self) -> bool:
        return self.kind == "h264"

    def frame(self, image: np.ndarray) -> np.ndarray:
        """Launder one RGB uint8 frame (H.264 works on whole files instead: see :meth:`file`)."""
        if self.kind == "jpeg":
            return jpeg(image, int(self.value))
        if self.kind == "scale":
            height, width = image.shape[:2]
            size = (max(1, round(width * self.value)), max(1, round(height * self.value)))
            return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        if self.kind == "blur":
            return cv2.GaussianBlur(image, (0, 0), self.value)
        if self.kind in ("noise", "grain"):
            seed = 0 if self.kind == "noise" else zlib.crc32(np.ascontiguousarray(image).tobytes())
            noise = np.random.default_rng(seed).normal(0, self.value, image.shape)
            return np.clip(image + noise, 0, 255).astype(np.uint8)
        return image

    def file(self, path: Path, work_dir: Path, limits: Limits = Limits()) -> Path | None:
        """The file to scan for this rung: a re-encoded copy of a video for H.264 rungs (None for a still, which
        such rungs leave out; an unreadable file is returned as it is, to be reported by the scan), else
        ``path``."""
        if self.kind != "h264":
            return path
        try:
            info = probe(path, limits)
        except UnmaskError:
            return path
        if info.kind != "video":
            return None
        out = work_dir / f"{path.stem}.{self.name}.mp4"
        frames = (frame.image for frame in read_frames(path, Sampling(), limits, info=info))
        write_video(out, frames, fps=info.fps or 25.0, crf=int(self.value), repeatable=True)
        return out


LADDER: tuple[Laundering, ...] = (
    *(Laundering("jpeg", q) for q in (90, 70, 50, 30)),
    *(Laundering("scale", s) for s in (0.75, 0.5, 0.25)),
    *(Laundering("h264", c) for c in (23, 30, 40)),
    *(Laundering("blur", s) for s in (1, 2)),
    *(Laundering("noise", s) for s in (5, 10)),
    *(Laundering("grain", s) for s in (5, 10)),
)


def parse_rungs(text: str) -> tuple[Laundering, ...]:
    """``all`` or rung names separated by commas (``jpeg-50,h264-crf30``)."""
    if text.strip() == "all":
        return LADDER
    by_name = {rung.name: rung for rung in LADDER}
    rungs = []
    for name in (part.strip() for part in text.split(",") if part.strip()):
        if name not in by_name:
            raise ValueError(f"unknown rung {name!r}; known: all, {', '.join(by_name)}")
        rungs.append(by_name[name])
    return tuple(rungs)


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for re-encoded videos (removed when the rung is done)."""
    return tempfile.TemporaryDirectory(prefix="unmask-launder-", dir=os.environ.get("TMPDIR"))
