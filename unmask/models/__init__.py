"""Models: the shipped deepfake classifier (ONNX, run with onnxruntime) and its model card.

Comes after :mod:`unmask.faces` in the data flow: it scores aligned crops, and knows nothing of files.
"""

from unmask.models.card import DEFAULT_MODEL, WEIGHTS, ModelCard, load_card
from unmask.models.classifier import FakeClassifier

__all__ = ["DEFAULT_MODEL", "WEIGHTS", "FakeClassifier", "ModelCard", "load_card"]
