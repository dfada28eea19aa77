"""Does Dask's ``MALLOC_TRIM_THRESHOLD_=65536`` slow a scan? One measurement per process, so that the variable
(which Dask's nanny also sets in the process that starts it) is as asked.

Usage: python benchmarks/cluster_malloc.py FOLDER {default,unset,here} [--files 200]
- default: a LocalCluster of one worker as Dask starts it (the variable set in the worker);
- unset: the same, started without the variable (as ``--cluster local`` does);
- here: in this process (run it with and without ``MALLOC_TRIM_THRESHOLD_=65536`` in the environment).
Prints the mean scan time per file (total, finding faces, in the model, ms) and the load average.
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics

from unmask.cluster import Cluster
from unmask.cluster.archive import scan_file
from unmask.media.files import collect_inputs
from unmask.verdict import Scanner


def means(results: list[dict]) -> str:
    return " ".join(
        f"{key} {1000 * statistics.mean(r['timings'][key] for r in results):.0f}"
        for key in ("total_s", "faces_s", "model_s")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("how", choices=("default", "unset", "here"))
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    files = [(str(f.path), os.path.abspath(f.path)) for f in collect_inputs([args.folder])[0]][: args.files]
    if args.how == "here":
        scanner = Scanner()
        results = [scan_file(scanner, item) for item in files]
        variable = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    else:
        from unmask.cluster import engine

        # Cluster("local:1") starts its workers without the variable (engine.LOCAL_CONFIG); "default" puts Dask's
        # value back.
        value = None if args.how == "unset" else 65536
        saved = dict(engine.LOCAL_CONFIG)
        engine.LOCAL_CONFIG["distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"] = value
        try:
            with Cluster("local:1", functools.partial(Scanner)) as cluster:
                (variable,) = cluster.client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_")).values()
                results = [result for _, result in cluster.map(scan_file, files)]
        finally:
            engine.LOCAL_CONFIG.clear()
            engine.LOCAL_CONFIG.update(saved)
    print(f"{args.how} MALLOC_TRIM_THRESHOLD_={variable}: {means(results)} (ms); load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
