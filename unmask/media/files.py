"""Input files: which files a list of files and folders names, and a file's sha256.

Knows nothing of faces: ``unmask faces``, ``unmask scan`` and training collect their inputs the same way
(:func:`collect_inputs`), and scan results, training data and model cards name files by :func:`sha256_of`.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from unmask.media.sniff import MEDIA_EXTENSIONS


def sha256_of(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """The hex sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class InputFile:
    """A file to process and its key: a name made of its path relative to the input it came from, unique in
    one collection (``unmask faces`` names the file's crop folder by it)."""

    path: Path
    key: str


def _key(relative: Path) -> str:
    """A file's key: its relative path, with the extension kept but its dot replaced."""
    parts = [re.sub(r"[^\w.-]+", "_", part) for part in relative.parts]
    parts[-1] = parts[-1].replace(".", "_")
    return "/".join(part or "_" for part in parts)


def collect_inputs(
    inputs: Iterable[str | os.PathLike[str]], exclude: Path | None = None
) -> tuple[list[InputFile], int]:
    """Expand files and folders into the files to process, and count the non-media files left out.

    Files named directly are taken whatever their name (their content decides). Folders are walked in sorted
    order for files with a media extension, skipping hidden entries and ``exclude`` (the output folder).
    """
    files: list[InputFile] = []
    ignored = 0
    excluded = exclude.resolve() if exclude else None
    for item in inputs:
        path = Path(item)
        if not path.is_dir():
            files.append(InputFile(path, _key(Path(path.name))))
            continue
        root_name = path.resolve().name or "input"
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = sorted(
                name
                for name in subfolders
                if not name.startswith(".") and (excluded is None or Path(folder, name).resolve() != excluded)
            )
            for name in sorted(names):
                if name.startswith("."):
                    continue
                file = Path(folder, name)
                if file.suffix.lower() not in MEDIA_EXTENSIONS:
                    ignored += 1
                    continue
                files.append(InputFile(file, _key(Path(root_name) / file.relative_to(path))))
    seen: dict[str, int] = {}
    unique = []
    for entry in files:
        count = seen.get(entry.key, 0) + 1
        seen[entry.key] = count
        unique.append(entry if count == 1 else InputFile(entry.path, f"{entry.key}-{count}"))
    return unique, ignored
