"""Models: the shipped models (ONNX, run with onnxruntime), their model cards, and :func:`load` by name.

Comes after :mod:`unmask.faces` in the data flow: it scores aligned crops, and knows nothing of files.
"""

from unmask.models.card import DEFAULT_MODEL, WEIGHTS, ModelCard, Threshold, load_card
from unmask.models.classifier import FakeClassifier
from unmask.models.registry import available, load

__all__ = [
    "DEFAULT_MODEL",
    "WEIGHTS",
    "FakeClassifier",
    "ModelCard",
    "Threshold",
    "available",
    "load",
    "load_card",
]
