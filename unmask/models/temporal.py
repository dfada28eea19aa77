"""The temporal branch: per-frame features of one face track, and a small sequence model over them (ONNX).

A blend detector looks at one frame for a seam; one-shot animators (FOMM, SadTalker, DreamTalk), lip-sync models
(Wav2Lip) and whole-face re-renderers leave none. What they leave is spread over time and over regions of the
face: skin texture and sensor noise that stick to the face from frame to frame instead of being fresh, a mouth
that is blurrier than the cheeks and moves out of step with the jaw, a face smoother than its background, eyes
over-sharpened on flat skin. :func:`track_features` turns a track (aligned crops under the crop contract, their
468 landmarks in crop pixels, and the frame times) into ``T x F`` numbers that measure these things, and
:class:`TemporalClassifier` scores them with a model trained by :mod:`unmask.train.temporal_loop` on real clips
against same-person animation forgeries (:mod:`unmask.forge.animate`).

The same function computes the features in training and at inference, so :data:`FEATURES_VERSION` is recorded
in the model card and checked when the model loads: change a feature, bump the version, retrain.

Every feature is scale-free where it can be (ratios, log-ratios, correlations, lengths divided by the distance
between the eyes), so that the resolution a face was filmed at and its compression move the features of real
and forged faces alike. Numpy, OpenCV and onnxruntime only: no torch here.
"""

from __future__ import annotations

import math
import os

import cv2
import numpy as np

from unmask.errors import ModelError
from unmask.faces.geometry import mesh_triangles, with_border_anchors
from unmask.faces.regions import (
    CHEEK_SIDES,
    CHEEKS,
    CHIN_TIP,
    EYES,
    FACE_OVAL,
    JAW,
    LEFT_EYE_CORNERS,
    LEFT_EYE_LIDS,
    LEFT_EYE_RING,
    LIPS,
    LOWER_INNER_LIP,
    MOUTH,
    MOUTH_CORNERS,
    NOSE_TIP,
    NUM_LANDMARKS,
    RIGHT_EYE_CORNERS,
    RIGHT_EYE_LIDS,
    RIGHT_EYE_RING,
    UPPER_INNER_LIP,
    hull_mask,
)
from unmask.media import Burst
from unmask.models.card import WEIGHTS, ModelCard, load_card, open_session

FEATURES_VERSION = "temporal-features-v1"
DEFAULT_TEMPORAL_MODEL = "unmask-temporal"
TEMPORAL_CARD = WEIGHTS / f"{DEFAULT_TEMPORAL_MODEL}.json"  # the shipped temporal model's card

# Seconds between the frames a scan reads for this branch (a burst of the card's ``window`` frames, centred in
# the clip): the training crops were every 2nd frame of 25-30 fps clips, 0.067-0.08 s apart, and windows took
# 1 to 8 of them in a row (mostly 1 or 2). Frames spread over a whole clip would be 0.1-1 s apart for 3-30 s clips,
# where sticking and motion read differently, and the score would depend on the clip's length.
BURST_STEP_S = 0.075

# Seconds between frames when no times are given (32 frames over a 6 s clip), and the range a step is clipped
# to: the model was trained on steps of about 0.07-0.6 s, and a step outside it is read as its nearest end.
DEFAULT_STEP = 0.2
MIN_STEP, MAX_STEP = 1 / 60, 1.0

REGIONS = ("face", "mouth", "eyes", "cheeks", "ring")
"""Where texture is measured: the mesh hull; the lips grown by a third; both eyes grown by half; a disc on each
cheek; and the background ring (the crop outside the hull grown by a tenth, minus what lies outside the frame)."""

STICKING_REGIONS = ("skin", "mouth", "eyes", "edge")
"""Where texture sticking is measured: the hull without eyes and mouth; the lips; the eyes; the band just outside
the hull, where a pasted face smears into its surroundings."""

