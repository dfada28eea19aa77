"""Benchmark of `unmask scan` over Dask: the same folder of small images scanned by plain `unmask scan`, by
`--cluster local:1` and by `--cluster local:2`, one after the other in one run, then the parts of a model of how
the time grows with workers, each measured here:

- ``c``: the compute of one task (a scan, timed inside the worker: the results' ``timings.total_s``);
- ``s``: the scheduler's cost per task, from no-op tasks on a LocalCluster of 1 and 2 workers;
- ``w``: the client's cost per result (a Parquet row through its journal, a JSONL line);
- ``S``: the start-up (cluster up and a scanner loaded on each worker).

The overhead per task of a run is its wall time less S, per file, less c / W. With W workers, N files take
about ``S + N * max(c / W, s + w)``: the workers scan in parallel, while one
scheduler and one client handle every task in turn. The projection for 8, 64 and 512 workers assumes workers of
one core each, as fast as this machine's, files on storage that keeps up, and one scheduler.

Usage: python benchmarks/bench_cluster.py [--files 1000] [--size 160] [--noop 1000] [--keep DIR]
Prints markdown tables; BENCHMARKS.md records a run with the command and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skimage_data

sys.path.insert(0, str(Path(__file__).parent))
from bench_faces import machine

from unmask.cluster import Cluster, read_parquet
from unmask.cluster.results import open_output
from unmask.verdict import Scanner

FACE = (182, 85, 268, 180)  # the astronaut's face in skimage's photo (x0, y0, x1, y1)


def make_folder(folder: Path, count: int, size: int) -> None:
    """``count`` JPEGs of ``size`` px: even ones around the astronaut's face (shifted a little each), odd ones
    of a photo without a face."""
    astronaut, coffee = skimage_data.astronaut(), skimage_data.coffee()
    folder.mkdir(parents=True, exist_ok=True)
    cx, cy = (FACE[0] + FACE[2]) // 2, (FACE[1] + FACE[3]) // 2
    for number in range(count):
        dx, dy = (number * 7) % 31 - 15, (number * 11) % 31 - 15
        if number % 2 == 0:
            x, y = cx - size // 2 + dx, cy - size // 2 + dy
            crop = astronaut[max(0, y) : max(0, y) + size, max(0, x) : max(0, x) + size]
        else:
            x, y = 100 + 3 * dx, 100 + 3 * dy
            crop = coffee[y : y + size, x : x + size]
        Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"img_{number:05d}.jpg", quality=90)


def timed(argv: list[str], out: Path) -> tuple[float, float]:
    """Wall time of a command (its stdout to ``out``) and the CPU time of it and its processes (the workers of
    a local cluster included): the wall time says what a user waits on this shared machine, the CPU time what
    the work costs whatever else runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(out, "w") as handle:
        subprocess.run(argv, check=True, stdout=handle)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def noop(scanner: Scanner, item: int) -> int:
    return item


def scheduler_cost(workers: int, tasks: int) -> tuple[float, float]:
    """Start-up (cluster and scanners) and seconds per no-op task on a LocalCluster of ``workers``, as
    ``--cluster local:N`` makes it."""
    start = time.perf_counter()
    with Cluster(f"local:{workers}", Scanner) as cluster:
        startup = time.perf_counter() - start
        list(cluster.map(noop, range(50)))  # warm
        start = time.perf_counter()
        done = sum(1 for _ in cluster.map(noop, range(tasks)))
        per_task = (time.perf_counter() - start) / done
    return startup, per_task


