"""Benchmark of the speech cue: what it adds to a default scan of a 10-second 640x480 clip with speech, and to one
without sound.

Usage: python benchmarks/bench_speech.py [--repeats N] [--window S ...]   (needs the speech extra and
../shared/data/train_real/grid)
The clip is made here, never stored beyond a temporary folder: four GRID clips of speaker s1 one after the other
(their frames scaled into 640x480, 25 fps, H.264; their sound as AAC), cut to 10 s. The same frames without sound
are the second clip. Each is scanned by one Scanner with the speech cue on and by one with it off (the default
sampling, temporal branch as its card says), alternately, ``--repeats`` times after a warm-up; medians of the
end-to-end time, of the CPU time of the process (every thread: the fairer cost on a busy machine) and of
``timings.speech_s``. ``--window 2 3 --every-frame`` adds scanners whose speech cue reads 2 and 3 s of speech
at every frame (3 s, every frame: as the cue first shipped), interleaved with the others, to compare in one run
what the window costs. Prints a markdown table;
BENCHMARKS.md records a run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_faces import machine

from unmask.media import SAMPLE_RATE, Sampling, read_audio, read_frames, write_video
from unmask.speech import Listener
from unmask.speech.listen import FRAME_STEP_S, WINDOW_S
from unmask.verdict import Scanner

DATA = Path(os.environ.get("UNMASK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
GRID = ("s1_bbbs5s", "s1_lgbm3s", "s1_pbav2n", "s1_sbwo1s")


def speech_clip(folder: Path) -> tuple[Path, Path]:
    frames, sound = [], []
    for name in GRID:
        path = DATA / "train_real" / "grid" / f"{name}.mpg"
        for frame in read_frames(path, Sampling()):
            canvas = np.full((480, 640, 3), 30, np.uint8)
            picture = cv2.resize(frame.image, (560, 448), interpolation=cv2.INTER_LINEAR)
            canvas[16:464, 40:600] = picture
            frames.append(canvas)
        sound.append(read_audio(path, 0.0, 3.0)[1])
    frames = frames[:250]
    samples = np.concatenate(sound)[: 10 * SAMPLE_RATE]
    spoken, mute = folder / "speech_640x480_10s.mp4", folder / "mute_640x480_10s.mp4"
    write_video(spoken, frames, fps=25, audio=samples)
    write_video(mute, frames, fps=25)
    return spoken, mute


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--window",
        type=float,
        nargs="*",
        default=[],
        metavar="S",
        help="also scan with the speech cue reading S seconds of speech (as many as given), interleaved with the "
        "others, a row each (the shipped calibration was fitted at WINDOW_S: for what a window costs only)",
    )
    parser.add_argument(
        "--every-frame", action="store_true", help="the --window scanners read every frame of their window"
    )
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    off = Scanner(speech=False)
    ons = {f"on ({WINDOW_S:g} s, every {FRAME_STEP_S:g} s)": Scanner(speech=True)}
    step = None if args.every_frame else FRAME_STEP_S
    for seconds in args.window:
        listener = Listener(window_s=seconds, frame_step_s=step)
        ons[f"on ({seconds:g} s, {'every frame' if step is None else f'every {step:g} s'})"] = Scanner(
            off.classifier, off.analyzer, speech=listener
        )
    scanners = {"off": off, **ons}
    with tempfile.TemporaryDirectory() as tmp:
        spoken, mute = speech_clip(Path(tmp))
        print(
            "| clip | speech cue | off (s) | on (s) | added | CPU off (s) | CPU on (s) | added (CPU) "
            "| the cue's own `speech_s` | cue |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for clip in (spoken, mute):
            for scanner in scanners.values():
                scanner.scan(clip)  # warm-up
            wall: dict[str, list[float]] = {key: [] for key in scanners}
            cpu: dict[str, list[float]] = {key: [] for key in scanners}
            own: dict[str, list[float]] = {key: [] for key in scanners}
            cues = {}
            for _ in range(args.repeats):
                for key, scanner in scanners.items():
                    tick, clock = time.perf_counter(), time.process_time()
                    result = scanner.scan(clip)
                    wall[key].append(time.perf_counter() - tick)
                    cpu[key].append(time.process_time() - clock)
                    own[key].append(result.timings["speech_s"])
                    cues[key] = result.faces[0].cues["speech"] if result.faces else None
            base, base_cpu = statistics.median(wall["off"]), statistics.median(cpu["off"])
            for key in ons:
                after, after_cpu, cue = statistics.median(wall[key]), statistics.median(cpu[key]), cues[key]
                said = "applied" if cue is not None and cue.applied else f"not applied: {cue.reason if cue else '-'}"
                print(
                    f"| {clip.name} | {key} | {base:.3f} | {after:.3f} | {100 * (after / base - 1):+.0f}% "
                    f"| {base_cpu:.3f} | {after_cpu:.3f} | {100 * (after_cpu / base_cpu - 1):+.0f}% "
                    f"| {statistics.median(own[key]):.3f} | {said} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
