"""Model cards: what a shipped detector is, how it must be fed, and how it was trained and measured.

A card is a JSON file next to its ONNX weights (``unmask/models/weights/<name>.json``). The fields unmask relies
on at run time are ``name``, ``version``, ``file``, ``sha256`` (of the ONNX file, checked when it loads),
``contract`` (the :class:`~unmask.faces.align.CropContract` its crops are made with) and ``threshold`` (the
score at and above which a face is called fake). The rest (training data and licences, the dev metrics and the
commands that measured them) is for people.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import onnxruntime

from unmask.errors import ModelError
from unmask.faces.align import CropContract
from unmask.media import sha256_of

WEIGHTS = Path(__file__).parent / "weights"
DEFAULT_MODEL = "unmask-blend"


@dataclass(frozen=True)
class ModelCard:
    """A parsed model card; ``path`` is the card file, ``data`` all of its fields."""

    path: Path
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def version(self) -> str:
        return str(self.data["version"])

    @property
    def sha256(self) -> str:
        return str(self.data["sha256"])

    @property
    def weights(self) -> Path:
        return self.path.parent / str(self.data["file"])

    @property
    def threshold(self) -> float:
        return float(self.data["threshold"]["value"])

    @property
    def contract(self) -> CropContract:
        return CropContract(**self.data["contract"])

    def identity(self) -> dict[str, str]:
        """``{name, version, sha256}``: what a scan result records about the model that made it."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}


_REQUIRED = ("name", "version", "file", "sha256", "contract", "threshold")


def load_card(path: str | os.PathLike[str] | None = None) -> ModelCard:
    """Read a model card (default: the shipped detector's) and check it names everything unmask needs."""
    card_path = Path(path) if path is not None else WEIGHTS / f"{DEFAULT_MODEL}.json"
    try:
        data = json.loads(card_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{card_path}: model card not found") from None
    except (OSError, ValueError) as err:
        raise ModelError(f"{card_path}: unreadable model card ({err})") from None
    missing = [key for key in _REQUIRED if key not in data] if isinstance(data, dict) else list(_REQUIRED)
    if missing:
        raise ModelError(f"{card_path}: model card lacks {', '.join(missing)}")
    try:
        card = ModelCard(card_path, data)
        card.contract  # noqa: B018 - validates the contract's fields
        float(card.threshold)
    except (TypeError, ValueError, KeyError) as err:
        raise ModelError(f"{card_path}: invalid model card ({err})") from None
    return card


def open_session(card: ModelCard, threads: int = 0) -> onnxruntime.InferenceSession:
    """The card's ONNX weights, checked (present, sha256 as the card says) and opened with onnxruntime on the
    CPU; ``threads`` 0 lets onnxruntime choose."""
    import onnxruntime as ort  # imported here: a heavy import only needed once a model is used

    weights = card.weights
    if not weights.is_file():
        raise ModelError(f"{weights}: model weights not found (named by {card.path})")
    actual = sha256_of(weights)
    if actual != card.sha256:
        raise ModelError(f"{weights}: sha256 {actual[:12]}… does not match its card ({card.sha256[:12]}…)")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(weights), options, providers=["CPUExecutionProvider"])
    except Exception as err:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise ModelError(f"{weights}: cannot load the model ({err})") from None
