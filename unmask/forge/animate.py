"""Animation forgeries made as clips, from one real person's own frames: unmask never swaps identities.

A blend detector looks for a seam; one-shot talking-head animators (FOMM, SadTalker, DreamTalk), lip-sync
models (Wav2Lip) and diffusion renders leave none, because they re-render the whole face or the whole mouth.
What they leave is in time: texture that sticks to a single source still while the head moves, micro-motion
and sensor noise that stop changing from frame to frame, a mouth whose shape belongs to another moment, and a
face that is too smooth in the same way in every frame. These forgeries imitate that, cheaply enough to be made
on the fly in training, so that a temporal model can be taught on real clips against same-person animations.

Each function takes a real clip of ``T >= 2`` aligned crops (RGB uint8, ``T x H x W x 3``, made under the crop
contract), their 468 landmarks in crop pixels (``T x 468 x 3``) and a seeded :class:`numpy.random.Generator`,
and returns a :class:`ClipForgery`: the forged frames and, per frame, a mask in [0, 1] of where pixels were
re-rendered. Every random choice is drawn once per clip (an animator is one model with one setting per video),
so the forgery is temporally consistent unless a per-frame flicker is asked for.

- :func:`reenact_clip` (``reenact``): one source frame of the clip is warped, triangle by triangle over the
  face mesh, onto the mesh of every other frame and pasted back: one-shot mesh-driven reenactment.
- :func:`lipsync_clip` (``lipsync``): the mouth of each frame is replaced by the mouth of another moment of the
  same clip, warped into place, down-sampled like a low-resolution lip-sync render, and blended softly.
- :func:`rerender_clip` (``rerender``): the whole crop goes through a generator-like restoration (resolution
  loss, edge-preserving skin smoothing, over-sharpened eyes) or an autoencoder: no boundary anywhere.
- :func:`oneshot_clip` (``oneshot``): one source frame warped *whole* (face, hair and background) onto every
  frame's mesh and rendered through a decoder-like loss of detail, with nothing pasted: how one-shot portrait
  animators make a video from one photo.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from unmask.faces.geometry import mesh_triangles, with_border_anchors
from unmask.faces.regions import (
    NUM_LANDMARKS,
    UNDER_NOSE,
    eyes_mask,
    face_mask,
    head_mask,
    mouth_and_chin_mask,
)
from unmask.forge.blend import Reconstructor, blend
from unmask.forge.masks import soft_seam, soften
from unmask.media import write_jpeg, write_video

ANIMATION_KINDS = ("reenact", "lipsync", "rerender", "oneshot")


@dataclass(frozen=True, eq=False)
class ClipForgery:
    """A forged clip: ``frames`` (T x H x W x 3 uint8), ``masks`` (T x H x W float32 in [0, 1], where pixels
    were re-rendered: 1 over the whole face when it was re-rendered whole), which forgery made it and how."""

    frames: np.ndarray
    masks: np.ndarray
    kind: str
    detail: str = ""


def _check_clip(
    frames: Sequence[np.ndarray] | np.ndarray, landmarks: Sequence[np.ndarray] | np.ndarray, minimum: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """The clip as a (T, H, W, 3) uint8 array and its landmarks' x, y as a (T, 468, 2) float64 array, or ValueError."""
    items = list(frames)
    if len(items) < minimum:
        raise ValueError(f"a clip needs at least {minimum} frame{'s' if minimum > 1 else ''}, got {len(items)}")
    first = np.asarray(items[0])
    for item in items:
        item = np.asarray(item)
        if item.dtype != np.uint8 or item.ndim != 3 or item.shape[2] != 3:
            raise ValueError(f"expected RGB uint8 frames (H x W x 3), got {item.dtype} {item.shape}")
        if item.shape != first.shape:
            raise ValueError(f"all frames must have one size, got {first.shape} and {item.shape}")
    marks = [np.asarray(item) for item in landmarks]
    if len(marks) != len(items):
        raise ValueError(f"{len(items)} frames but {len(marks)} sets of landmarks")
    for item in marks:
        if item.ndim != 2 or item.shape[0] != NUM_LANDMARKS or item.shape[1] < 2:
            raise ValueError(f"expected {NUM_LANDMARKS} landmarks per frame, got {item.shape}")
        if not np.issubdtype(item.dtype, np.number) or np.issubdtype(item.dtype, np.complexfloating):
            raise ValueError(f"expected real-valued landmarks, got {item.dtype}")
    array = np.stack([np.asarray(item, dtype=np.float64)[:, :2] for item in marks])
    if not np.isfinite(array).all():
        raise ValueError("landmarks must be finite")
    return np.stack([np.asarray(item) for item in items]), array