FEATURE_NAMES: tuple[str, ...] = (
    # Geometry of this frame (lengths over the distance between the eye centres).
    "mouth_open",  # inner-lip gap
    "mouth_width",  # corner to corner
    "eye_open_left",  # lid gap over eye width: blinks
    "eye_open_right",
    "yaw",  # nose tip off the middle of the face oval, over the oval's width
    "pitch",  # nose tip below the eyes, over the eyes-to-chin height
    # Motion since the previous frame, per second, as log(1e-3 + value): the crop follows the head, so what
    # is left is the alignment's jitter and the face's own deformation.
    "motion_shift",  # translation of the best similarity fit, over the eye distance
    "motion_turn",  # its rotation (radians)
    "motion_zoom",  # |log| of its scale
    "motion_nonrigid",  # RMS of what the similarity does not explain, all points
    "motion_lips",  # the same on the lips
    "motion_eyes",  # the same on the eye contours
    "motion_jaw",  # the same along the jaw
    "mouth_open_rate",  # signed change of mouth_open per second
    "log_step",  # log of the time step (s): how far apart the frames are
    # Texture per region, from the 3x3 Laplacian of the grey crop (the finest band: sensor noise, pores, JPEG)
    # and a band-pass (Gaussian sigma 1 minus sigma 2.5: the same detail a little coarser).
    *(f"sharp_{region}" for region in REGIONS),  # log variance of the Laplacian
    *(f"slope_{region}" for region in REGIONS),  # log(fine / band energy): low when re-rendered from low resolution
    *(f"sparse_{region}" for region in REGIONS),  # mean |Laplacian| over its RMS: low when only edges are left
    "sharp_face_vs_ring",  # re-rendered faces are smoother than their background
    "sharp_mouth_vs_cheeks",  # a lip-synced mouth is blurrier than the cheeks
    "sharp_eyes_vs_cheeks",  # restorers over-sharpen eyes on smoothed skin
    "slope_face_vs_ring",
    # Colour (Lab, from a 56 px copy of the crop), face against the background ring.
    "light_face_vs_ring",  # mean L difference
    "a_face",  # mean a and b of the face (0 is grey)
    "b_face",
    "contrast_face_vs_ring",  # log ratio of the L standard deviations
    "chroma_texture_face",  # log of the a and b standard deviations in the face: smoothed skin loses them
    # Texture sticking: correlation of this frame's detail with the previous frame's, both warped onto the
    # track's mean mesh. Real video has fresh sensor noise in every frame; a one-shot animation repeats one.
    *(f"stick_{region}" for region in STICKING_REGIONS),  # finest band (Laplacian)
    "stick_band_skin",  # the coarser band: what alignment alone explains, to compare with stick_skin
)
NUM_FEATURES = len(FEATURE_NAMES)

_SMALL = 56  # side of the copy colour is read from: colour varies slowly, and Lab on 224 px costs more


def _eye_distance(points: np.ndarray) -> float:
    left = points[list(LEFT_EYE_RING)].mean(axis=0)
    right = points[list(RIGHT_EYE_RING)].mean(axis=0)
    return max(float(np.linalg.norm(right - left)), 1.0)


def _region_masks(points: np.ndarray, valid: np.ndarray) -> dict[str, np.ndarray]:
    """Uint8 masks of :data:`REGIONS` for one frame (``valid``: pixels that came from the frame, not padding)."""
    shape = valid.shape
    face = hull_mask(points, shape)
    eyes = hull_mask(points[list(LEFT_EYE_RING)], shape, 1.5) | hull_mask(points[list(RIGHT_EYE_RING)], shape, 1.5)
    cheeks = np.zeros(shape, np.uint8)
    radius = max(2, round(0.15 * _eye_distance(points)))
    for index in CHEEKS:
        x, y = np.round(points[index]).astype(int)
        cv2.circle(cheeks, (int(x), int(y)), radius, 1, -1)
    ring = valid & (1 - hull_mask(points[list(FACE_OVAL)], shape, 1.1))
    return {
        "face": face & valid,
        "mouth": hull_mask(points[list(MOUTH)], shape, 1.35) & valid,
        "eyes": eyes & valid,
        "cheeks": cheeks & face & valid,
        "ring": ring,
    }


def _valid_pixels(grey: np.ndarray) -> np.ndarray:
    """Pixels that came from the frame: the crop contract fills what falls outside it with black, whose edge
    would look like detail. Eroded so the Laplacian of that edge is left out too."""
    return cv2.erode((grey > 0).astype(np.uint8), np.ones((5, 5), np.uint8), borderType=cv2.BORDER_REPLICATE)


