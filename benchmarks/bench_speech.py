"""Benchmark of the speech cue: what it adds to a default scan of a 10-second 640x480 clip with speech, and to one
without sound.

Usage: python benchmarks/bench_speech.py [--repeats N]   (needs the speech extra and ../shared/data/train_real/grid)
The clip is made here, never stored beyond a temporary folder: four GRID clips of speaker s1 one after the other
(their frames scaled into 640x480, 25 fps, H.264; their sound as AAC), cut to 10 s. The same frames without sound
are the second clip. Each is scanned by one Scanner with the speech cue on and by one with it off (the default
sampling, temporal branch as its card says), alternately, ``--repeats`` times after a warm-up; medians of the
end-to-end time, of the CPU time of the process (every thread: the fairer cost on a busy machine) and of
``timings.speech_s``. Prints a markdown table; BENCHMARKS.md records a run.
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
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    on, off = Scanner(speech=True), Scanner(speech=False)
    with tempfile.TemporaryDirectory() as tmp:
        spoken, mute = speech_clip(Path(tmp))
        print(
            "| clip | speech cue off (s) | speech cue on (s) | added | CPU off (s) | CPU on (s) | added (CPU) "
            "| the cue's own `speech_s` | cue |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for clip in (spoken, mute):
            on.scan(clip), off.scan(clip)  # warm-up
            times: dict[str, list[float]] = {"on": [], "off": [], "cpu on": [], "cpu off": [], "own": []}
            for _ in range(args.repeats):
                for key, scanner in (("off", off), ("on", on)):
                    tick, cpu = time.perf_counter(), time.process_time()
                    result = scanner.scan(clip)
                    times[key].append(time.perf_counter() - tick)
                    times[f"cpu {key}"].append(time.process_time() - cpu)
                    if key == "on":
                        times["own"].append(result.timings["speech_s"])
                        cue = result.faces[0].cues["speech"] if result.faces else None
            median = {key: statistics.median(values) for key, values in times.items()}
            said = "applied" if cue is not None and cue.applied else f"not applied: {cue.reason if cue else 'no face'}"
            print(
                f"| {clip.name} | {median['off']:.3f} | {median['on']:.3f} "
                f"| {100 * (median['on'] / median['off'] - 1):+.0f}% "
                f"| {median['cpu off']:.3f} | {median['cpu on']:.3f} "
                f"| {100 * (median['cpu on'] / median['cpu off'] - 1):+.0f}% | {median['own']:.3f} | {said} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
