"""Benchmark of the face pipeline: speed of decode + detect + landmarks, and detection recall, with OpenCV's
Haar cascade (the classic CPU face detector) run side by side on the same frames as the peer.

Usage: python benchmarks/bench_faces.py [--repeats N] [--threads N]
Reads ../shared/data (or $UNMASK_DATA) where present; the generated clips need nothing from it.
Prints markdown tables; BENCHMARKS.md records a run with the command and the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from skimage import data as skimage_data

from unmask.faces import FaceAnalyzer, FaceTracker, align_face
from unmask.media import read_frames, read_image, write_video

DATA = Path(os.environ.get("UNMASK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def best_of(repeats: int, run: Callable[[], int]) -> tuple[float, int]:
    """Median seconds of ``repeats`` runs (after one warm-up) and the count ``run`` returns."""
    count = run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), count


class HaarPeer:
    """OpenCV's frontal-face Haar cascade with its common settings: the peer the detector is compared with."""

    def __init__(self) -> None:
        self.cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def __call__(self, image: np.ndarray, min_size: int = 40) -> int:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        return len(self.cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_size, min_size)))


def astronaut_clip(folder: Path, frames: int = 200) -> Path:
    """A 640x480 clip of a slow pan and zoom over the astronaut photo: one face of about 120 px."""
    photo = skimage_data.astronaut()
    clip = []
    for step in range(frames):
        t = step / (frames - 1)
        scale = 1.1 + 0.2 * t
        matrix = np.array([[scale, 0.0, 40 - 120 * t], [0.0, scale, -30.0]])
        clip.append(cv2.warpAffine(photo, matrix, (640, 480), borderMode=cv2.BORDER_REFLECT_101))
    path = folder / "astronaut_640x480.mp4"
    write_video(path, clip, fps=25)
    return path


def video_speed(path: Path, analyzer: FaceAnalyzer, haar: HaarPeer, repeats: int) -> list[str]:
    frames = [frame.image for frame in read_frames(path)]
    n = len(frames)

    def decode() -> int:
        return sum(1 for _ in read_frames(path))

    def pipeline() -> int:
        return sum(bool(analyzer(frame.image)) for frame in read_frames(path))

    def pipeline_tracked_aligned() -> int:
        tracker = FaceTracker()
        total = 0
        for frame in read_frames(path):
            for face in tracker.update(analyzer(frame.image)):
                align_face(frame.image, face.landmarks)
                total += 1
        return total

    def detect_only() -> int:
        return sum(bool(analyzer(image)) for image in frames)

    def haar_only() -> int:
        return sum(haar(image) > 0 for image in frames)

    rows = []
    t_decode, _ = best_of(repeats, decode)
    t_pipe, with_face = best_of(repeats, pipeline)
    t_full, _ = best_of(repeats, pipeline_tracked_aligned)
    t_detect, _ = best_of(repeats, detect_only)
    t_haar, haar_with_face = best_of(repeats, haar_only)
    name = path.name
    rows.append(f"| {name} | decode only | {n / t_decode:.0f} | - |")
    rows.append(f"| {name} | **decode + detect + landmarks** | **{n / t_pipe:.0f}** | in {with_face}/{n} frames |")
    rows.append(f"| {name} | decode + detect + landmarks + track + align | {n / t_full:.0f} | - |")
    rows.append(f"| {name} | detect + landmarks (decoded frames) | {n / t_detect:.0f} | in {with_face}/{n} frames |")
    rows.append(
        f"| {name} | peer: Haar cascade detect (decoded frames) | {n / t_haar:.0f} | in {haar_with_face}/{n} frames |"
    )
    rows.append(f"| {name} | ratio unmask / Haar, frames per second | {t_haar / t_detect:.2f}x | - |")
    return rows


def still_speed(image: np.ndarray, name: str, analyzer: FaceAnalyzer, haar: HaarPeer, repeats: int) -> list[str]:
    loops = 20
    t_ours, faces = best_of(repeats, lambda: sum(len(analyzer(image)) for _ in range(loops)))
    t_haar, haar_faces = best_of(repeats, lambda: sum(haar(image) for _ in range(loops)))
    h, w = image.shape[:2]
    return [
        f"| {name} ({w}x{h}) | detect + landmarks | {loops / t_ours:.1f} | {faces // loops} faces |",
        f"| {name} ({w}x{h}) | peer: Haar cascade detect | {loops / t_haar:.1f} | {haar_faces // loops} faces |",
    ]


