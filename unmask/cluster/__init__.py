"""Cluster: scanning an archive over a Dask cluster (``unmask scan --cluster``, ``unmask eval --cluster``,
``unmask serve --cluster``), resumable, with results stored as they come back (Parquet or JSONL).

Between :mod:`unmask.evaluate` and :mod:`unmask.server` in the data flow. Needs the ``cluster`` extra
(dask[distributed], pyarrow): :mod:`unmask.cluster.results` and :mod:`unmask.cluster.archive` import without it
(a JSONL output scanned here needs neither), ``Cluster`` loads Dask when first used.
"""

from typing import Any

from unmask.cluster.archive import ArchiveSummary, scan_archive, scan_file
from unmask.cluster.results import OutputError, open_output, read_parquet

__all__ = [
    "ArchiveSummary",
    "Cluster",
    "ClusterError",
    "OutputError",
    "connect",
    "open_output",
    "read_parquet",
    "scan_archive",
    "scan_file",
]


def __getattr__(name: str) -> Any:
    if name in ("Cluster", "ClusterError", "connect"):
        from unmask.cluster import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'unmask.cluster' has no attribute {name!r}")
