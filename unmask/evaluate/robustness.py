"""The robustness ladder: the same evaluation after the laundering that social media applies.

Each rung changes the media before faces are looked for: JPEG re-compression of every frame (quality 90, 70,
50, 30), downscaling (0.75, 0.5, 0.25 of each side, not scaled back: small faces stay small), H.264 re-encoding
of whole videos (CRF 23, 30, 40; stills are left out of those rungs), Gaussian blur (sigma 1 and 2 pixels),
Gaussian noise (sigma 5 and 10 grey levels, the same pattern on every frame so a rung is reproducible) and grain:
Gaussian noise of the same sigmas drawn afresh for every frame (seeded by the frame's pixels, so still
reproducible), as a camera's sensor adds it. To a frame-by-frame detector the two are alike; to the temporal
branch they are not: one fixed pattern sticks to the frame from one frame to the next, fresh grain does not.

A rung is the name of one of :mod:`unmask.media.launder`'s operations and its parameter: the operations that
training launders with, at fixed settings, so that the ladder measures what training taught.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unmask.errors import UnmaskError
from unmask.media import Limits, Sampling, launder, probe, read_frames

# What a rung of each kind does to a frame: the laundering operation of that name, called with the rung's value
# (JPEG quality, scale factor, blur sigma, noise sigma). Noise is seeded 0: one pattern on every frame. H.264
# rungs re-encode whole files (launder.write_h264, in Laundering.file).
FRAME_OPERATIONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "jpeg": launder.jpeg,
    "scale": launder.scale,
    "blur": launder.blur,
    "noise": launder.noise,
    "grain": launder.grain,
}


@dataclass(frozen=True)
class Laundering:
    """One rung of the ladder: ``kind`` (jpeg, scale, h264, blur, noise, grain) at ``value``."""

    kind: str
    value: float

    def __post_init__(self) -> None:
        if self.kind not in (*FRAME_OPERATIONS, "h264"):
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
        operation = FRAME_OPERATIONS.get(self.kind)
        return image if operation is None else operation(image, self.value)

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
        launder.write_h264(out, frames, int(self.value), fps=info.fps or 25.0)
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
