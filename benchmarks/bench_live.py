"""Benchmark of ``unmask live``: how long a 5-second challenge clip takes to decide, on this machine's cores.

The clip is made here from a real clip of ../shared/data/train_real (intel/headpose: a woman turning her head to
her right and her left, 1.84 s at 12.5 fps), looped to 5 s, scaled into a 640x480 frame and encoded as a 30-fps
VP8 WebM, as a browser's MediaRecorder sends it; it answers the challenge ``turn_right,turn_left`` (1-s lead-in,
then 1-3 s and 3-5 s). Timed: ``LiveChecker.check`` end to end (probe, hash, reading the clip at up to 15 fps and
following the face, the challenge, the passive model where ``unmask.models.liveness`` ships one, and the deepfake
scan of the same clip at 12 frames: ``DEEPFAKE_SAMPLING``), the median of ``--repeats`` runs after one warm-up.

Usage: python benchmarks/bench_live.py [--repeats N]
Prints a markdown table; BENCHMARKS.md records a run with the command and the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from bench_faces import machine

from unmask.media import Sampling, probe, read_frames, write_video
from unmask.verdict import LiveChecker

DATA = Path(os.environ.get("UNMASK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CLIP = DATA / "train_real" / "intel" / "headpose" / "head-pose-face-detection-female.gif"
CHALLENGE = "turn_right,turn_left"
SECONDS, FPS = 5.0, 30


def challenge_clip(path: Path) -> Path:
    """The GIF looped to :data:`SECONDS` at :data:`FPS` in a 640x480 frame, as VP8 WebM."""
    frames = [frame for frame in read_frames(CLIP, Sampling())]
    times = np.array([frame.time for frame in frames])
    period = float(times[-1] + (times[1] - times[0]))
    out = []
    for number in range(int(SECONDS * FPS)):
        when = (number / FPS) % period
        image = frames[int(np.searchsorted(times, when, side="right") - 1)].image
        scaled = cv2.resize(image, (640, 360), interpolation=cv2.INTER_LINEAR)
        canvas = np.full((480, 640, 3), 200, np.uint8)
        canvas[60:420] = scaled
        out.append(canvas)
    write_video(path, out, fps=FPS, codec="libvpx")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not CLIP.is_file():
        sys.exit(f"{CLIP} not found (set UNMASK_DATA)")
    with tempfile.TemporaryDirectory() as folder:
        clip = challenge_clip(Path(folder) / "challenge.webm")
        info = probe(clip)
        checker = LiveChecker()
        warm = checker.check(clip, CHALLENGE)
        assert warm.verdict == "live", warm.reason
        runs = [checker.check(clip, CHALLENGE) for _ in range(args.repeats)]
    print(f"machine: {machine()}")
    print(
        f"clip: {info.width}x{info.height} {info.codec} {info.duration_s:.2f} s at {info.fps:g} fps; "
        f"challenge {warm.to_dict()['cues']['challenge']['spec']}; verdict {warm.verdict} ({warm.decided_by})"
    )
    passive = warm.cues["passive"]
    print(f"passive cue: {'applied' if passive.applied else 'not applied: ' + str(passive.reason)}")
    print()
    print("| part | median s | min s | max s |")
    print("|---|---:|---:|---:|")
    for key, name in (
        ("faces_s", "reading at <=15 fps + face followed"),
        ("passive_s", "passive model"),
        ("deepfake_s", "deepfake scan (12 frames)"),
        ("total_s", "**decided, end to end**"),
    ):
        values = [run.timings[key] for run in runs if key in run.timings]
        if values:
            print(f"| {name} | {statistics.median(values):.3f} | {min(values):.3f} | {max(values):.3f} |")
    print(f"\nframes read {warm.frames}, with the face {warm.face_frames}; {args.repeats} runs after one warm-up")


if __name__ == "__main__":
    main()
