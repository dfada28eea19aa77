"""Cache the mouth of real clips with sound, frame by frame, for calibrating the speech cue (tools/calibrate_speech.py).

Usage: python tools/speech_mouths.py [CLIP_OR_FOLDER ...] [-o runs/speech-mouths]
(default: ../shared/data/train_real/{grid,cremad,pexels,flickr_video}). For each clip, the frames a scan's speech
window reads are read over the whole clip (``FRAME_STEP_S`` apart, every 2nd frame at 25 fps: faces found on the
first, followed from frame to frame after, as a scan reads its window), and the meshes of each face track in at
least half of the frames are saved with the frame times as ``<folder>__<name>.npz`` (``times``,
``landmarks_<track>``). Nothing is derived from the sound here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from unmask.faces import FaceAnalyzer, track_faces
from unmask.media import MEDIA_EXTENSIONS, Sampling, Window, probe, probe_audio, read_frames
from unmask.speech.listen import FRAME_STEP_S

DATA = Path(os.environ.get("UNMASK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
DEFAULT = [DATA / "train_real" / name for name in ("grid", "cremad", "pexels", "flickr_video")]


def clips(inputs: list[Path]) -> list[Path]:
    out = []
    for item in inputs:
        files = sorted(item.iterdir()) if item.is_dir() else [item]
        out += [f for f in files if f.suffix.lower() in MEDIA_EXTENSIONS and f.suffix.lower() not in (".jpg", ".png")]
    return out


def mouths(path: Path, analyzer: FaceAnalyzer) -> dict[str, np.ndarray] | None:
    info = probe(path)
    if info.kind != "video" or not probe_audio(path).present:
        return None
    window = Window(0.0, (info.duration_s or 3600.0) + 1.0, FRAME_STEP_S)  # the frames a scan's window reads
    frames = read_frames(path, Sampling(every_nth=10**9), info=info, window=window)  # frame 0 sampled: detected
    times: list[float] = []
    tracks: dict[int, dict[int, np.ndarray]] = {}
    for number, found in enumerate(track_faces(frames, analyzer, track=True)):
        times.append(found.frame.time or 0.0)
        for face in found.window_faces:
            tracks.setdefault(face.track_id or 0, {})[number] = face.landmarks[:, :2].astype(np.float32)
    out: dict[str, np.ndarray] = {"times": np.array(times)}
    for track, meshes in tracks.items():
        if len(meshes) >= len(times) / 2:
            stack = np.full((len(times), 468, 2), np.nan, np.float32)
            for number, mesh in meshes.items():
                stack[number] = mesh
            out[f"landmarks_{track}"] = stack
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("-o", "--out", type=Path, default=Path("runs/speech-mouths"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    analyzer = FaceAnalyzer()
    for path in clips(args.inputs):
        target = args.out / f"{path.parent.name}__{path.stem}.npz"
        if target.exists():
            continue
        data = mouths(path, analyzer)
        if data is None:
            print(f"{path}: no sound track or not a video, skipped", file=sys.stderr)
            continue
        np.savez_compressed(target, **data)
        print(f"{path}: {len(data['times'])} frames, {len(data) - 1} track(s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
