"""The two registry packages the speech cue listens with, found without importing what they do not need.

- ``silero-vad`` (MIT) ships ``silero_vad.onnx`` inside its wheel: :func:`vad_model_file` finds the file without
  importing the package (whose ``__init__`` imports torch; unmask runs the ONNX file with onnxruntime).
- ``pocketsphinx`` (BSD-style) ships an en-US acoustic model and a phone language model inside its wheel.

Both come with the ``speech`` extra (see README: silero-vad is installed with ``--no-deps``, as its metadata asks
for torch). Where one is missing, :func:`missing` says so in words and the cue says it did not apply.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

INSTALL_HINT = "pip install 'unmask[speech]' and pip install --no-deps silero-vad==6.2.3"


def vad_model_file() -> Path | None:
    """The silero-vad ONNX model inside the installed wheel, or None."""
    spec = importlib.util.find_spec("silero_vad")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "data" / "silero_vad.onnx"
        if path.is_file():
            return path
    return None


def phone_model_folder() -> Path | None:
    """The folder of pocketsphinx's en-US models (acoustic model ``en-us``, ``en-us-phone.lm.bin``), or None."""
    spec = importlib.util.find_spec("pocketsphinx")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "model" / "en-us"
        if (path / "en-us-phone.lm.bin").is_file() and (path / "en-us").is_dir():
            return path
    return None


def missing() -> str | None:
    """Why the speech cue cannot listen here (a package missing), or None when both parts are installed."""
    absent = [
        name for name, found in (("silero-vad", vad_model_file()), ("pocketsphinx", phone_model_folder())) if not found
    ]
    if not absent:
        return None
    return f"{' and '.join(absent)} not installed, so the sound was not listened to ({INSTALL_HINT})"
