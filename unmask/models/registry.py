"""The shipped models by name (the timm registry pattern): ``load("unmask-blend")`` gives a ready model.

Each model shipped in ``unmask/models/weights`` is a card (``<name>.json``) beside its ONNX weights; the card's
``kind`` says which class runs it. A path to a card outside the package loads the same way.
"""

from __future__ import annotations

import os

from unmask.models.card import DEFAULT_MODEL, load_card, shipped_cards
from unmask.models.classifier import FakeClassifier
from unmask.models.liveness import PassiveModel
from unmask.models.temporal import TemporalClassifier


def available() -> list[str]:
    """The names of the shipped models."""
    return [card.name for card in shipped_cards()]


def load(
    name: str | os.PathLike[str] = DEFAULT_MODEL, threads: int = 0
) -> FakeClassifier | TemporalClassifier | PassiveModel:
    """The model a shipped name (or a card path) names, its weights checked against its card and opened;
    ``threads`` 0 lets onnxruntime choose."""
    card = load_card(name)
    if card.kind == "temporal":
        return TemporalClassifier(card, threads)
    if card.kind == "liveness":
        return PassiveModel(card, threads)
    return FakeClassifier(card, threads)