def _texture(lap: np.ndarray, band: np.ndarray, masks: dict[str, np.ndarray]) -> list[float]:
    sharp, slope, sparse = [], [], []
    # One pass per region over three planes: Laplacian, band-pass and |Laplacian|.
    planes = cv2.merge([lap, band, np.abs(lap)])
    for region in REGIONS:
        mask = masks[region]
        if cv2.countNonZero(mask) < 4:
            fine = coarse = mean_abs = 0.0
        else:
            mean, std = cv2.meanStdDev(planes, mask=mask)
            fine, coarse, mean_abs = float(std[0, 0]) ** 2, float(std[1, 0]) ** 2, float(mean[2, 0])
        sharp.append(math.log(fine + 1e-2))
        slope.append(math.log((fine + 1e-2) / (coarse + 1e-3)))
        sparse.append(mean_abs / (math.sqrt(fine) + 1e-3))
    face, mouth, eyes, cheeks, ring = range(5)
    ratios = [sharp[face] - sharp[ring], sharp[mouth] - sharp[cheeks], sharp[eyes] - sharp[cheeks]]
    ratios.append(slope[face] - slope[ring])
    return sharp + slope + sparse + ratios


def _colour(crop: np.ndarray, points: np.ndarray) -> list[float]:
    size = crop.shape[0]
    small = cv2.resize(crop, (_SMALL, _SMALL), interpolation=cv2.INTER_AREA)
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2Lab).astype(np.float32) / 255.0
    scaled = points * (_SMALL / size)
    valid = (small.max(axis=2) > 0).astype(np.uint8)
    face = hull_mask(scaled, (_SMALL, _SMALL)) & valid
    ring = valid & (1 - hull_mask(scaled[list(FACE_OVAL)], (_SMALL, _SMALL), 1.1))
    if cv2.countNonZero(face) < 4:
        return [0.0] * 5
    face_mean, face_std = cv2.meanStdDev(lab, mask=face)
    if cv2.countNonZero(ring) >= 4:
        ring_mean, ring_std = cv2.meanStdDev(lab, mask=ring)
    else:
        ring_mean, ring_std = face_mean, face_std
    face_mean, face_std = face_mean.ravel(), face_std.ravel()
    ring_mean, ring_std = ring_mean.ravel(), ring_std.ravel()
    return [
        float(face_mean[0] - ring_mean[0]),
        float(face_mean[1] - 128 / 255),
        float(face_mean[2] - 128 / 255),
        math.log((face_std[0] + 1e-3) / (ring_std[0] + 1e-3)),
        math.log(face_std[1] + face_std[2] + 1e-3),
    ]


def _geometry(points: np.ndarray) -> list[float]:
    eye = _eye_distance(points)

    def gap(pair: tuple[int, int]) -> float:
        return float(np.linalg.norm(points[pair[0]] - points[pair[1]]))

    left_side, right_side = points[CHEEK_SIDES[0]], points[CHEEK_SIDES[1]]
    width = max(abs(float(right_side[0] - left_side[0])), 1.0)
    eyes_y = float(points[list(EYES), 1].mean())
    height = max(float(points[CHIN_TIP, 1]) - eyes_y, 1.0)
    return [
        gap((UPPER_INNER_LIP, LOWER_INNER_LIP)) / eye,
        gap(MOUTH_CORNERS) / eye,
        gap(LEFT_EYE_LIDS) / max(gap(LEFT_EYE_CORNERS), 1.0),
        gap(RIGHT_EYE_LIDS) / max(gap(RIGHT_EYE_CORNERS), 1.0),
        (float(points[NOSE_TIP, 0]) - (float(left_side[0]) + float(right_side[0])) / 2) / width,
        (float(points[NOSE_TIP, 1]) - eyes_y) / height,
    ]


