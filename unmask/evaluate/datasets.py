"""Labelled media for ``unmask eval``: which files are real, which are fake, and how they group.

A dataset is a list of :class:`Item`. :func:`read_labels` reads a labels CSV; :func:`load_dataset` takes a CSV
or a folder and recognises the layouts below, tried in this order. In every folder layout an item's ``key`` is
its path relative to the folder given, in POSIX form (``Celeb-real/id0_0000.mp4``), its ``path`` is that folder
joined with the key, and the items come sorted by key. Files and folders whose names start with ``.`` (such as
macOS ``._x.mp4``) are skipped wherever a folder is walked.

Labels CSV
    ``path,label[,source,method,...]``: ``path`` relative to the CSV's folder (or absolute), ``label`` ``real``
    or ``fake``; ``method`` defaults to the label and ``group`` is the path's first folder. Rows keep the CSV's
    order. Example: ``../shared/data/dev/labels.csv``. A folder holding such a ``labels.csv`` (with a ``path``
    column) stands for it.

FaceForensics++ (a folder holding ``original_sequences/`` and/or ``manipulated_sequences/``)
    Reals are ``original_sequences/<youtube|actors>/<compression>/videos/*.mp4`` with method ``original``;
    fakes are ``manipulated_sequences/<Method>/<compression>/videos/*.mp4`` (``Deepfakes``, ``Face2Face``,
    ``FaceSwap``, ``NeuralTextures``, ``FaceShifter``, ``DeepFakeDetection``) with method ``<Method>``.
    ``<compression>`` is one of ``c0``, ``c23``, ``c40``, ``raw`` (so ``masks/`` is left out) and the group is
    ``ffpp-<compression>``, e.g. ``ffpp-c23``. ``compression="c23"`` keeps only that folder. The official
    ``splits/test.json`` is *not* applied: every video present is used, so keep only the test videos in the
    folder (or write a labels CSV) to measure on the official test split.

Celeb-DF-v2 (a folder holding ``Celeb-real/`` and/or ``Celeb-synthesis/``, and optionally ``YouTube-real/``)
    If ``List_of_testing_videos.txt`` is in the folder, only the videos it lists are used: each line is
    ``<label> <path>``, where, by Celeb-DF's own convention, **1 means real and 0 means fake**. Otherwise every
    ``*.mp4`` directly in the three folders is used, labelled by its folder. Reals have their folder as method
    (``Celeb-real`` or ``YouTube-real``), fakes the method ``Celeb-synthesis``; the group is ``celebdf``. A
    listed video that is not there is an error.

DFDC (one of three forms, the first that applies)
    - a folder with ``metadata.json`` in the training-part format,
      ``{"aabbcc.mp4": {"label": "FAKE" | "REAL", "original": "x.mp4" | null, "split": "train"}, ...}``, each name
      relative to that folder;
    - a folder whose subfolders (``dfdc_train_part_0/``, ...) each hold such a ``metadata.json``; subfolders
      without one are ignored;
    - a folder with a ``labels.csv`` whose columns are ``filename,label``, where, by the DFDC public test set's
      convention, **1 means fake and 0 means real**.

    Fakes have the method ``DFDC``, reals ``original``; the group is ``dfdc``. A listed video that is not there
    is an error.

``real/`` and ``fake/`` folders (a folder holding ``real/`` and/or ``fake/``)
    Every media file below them, at any depth (by suffix, case-insensitive, as ``unmask faces`` walks folders:
    :data:`unmask.media.MEDIA_EXTENSIONS`). Reals have the method
    ``original``; a fake's method is its first folder below ``fake/`` (``fake/faceswap/x.mp4`` is ``faceswap``),
    or ``fake`` for a file directly in ``fake/``. The group is the name of the folder given (``mydata``).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from unmask.errors import UnmaskError
from unmask.media import MEDIA_EXTENSIONS

FFPP_COMPRESSIONS = ("c0", "c23", "c40", "raw")
CELEBDF_FOLDERS = ("Celeb-real", "Celeb-synthesis", "YouTube-real")
CELEBDF_LIST = "List_of_testing_videos.txt"
DFDC_METADATA = "metadata.json"
DFDC_LABELS = "labels.csv"


@dataclass(frozen=True)
class Item:
    """One labelled file: ``key`` names it in caches and reports (its path relative to the dataset), ``group``
    is the set it belongs to (a dataset's first folder, or a published dataset's name) and ``method`` the way it
    was made (``original`` or the CSV's ``method`` for reals, the manipulation for fakes)."""

    path: Path
    key: str
    label: str
    method: str
    group: str


def first_folder(key: str) -> str:
    """The first folder of a relative path (``"."`` for a file at the top or an absolute path)."""
    if "/" not in key or Path(key).is_absolute():
        return "."
    return key.split("/", 1)[0]


def read_labels(csv_path: str | os.PathLike[str]) -> list[Item]:
    """The labelled files of a CSV (``path,label[,source,method,...]``); bad rows raise a one-line error."""
    csv_path = Path(csv_path)
    try:
        with open(csv_path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as err:
        raise UnmaskError(f"{csv_path}: {err.strerror or err}") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise UnmaskError(f"{csv_path}: not a labels CSV ({err})") from None
    items = []
    for number, row in enumerate(rows, start=2):
        if not row.get("path") or row.get("label") not in ("real", "fake"):
            raise UnmaskError(f"{csv_path}:{number}: needs a path and a label of 'real' or 'fake'")
        method = row.get("method") or row["label"]
        key = row["path"]
        items.append(Item(csv_path.parent / key, key, row["label"], method, first_folder(key)))
    if not items:
        raise UnmaskError(f"{csv_path}: no labelled rows")
    return items


def load_dataset(path: str | os.PathLike[str], *, compression: str | None = None) -> list[Item]:
    """The labelled files of a labels CSV or of a dataset folder in one of the layouts of this module's docstring.

    ``compression`` (``c0``, ``c23``, ``c40`` or ``raw``) keeps only that compression of a FaceForensics++
    folder and is ignored by the other layouts. FaceForensics++'s ``splits/test.json`` is not applied. Raises
    :class:`UnmaskError` with a one-line message when the path is missing, matches no layout, holds no media,
    or lists files that are not there.
    """
    root = Path(path)
    if not root.exists():
        raise UnmaskError(f"{root}: no such file or folder")
    if root.is_file() and root.suffix.lower() == ".csv":
        return read_labels(root)
    if root.is_dir():
        if _has_any(root, ("original_sequences", "manipulated_sequences")):
            layout = "FaceForensics++" + (f" {compression}" if compression else "")
            return _finished(root, layout, _ffpp(root, compression))
        if _has_any(root, CELEBDF_FOLDERS[:2]):
            return _finished(root, "Celeb-DF-v2", _celebdf(root))
        labels = root / DFDC_LABELS
        if labels.is_file() and {"path", "label"} <= set(_csv_rows(labels)[0]):
            return read_labels(labels)  # a folder holding unmask's own labels CSV, like dev/
        dfdc = _dfdc(root)
        if dfdc is not None:
            return _finished(root, "DFDC", dfdc)
        if _has_any(root, ("real", "fake")):
            return _finished(root, "real/ and fake/", _real_fake(root))
    raise UnmaskError(
        f"{root}: not a labelled dataset: expected a labels CSV, real/ and fake/ folders, "
        "or the layout of FaceForensics++, Celeb-DF-v2 or DFDC (see the README)"
    )


def _ffpp(root: Path, compression: str | None) -> list[Item]:
    if compression is not None and compression not in FFPP_COMPRESSIONS:
        raise UnmaskError(f"{root}: unknown FaceForensics++ compression {compression!r}: use c0, c23, c40 or raw")
    items = []
    for top in ("original_sequences", "manipulated_sequences"):
        for file in _visible(root.glob(f"{top}/*/*/videos/*")):
            key = file.relative_to(root).as_posix()
            _, folder, level, _, _ = key.split("/")
            if level not in FFPP_COMPRESSIONS or compression not in (None, level) or file.suffix.lower() != ".mp4":
                continue
            real = top == "original_sequences"
            items.append(Item(file, key, _label(real), "original" if real else folder, f"ffpp-{level}"))
    return items


def _celebdf(root: Path) -> list[Item]:
    listing = root / CELEBDF_LIST
    if listing.is_file():
        entries = _celebdf_listing(listing)
        _require_listed(listing, root, [key for key, _ in entries])
    else:
        files = _visible(file for folder in CELEBDF_FOLDERS for file in (root / folder).glob("*"))
        keys = [file.relative_to(root).as_posix() for file in files if file.suffix.lower() == ".mp4"]
        entries = [(key, first_folder(key) != "Celeb-synthesis") for key in keys]
    return [
        Item(root / key, key, _label(real), first_folder(key) if real else "Celeb-synthesis", "celebdf")
        for key, real in entries
    ]


def _celebdf_listing(listing: Path) -> list[tuple[str, bool]]:
    entries = []
    for number, line in enumerate(_read_text(listing).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1)
        if len(fields) != 2 or fields[0] not in ("0", "1"):
            raise UnmaskError(f"{listing}:{number}: expected '<label> <path>' with a label of 1 (real) or 0 (fake)")
        entries.append((fields[1].strip(), fields[0] == "1"))
    return entries


def _dfdc(root: Path) -> list[Item] | None:
    """The DFDC items of ``root``, or None when it is not in a DFDC layout."""
    if (root / DFDC_METADATA).is_file():
        return _dfdc_metadata(root, root / DFDC_METADATA)
    parts = sorted(meta for meta in root.glob(f"*/{DFDC_METADATA}") if not meta.parent.name.startswith("."))
    if parts:
        return [item for meta in parts for item in _dfdc_metadata(root, meta)]
    labels = root / DFDC_LABELS
    if labels.is_file() and {"filename", "label"} <= set(_csv_rows(labels)[0]):
        return _dfdc_labels(root, labels)
    return None


def _dfdc_metadata(root: Path, meta: Path) -> list[Item]:
    try:
        entries = json.loads(_read_text(meta))
    except json.JSONDecodeError as err:
        raise UnmaskError(f"{meta}: not DFDC metadata: invalid JSON ({err})") from None
    if not isinstance(entries, dict):
        raise UnmaskError(f"{meta}: not DFDC metadata: expected an object of file names")
    prefix = meta.parent.relative_to(root).as_posix()
    keyed = []
    for name, entry in entries.items():
        label = entry.get("label") if isinstance(entry, dict) else None
        if label not in ("REAL", "FAKE"):
            raise UnmaskError(f"{meta}: {name}: needs a label of 'REAL' or 'FAKE'")
        keyed.append((name if prefix == "." else f"{prefix}/{name}", label == "REAL"))
    _require_listed(meta, root, [key for key, _ in keyed])
    return [_dfdc_item(root, key, real) for key, real in keyed]


def _dfdc_labels(root: Path, labels: Path) -> list[Item]:
    header, rows = _csv_rows(labels)
    keyed = []
    for number, row in enumerate(rows, start=2):
        fields = dict(zip(header, row, strict=False))
        if not fields.get("filename") or fields.get("label", "").strip() not in ("0", "1"):
            raise UnmaskError(f"{labels}:{number}: needs a filename and a label of 1 (fake) or 0 (real)")
        keyed.append((fields["filename"], fields["label"].strip() == "0"))
    _require_listed(labels, root, [key for key, _ in keyed])
    return [_dfdc_item(root, key, real) for key, real in keyed]


def _dfdc_item(root: Path, key: str, real: bool) -> Item:
    return Item(root / key, key, _label(real), "original" if real else "DFDC", "dfdc")


def _real_fake(root: Path) -> list[Item]:
    group = root.resolve().name or str(root)
    items = []
    for file in _visible(root.glob("real/**/*"), root) + _visible(root.glob("fake/**/*"), root):
        key = file.relative_to(root).as_posix()
        if file.suffix.lower() not in MEDIA_EXTENSIONS or not file.is_file():
            continue
        parts = key.split("/")
        real = parts[0] == "real"
        method = "original" if real else (parts[1] if len(parts) > 2 else "fake")
        items.append(Item(file, key, _label(real), method, group))
    return items


def _label(real: bool) -> str:
    return "real" if real else "fake"


def _has_any(root: Path, folders: Iterable[str]) -> bool:
    return any((root / folder).is_dir() for folder in folders)


def _visible(files: Iterable[Path], root: Path | None = None) -> list[Path]:
    """``files`` without hidden ones (and, given ``root``, without those in hidden folders below it)."""
    return [
        file
        for file in files
        if not file.name.startswith(".")
        and not (root is not None and any(part.startswith(".") for part in file.relative_to(root).parts))
    ]


def _require_listed(listing: Path, root: Path, keys: list[str]) -> None:
    missing = [key for key in keys if not (root / key).is_file()]
    if missing:
        raise UnmaskError(
            f"{listing}: {len(missing)} of {len(keys)} listed files are missing (the first: {missing[0]})"
        )


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as err:
        raise UnmaskError(f"{file}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise UnmaskError(f"{file}: not a UTF-8 text file") from None


def _csv_rows(file: Path) -> tuple[list[str], list[list[str]]]:
    """The header and rows of a CSV (an empty header for an empty file)."""
    try:
        rows = list(csv.reader(_read_text(file).splitlines()))
    except csv.Error as err:
        raise UnmaskError(f"{file}: not a CSV ({err})") from None
    return ([name.strip() for name in rows[0]], rows[1:]) if rows else ([], [])


def _finished(root: Path, layout: str, items: list[Item]) -> list[Item]:
    """``items`` sorted by key, once each; a one-line error when there are none or a key has two labels."""
    if not items:
        raise UnmaskError(f"{root}: no media found in its {layout} layout")
    by_key: dict[str, Item] = {}
    for item in items:
        if by_key.setdefault(item.key, item).label != item.label:
            raise UnmaskError(f"{root}: {item.key} is listed as both real and fake")
    return sorted(by_key.values(), key=lambda item: item.key)
