"""Scanning an archive: every input not yet in the outputs, one task each, results stored as they come back.

A re-run of the same command skips each input whose path (as given) and sha256 are already stored; only
inputs whose path is stored are hashed for that. A video is one task, never split into time ranges: its face
tracks follow people from frame to frame, and the temporal branch reads a burst of consecutive frames mid-clip;
a split would cut tracks at the seams and leave each part's burst to a different worker. An archive of many
files keeps every worker busy without it; a single long video is better scanned with ``--fps``/``--frames``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from unmask.cluster.results import Output, stored_everywhere
from unmask.errors import one_line
from unmask.media.files import InputFile, sha256_of
from unmask.verdict import Scanner
from unmask.verdict.batch import Runner

Item = tuple[str, str]
"""An input as given on the command line and as an absolute path (what a worker opens)."""


@dataclass(frozen=True)
class ArchiveSummary:
    """What a run did: inputs named, skipped (already stored), scanned, and of those the ``error`` verdicts and
    the tasks lost (failed on the cluster: not stored, a re-run tries them again)."""

    inputs: int
    skipped: int
    scanned: int
    errors: int
    lost: int


def scan_file(scanner: Scanner, item: Item) -> dict[str, Any]:
    """A task: scan one file (its absolute path) and give its scan JSON, naming it as it was given."""
    given, absolute = item
    result = scanner.scan(absolute)
    result.path = given
    if result.reason:
        result.reason = result.reason.replace(absolute, given)
    return result.to_dict()


def pending(files: Sequence[InputFile], outputs: Sequence[Output]) -> tuple[list[Item], int]:
    """The inputs still to scan (each path once) and how many were skipped as already stored in every output."""
    todo: list[Item] = []
    seen: set[str] = set()
    skipped = 0
    for entry in files:
        path = str(entry.path)
        if path in seen:
            continue
        seen.add(path)
        if outputs and all(path in output.done for output in outputs):
            try:
                sha256: str | None = sha256_of(path)
            except OSError:
                sha256 = None
            if stored_everywhere(outputs, path, sha256):
                skipped += 1
                continue
        todo.append((path, os.path.abspath(path)))
    return todo, skipped


def scan_archive(
    files: Sequence[InputFile],
    outputs: Sequence[Output],
    runner: Runner,
    progress: bool = True,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_lost: Callable[[str, str], None] | None = None,
) -> ArchiveSummary:
    """Scan every input not yet stored in all ``outputs`` with ``runner`` (here or on a cluster), storing each
    result as it comes back; ``on_result`` sees each scan JSON, ``on_lost`` each input whose task failed, with
    why (it is not stored, and a re-run tries it again). A progress bar counts files."""
    todo, skipped = pending(files, outputs)
    errors = lost = 0
    with tqdm(total=len(todo), desc="scan", unit="file", disable=not progress, dynamic_ncols=True) as bar:
        for (path, _), record in runner.map(scan_file, todo):
            bar.update()
            if isinstance(record, Exception):
                lost += 1
                if on_lost is not None:
                    on_lost(path, one_line(record, 300))
                continue
            errors += record["verdict"] == "error"
            for output in outputs:
                output.write(record)
            if on_result is not None:
                on_result(record)
    return ArchiveSummary(len(todo) + skipped, skipped, len(todo) - lost, errors, lost)