def _backward_maps(
    src: np.ndarray, dst: np.ndarray, triangles: np.ndarray, shape: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel of the destination, where to sample the source: the affine map of the destination triangle
    that covers it (one rasterised triangle-index image and one gather: no per-triangle warps)."""
    height, width = shape
    corners = dst[triangles]  # (M, 3, 2)
    system = np.concatenate([corners, np.ones((len(triangles), 3, 1))], axis=2)  # rows [x y 1]
    targets = src[triangles]  # (M, 3, 2)
    determinant = np.linalg.det(system)
    solvable = np.abs(determinant) > 1e-9
    coefficients = np.zeros((len(triangles) + 1, 3, 2))
    coefficients[:-1] = [[1, 0], [0, 1], [0, 0]]
    coefficients[:-1][solvable] = np.linalg.solve(system[solvable], targets[solvable])
    # A degenerate triangle moves as its corners do on average; pixels outside every triangle stay put (the
    # last entry, which index -1 picks).
    shift = (targets - corners).mean(axis=1)
    coefficients[:-1, 2][~solvable] = shift[~solvable]
    coefficients[-1] = [[1, 0], [0, 1], [0, 0]]
    index = np.full((height, width), -1, dtype=np.int32)
    polygons = np.round(corners * 16).astype(np.int32)  # 4 bits of sub-pixel precision
    for number, polygon in enumerate(polygons):
        cv2.fillConvexPoly(index, polygon, number, lineType=cv2.LINE_8, shift=4)
    planes = coefficients.astype(np.float32).reshape(-1, 6)[index]  # (H, W, 6): a_xx a_xy a_yx a_yy t_x t_y
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    map_x = planes[..., 0] * grid_x + planes[..., 2] * grid_y + planes[..., 4]
    map_y = planes[..., 1] * grid_x + planes[..., 3] * grid_y + planes[..., 5]
    return map_x, map_y


def mesh_warp(
    image: np.ndarray, src_landmarks: np.ndarray, dst_landmarks: np.ndarray, triangles: np.ndarray | None = None
) -> np.ndarray:
    """Warp ``image``, whose face has ``src_landmarks``, so that its face takes ``dst_landmarks``: piecewise
    affine over the mesh triangles, fading to no motion at the crop's edge.

    ``triangles`` come from :func:`mesh_triangles` (by default, of ``dst_landmarks``). Warping a frame to its own
    mesh returns it unchanged, up to interpolation.
    """
    for points in (src_landmarks, dst_landmarks):
        if np.ndim(points) != 2 or np.shape(points)[0] != NUM_LANDMARKS or np.shape(points)[1] < 2:
            raise ValueError(f"expected {NUM_LANDMARKS} landmarks, got {np.shape(points)}")
    height, width = image.shape[:2]
    src = with_border_anchors(src_landmarks, (height, width))
    dst = with_border_anchors(dst_landmarks, (height, width))
    if triangles is None:
        triangles = mesh_triangles(dst_landmarks, (height, width))
    map_x, map_y = _backward_maps(src, dst, triangles, (height, width))
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _smooth_in_time(landmarks: np.ndarray, window: int) -> np.ndarray:
    """A centred moving average over ``window`` frames (edges repeat): an animation driver's smooth motion."""
    half = window // 2
    padded = np.concatenate([landmarks[:1].repeat(half, 0), landmarks, landmarks[-1:].repeat(half, 0)])
    cumulative = np.cumsum(np.concatenate([np.zeros_like(landmarks[:1]), padded]), axis=0)
    return (cumulative[window:] - cumulative[:-window]) / window


def _resample(image: np.ndarray, factor: float, interpolation: int) -> np.ndarray:
    """Down-sample by ``factor`` (area) and back up: a render made at a lower resolution."""
    height, width = image.shape[:2]
    small = cv2.resize(image, (max(4, round(width / factor)), max(4, round(height / factor))), cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=interpolation)


def _forgery(frames: list[np.ndarray], masks: list[np.ndarray], kind: str, detail: str) -> ClipForgery:
    return ClipForgery(np.stack(frames), np.stack(masks).astype(np.float32), kind, detail)


def _source_and_driving(marks: np.ndarray, rng: np.random.Generator) -> tuple[int, int, np.ndarray]:
    """The one frame an animator starts from, and the landmarks that drive it: half the time smoothed over 3-5
    frames (drivers are smooth). Returns (source, smoothing window, driving landmarks)."""
    source = int(rng.integers(len(marks)))
    window = int(rng.integers(3, 6)) if rng.random() < 0.5 else 1
    return source, window, _smooth_in_time(marks, window) if window > 1 else marks


def reenact_clip(
    frames: Sequence[np.ndarray] | np.ndarray, landmarks: Sequence[np.ndarray] | np.ndarray, rng: np.random.Generator
) -> ClipForgery:
    """One-shot mesh-driven reenactment: a single frame of the clip, warped onto every frame's mesh and pasted.

    The pasted face keeps the source's skin texture, teeth and noise while the head moves (texture sticking), its
    micro-motion is gone, and its edge smears into the real frame. Half the time the paste takes a larger hull
    with some hair; half the time the driving landmarks are smoothed over a few frames (drivers are smooth);
    sometimes the render is made at a lower resolution.
    """
    clip, marks = _check_clip(frames, landmarks)
    count, height, width = clip.shape[:3]
    source, window, driving = _source_and_driving(marks, rng)
    whole = rng.random() < 0.5
    scale, lift = float(rng.uniform(1.15, 1.35)), float(rng.uniform(0.05, 0.15))
    factor = float(rng.uniform(1.5, 2.5)) if rng.random() < 0.4 else 1.0
    mask_seed = int(rng.integers(2**31))
    triangles = mesh_triangles(marks[source], (height, width))
    forged, masks = [], []
    for target in range(count):
        warped = mesh_warp(clip[source], marks[source], driving[target], triangles)
        if factor > 1:
            warped = _resample(warped, factor, cv2.INTER_LINEAR)
        region = (
            head_mask(driving[target], (height, width), scale, lift)
            if whole
            else face_mask(driving[target], (height, width))
        )
        mask = soften(region, np.random.default_rng(mask_seed))  # one mask shape for the whole clip
        forged.append(blend(clip[target], warped, mask, "reenact").image)
        masks.append(mask)
    detail = f"source={source} paste={'head' if whole else 'face'} smooth={window} render=1/{factor:.1f}"
    return _forgery(forged, masks, "reenact", detail)


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2x3 rotation-scale-translation that best maps ``src`` points onto ``dst`` (least squares, Umeyama)."""
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    u, singular, vt = np.linalg.svd(dst_c.T @ src_c)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(singular) @ sign) / max((src_c**2).sum(), 1e-12))
    return np.hstack([scale * rotation, (dst_mean - scale * rotation @ src_mean)[:, None]])


def _mismatched_order(count: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """For each frame, which other frame's mouth it gets: a time shift (audio out of sync), a shuffle, or the
    clip backwards."""
    choice = int(rng.integers(3))
    frames = np.arange(count)
    if choice == 0:
        shift = int(rng.integers(1, count))
        return (frames + shift) % count, f"shift={shift}"
    if choice == 1:
        order = rng.permutation(count)
        for position in np.nonzero(order == frames)[0]:  # no frame keeps its own mouth
            other = (position + 1) % count
            order[position], order[other] = order[other], order[position]
        return order, "shuffle"
    return frames[::-1].copy(), "reverse"


def lipsync_clip(
    frames: Sequence[np.ndarray] | np.ndarray, landmarks: Sequence[np.ndarray] | np.ndarray, rng: np.random.Generator
) -> ClipForgery:
    """Mouth re-rendering (after Wav2Lip): each frame's mouth and chin replaced by those of another moment of the
    same clip, so the mouth moves out of step with the rest of the face.

    The other frame's lower face is moved rigidly into this frame's pose (fitted on the points above the nose),
    the other frame is mesh-warped so its face takes that shape, down-sampled 2-4x and back up (lip-sync models
    render the mouth small), and blended through a soft mask from the lips down to the chin.
    """
    clip, marks = _check_clip(frames, landmarks)
    count, height, width = clip.shape[:3]
    order, how = _mismatched_order(count, rng)
    mean = marks.mean(axis=0)
    lower = mean[:, 1] > mean[UNDER_NOSE, 1]
    upper = ~lower
    factor = float(rng.uniform(2, 4))
    interpolation = (cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(2))]
    colour = rng.uniform(-4, 4, size=3).astype(np.float32) if rng.random() < 0.5 else np.zeros(3, np.float32)
    mask_seed = int(rng.integers(2**31))
    triangles = mesh_triangles(mean, (height, width))
    forged, masks = [], []
    for target, other in enumerate(order):
        matrix = _similarity(marks[other][upper], marks[target][upper])
        shape = marks[target].copy()
        shape[lower] = marks[other][lower] @ matrix[:, :2].T + matrix[:, 2]
        mouth = mesh_warp(clip[other], marks[other], shape, triangles)
        mouth = np.clip(_resample(mouth, factor, interpolation).astype(np.float32) + colour, 0, 255)
        # Both chins: where the new jaw is higher, the real one must not show under it.
        region = np.maximum(
            mouth_and_chin_mask(shape, (height, width)), mouth_and_chin_mask(marks[target], (height, width))
        )
        mask = soft_seam(region, np.random.default_rng(mask_seed))
        forged.append(blend(clip[target], mouth, mask, "lipsync").image)
        masks.append(mask)
    detail = f"{how} render=1/{factor:.1f} colour={'shifted' if colour.any() else 'kept'}"
    return _forgery(forged, masks, "lipsync", detail)


def _unsharp(image: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(image, (0, 0), sigma)
    return image.astype(np.float32) * (1 + amount) - blurred.astype(np.float32) * amount


def rerender_clip(
    frames: Sequence[np.ndarray] | np.ndarray,
    landmarks: Sequence[np.ndarray] | np.ndarray,
    rng: np.random.Generator,
    reconstruct: Reconstructor | None = None,
) -> ClipForgery:
    """Whole-face re-rendering with no blend boundary: every whole crop through a generator-like restoration.

    The restoration loses resolution (down 3-6x and back up), smooths skin while keeping edges (bilateral
    filter), over-sharpens the eyes and may shift the colour; or, when ``reconstruct`` (an autoencoder, as in
    :data:`~unmask.forge.blend.Reconstructor`) is given, half the time the crop goes through it instead.
    Settings are drawn once per clip; sometimes a small per-frame flicker of brightness is added, as frame-by-frame
    generators show. The mask is the face's mesh hull: the face is re-rendered whole, with no seam to find. Each
    frame is re-rendered on its own, so a clip of one frame is allowed (the frame detector learns from those).
    """
    clip, marks = _check_clip(frames, landmarks, minimum=1)
    count, height, width = clip.shape[:3]
    autoencoder = reconstruct is not None and rng.random() < 0.5
    factor = float(rng.uniform(3, 6))
    interpolation = (cv2.INTER_CUBIC, cv2.INTER_LANCZOS4)[int(rng.integers(2))]
    diameter = int(rng.choice([5, 7, 9]))
    sigma_colour, sigma_space = float(rng.uniform(20, 60)), float(rng.uniform(3, 9))
    passes = int(rng.integers(1, 3))
    eye_sigma, eye_amount = float(rng.uniform(0.8, 1.5)), float(rng.uniform(0.6, 1.8))
    # Restoration networks draw crisp edges over skin without texture: sometimes sharpen the whole smoothed crop.
    crisp = float(rng.uniform(0.4, 1.2)) if not autoencoder and rng.random() < 0.5 else 0.0
    sharpen_eyes = not autoencoder or rng.random() < 0.5
    colour = rng.uniform(-6, 6, size=3).astype(np.float32) if rng.random() < 0.5 else np.zeros(3, np.float32)
    flicker = float(rng.uniform(0.5, 2.0)) if rng.random() < 0.3 else 0.0
    forged, masks = [], []
    for number in range(count):
        if autoencoder:
            assert reconstruct is not None
            rendered = np.asarray(reconstruct(clip[number]))
            if rendered.shape != clip[number].shape:
                raise ValueError(f"the reconstruction has shape {rendered.shape}, not {clip[number].shape}")
            image = np.clip(rendered, 0, 255).astype(np.uint8)
        else:
            image = _resample(clip[number], factor, interpolation)
            for _ in range(passes):
                image = cv2.bilateralFilter(image, diameter, sigma_colour, sigma_space)
            if crisp:
                image = np.clip(_unsharp(image, 1.5, crisp), 0, 255).astype(np.uint8)
        result = image.astype(np.float32)
        if sharpen_eyes:
            eyes = eyes_mask(marks[number], (height, width))[..., None]  # sharpened with no edge of its own
            result = eyes * _unsharp(image, eye_sigma, eye_amount) + (1 - eyes) * result
        result += colour + (rng.normal(0, flicker) if flicker else 0.0)
        forged.append(np.clip(np.rint(result), 0, 255).astype(np.uint8))
        masks.append(face_mask(marks[number], (height, width)))
    detail = "autoencoder" if autoencoder else f"render=1/{factor:.1f} bilateral={diameter}x{passes} crisp={crisp:.1f}"
    detail += f" eyes={'sharpened' if sharpen_eyes else 'kept'} colour={'shifted' if colour.any() else 'kept'}"
    detail += f" flicker={flicker:.1f}"
    return _forgery(forged, masks, "rerender", detail)


def oneshot_clip(
    frames: Sequence[np.ndarray] | np.ndarray, landmarks: Sequence[np.ndarray] | np.ndarray, rng: np.random.Generator
) -> ClipForgery:
    """One-shot portrait animation (after FOMM, face-vid2vid, SadTalker's and DreamTalk's renderers): a single
    frame of the clip is warped whole onto every frame's mesh (face, hair and background; the crop's border stays
    put, so the background bends with the head) and each output frame is rendered through a decoder-like step
    (down-sampled 1.5-3x and back up, half the time an edge-preserving smoothing). Nothing is pasted, so there is
    no seam: the texture and noise of one moment stick to a moving face, and every frame is equally soft. Half
    the time the driving landmarks are smoothed over a few frames. The mask is the whole crop.
    """
    clip, marks = _check_clip(frames, landmarks)
    count, height, width = clip.shape[:3]
    source, window, driving = _source_and_driving(marks, rng)
    factor = float(rng.uniform(1.5, 3.0))
    interpolation = (cv2.INTER_LINEAR, cv2.INTER_CUBIC)[int(rng.integers(2))]
    smooth = rng.random() < 0.5
    sigma_colour, sigma_space = float(rng.uniform(15, 40)), float(rng.uniform(2, 5))
    triangles = mesh_triangles(marks[source], (height, width))
    forged = []
    for target in range(count):
        image = _resample(mesh_warp(clip[source], marks[source], driving[target], triangles), factor, interpolation)
        if smooth:
            image = cv2.bilateralFilter(image, 5, sigma_colour, sigma_space)
        forged.append(image)
    masks = [np.ones((height, width), np.float32)] * count
    detail = f"source={source} smooth={window} render=1/{factor:.1f} bilateral={'yes' if smooth else 'no'}"
    return _forgery(forged, masks, "oneshot", detail)


def make_clip_forgery(
    frames: Sequence[np.ndarray] | np.ndarray,
    landmarks: Sequence[np.ndarray] | np.ndarray,
    rng: np.random.Generator,
    reconstruct: Reconstructor | None = None,
    kinds: Sequence[str] = ANIMATION_KINDS,
) -> ClipForgery:
    """One animation forgery of the clip, of a kind drawn uniformly from ``kinds``."""
    unknown = sorted(set(kinds) - set(ANIMATION_KINDS))
    if unknown:
        raise ValueError(f"unknown animation kinds {unknown}; choose from {list(ANIMATION_KINDS)}")
    if not kinds:
        raise ValueError("no animation kind to choose from")
    kind = kinds[int(rng.integers(len(kinds)))]
    if kind == "reenact":
        return reenact_clip(frames, landmarks, rng)
    if kind == "lipsync":
        return lipsync_clip(frames, landmarks, rng)
    if kind == "oneshot":
        return oneshot_clip(frames, landmarks, rng)
    return rerender_clip(frames, landmarks, rng, reconstruct)


# What a person looks at: a contact sheet across time, and the clip played beside the real one.

TILE = 160
LABEL_WIDTH = 90
HEADER_HEIGHT = 20
ROWS = ("real", "forgery", "mask", "diff x4")


def _label(tile: np.ndarray, text: str, position: tuple[int, int]) -> None:
    cv2.putText(tile, text, position, cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)


def _check_pair(real_frames: Sequence[np.ndarray] | np.ndarray, forgery: ClipForgery) -> np.ndarray:
    real = np.stack([np.asarray(frame) for frame in real_frames]) if len(real_frames) else np.empty((0,))
    if real.shape != forgery.frames.shape or real.dtype != np.uint8:
        raise ValueError(f"real frames {real.dtype} {real.shape} do not match the forgery's {forgery.frames.shape}")
    return real


def write_clip_sheet(
    real_frames: Sequence[np.ndarray] | np.ndarray,
    forgery: ClipForgery,
    path: str | os.PathLike[str],
    every: int | None = None,
) -> Path:
    """A JPEG with one column per shown frame (every ``every``-th; by default at most 8 spread over the clip) and
    rows real / forgery / mask / the difference times four, so the forgery can be judged at a glance."""
    real = _check_pair(real_frames, forgery)
    count = len(real)
    step = max(1, every if every is not None else -(-count // 8))
    shown = list(range(0, count, step))
    difference = np.abs(forgery.frames.astype(np.int16) - real.astype(np.int16)) * 4
    grey = np.clip(forgery.masks * 255, 0, 255).astype(np.uint8)
    sources = (real, forgery.frames, np.repeat(grey[..., None], 3, axis=3), np.clip(difference, 0, 255))
    sheet = np.full((HEADER_HEIGHT * 2 + TILE * len(ROWS), LABEL_WIDTH + TILE * len(shown), 3), 255, np.uint8)
    text = f"{forgery.kind}: {forgery.detail}" if forgery.detail else forgery.kind
    _label(sheet, text, (4, 14))
    for column, index in enumerate(shown):
        x = LABEL_WIDTH + column * TILE
        _label(sheet, f"frame {index}", (x + 4, HEADER_HEIGHT + 14))
        for row, source in enumerate(sources):
            y = HEADER_HEIGHT * 2 + row * TILE
            tile = np.ascontiguousarray(source[index]).astype(np.uint8)
            sheet[y : y + TILE, x : x + TILE] = cv2.resize(tile, (TILE, TILE), interpolation=cv2.INTER_AREA)
    for row, name in enumerate(ROWS):
        _label(sheet, name, (4, HEADER_HEIGHT * 2 + row * TILE + TILE // 2))
    return write_jpeg(path, sheet)


def write_side_by_side(
    real_frames: Sequence[np.ndarray] | np.ndarray,
    forgery: ClipForgery,
    path: str | os.PathLike[str],
    fps: float = 12.0,
) -> Path:
    """An MP4 of the real clip (left) beside its forgery (right): motion cues show only when played."""
    real = _check_pair(real_frames, forgery)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_video(out, (np.hstack([left, right]) for left, right in zip(real, forgery.frames, strict=True)), fps=fps)
    return out