def _similarity(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Least-squares similarity ``dst ~ s R src + t`` (Umeyama): translation, rotation angle, scale, residuals."""
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    u, singular, vt = np.linalg.svd(dst_c.T @ src_c)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(singular) @ sign) / max(float((src_c**2).sum()), 1e-12))
    translation = dst_mean - scale * rotation @ src_mean
    residual = dst - (scale * src @ rotation.T + translation)
    return translation, math.atan2(rotation[1, 0], rotation[0, 0]), scale, residual


_LIP_INDEX = np.array(LIPS)
_EYE_INDEX = np.array(EYES)
_JAW_INDEX = np.array(JAW)


def _motion(previous: np.ndarray, current: np.ndarray, step: float) -> list[float]:
    eye = _eye_distance(current)
    translation, angle, scale, residual = _similarity(previous, current)
    distance = np.linalg.norm(residual, axis=1) / eye

    def rms(values: np.ndarray) -> float:
        return float(np.sqrt(np.mean(values**2)))

    raw = [
        float(np.linalg.norm(translation)) / eye,
        abs(angle),
        abs(math.log(max(scale, 1e-6))),
        rms(distance),
        rms(distance[_LIP_INDEX]),
        rms(distance[_EYE_INDEX]),
        rms(distance[_JAW_INDEX]),
    ]
    opening = (
        float(np.linalg.norm(current[UPPER_INNER_LIP] - current[LOWER_INNER_LIP]))
        - float(np.linalg.norm(previous[UPPER_INNER_LIP] - previous[LOWER_INNER_LIP]))
    ) / eye
    return [math.log(1e-3 + value / step) for value in raw] + [opening / step, math.log(step)]


class _StickingSpace:
    """The track's mean mesh as a common space: each frame is warped onto it once (piecewise affine over the
    mesh triangles, computed once per track with :func:`~unmask.faces.geometry.mesh_triangles`), and the
    detail of consecutive frames is compared there.

    Warping both frames onto one fixed mesh, rather than the previous frame onto this one's as
    :func:`~unmask.forge.animate.mesh_warp` would, lets the triangle raster, each pixel's barycentric weights in
    its triangle and the region masks be made once per track: a frame's warp is then three weighted gathers of
    its mesh points per pixel, about 0.5 ms instead of 3.
    """

    def __init__(self, reference: np.ndarray, shape: tuple[int, int]) -> None:
        height, width = shape
        self.shape = shape
        self.triangles = mesh_triangles(reference, shape)
        corners = with_border_anchors(reference, shape)[self.triangles]  # (M, 3, 2)
        # Only the face and a margin around it are compared: the bounding box of the hull grown by a quarter.
        grown = hull_mask(reference[list(FACE_OVAL)], shape, 1.25)
        ys, xs = np.nonzero(grown)
        top, bottom = max(0, int(ys.min()) - 2), min(height, int(ys.max()) + 3)
        left, right = max(0, int(xs.min()) - 2), min(width, int(xs.max()) + 3)
        box = (slice(top, bottom), slice(left, right))
        index = np.full(shape, -1, dtype=np.int32)
        for number, polygon in enumerate(np.round(corners * 16).astype(np.int32)):  # 4 bits of sub-pixel precision
            cv2.fillConvexPoly(index, polygon, number, lineType=cv2.LINE_8, shift=4)
        index = index[box]
        grid_y, grid_x = np.mgrid[top:bottom, left:right].astype(np.float64)
        # Each pixel as a weighted sum of its reference triangle's corners: the same weights of the frame's
        # corners give where the pixel comes from in that frame.
        system = np.concatenate([corners, np.ones((len(corners), 3, 1))], axis=2)  # rows [x y 1]
        solvable = np.abs(np.linalg.det(system)) > 1e-6
        inverse = np.zeros_like(system)
        inverse[solvable] = np.linalg.inv(system[solvable])
        inside = index >= 0
        found = np.where(inside, index, 0)
        pixels = np.stack([grid_x, grid_y, np.ones_like(grid_x)], axis=-1)
        weights = np.einsum("hwi,hwij->hwj", pixels, inverse[found])
        # A degenerate triangle moves as its corners do on average; a pixel outside every triangle stays put.
        flat = inside & ~solvable[found]
        weights[flat] = 1 / 3
        weights[~inside] = 0
        centre = corners.mean(axis=1)[found]
        self.base_x = np.where(flat, grid_x - centre[..., 0], np.where(inside, 0.0, grid_x)).astype(np.float32)
        self.base_y = np.where(flat, grid_y - centre[..., 1], np.where(inside, 0.0, grid_y)).astype(np.float32)
        self.weights = [np.ascontiguousarray(weights[..., k], dtype=np.float32) for k in range(3)]
        self.vertices = [np.ascontiguousarray(self.triangles[found][..., k]) for k in range(3)]
        # Region masks in the reference space, as flat indices into the box, 2 px inside it so the Laplacian of
        # the box's own edge never enters.
        hull = hull_mask(reference, shape)
        eyes = hull_mask(reference[list(LEFT_EYE_RING)], shape, 1.5)
        eyes |= hull_mask(reference[list(RIGHT_EYE_RING)], shape, 1.5)
        mouth = hull_mask(reference[list(MOUTH)], shape, 1.35)
        edge = grown & (1 - hull_mask(reference[list(FACE_OVAL)], shape, 1.05))
        inner = np.zeros(shape, np.uint8)
        inner[top + 2 : bottom - 2, left + 2 : right - 2] = 1
        regions = {"skin": hull & (1 - eyes) & (1 - mouth), "mouth": mouth, "eyes": eyes, "edge": edge}
        self.regions = {name: np.flatnonzero((mask & inner)[box]) for name, mask in regions.items()}

    def detail(self, grey: np.ndarray, points: np.ndarray) -> dict[str, np.ndarray]:
        """The frame's fine (Laplacian) and band-pass detail in the reference space, per sticking region."""
        corners = with_border_anchors(points, self.shape).astype(np.float32)
        xs, ys = corners[:, 0], corners[:, 1]
        map_x, map_y = self.base_x.copy(), self.base_y.copy()
        for weight, vertex in zip(self.weights, self.vertices, strict=True):
            map_x += weight * xs[vertex]
            map_y += weight * ys[vertex]
        warped = cv2.remap(grey, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        lap = cv2.Laplacian(warped, cv2.CV_32F).ravel()
        band = _band(warped).ravel()
        out = {name: lap[flat] for name, flat in self.regions.items()}
        out["band_skin"] = band[self.regions["skin"]]
        return out


def _band(grey: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(grey, (0, 0), 1.0) - cv2.GaussianBlur(grey, (0, 0), 2.5)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 16:
        return 0.0
    a = a - a.mean()
    b = b - b.mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / denominator if denominator > 1e-9 else 0.0


def _check_track(crops: np.ndarray, landmarks: np.ndarray, times: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    crops = np.asarray(crops)
    if crops.ndim != 4 or crops.shape[3] != 3 or crops.shape[1] != crops.shape[2] or crops.dtype != np.uint8:
        raise ValueError(f"expected T x S x S x 3 uint8 crops, got {crops.dtype} {crops.shape}")
    if len(crops) < 2:
        raise ValueError(f"a track needs at least 2 frames for temporal features, got {len(crops)}")
    if crops.shape[1] < 32:
        raise ValueError(f"crops of {crops.shape[1]} px are too small (at least 32)")
    marks = np.asarray(landmarks)
    if marks.ndim != 3 or marks.shape[:2] != (len(crops), NUM_LANDMARKS) or marks.shape[2] < 2:
        raise ValueError(f"expected {len(crops)} x {NUM_LANDMARKS} x 2 (or 3) landmarks, got {marks.shape}")
    marks = marks[..., :2].astype(np.float64)
    if not np.isfinite(marks).all():
        raise ValueError("landmarks must be finite")
    if times is not None and np.shape(times) != (len(crops),):
        raise ValueError(f"expected {len(crops)} frame times, got shape {np.shape(times)}")
    return crops, marks


def _steps(times: np.ndarray | None, count: int) -> np.ndarray:
    """Seconds from each frame's predecessor (the first frame gets the second's), clipped to the trained range;
    :data:`DEFAULT_STEP` where times are missing, not increasing or not finite."""
    if times is None:
        return np.full(count, DEFAULT_STEP)
    steps = np.diff(np.asarray(times, dtype=np.float64))
    steps = np.where(np.isfinite(steps) & (steps > 0), steps, DEFAULT_STEP)
    return np.clip(np.concatenate([steps[:1], steps]), MIN_STEP, MAX_STEP)


def track_features(crops: np.ndarray, landmarks: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
    """Per-frame features (``T x F`` float32, :data:`FEATURE_NAMES`) of one face track, for the temporal model.

    ``crops``: ``T x S x S x 3`` RGB uint8 crops under the crop contract, in time order (``T >= 2``);
    ``landmarks``: ``T x 468 x 2`` (or ``x 3``) in crop pixels; ``times``: the frames' times in seconds, or None.
    Features that compare a frame with the one before (motion, sticking) give the first frame the second's
    values. Deterministic: the same input gives the same bytes.
    """
    crops, marks = _check_track(crops, landmarks, times)
    count, size = len(crops), crops.shape[1]
    steps = _steps(times, count)
    space = _StickingSpace(marks.mean(axis=0), (size, size))
    rows = np.zeros((count, NUM_FEATURES), dtype=np.float64)
    previous_detail: dict[str, np.ndarray] | None = None
    for t in range(count):
        grey = cv2.cvtColor(crops[t], cv2.COLOR_RGB2GRAY).astype(np.float32)
        lap = cv2.Laplacian(grey, cv2.CV_32F)
        band = _band(grey)
        masks = _region_masks(marks[t], _valid_pixels(grey))
        detail = space.detail(grey, marks[t])
        row: list[float] = _geometry(marks[t])
        row += _motion(marks[t - 1], marks[t], float(steps[t])) if t > 0 else [0.0] * 9
        row += _texture(lap, band, masks)
        row += _colour(crops[t], marks[t])
        if previous_detail is not None:
            row += [_correlation(previous_detail[name], detail[name]) for name in STICKING_REGIONS]
            row.append(_correlation(previous_detail["band_skin"], detail["band_skin"]))
        else:
            row += [0.0] * (len(STICKING_REGIONS) + 1)
        rows[t] = row
        previous_detail = detail
    # The first frame has no predecessor: it takes the second frame's motion and sticking.
    first_motion = slice(6, 15)
    rows[0, first_motion] = rows[1, first_motion]
    rows[0, -(len(STICKING_REGIONS) + 1) :] = rows[1, -(len(STICKING_REGIONS) + 1) :]
    return np.nan_to_num(rows, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)


def _sigmoid(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value)) if value >= 0 else math.exp(value) / (1.0 + math.exp(value))


def on_by_default(card: str | os.PathLike[str] = TEMPORAL_CARD) -> bool:
    """Whether scans run the temporal branch when not told: its model card's ``status.default`` is ``"on"``.
    ``tools/ship_temporal.py`` sets it by a stated rule (fusing the branch lowers no dev set's video AUC)."""
    return load_card(card).status.get("default") == "on"


class TemporalClassifier:
    """Scores one face track's features (``T x F`` from :func:`track_features`) with the shipped temporal model.

    The ONNX graph has a dynamic time axis. A track no longer than the card's ``window`` is scored in one pass;
    a longer one in windows of ``window`` frames overlapping by half, whose logits are averaged: the model was
    trained on windows of up to ``window`` frames, and its max-pooling over time would read a longer track as
    more suspicious only because it is longer.
    """

    def __init__(self, card: ModelCard | str | os.PathLike[str] | None = None, threads: int = 0) -> None:
        path = TEMPORAL_CARD if card is None else card
        self.card = path if isinstance(path, ModelCard) else load_card(path)
        if self.card.kind != "temporal" or self.card.window is None:
            raise ModelError(f"{self.card.path}: not a temporal model card (kind {self.card.kind!r})")
        if self.card.features_version != FEATURES_VERSION:
            raise ModelError(
                f"{self.card.path}: model made for features {self.card.features_version!r}, "
                f"this unmask computes {FEATURES_VERSION!r}"
            )
        self.window = self.card.window
        if self.window < 2:
            raise ModelError(f"{self.card.path}: window must be at least 2, not {self.window}")
        self.session = open_session(self.card, threads)
        self.input_name = self.session.get_inputs()[0].name
        step = self.card.step_s if self.card.step_s is not None else BURST_STEP_S
        self.burst = Burst(self.window, step)
        """The frames a scan reads for this model: ``window`` frames, the step it was trained at, mid-clip."""

    @property
    def threshold(self) -> float:
        return self.card.threshold

    def _logit(self, features: np.ndarray) -> float:
        (logit,) = self.session.run(None, {self.input_name: features[None].astype(np.float32)})
        return float(np.asarray(logit).reshape(-1)[0])

    def predict(self, features: np.ndarray) -> float:
        """The probability that the track was animated or re-rendered, from its ``T x F`` features (``T >= 2``)."""
        features = np.asarray(features, dtype=np.float32)
        if features.ndim != 2 or features.shape[1] != NUM_FEATURES:
            raise ValueError(f"expected T x {NUM_FEATURES} features, got shape {features.shape}")
        count = len(features)
        if count < 2:
            raise ValueError(f"the temporal model needs at least 2 frames, got {count}")
        if not np.isfinite(features).all():
            raise ValueError("features must be finite")
        if count <= self.window:
            return _sigmoid(self._logit(features))
        hop = max(1, self.window // 2)
        starts = list(range(0, count - self.window + 1, hop))
        if starts[-1] != count - self.window:
            starts.append(count - self.window)
        logits = [self._logit(features[start : start + self.window]) for start in starts]
        return _sigmoid(float(np.mean(logits)))
