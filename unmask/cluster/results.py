"""Where an archive's scan results go: a Parquet folder or a JSONL file, appended to as results come in, read
back to resume.

Each holds one record per input, keyed by ``(path, sha256)``: :meth:`Output.write` drops a record whose key is
already there, so an input scanned twice (a task re-run after its worker died, a second run) is stored once.

- ``NAME.jsonl``: one scan JSON per line, flushed line by line. A line cut short by an interrupted run is
  ignored when read, and the next record starts on a line of its own.
- ``NAME.parquet``: a folder of part files (``part-00000.parquet``...), the layout pyarrow, pandas, Dask and
  Spark read as one table (``pyarrow.parquet.read_table("NAME.parquet")``). One row per input with the scan
  JSON's top-level fields (:data:`COLUMNS`, those of the scan schema); the nested ones (model, frames, faces,
  unscored, timings...) are JSON text (:func:`read_parquet` decodes them). Each record is first appended to
  ``_journal.jsonl`` in the folder (readers skip names starting with ``_``) and every :data:`PART_ROWS` records,
  and at close, the journal becomes a new part file: an interrupted run loses nothing that had come back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from unmask.errors import UnmaskError
from unmask.verdict import scan_schema

PART_ROWS = 256
JOURNAL = "_journal.jsonl"
NESTED = ("model", "temporal_model", "frames", "faces", "unscored", "timings")
"""The scan JSON's fields that hold objects or arrays: JSON text in a Parquet column."""
INTEGERS = ("width", "height", "decided_by")
NUMBERS = ("duration_s", "score", "threshold")


class OutputError(UnmaskError):
    """An output that cannot be used (an unknown kind, a Parquet folder that is a file)."""


def columns() -> list[str]:
    """The Parquet columns: the scan schema's top-level fields, in its order."""
    return list(scan_schema()["properties"])


def _arrow_schema() -> Any:
    import pyarrow as pa

    def kind(name: str) -> Any:
        if name in INTEGERS:
            return pa.int64()
        if name in NUMBERS:
            return pa.float64()
        return pa.string()

    return pa.schema([(name, kind(name)) for name in columns()])


def to_row(record: dict[str, Any]) -> dict[str, Any]:
    """A scan JSON as a Parquet row: the nested fields as JSON text (None stays None)."""
    return {
        name: json.dumps(record.get(name)) if name in NESTED and record.get(name) is not None else record.get(name)
        for name in columns()
    }


def from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row back as the scan JSON it was made from."""
    return {name: json.loads(value) if name in NESTED and value is not None else value for name, value in row.items()}


def read_parquet(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every record of a Parquet output, as scan JSONs (without the journal of a run still going)."""
    import pyarrow.parquet as pq

    return [from_row(row) for row in pq.read_table(path, schema=_arrow_schema()).to_pylist()]


def _json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSONL file; a line cut short, or anything else that is not a scan record, is skipped."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "path" in record and "sha256" in record:
                yield record


class Output:
    """Records already stored (``done``: path -> the sha256s stored for it) and a way to add more."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, set[str | None]] = {}

    def has(self, path: str, sha256: str | None) -> bool:
        """Whether ``path`` with this content is stored; a path stored without a sha256 (a file that could not
        be read when it was scanned) counts as stored whatever its content."""
        stored = self.done.get(path, set())
        return sha256 in stored or None in stored

    def _remember(self, record: dict[str, Any]) -> bool:
        stored = self.done.setdefault(record["path"], set())
        if record["sha256"] in stored:
            return False
        stored.add(record["sha256"])
        return True

    def write(self, record: dict[str, Any]) -> bool:
        """Store a scan JSON unless its ``(path, sha256)`` is already stored; whether it was."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Output:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JsonlOutput(Output):
    """A JSONL file, one scan JSON per line."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        for record in _json_lines(path):
            self._remember(record)
        path.parent.mkdir(parents=True, exist_ok=True)
        cut_short = False
        if path.is_file() and path.stat().st_size:
            with open(path, "rb") as handle:
                handle.seek(-1, os.SEEK_END)
                cut_short = handle.read(1) != b"\n"
        self.handle = open(path, "ab")  # noqa: SIM115 - closed by close()
        if cut_short:
            self.handle.write(b"\n")  # a line cut short stays on its own line, ignored when read

    def write(self, record: dict[str, Any]) -> bool:
        if not self._remember(record):
            return False
        self.handle.write(json.dumps(record).encode() + b"\n")
        self.handle.flush()
        return True

    def close(self) -> None:
        self.handle.close()


class ParquetOutput(Output):
    """A folder of Parquet part files, fed through a journal (see the module's docstring)."""

    def __init__(self, path: Path, part_rows: int = PART_ROWS) -> None:
        super().__init__(path)
        if path.exists() and not path.is_dir():
            raise OutputError(f"{path}: is a file; a .parquet output is a folder of part files (name another)")
        path.mkdir(parents=True, exist_ok=True)
        self.part_rows = part_rows
        self.journal = path / JOURNAL
        for record in self._parts():
            self._remember(record)
        self.pending = [record for record in _json_lines(self.journal) if self._remember(record)]
        self._flush()  # what an interrupted run left in its journal becomes a part of its own
        self.handle = open(self.journal, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def _parts(self) -> Iterator[dict[str, Any]]:
        import pyarrow.parquet as pq

        for part in sorted(self.path.glob("part-*.parquet")):
            yield from pq.read_table(part, columns=["path", "sha256"]).to_pylist()

    def _flush(self) -> None:
        """Write the pending records as a new part (atomically: under a hidden name, then renamed), then empty the
        journal. A stop in between leaves records in both, stored once when read back (:meth:`_remember`)."""
        if self.pending:
            import pyarrow as pa
            import pyarrow.parquet as pq

            number = len(list(self.path.glob("part-*.parquet")))
            while (self.path / f"part-{number:05d}.parquet").exists():
                number += 1
            hidden = self.path / f"_part-{number:05d}.parquet.tmp"
            table = pa.Table.from_pylist([to_row(record) for record in self.pending], schema=_arrow_schema())
            pq.write_table(table, hidden)
            os.replace(hidden, self.path / f"part-{number:05d}.parquet")
            self.pending = []
        with open(self.journal, "w", encoding="utf-8"):
            pass

    def write(self, record: dict[str, Any]) -> bool:
        if not self._remember(record):
            return False
        self.handle.write(json.dumps(record) + "\n")
        self.handle.flush()
        self.pending.append(record)
        if len(self.pending) >= self.part_rows:
            self._flush()
        return True

    def close(self) -> None:
        self._flush()
        self.handle.close()


def open_output(path: str | os.PathLike[str]) -> Output:
    """The output named ``path``: ``.parquet`` (a folder of part files) or ``.jsonl``."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            missing = "pyarrow is missing for a .parquet output; install with: pip install -e '.[cluster]'"
            raise OutputError(missing) from None
        return ParquetOutput(target)
    if suffix == ".jsonl":
        return JsonlOutput(target)
    raise OutputError(f"{target}: --output must end in .parquet (a folder of Parquet files) or .jsonl")


def stored_everywhere(outputs: Iterable[Output], path: str, sha256: str | None) -> bool:
    """Whether every output already holds ``path`` with this content."""
    return all(output.has(path, sha256) for output in outputs)