def recall_by_face_size(analyzer: FaceAnalyzer) -> list[str]:
    """Share of faces the whole-frame detector finds, by face size relative to the frame's longer side."""
    photos = [skimage_data.astronaut()]
    congress = sorted((DATA / "train_real" / "congress").glob("*.jpg"))[:20]
    photos += [read_image(path) for path in congress]
    sizes = [analyzer(photo)[0].size for photo in photos]
    rows = []
    side = 960
    for denominator in (24, 20, 16, 14, 12, 10):
        found = total = 0
        for photo, size in zip(photos, sizes, strict=True):
            scale = side / denominator / size
            small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            h, w = small.shape[:2]
            for top, left in ((10, 10), (side // 2 - h // 2, side // 2 - w // 2), (side - h - 10, side - w - 10)):
                canvas = np.full((side, side, 3), 128, dtype=np.uint8)
                canvas[top : top + h, left : left + w] = small
                found += len(analyzer.detector(canvas)) > 0
                total += 1
        rows.append(f"| 1/{denominator} ({side // denominator} px in {side}) | {found}/{total} | {found / total:.0%} |")
    return rows


def recall_on_folder(folder: Path, analyzer: FaceAnalyzer, haar: HaarPeer) -> str:
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() in (".jpg", ".png"))
    ours = theirs = 0
    start = time.perf_counter()
    for path in files:
        image = read_image(path)
        ours += len(analyzer(image)) > 0
        theirs += haar(image) > 0
    elapsed = time.perf_counter() - start
    n = len(files)
    name = "/".join(folder.parts[-2:])
    return f"| {name} ({n} photos) | {ours}/{n} ({ours / n:.1%}) | {theirs}/{n} ({theirs / n:.1%}) | {elapsed:.0f} s |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="LiteRT threads (default: up to 4)")
    args = parser.parse_args()
    analyzer = FaceAnalyzer(num_threads=args.threads)
    haar = HaarPeer()
    print(f"machine: {machine()}")
    print(f"command: python benchmarks/bench_faces.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"defaults: min face {analyzer.min_face_size:g} px, tiles on, median of {args.repeats} runs\n")

    print("| input | what | frames (or images) per second | faces |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for row in video_speed(astronaut_clip(Path(folder)), analyzer, haar, args.repeats):
            print(row)
    real_clip = DATA / "dev" / "ffpp" / "real" / "519.mp4"  # 640x480 talking head, used to measure only
    if real_clip.is_file():
        trimmed = Path(tempfile.mkdtemp()) / "ffpp_519_first200.mp4"
        write_video(trimmed, (f.image for f in read_frames(real_clip) if f.index < 200), fps=25, crf=18)
        for row in video_speed(trimmed, analyzer, haar, args.repeats):
            print(row)
    group = DATA / "train_real" / "pexels" / "multi_face.jpg"
    if group.is_file():
        for row in still_speed(read_image(group), "pexels multi_face.jpg", analyzer, haar, args.repeats):
            print(row)
    hd = cv2.resize(skimage_data.astronaut(), (1080, 1080))
    canvas = np.full((1080, 1920, 3), 128, dtype=np.uint8)
    canvas[:, 420:1500] = hd
    for row in still_speed(canvas, "astronaut on a 1920x1080 frame: tiles", analyzer, haar, args.repeats):
        print(row)

    print("\nDetector recall by face size (whole frame, no tiles; astronaut + 20 congress portraits, 3 places each)")
    print("| face size / longer side | found | share |")
    print("|---|---|---|")
    for row in recall_by_face_size(analyzer):
        print(row)

    congress = DATA / "train_real" / "congress"
    if congress.is_dir():
        print("\nPhotos with a face found: unmask vs the Haar cascade peer (both min face 40 px)")
        print("| folder | unmask | Haar cascade | time for both |")
        print("|---|---|---|---|")
        print(recall_on_folder(congress, analyzer, haar))
        ciplab_real = DATA / "dev" / "ciplab" / "real"
        if ciplab_real.is_dir():
            print(recall_on_folder(ciplab_real, analyzer, haar))

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of the whole benchmark: {peak:.0f} MB")


if __name__ == "__main__":
    main()
