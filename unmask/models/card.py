"""Model cards: what a shipped model is, how it must be fed, and how it was trained and measured.

A card is a JSON file next to its ONNX weights (``unmask/models/weights/<name>.json``). :class:`ModelCard` is its
one typed form: :func:`load_card` is the one reader (it checks every field it knows and refuses the others) and
:meth:`ModelCard.save` the one writer, used by training (the card drafts of ``unmask train`` and ``unmask
train-temporal``) and by the tools that ship a model (``tools/ship_model.py``, ``tools/ship_temporal.py``).

The fields unmask relies on at run time are ``name``, ``version``, ``file``, ``sha256`` (of the ONNX file,
checked when it loads), ``kind`` (``frame``, ``temporal`` or ``liveness``), ``contract`` (the
:class:`~unmask.faces.align.CropContract` its crops are made with), ``threshold`` (the score at and above which
a face is called fake), ``video_threshold`` (where the card has one: the threshold a video's score is compared
with instead, since a video scores the mean of a face track over many frames and a photo one face) and, for
temporal models, ``features_version``, ``window`` and ``step_s``. The rest (the training data with the licence
and NOTICE of each source, the dev metrics and the commands that measured them, the limitations) is for people.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import onnxruntime

from unmask.errors import ModelError
from unmask.faces.align import CropContract
from unmask.media import sha256_of

WEIGHTS = Path(__file__).parent / "weights"
DEFAULT_MODEL = "unmask-blend"
KINDS = ("frame", "temporal", "liveness")

# The licence of each folder of ../shared/data/train_real (from its NOTICE, or the data README where a folder has
# none): the one table every card's training data is written from. The NOTICE text itself is copied into the card.
TRAINING_LICENCES = {
    "cc0_lisa": "CC0",
    "congress": "US government works: public domain (presumed)",
    "cremad": "ODbL 1.0 / DbCL 1.0 (CREMA-D, Cao et al. 2014; weights are a Produced Work: carry the notice)",
    "flickr_video": "CC BY 2.0 (Aaron Tang 2012, Peter Stevens 2009; attribution required)",
    "grid": "CC BY 4.0 (GRID corpus, Cooke et al. 2006; attribution required)",
    "intel": "CC BY 4.0 (Intel Corporation, intel-iot-devkit/sample-videos)",
    "london": "CC BY 4.0 (Face Research Lab London Set, DeBruine & Jones 2017; attribution required)",
    "misc": "CC0 / public domain",
    "nist_meds": "NIST MEDS-II / CC BY 2.0 (attribution in NOTICE)",
    "pexels": "Pexels licence (presumed)",
}


def training_folder(source: str | os.PathLike[str]) -> str:
    """The ``train_real`` folder a training file sits in (``grid`` for ``.../train_real/grid/x.mpg``), or its parent
    folder's name when the path is not under ``train_real``."""
    parts = Path(source).parts
    if "train_real" in parts[:-1]:
        return parts[parts.index("train_real") + 1]
    for part in reversed(parts[:-1]):
        if part in TRAINING_LICENCES:
            return part
    return parts[-2] if len(parts) > 1 else ""


def training_sources(sources: Iterable[str | os.PathLike[str]], unit: str = "crops") -> list[dict[str, Any]]:
    """One entry per training folder for a card's ``training.data``: the folder, how many ``unit`` (one per item
    of ``sources``) came from it, its licence (:data:`TRAINING_LICENCES`) and the text of its NOTICE."""
    counts: dict[str, int] = {}
    notices: dict[str, str | None] = {}
    for source in sources:
        folder = training_folder(source)
        counts[folder] = counts.get(folder, 0) + 1
        if folder not in notices:
            notices[folder] = _notice(Path(source), folder)
    return [
        {
            "folder": f"train_real/{folder}",
            unit: counts[folder],
            "licence": TRAINING_LICENCES.get(folder, "see the NOTICE beside the files"),
            "notice": notices[folder],
        }
        for folder in sorted(counts)
    ]


