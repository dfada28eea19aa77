"""Benchmark of the deepfake classifier and of `unmask scan`, with two cost references timed side by side in
the same run: MesoNet (the peer in ../shared/models, in numpy as unmask.peers runs it) and EfficientNet-B4 at
380x380, the backbone of the strongest published detectors (random weights: only its cost matters), exported
to ONNX and run with the same onnxruntime settings as unmask.

Usage: python benchmarks/bench_scan.py [--repeats N] [--temporal-only]   (the B4 rows need the `bench` extra: torch and
efficientnet_pytorch; without them they are skipped with a note)
- ms per face of the classifier alone (1 and 2 threads; batch 1 and 8), and unmask's time as a ratio to each
  reference's at the same threads and batch;
- end to end: generated 10-second 640x480 and 1280x720 30 fps clips, scanned at the default sampling
  (32 frames) and at every frame; the 640x480 clip with and without the temporal branch; peak memory (max RSS)
  of this process.
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


def b4_session(folder: Path, threads: int):
    """EfficientNet-B4 (random weights) at 380x380 as ONNX, run like unmask's classifier; None without torch."""
    try:
        import torch
        from efficientnet_pytorch import EfficientNet
    except ImportError:
        return None
    import onnxruntime as ort

    path = folder / "efficientnet_b4_380.onnx"
    if not path.is_file():
        torch.manual_seed(0)
        model = EfficientNet.from_name("efficientnet-b4", num_classes=1).eval()
        model.set_swish(memory_efficient=False)
        torch.onnx.export(
            model,
            (torch.rand(1, 3, 380, 380),),
            str(path),
            input_names=["image"],
            dynamic_axes={"image": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def temporal_table(clip: Path, pairs: int) -> None:
    """The clip scanned with the frame branch alone and with both branches, in alternation (the machine's speed
    drifts; alternating shares the drift), after a warm-up of each: medians end to end, what the temporal branch
    adds, and its own time as the scanner counts it (faces in its burst frames, features, the model; not decoding,
    since every frame up to the last wanted one is decoded anyway)."""
    scanners = {False: Scanner(temporal=False), True: Scanner(temporal=True)}
    for scanner in scanners.values():
        scanner.scan(clip)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    own = []
    for _ in range(pairs):
        for temporal, scanner in scanners.items():
            tick = time.perf_counter()
            result = scanner.scan(clip)
            seconds[temporal].append(time.perf_counter() - tick)
            if temporal:
                own.append(result.timings["temporal_s"])
    alone, both, branch = statistics.median(seconds[False]), statistics.median(seconds[True]), statistics.median(own)
    print(f"\n| 640x480 10-s clip, 32 frames ({pairs} scans each, alternated) | seconds end to end (median) | added |")
    print("|---|---:|---:|")
    print(f"| frame branch only | {alone:.3f} | - |")
    print(f"| both branches (--temporal) | {both:.3f} | {both - alone:.3f} ({(both - alone) / alone:.0%}) |")
    print(f"\nthe temporal branch's own time (median of timings.temporal_s): {branch:.3f} s ({branch / alone:.0%})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench-out"), help="where the B4 ONNX file is cached")
    parser.add_argument("--temporal-only", action="store_true", help="only the table of the temporal branch")
    args = parser.parse_args()
    if args.temporal_only:
        with tempfile.TemporaryDirectory() as folder:
            clip = Path(folder) / "clip_640x480_10s.mp4"
            write_video(clip, pan_clip(skimage_data.astronaut(), 300, (640, 480)), fps=30)
            print(f"machine: {machine()}")
            temporal_table(clip, args.repeats * 2)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}\n")

    photo = skimage_data.astronaut()
    (face,) = FaceAnalyzer()(photo)
    crop = align_face(photo, face.landmarks).image
    mesonet = None
    weights = MODELS / "mesonet" / "Meso4_DF.h5"
    if weights.is_file():
        from unmask.peers.mesonet import MesoNet

        mesonet = MesoNet(weights)
    print("| model | input | runtime | threads | batch | ms per face | unmask's time / this |")
    print("|---|---|---|---:|---:|---:|---:|")
    notes = []
    for threads in (1, 2):
        classifier = FakeClassifier(threads=threads)
        b4 = b4_session(args.out, threads)
        for batch in (1, 8):
            crops = np.stack([crop] * batch)
            ours = 1000 * median_time(args.repeats * 4, lambda c=classifier, x=crops: c.predict(x)) / batch
            card = classifier.card
            print(f"| unmask {card.name} {card.version} | 224 | onnxruntime | {threads} | {batch} | {ours:.2f} | 1 |")
            if b4 is not None:
                big = np.random.default_rng(0).random((batch, 3, 380, 380), dtype=np.float32)
                theirs = 1000 * median_time(args.repeats, lambda b=b4, x=big: b.run(None, {"image": x})) / batch
                print(
                    f"| EfficientNet-B4 (random weights) | 380 | onnxruntime | {threads} | {batch} | {theirs:.2f} | "
                    f"{ours / theirs:.2f} |"
                )
            if mesonet is not None and threads == 2:
                # numpy uses its own BLAS threads (both cores): compared with unmask at 2 threads
                theirs = 1000 * median_time(args.repeats, lambda x=crops: mesonet.predict(x)) / batch
                print(
                    f"| MesoNet Meso4 (numpy, as unmask.peers runs it) | 256 | numpy | all | {batch} | {theirs:.2f} | "
                    f"{ours / theirs:.2f} |"
                )
        if b4 is None and threads == 1:
            notes.append("EfficientNet-B4 not timed: install the `bench` extra (torch, efficientnet_pytorch)")
    if mesonet is None:
        notes.append(f"MesoNet not timed: weights not found in {weights.parent}")
    for note in notes:
        print(f"\n({note})")

    with tempfile.TemporaryDirectory() as folder:
        print("\n| clip | sampling | frames scanned | seconds end to end | frames per second | verdict |")
        print("|---|---|---:|---:|---:|---|")
        for size in ((640, 480), (1280, 720)):
            clip = Path(folder) / f"clip_{size[0]}x{size[1]}_10s.mp4"
            write_video(clip, pan_clip(photo, 300, size), fps=30)
            for sampling in (Sampling(count=32), Sampling()):
                scanner = Scanner(sampling=sampling)
                seconds = median_time(max(1, args.repeats // 2), lambda s=scanner, c=clip: s.scan(c))
                result = scanner.scan(clip)
                print(
                    f"| {size[0]}x{size[1]}, 30 fps, 10 s | {sampling.describe()} | {len(result.frames)} | "
                    f"{seconds:.2f} | {len(result.frames) / seconds:.1f} | {result.verdict} |"
                )

        temporal_table(Path(folder) / "clip_640x480_10s.mp4", args.repeats * 2)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory (max RSS of this process): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
