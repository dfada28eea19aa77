"""Load run of `unmask serve`: concurrent uploads against a real server, polled to completion.

Usage: python benchmarks/bench_server.py [--clients N] [--workers W] [--clip-seconds S]
Starts `unmask serve` in a subprocess on a free loopback port and a temporary database, then N clients at once
each upload one file (alternately a generated photo, the astronaut's, and a short generated 640x480 clip) and
poll it until it is done. Prints, as markdown: throughput (scans per second, from the first upload to the last
scan done), p50/p95 latency from the start of an upload to its scan being done (by the server's clock), peak
memory (max RSS of the server process, from /proc) and the number of lost jobs (accepted but never done: must
be zero). Needs the `server` extra; the server runs with the shipped model, whose verdicts do not matter here.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skimage_data

sys.path.insert(0, str(Path(__file__).parent))
from bench_faces import machine

from unmask.media import write_video


def make_media(folder: Path, clip_seconds: float) -> dict[str, Path]:
    """A JPEG of the astronaut and a clip panning across her, 25 fps."""
    import cv2

    photo = skimage_data.astronaut()
    Image.fromarray(photo).save(folder / "photo.jpg", quality=92)
    frames = []
    for step in range(max(2, round(25 * clip_seconds))):
        matrix = np.array([[1.1, 0.0, 40 - 60 * step / (25 * clip_seconds)], [0.0, 1.1, -20.0]])
        frames.append(cv2.warpAffine(photo, matrix, (640, 480), borderMode=cv2.BORDER_REFLECT_101))
    write_video(folder / "clip.mp4", frames, fps=25)
    return {"image": folder / "photo.jpg", "video": folder / "clip.mp4"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def request(url: str, body: bytes | None = None, content_type: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": content_type} if content_type else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


def multipart(path: Path) -> tuple[bytes, str]:
    boundary = "unmask-bench-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n\r\n'.encode()
    return head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def client(base: str, path: Path, kind: str, results: list[dict], start: threading.Event, timeout: float) -> None:
    body, content_type = multipart(path)
    start.wait()
    began = time.time()
    status, created = request(base + "/v1/scans", body, content_type)
    record = {"kind": kind, "began": began, "upload_status": status, "status": None, "finished": None}
    results.append(record)
    if status != 202:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, job = request(f"{base}/v1/scans/{created['id']}")
        if job.get("status") in ("done", "failed"):
            record["status"] = job["status"]
            record["finished"] = datetime.fromisoformat(job["finished"]).timestamp()
            return
        time.sleep(0.25)
    record["status"] = "timeout"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent uploads (default %(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="server scan workers (default %(default)s)")
    parser.add_argument("--clip-seconds", type=float, default=2.0, help="length of the clip (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds a client waits for its scan")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        media = make_media(folder, args.clip_seconds)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        command = [
            *(sys.executable, "-m", "unmask", "serve", "--db", str(folder / "server.db"), "--port", str(port)),
            *("--workers", str(args.workers), "--max-jobs-per-client", str(args.clients)),
        ]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if request(base + "/healthz")[1].get("status") == "ok":
                        break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start: {server.stderr.read().strip()[-500:]}")
                time.sleep(0.2)
            idle_mb = rss_mb(server.pid, "VmRSS")
            results: list[dict] = []
            start = threading.Event()
            kinds = ["image" if number % 2 == 0 else "video" for number in range(args.clients)]
            threads = [
                threading.Thread(target=client, args=(base, media[kind], kind, results, start, args.timeout))
                for kind in kinds
            ]
            for thread in threads:
                thread.start()
            start.set()
            for thread in threads:
                thread.join()
            peak_mb = rss_mb(server.pid, "VmHWM")
            _, history = request(base + "/v1/scans?limit=1")
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()

    accepted = [r for r in results if r["upload_status"] == 202]
    done = [r for r in accepted if r["status"] == "done"]
    lost = len(accepted) - len(done)
    refused = len(results) - len(accepted)
    span = max(r["finished"] for r in done) - min(r["began"] for r in results) if done else float("nan")
    latency = {kind: [r["finished"] - r["began"] for r in done if r["kind"] == kind] for kind in ("image", "video")}
    every = latency["image"] + latency["video"]

    print(f"machine: {machine()}")
    print(
        f"command: python benchmarks/bench_server.py --clients {args.clients} --workers {args.workers} "
        f"--clip-seconds {args.clip_seconds:g}"
    )
    print(f"clip: 640x480, {args.clip_seconds:g} s at 25 fps; photo: 512x512 JPEG; default sampling (32 frames)")
    print()
    print(
        "| clients | workers | scans done | refused | lost jobs | throughput (scans/s) | latency p50 (s) "
        "| latency p95 (s) | image p50 (s) | video p50 (s) | server RSS idle (MB) | server RSS peak (MB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.clients} | {args.workers} | {len(done)} | {refused} | {lost} | {len(done) / span:.2f} "
        f"| {percentile(every, 50):.2f} | {percentile(every, 95):.2f} | {percentile(latency['image'], 50):.2f} "
        f"| {percentile(latency['video'], 50):.2f} | {idle_mb:.0f} | {peak_mb:.0f} |"
    )
    print(f"\njobs in the server's history: {history.get('total')}; uploads answered 202: {len(accepted)}")
    if lost or history.get("total") != len(accepted):
        raise SystemExit(f"{lost} job(s) lost")


if __name__ == "__main__":
    main()