def client_cost(records: list[dict], folder: Path) -> float:
    """Seconds per result stored by the client (Parquet and JSONL, as `--output` does)."""
    start = time.perf_counter()
    with open_output(folder / "w.parquet") as parquet, open_output(folder / "w.jsonl") as jsonl:
        for number, record in enumerate(records):
            record = {**record, "path": f"{number}/{record['path']}"}
            parquet.write(record)
            jsonl.write(record)
    return (time.perf_counter() - start) / len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--noop", type=int, default=1000, help="no-op tasks timed per cluster size")
    parser.add_argument("--keep", help="work in this folder (kept) instead of a temporary one")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    folder = work / "images"
    for old in ("local1.parquet", "local2.parquet", "w.parquet", "w.jsonl"):  # a kept folder: start afresh
        shutil.rmtree(work / old, ignore_errors=True) if (work / old).is_dir() else (work / old).unlink(missing_ok=True)
    make_folder(folder, args.files, args.size)
    unmask = [sys.executable, "-m", "unmask", "scan", "-q", "--format", "jsonl", str(folder)]
    print(f"machine: {machine()}; load average before: {os.getloadavg()[0]:.1f}\n", flush=True)

    runs = {"plain `unmask scan`": unmask}
    for workers in (1, 2):
        output = work / f"local{workers}.parquet"
        runs[f"`--cluster local:{workers}`"] = [*unmask, "--cluster", f"local:{workers}", "--output", str(output)]
    seconds, cpu, compute = {}, {}, {}
    for number, (name, argv) in enumerate(runs.items()):
        seconds[name], cpu[name] = timed(argv, work / f"stdout{number}.jsonl")
        lines = (work / f"stdout{number}.jsonl").read_text().splitlines()
        assert len(lines) == args.files, f"{name} printed {len(lines)} results for {args.files} files"
        compute[number] = statistics.mean(json.loads(line)["timings"]["total_s"] for line in lines)
        print(f"{name}: {seconds[name]:.1f} s, load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
    for workers in (1, 2):
        records = read_parquet(work / f"local{workers}.parquet")
        assert len({r["path"] for r in records}) == len(records) == args.files, f"local:{workers}: {len(records)}"
    plain = seconds["plain `unmask scan`"]
    what = f"{args.files} JPEGs of {args.size}x{args.size} px (half with a face)"
    print(f"Throughput, {what}, wall time of the command:\n")
    print(
        "| run | seconds | files/s | vs plain | CPU seconds (all its processes) | files per CPU second | "
        "mean scan per file, inside the process that scans (ms) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for number, (name, value) in enumerate(seconds.items()):
        row = f"{value:.1f} | {args.files / value:.2f} | {plain / value:.2f}x | {cpu[name]:.1f}"
        print(f"| {name} | {row} | {args.files / cpu[name]:.1f} | {1000 * compute[number]:.0f} |")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")

    costs = {workers: scheduler_cost(workers, args.noop) for workers in (1, 2)}
    write = client_cost(records, work)
    print("\nModel parts, measured:\n")
    print(
        "| workers | start-up S (s) | compute c per task (ms) | scheduler s per no-op task (ms) | "
        "overhead per task (ms) |"
    )
    print("|---:|---:|---:|---:|---:|")
    for workers in (1, 2):
        startup, per_task = costs[workers]
        name = f"`--cluster local:{workers}`"
        overhead = (seconds[name] - startup) / args.files - compute[workers] / workers
        print(
            f"| {workers} | {startup:.1f} | {1000 * compute[workers]:.1f} | {1000 * per_task:.2f} | "
            f"{1000 * overhead:.1f} |"
        )
    print(f"\nclient per result w (Parquet journal + JSONL): {1000 * write:.2f} ms")

    c = compute[2]  # a worker of one thread, beside another: the workers of the projection have a core each
    s = max(per_task for _, per_task in costs.values())
    startup = max(startup for startup, _ in costs.values())
    print(f"\nProjection with c = {1000 * c:.1f} ms, s + w = {1000 * (s + write):.2f} ms, S = {startup:.0f} s:\n")
    print("| workers | files/s | bound by | 100,000 files (min) |")
    print("|---:|---:|---|---:|")
    for workers in (8, 64, 512):
        per_file = max(c / workers, s + write)
        bound = "the workers" if c / workers >= s + write else "scheduler + client"
        total = startup + 100_000 * per_file
        print(f"| {workers} | {1 / per_file:.0f} | {bound} | {total / 60:.1f} |")
    raw = {"seconds": seconds, "cpu_s": cpu, "compute_s": compute, "scheduler": costs}
    print(json.dumps({**raw, "client_s": write}), file=sys.stderr)


if __name__ == "__main__":
    main()
