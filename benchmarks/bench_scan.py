"""Benchmark of the deepfake classifier and of `unmask scan`, with MesoNet (the peer in ../shared/models)
timed side by side in the same run.

Usage: python benchmarks/bench_scan.py [--repeats N]
- ms per face of the shipped classifier alone (onnxruntime; 1 and 2 threads; batch 1 and 8) and of MesoNet
  (numpy, as unmask.peers runs it) on the same aligned crops, with the ratio;
- end to end: a generated 10-second 640x480 30 fps clip scanned at the default sampling (32 frames), and at
  every frame; peak memory (max RSS) of this process.
Prints markdown tables; BENCHMARKS.md records a run with the command and the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from skimage import data as skimage_data

sys.path.insert(0, str(Path(__file__).parent))
from bench_faces import machine

from unmask.faces import FaceAnalyzer, align_face
from unmask.media import Sampling, write_video
from unmask.models import FakeClassifier
from unmask.verdict import Scanner

MODELS = Path(os.environ.get("UNMASK_MODELS", Path(__file__).resolve().parents[2] / "shared" / "models"))


def median_time(repeats: int, run: Callable[[], object]) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pan_clip(photo: np.ndarray, frames: int, size: tuple[int, int] = (640, 480)) -> list[np.ndarray]:
    import cv2

    width, height = size
    scale = height / photo.shape[0] * 0.9
    face = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    out = []
    for index in range(frames):
        canvas = np.full((height, width, 3), 40, np.uint8)
        x = int((width - face.shape[1]) / 2 + 60 * np.sin(index / 30))
        y = (height - face.shape[0]) // 2
        canvas[y : y + face.shape[0], x : x + face.shape[1]] = face
        out.append(canvas)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {machine()}\n")

    photo = skimage_data.astronaut()
    (face,) = FaceAnalyzer()(photo)
    crop = align_face(photo, face.landmarks).image
    print("| model | threads | batch | ms per face |")
    print("|---|---:|---:|---:|")
    ours = {}
    for threads in (1, 2):
        classifier = FakeClassifier(threads=threads)
        for batch in (1, 8):
            crops = np.stack([crop] * batch)
            seconds = median_time(args.repeats * 4, lambda c=classifier, x=crops: c.predict(x))
            ours[(threads, batch)] = 1000 * seconds / batch
            print(
                f"| unmask ({classifier.card.name} {classifier.card.version}) | {threads} | {batch} | "
                f"{ours[(threads, batch)]:.2f} |"
            )
    mesonet_ms = None
    weights = MODELS / "mesonet" / "Meso4_DF.h5"
    if weights.is_file():
        from unmask.peers.mesonet import MesoNet

        mesonet = MesoNet(weights)
        crops = np.stack([crop] * 8)
        mesonet_ms = 1000 * median_time(args.repeats, lambda: mesonet.predict(crops)) / 8
        print(f"| MesoNet Meso4 (numpy, as unmask.peers runs it) | all | 8 | {mesonet_ms:.2f} |")
        print(f"\nunmask at 2 threads, batch 8, takes {ours[(2, 8)] / mesonet_ms:.2f}x MesoNet's time per face.")
    else:
        print(f"\n(MesoNet weights not found in {weights.parent}: peer not timed)")

    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip_640x480_10s.mp4"
        write_video(clip, pan_clip(photo, 300), fps=30)
        print("\n| clip | sampling | frames scanned | seconds end to end | verdict |")
        print("|---|---|---:|---:|---|")
        for sampling in (Sampling(count=32), Sampling()):
            scanner = Scanner(sampling=sampling)
            seconds = median_time(max(1, args.repeats // 2), lambda s=scanner: s.scan(clip))
            result = scanner.scan(clip)
            print(
                f"| 640x480, 30 fps, 10 s | {sampling.describe()} | {len(result.frames)} | {seconds:.2f} | "
                f"{result.verdict} |"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of this process): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
