"""Benchmark of passive liveness: milliseconds per face for unmask's passive model and MiniFASNet (both of its
models), on the same face of the same frame, alternately, in one run on 2 threads.

Usage: python benchmarks/bench_liveness.py [--minifasnet DIR] [--repeats N] [--threads N] [--liveness-model CARD]
(MiniFASNet's folder defaults to ../shared/models/minifasnet; the passive model to the shipped one.) The frame
is the astronaut photo that scikit-image ships (512x512, one face found by unmask's analyzer); each scorer's time
is the median, over ``--repeats`` rounds after a warm-up, of 200 calls of ``score(frame, box)``: the crop and the
network, one face at a time (the way ``unmask live`` calls it). Prints a markdown table with the ratio;
BENCHMARKS.md records a run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_faces import machine

from unmask.faces import FaceAnalyzer
from unmask.models.liveness import load_passive
from unmask.peers.minifasnet import MiniFASNet

CALLS = 200


def per_face_ms(score, image, box, repeats: int) -> float:
    for _ in range(20):
        score(image, box)
    rounds = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(CALLS):
            score(image, box)
        rounds.append((time.perf_counter() - started) / CALLS * 1000)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parents[2] / "shared" / "models" / "minifasnet"
    parser.add_argument("--minifasnet", default=str(default))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--liveness-model", default="unmask-live", help="a liveness model card (a candidate)")
    args = parser.parse_args()
    from skimage import data

    image = data.astronaut()
    box = FaceAnalyzer()(image)[0].box
    ours = load_passive(args.liveness_model, threads=args.threads)
    peer = MiniFASNet(args.minifasnet, threads=args.threads)
    times = {ours.name: [], peer.name: []}
    for _ in range(3):  # alternately, so that a busy moment of the machine falls on both
        times[ours.name].append(per_face_ms(ours.score, image, box, args.repeats))
        times[peer.name].append(per_face_ms(peer.score, image, box, args.repeats))
    unmask_ms, peer_ms = (statistics.median(times[name]) for name in (ours.name, peer.name))
    print(f"machine: {machine()}; onnxruntime threads: {args.threads}")
    print("| model | ms per face (crop + network) | relative |")
    print("|---|---:|---:|")
    print(f"| {ours.name} {ours.version} ({ours.size}x{ours.size}) | {unmask_ms:.2f} | 1.00 |")
    print(f"| MiniFASNet V2 + V1SE (2 x 80x80) | {peer_ms:.2f} | {peer_ms / unmask_ms:.2f} |")


if __name__ == "__main__":
    main()
