"""Settings of the training runs (detector, temporal branch); importable without torch (the command line reads
their defaults)."""

from __future__ import annotations

from dataclasses import dataclass, field

from unmask.forge.animate import ANIMATION_KINDS
from unmask.models.temporal import FEATURE_NAMES, REGIONS

HISTORIES = ("independent", "paired")


@dataclass
class TrainConfig:
    """Settings of one training run (recorded in ``train.json``)."""

    steps: int = 2200
    batch: int = 16  # real crops + as many forgeries
    lr: float = 3e-4
    weight_decay: float = 1e-4
    warmup: int = 100
    map_weight: float = 1.0
    autoencoder_steps: int = 800
    autoencoder_batch: int = 32
    frames: int = 24
    rerender: float = 0.0  # share of forgeries that re-render the whole crop (no blend boundary)
    # A TAEF2 folder (taesd.py and its weights): reconstructions through this decoder replace the autoencoder's.
    decoder: str | None = None
    decoder_cache: str | None = None  # where its reconstructions are cached (default RUN/decoder-cache)
    history: str = "independent"  # "paired": one laundering history per pair, applied to both halves
    low_light: float = 0.0  # share of real crops darkened before their pair is made (both halves share the scene)
    seed: int = 0
    checkpoint_every: int = 200
    validate_every: int = 400
    device: str = "auto"
    threads: int = 0
    inputs: list[str] = field(default_factory=list)


@dataclass
class LivenessConfig:
    """Settings of one passive liveness run (``unmask train-liveness``, recorded in ``train.json``)."""

    size: int = 112  # the model's input side
    scale: float = 2.2  # the crop's side over the face box's longer side
    variants: int = 6  # live and attack pictures drawn from each real frame
    frames: int = 4  # frames per video
    tight_share: float = 0.35  # pictures cut to a tight face crop first (both classes), as face-crop datasets are
    webcam: float = 0.0  # pairs captured by a cheap low-resolution webcam (both pictures; forge.attacks.webcam)
    close: float = 0.0  # attacks whose medium fills the frame: no paper edge or bezel shows, only texture
    held_out: float = 0.15  # share of source files held out (whole files)
    epochs: int = 14
    batch: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    width: int = 24  # channels of the first block
    seed: int = 0
    threads: int = 2
    workers: int = 2  # processes that simulate the attacks
    inputs: list[str] = field(default_factory=list)


IDENTITY_FEATURES = (
    "mouth_open",
    "mouth_width",
    "eye_open_left",
    "eye_open_right",
    "yaw",
    "pitch",
    "light_face_vs_ring",
    "a_face",
    "b_face",
    "contrast_face_vs_ring",
    "chroma_texture_face",
)


TEXTURE_LEVELS = tuple(f"{measure}_{region}" for measure in ("sharp", "slope", "sparse") for region in REGIONS)
"""The absolute texture levels of each region: they say how a video was filmed and coded (camera, resolution,
compression) as much as how its face was made. The ratios between regions (``*_vs_*``) do not."""

FEATURE_GROUPS = {"identity": IDENTITY_FEATURES, "texture-levels": TEXTURE_LEVELS}


def ignore_arguments(ignore: list[str]) -> list[str]:
    """The ``--ignore`` arguments that give ``ignore`` (beyond the identity features, always ignored): a group's
    name where the whole group is in it, else each feature's."""
    extra = [name for name in ignore if name not in IDENTITY_FEATURES]
    out = []
    for group, members in FEATURE_GROUPS.items():
        if group != "identity" and set(members) <= set(extra):
            out.append(group)
            extra = [name for name in extra if name not in members]
    return out + extra


def features_named(names: list[str]) -> list[str]:
    """Feature names, with each group name (:data:`FEATURE_GROUPS`) spelt out; raises ValueError on others."""
    out: list[str] = []
    for name in names:
        group = FEATURE_GROUPS.get(name, (name,))
        unknown = [feature for feature in group if feature not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"no feature or group {name!r}: groups are {', '.join(FEATURE_GROUPS)}")
        out += [feature for feature in group if feature not in out]
    return out


@dataclass
class TemporalConfig:
    """Settings of one temporal training run (recorded in ``temporal.json`` and the card draft)."""

    window: int = 16  # frames per training window; the longest the model sees in one pass
    windows: int = 2400  # real windows (each with one forgery); 15% of them from held-out files
    max_stride: int = 8  # extracted frames between the frames of a window, at most
    min_frames: int = 2  # shortest sub-window trained on
    min_face: float = 64.0  # crops whose detector box is smaller are left out (the scanner does not score them)
    held_out: float = 0.15  # fraction of files held out for validation
    epochs: int = 30
    batch: int = 64  # windows per step (real and forged alike)
    lr: float = 2e-3
    weight_decay: float = 0.05
    hidden: int = 32
    dropout: float = 0.3
    # Per window, each (standardised) feature is shifted by a draw of this spread, the same in every frame: with
    # some 35 videos to learn from, the model would otherwise learn each real video's levels by heart.
    level_noise: float = 0.3
    # Features the model does not read: they say who and where (skin colour, face shape, pose, resting eye and
    # mouth openings) more than how the face was made, and let the model tell training videos apart (in 5-fold
    # cross-validation over videos, leaving them out raised the window AUC from .86 to .91).
    ignore: list[str] = field(default_factory=lambda: list(IDENTITY_FEATURES))
    seed: int = 0
    workers: int = 2
    every: int = 2  # for inputs that are media, not ``unmask faces`` outputs: keep every Nth frame
    redetect: bool = True  # find landmarks again on every laundered frame (see unmask.train.temporal_data)
    autoencoder: str | None = None  # autoencoder.pt for the rerender kind (unmask train writes one)
    kinds: list[str] = field(default_factory=lambda: list(ANIMATION_KINDS))
    # Laundering of each real/forged pair (see unmask.train.temporal_data.Launder.draw): the share of windows coded as
    # H.264, and the share rendered at a lower resolution (version 1.0.0 of the model was trained with 0.0 and 0.3);
    # after coding, the share blurred and the share given added noise (versions up to 1.3.0: 0.0 and 0.0).
    h264: float = 0.5
    low_resolution: float = 0.4
    blur: float = 0.25
    noise: float = 0.3
    false_positive_rate: float = 0.05  # the card's threshold: this share of held-out real windows above it