def _notice(source: Path, folder: str) -> str | None:
    for parent in source.parents:
        notice = parent / "NOTICE"
        if notice.is_file():
            return notice.read_text(encoding="utf-8").strip()
        if parent.name == folder:
            break
    return None


@dataclass(frozen=True)
class Threshold:
    """The score at and above which a face (or track) is called fake, the rule that set it, the files it was
    calibrated on and the command; ``details`` holds whatever else the setter recorded (counts, fusion)."""

    value: float
    rule: str = ""
    calibrated_on: tuple[str, ...] = ()
    command: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= float(self.value) <= 1:
            raise ValueError(f"threshold must be between 0 and 1, not {self.value}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "rule": self.rule}
        if self.calibrated_on:
            out["calibrated_on"] = list(self.calibrated_on)
        out.update(self.details)
        if self.command:
            out["command"] = self.command
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Threshold:
        known = {"value", "rule", "calibrated_on", "command"}
        return cls(
            value=float(data["value"]),
            rule=str(data.get("rule", "")),
            calibrated_on=tuple(str(item) for item in data.get("calibrated_on", ())),
            command=str(data.get("command", "")),
            details={key: value for key, value in data.items() if key not in known},
        )


@dataclass(frozen=True)
class ModelCard:
    """A model card. ``path`` is where it was read from or last written (not part of the JSON); :attr:`weights`
    is the ONNX file beside it."""

    name: str
    version: str
    file: str
    sha256: str
    contract: CropContract
    operating_point: Threshold
    kind: str = "frame"
    # Where set, the threshold of videos (a face track's mean over its frames); photos keep ``operating_point``.
    video_operating_point: Threshold | None = None
    size_bytes: int | None = None
    description: str = ""
    architecture: Mapping[str, Any] = field(default_factory=dict)
    # Temporal models: the features they read and the burst a scan reads for them.
    features_version: str | None = None
    features: tuple[str, ...] = ()
    features_read: tuple[str, ...] = ()
    window: int | None = None
    step_s: float | None = None
    input: str = ""
    output: str = ""
    # For people: how it was trained, measured and fused, whether it runs by default, and what it does not do.
    training: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)
    evaluation: Mapping[str, Any] = field(default_factory=dict)
    status: Mapping[str, Any] = field(default_factory=dict)
    branches: Mapping[str, Any] = field(default_factory=dict)
    limitations: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind == "temporal" and (self.features_version is None or self.window is None):
            raise ValueError("a temporal model card needs features_version and window")

    @property
    def threshold(self) -> float:
        """The threshold's value (:attr:`operating_point` has how it was set)."""
        return float(self.operating_point.value)

    @property
    def video_threshold(self) -> float:
        """The threshold of videos: the card's ``video_threshold`` where it has one, else :attr:`threshold`."""
        point = self.video_operating_point
        return float(point.value) if point is not None else self.threshold

    def threshold_for(self, kind: str | None) -> float:
        """The threshold a scan of ``kind`` (``video``, ``image``, ``array``) is decided at."""
        return self.video_threshold if kind == "video" else self.threshold

    @property
    def weights(self) -> Path:
        return (self.path.parent if self.path is not None else WEIGHTS) / self.file

    def identity(self) -> dict[str, str]:
        """``{name, version, sha256}``: what a scan result records about the model that made it."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    def replace(self, **changes: Any) -> ModelCard:
        """A copy with ``changes`` (field names as in the dataclass; ``threshold`` and ``video_threshold`` may be
        :class:`Threshold` objects)."""
        for key, field_name in _THRESHOLDS.items():
            if key in changes:
                changes[field_name] = changes.pop(key)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The card as its JSON holds it: the set fields in a fixed order, empty optional ones left out."""
        out: dict[str, Any] = {}
        for key in _ORDER:
            value = getattr(self, _THRESHOLDS.get(key, key))
            if key == "kind" and value == "frame":
                continue
            if value is None or (not value and isinstance(value, str | tuple | Mapping)):
                continue
            if isinstance(value, CropContract | Threshold):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[key] = value
        return out

    @property
    def data(self) -> dict[str, Any]:
        """The card as JSON data (:meth:`to_dict`), for display."""
        return self.to_dict()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: Path | None = None) -> ModelCard:
        """The card that ``data`` (parsed JSON) describes; ValueError/TypeError/KeyError when it is not one."""
        names = {item.name for item in dataclasses.fields(cls)} - {"path", *_THRESHOLDS.values()} | set(_THRESHOLDS)
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fields {', '.join(unknown)}")
        values: dict[str, Any] = dict(data)
        # Cards written before ``kind`` existed: a temporal model is the one that names its features.
        values.setdefault("kind", "temporal" if "features_version" in values else "frame")
        values["operating_point"] = Threshold.from_dict(values.pop("threshold"))
        if values.get("video_threshold") is not None:
            values["video_operating_point"] = Threshold.from_dict(values.pop("video_threshold"))
        values.pop("video_threshold", None)
        values["contract"] = CropContract(**values["contract"])
        for key in ("features", "features_read", "limitations"):
            if key in values:
                values[key] = tuple(str(item) for item in values[key])
        for key in ("name", "version", "file", "sha256"):
            if not isinstance(values[key], str) or not values[key]:
                raise ValueError(f"{key} must be a non-empty string")
        if values.get("window") is not None:
            values["window"] = int(values["window"])
        if values.get("step_s") is not None:
            values["step_s"] = float(values["step_s"])
        return cls(**values, path=path)

    def save(self, path: str | os.PathLike[str] | None = None) -> ModelCard:
        """Write the card as JSON to ``path`` (default: where it was read from), atomically; returns the card
        with its new path."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("the card has no path: say where to save it")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, target)
        return dataclasses.replace(self, path=target)


_REQUIRED = ("name", "version", "file", "sha256", "contract", "threshold")
# The JSON keys of the thresholds and the fields that hold them.
_THRESHOLDS = {"threshold": "operating_point", "video_threshold": "video_operating_point"}
# The order of a card's fields in its JSON: identity, how it is fed, its threshold, then what is for people.
_ORDER = (
    "name", "version", "file", "sha256", "size_bytes", "kind",
    "features_version", "features", "features_read", "window", "step_s", "input", "output",
    "contract", "threshold", "video_threshold", "description", "architecture",
    "training", "metrics", "evaluation", "status", "limitations", "branches",
)  # fmt: skip


def card_path(name: str) -> Path:
    """The card of the shipped model called ``name``."""
    return WEIGHTS / f"{name}.json"


def load_card(path: str | os.PathLike[str] | None = None) -> ModelCard:
    """Read a model card (a path, or the name of a shipped model; default: the shipped frame detector's) and
    check every field."""
    if path is None:
        card_file = card_path(DEFAULT_MODEL)
    elif isinstance(path, str) and os.sep not in path and not path.endswith(".json"):
        card_file = card_path(path)
    else:
        card_file = Path(path)
    try:
        data = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{card_file}: model card not found") from None
    except (OSError, ValueError) as err:
        raise ModelError(f"{card_file}: unreadable model card ({err})") from None
    missing = [key for key in _REQUIRED if key not in data] if isinstance(data, dict) else list(_REQUIRED)
    if missing:
        raise ModelError(f"{card_file}: model card lacks {', '.join(missing)}")
    try:
        return ModelCard.from_dict(data, card_file)
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise ModelError(f"{card_file}: invalid model card ({err})") from None


def shipped_cards() -> list[ModelCard]:
    """The cards of every model shipped in the package, by name."""
    return [load_card(path) for path in sorted(WEIGHTS.glob("*.json"))]


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
