"""Presentation attacks simulated from a real face picture, for the passive liveness model: the picture printed
on paper and held up to a camera (``print``), shown on a screen (``screen``), or played back as a video on a screen
(``video``), then captured again.

Every attack is drawn from a seeded generator and returns the captured frame, the same size as the source, with the
face's box in it. The printed or displayed picture is rendered on its medium first, then placed in front of the
camera by a perspective warp (a random zoom, shift, tilt and rotation), so that when it is smaller than the frame its
edges show: the paper's white margin and the fingers holding it, or the screen's bezel, over a background.

- print: reduced contrast and gamut (a raised ink black, less saturation), a colour cast, halftone (a rotated
  dot screen per ink) or inkjet (random dither) rendering at printer resolution smoothed by the ink's spread, paper
  texture, a slight cylinder bend with its shading, a broad paper sheen;
- screen: the picture resampled to the screen's pixel grid and drawn as RGB sub-pixel stripes, which the camera's
  re-capture (a warp with no low-pass) aliases into moire; a gamma and white-point shift, a raised black level,
  glare and a faint reflection of the room;
- video: a screen showing a compressed video (the played clip's own blur and block coding first); for a clip,
  :func:`replay_clip` adds the judder of a display refreshing at another rate: frames repeated and dropped.

``close`` (every simulator): the medium held so near that it fills the frame, so that no edge shows and only its
texture tells (halftone or dither remnants, paper sheen, the screen's pixel grid and gamma).

:func:`webcam` is a cheap webcam's capture (the face at 60 to 160 px, washed-out exposure, colour loss, sensor
noise, heavy JPEG) and :func:`post_process` the capture and upload history (camera exposure and white balance, then
:func:`unmask.forge.augment.post_augment`: mirroring, colour, scaling, blur, noise, JPEG) that a caller applies
alike to the live picture and to its attack, so that quality is no cue to the label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from unmask.forge.augment import post_augment
from unmask.media import launder

ATTACKS = ("print", "screen", "video")
"""The attack kinds simulated, in the order :func:`make_attack` draws them by default."""

WORK_SIDE = 320
"""Frames are simulated at most this large (:func:`work_frame`): the liveness crop needs the face at about 50 px."""


@dataclass(frozen=True, eq=False)
class Attack:
    """A simulated presentation attack: the captured RGB frame, the face box (x0, y0, x1, y1) in it, the kind and
    a short description of the parameters drawn."""

    image: np.ndarray
    box: np.ndarray
    kind: str
    detail: str = ""


def _check(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError("an attack is made from an RGB uint8 image (H x W x 3)")
    box = np.asarray(box, dtype=np.float32).reshape(-1)
    if box.shape != (4,) or not (box[2] > box[0] and box[3] > box[1]):
        raise ValueError(f"the face box must be (x0, y0, x1, y1) with x1 > x0 and y1 > y0, not {box.tolist()}")
    return box


def work_frame(image: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The frame (and its face box) shrunk so that its longer side is at most :data:`WORK_SIDE`, as attacks are
    simulated from it in training and in ``unmask eval --simulated``."""
    shrink = WORK_SIDE / max(image.shape[:2])
    if shrink >= 1:
        return image, np.asarray(box, np.float32)
    size = (round(image.shape[1] * shrink), round(image.shape[0] * shrink))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.asarray(box, np.float32) * shrink


def _saturation(image: np.ndarray, factor: float) -> np.ndarray:
    grey = image.mean(axis=2, keepdims=True)
    return grey + (image - grey) * factor


def background_like(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A plausible room behind the medium when the caller gives none: a soft two-colour gradient with blotches."""
    height, width = shape[:2]
    one, two = rng.uniform(30, 220, 3), rng.uniform(30, 220, 3)
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (np.cos(angle) * xs / width + np.sin(angle) * ys / height + 1) / 2
    image = one * (1 - ramp[..., None]) + two * ramp[..., None]
    small = rng.normal(0, 25, (6, 6, 3)).astype(np.float32)
    image += cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(image, 0, 255).astype(np.uint8)


# --- print -------------------------------------------------------------------------------------------------------


def _halftone(image: np.ndarray, rng: np.random.Generator, period: float) -> np.ndarray:
    """Each ink as a rotated dot screen: on at a pixel where its coverage beats a cosine screen there."""
    height, width = image.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    out = np.empty_like(image)
    base = rng.uniform(0, np.pi / 2)
    for channel, offset in enumerate((0.26, 1.31, 0.0)):  # three inks at three screen angles
        angle = base + offset
        u = (np.cos(angle) * xs + np.sin(angle) * ys) * (2 * np.pi / period)
        v = (-np.sin(angle) * xs + np.cos(angle) * ys) * (2 * np.pi / period)
        screen = (np.cos(u) * np.cos(v) + 1) / 2  # 0..1
        ink = 1 - image[..., channel] / 255.0
        out[..., channel] = np.where(ink > screen, 0.0, 255.0)
    return out


def _inkjet(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    threshold = rng.random(image.shape, dtype=np.float32) * 255
    return np.where(image > threshold, 255.0, 0.0).astype(np.float32)


def _paper(image: np.ndarray, rng: np.random.Generator, detail: list[str]) -> np.ndarray:
    """The picture as it comes out of the printer: gamut and contrast cut, cast, dots, ink spread, fibres."""
    picture = image.astype(np.float32)
    contrast = rng.uniform(0.55, 0.9)
    black = rng.uniform(15, 60)
    picture = black + (picture - picture.mean()) * contrast + picture.mean() * contrast + (1 - contrast) * 110
    picture = _saturation(picture, rng.uniform(0.55, 0.95))
    picture *= rng.uniform(0.86, 1.1, 3)  # colour cast of the inks and paper
    picture = np.clip(picture, 0, 255)
    detail.append(f"contrast {contrast:.2f}")
    if rng.random() < 0.6:
        upsample = int(rng.integers(2, 4))
        large = cv2.resize(picture, None, fx=upsample, fy=upsample, interpolation=cv2.INTER_LINEAR)
        if rng.random() < 0.7:
            period = rng.uniform(2.2, 5.0)
            dots = _halftone(large, rng, period)
            detail.append(f"halftone {period:.1f}px")
        else:
            dots = _inkjet(large, rng)
            detail.append("inkjet")
        dots = cv2.GaussianBlur(dots, (0, 0), rng.uniform(0.8, 2.0) * upsample / 2)  # ink spread
        picture = cv2.resize(dots, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_AREA)
        picture = np.clip(picture * rng.uniform(0.85, 1.0) + black * 0.3, 0, 255)
    fibres = rng.normal(0, rng.uniform(2, 7), image.shape[:2]).astype(np.float32)
    fibres = cv2.GaussianBlur(fibres, (0, 0), rng.uniform(0.5, 1.5))
    return np.clip(picture * (1 + fibres[..., None] / 255 * 3), 0, 255)


def _bend(picture: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A sheet bent about its vertical (or horizontal) axis: the sides pulled in and shaded."""
    height, width = picture.shape[:2]
    strength = rng.uniform(0.0, 0.08)
    across = rng.random() < 0.75
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    if across:
        t = xs / max(1, width - 1) * 2 - 1
        map_x, map_y = xs, height / 2 + (ys - height / 2) * (1 + strength * t**2)
    else:
        t = ys / max(1, height - 1) * 2 - 1
        map_x, map_y = width / 2 + (xs - width / 2) * (1 + strength * t**2), ys
    bent = cv2.remap(picture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    shade = 1 - rng.uniform(0, 2.5) * strength * t**2 + rng.uniform(-0.05, 0.05) * t
    return np.clip(bent * shade[..., None], 0, 255)


# --- screens -----------------------------------------------------------------------------------------------------


def _subpixels(picture: np.ndarray, rng: np.random.Generator, detail: list[str]) -> np.ndarray:
    """The picture on a display: resampled to its pixel grid, each pixel drawn as R, G, B stripes (3 x 3 cells)."""
    height, width = picture.shape[:2]
    pitch = rng.uniform(1.0, 2.4)  # source pixels per display pixel
    columns, rows = max(8, round(width / pitch)), max(8, round(height / pitch))
    grid = cv2.resize(picture, (columns, rows), interpolation=cv2.INTER_AREA)
    cells = np.zeros((rows * 3, columns * 3, 3), np.float32)
    for channel in range(3):
        stripe = np.repeat(np.repeat(grid[..., channel], 3, axis=0), 3, axis=1)
        keep = np.zeros(columns * 3, bool)
        keep[channel::3] = True
        cells[:, keep, channel] = stripe[:, keep] * 2.6
    cells[2::3] *= rng.uniform(0.5, 0.9)  # the dark line between pixel rows
    detail.append(f"pitch {pitch:.2f}")
    return np.clip(cells, 0, 255)


def _display(picture: np.ndarray, rng: np.random.Generator, detail: list[str]) -> np.ndarray:
    gamma = rng.uniform(0.7, 1.45)
    out = 255 * (picture / 255) ** gamma
    out *= rng.uniform([0.85, 0.92, 1.0], [1.0, 1.05, 1.2])  # a cooler (or warmer) white point
    black = rng.uniform(8, 40)
    out = black + out * (1 - black / 255)
    out = _saturation(out, rng.uniform(0.7, 1.1))
    detail.append(f"gamma {gamma:.2f}")
    return np.clip(out, 0, 255)


def _glare(frame: np.ndarray, mask: np.ndarray, rng: np.random.Generator, room: np.ndarray) -> np.ndarray:
    """A soft light blob or streak on the glass, and a faint reflection of the room, only where the medium is."""
    height, width = frame.shape[:2]
    out = frame.astype(np.float32)
    if rng.random() < 0.7:
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        sx, sy = rng.uniform(0.05, 0.5) * width, rng.uniform(0.03, 0.3) * height
        angle = rng.uniform(0, np.pi)
        u = (xs - cx) * np.cos(angle) + (ys - cy) * np.sin(angle)
        v = -(xs - cx) * np.sin(angle) + (ys - cy) * np.cos(angle)
        blob = np.exp(-(u**2 / (2 * sx**2) + v**2 / (2 * sy**2))) * rng.uniform(30, 140)
        out += (blob * mask)[..., None]
    if rng.random() < 0.6:
        reflection = cv2.GaussianBlur(room.astype(np.float32), (0, 0), rng.uniform(3, 10))
        out += reflection * rng.uniform(0.04, 0.18) * mask[..., None]
    return np.clip(out, 0, 255)


# --- placing the medium in front of the camera -------------------------------------------------------------------


def _fingers(frame: np.ndarray, quad: np.ndarray, rng: np.random.Generator, skin: np.ndarray) -> np.ndarray:
    """One or two fingertips over the sheet's edge, in the face's own skin colour, shaded."""
    height, width = frame.shape[:2]
    out = frame.copy()
    for _ in range(int(rng.integers(1, 3))):
        corner = int(rng.integers(0, 4))
        a, b = quad[corner], quad[(corner + 1) % 4]
        point = a + (b - a) * rng.uniform(0.15, 0.85)
        size = rng.uniform(0.04, 0.09) * max(width, height)
        layer = np.zeros((height, width), np.float32)
        angle = float(np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0]))) + 90
        cv2.ellipse(
            layer,
            (int(point[0]), int(point[1])),
            (int(size * 0.45), int(size)),
            angle,
            0,
            360,
            1.0,
            -1,
            cv2.LINE_AA,
        )
        layer = cv2.GaussianBlur(layer, (0, 0), max(0.8, size / 14))
        tone = np.clip(skin * rng.uniform(0.8, 1.15, 3), 0, 255)
        shading = 1 + cv2.GaussianBlur(layer, (0, 0), size / 3) * 0.2 - 0.1
        out = out * (1 - layer[..., None]) + (tone * shading[..., None]) * layer[..., None]
    return out


def _place(
    medium: np.ndarray,
    inner: tuple[float, float, float, float],
    frame_shape: tuple[int, ...],
    box: np.ndarray,
    rng: np.random.Generator,
    room: np.ndarray,
    aliased: bool,
    close: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Warp ``medium`` (whose rectangle ``inner`` holds the source picture) into a frame in front of ``room``.
    ``close``: the medium held so near that it fills the frame (no edge, bezel or room shows): the picture
    enlarged about the face, which stays where it was and keeps under 95% of the frame.

    Returns the frame, the medium's coverage mask, the medium's corner quad in the frame and the face box."""
    height, width = frame_shape[:2]
    x0, y0, x1, y1 = inner
    to_frame = np.array([width / (x1 - x0), height / (y1 - y0)])  # source picture to frame pixels at zoom 1
    face_mid = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
    if close:
        fits = 0.95 / max((box[2] - box[0]) * to_frame[0] / width, (box[3] - box[1]) * to_frame[1] / height)
        zoom = max(1.1, min(rng.uniform(1.2, 2.0), fits))
        angle = np.radians(rng.uniform(-3, 3))
    else:
        zoom = rng.uniform(0.7, 1.25)
        centre = np.array(
            [width / 2 + rng.uniform(-0.08, 0.08) * width, height / 2 + rng.uniform(-0.08, 0.08) * height]
        )
        angle = np.radians(rng.uniform(-8, 8))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    # Where the source picture's corners land; the medium's own corners follow by the same similarity.
    scale_x, scale_y = zoom * to_frame
    inner_mid = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    if close:  # the face's centre stays put: the picture grows about it and overfills the frame
        centre = face_mid * to_frame - ((face_mid + np.array([x0, y0]) - inner_mid) * [scale_x, scale_y]) @ rotation.T
    mh, mw = medium.shape[:2]
    corners = np.array([[0, 0], [mw, 0], [mw, mh], [0, mh]], np.float32)
    target = (corners - inner_mid) * [scale_x, scale_y] @ rotation.T + centre
    tilt = 0.015 if close else 0.04
    target += rng.uniform(-tilt, tilt, (4, 2)) * [width, height]  # tilt: perspective
    homography = cv2.getPerspectiveTransform(corners, target.astype(np.float32))
    flags = cv2.INTER_LINEAR if aliased else cv2.INTER_AREA
    if not aliased and zoom * width / (x1 - x0) < 0.7:  # a print is seen through the lens: no aliasing
        medium = cv2.GaussianBlur(medium, (0, 0), 0.5 / (zoom * width / (x1 - x0)))
    warped = cv2.warpPerspective(medium, homography, (width, height), flags=flags, borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpPerspective(
        np.ones((mh, mw), np.float32), homography, (width, height), flags=cv2.INTER_LINEAR, borderValue=0
    )
    frame = warped * mask[..., None] + room.astype(np.float32) * (1 - mask[..., None])
    face = np.array([[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]], np.float32)
    face += np.array([x0, y0], np.float32)
    moved = cv2.perspectiveTransform(face[None], homography)[0]
    new_box = np.array([*moved.min(axis=0), *moved.max(axis=0)], np.float32)
    return frame, mask, target, new_box


def _skin(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = box.astype(int)
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    w, h = max(2, (x1 - x0) // 6), max(2, (y1 - y0) // 6)
    patch = image[max(0, cy - h) : cy + h, max(0, cx - w) : cx + w]
    return patch.reshape(-1, 3).mean(axis=0) if patch.size else np.array([180.0, 140.0, 120.0])


def _room(image: np.ndarray, rng: np.random.Generator, background: np.ndarray | None) -> np.ndarray:
    height, width = image.shape[:2]
    if background is None:
        return background_like(image.shape, rng)
    room = cv2.resize(np.asarray(background, np.uint8), (width, height), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(room, (0, 0), rng.uniform(0.5, 3.0))


def _mount(picture: np.ndarray, border: int, colour: np.ndarray) -> np.ndarray:
    """``picture`` on its medium (float32): a ``border`` of ``colour`` around it (paper margin, screen bezel)."""
    height, width = picture.shape[:2]
    medium = np.empty((height + 2 * border, width + 2 * border, 3), np.float32)
    medium[:] = colour
    medium[border : border + height, border : border + width] = picture
    return medium


def simulate_print(
    image: np.ndarray,
    box: np.ndarray,
    rng: np.random.Generator,
    background: np.ndarray | None = None,
    close: bool = False,
) -> Attack:
    """``image`` printed and held up to the camera; ``background`` (any RGB picture) is the room behind it;
    ``close``: held so near that the sheet fills the frame (no paper edge or fingers: only its texture tells)."""
    box = _check(image, box)
    detail: list[str] = []
    picture = _bend(_paper(image, rng, detail), rng)
    height, width = image.shape[:2]
    margin = int(rng.uniform(0.02, 0.12) * max(height, width))
    paper = np.clip(rng.uniform(215, 250) * rng.uniform(0.95, 1.03, 3), 0, 255)
    medium = _mount(picture, margin, paper)
    room = _room(image, rng, background)
    frame, mask, quad, new_box = _place(
        medium, (margin, margin, margin + width, margin + height), image.shape, box, rng, room, False, close
    )
    if rng.random() < 0.8:  # the sheen of paper under a lamp: broad, low
        sheen = cv2.GaussianBlur(rng.random((4, 4)).astype(np.float32), (0, 0), 1)
        sheen = cv2.resize(sheen, (width, height), interpolation=cv2.INTER_CUBIC)
        frame += (np.clip(sheen, 0, 1) * rng.uniform(10, 45) * mask)[..., None]
    edge_shows = bool(((quad > 0) & (quad < [width, height])).all(axis=1).any())
    if edge_shows and rng.random() < 0.5:
        frame = _fingers(frame, quad, rng, _skin(image, box))
        detail.append("fingers")
    return Attack(np.clip(frame, 0, 255).astype(np.uint8), new_box, "print", ", ".join(detail))


def _screen(
    image: np.ndarray,
    box: np.ndarray,
    rng: np.random.Generator,
    background: np.ndarray | None,
    kind: str,
    detail: list[str],
    close: bool = False,
) -> Attack:
    height, width = image.shape[:2]
    shown = _subpixels(_display(image.astype(np.float32), rng, detail), rng, detail)
    # The camera's lens and focus soften the sub-pixel grid before the sensor samples it: from a strong moire
    # to almost none.
    focus = rng.uniform(0.4, 3.0)
    shown = cv2.GaussianBlur(shown, (0, 0), focus)
    detail.append(f"focus {focus:.1f}")
    scale = shown.shape[1] / width, shown.shape[0] / height
    bezel = int(rng.uniform(0.02, 0.1) * max(shown.shape[:2]))
    colour = rng.uniform(5, 60) * np.ones(3)
    medium = _mount(shown, bezel, colour)
    room = _room(image, rng, background)
    inner = (bezel, bezel, bezel + shown.shape[1], bezel + shown.shape[0])
    scaled_box = box * np.array([scale[0], scale[1], scale[0], scale[1]], np.float32)
    frame, mask, _, new_box = _place(medium, inner, image.shape, scaled_box, rng, room, True, close)
    frame = _glare(frame, mask, rng, room)
    return Attack(np.clip(frame, 0, 255).astype(np.uint8), new_box, kind, ", ".join(detail))


def simulate_screen(
    image: np.ndarray,
    box: np.ndarray,
    rng: np.random.Generator,
    background: np.ndarray | None = None,
    close: bool = False,
) -> Attack:
    """``image`` shown on a phone, tablet or monitor held up to the camera (screen replay of a photo);
    ``close``: held so near that the screen fills the frame (no bezel: only its pixel grid and gamma tell)."""
    box = _check(image, box)
    return _screen(image, box, rng, background, "screen", [], close)


def simulate_video(
    image: np.ndarray,
    box: np.ndarray,
    rng: np.random.Generator,
    background: np.ndarray | None = None,
    close: bool = False,
) -> Attack:
    """A frame of a video replay: the frame as the played clip coded it (a little motion blur, blocky
    compression), then shown on a screen (``close`` as for :func:`simulate_screen`). :func:`replay_clip` adds
    the judder of whole clips."""
    box = _check(image, box)
    played = image
    detail: list[str] = []
    if rng.random() < 0.6:
        played = launder.blur(played, rng.uniform(0.5, 1.6))
    if rng.random() < 0.5:
        played = launder.scale(played, rng.uniform(0.4, 0.8), back_up=True)
    quality = int(rng.integers(20, 70))
    played = launder.jpeg(played, quality)
    detail.append(f"coded q{quality}")
    return _screen(played, box, rng, background, "video", detail, close)


SIMULATORS = {"print": simulate_print, "screen": simulate_screen, "video": simulate_video}


def make_attack(
    image: np.ndarray,
    box: np.ndarray,
    rng: np.random.Generator,
    kinds: Sequence[str] = ATTACKS,
    background: np.ndarray | None = None,
    close: bool = False,
) -> Attack:
    """One attack of a kind drawn evenly from ``kinds`` (``close``: the medium fills the frame)."""
    unknown = sorted(set(kinds) - set(ATTACKS))
    if unknown or not kinds:
        raise ValueError(f"unknown attack kinds {unknown or kinds}; known: {', '.join(ATTACKS)}")
    kind = kinds[int(rng.integers(len(kinds)))]
    return SIMULATORS[kind](image, box, rng, background, close)


def replay_clip(
    frames: Sequence[np.ndarray],
    boxes: Sequence[np.ndarray],
    rng: np.random.Generator,
    background: np.ndarray | None = None,
) -> list[Attack]:
    """A clip replayed on a screen and filmed: one screen, placement and coding for the whole clip (the same
    seed drawn again for every frame), and the display's judder: each captured frame shows the source frame the
    display held at that moment, so some are repeated and some dropped."""
    if len(frames) != len(boxes) or not frames:
        raise ValueError("a replayed clip needs as many boxes as frames, and at least one frame")
    rate = rng.uniform(0.45, 0.95)  # source frames advanced per captured frame
    phase = rng.uniform(0, 1)
    seed = int(rng.integers(2**31))
    shown = [min(len(frames) - 1, int(phase + index * rate)) for index in range(len(frames))]
    return [
        simulate_video(frames[i], boxes[i], np.random.default_rng(seed), background)
        for i in shown  # the same draws for every frame: one screen, one placement
    ]


def webcam(image: np.ndarray, box: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A cheap, low-resolution webcam's capture, for live pictures and attacks alike: the frame brought down so
    that the face is 60 to 160 px (when it is larger), its exposure washed out (a raised black, a compressed
    range, a gamma, sometimes over-exposed), colour lost (less saturation, a white-balance cast), sensor noise
    (luma and coarser chroma), a soft lens, heavy JPEG at that size, then back up to the frame's size."""
    box = _check(image, box)
    height, width = image.shape[:2]
    side = float(max(box[2] - box[0], box[3] - box[1]))
    factor = min(1.0, rng.uniform(60, 160) / side)
    small = image
    if factor < 0.95:
        size = (max(8, round(width * factor)), max(8, round(height * factor)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    out = small.astype(np.float32)
    black, top = rng.uniform(5, 55), rng.uniform(185, 255)
    gain = rng.uniform(1.0, 1.45) if rng.random() < 0.3 else 1.0  # over-exposed: highlights clipped
    out = 255 * (np.clip(out * gain, 0, 255) / 255) ** rng.uniform(0.65, 1.25)
    out = black + out * (top - black) / 255
    out = _saturation(out, rng.uniform(0.3, 0.95)) * rng.uniform(0.88, 1.12, 3)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.2))
    out += rng.normal(0, rng.uniform(1.5, 8), out.shape[:2])[..., None]
    chroma = rng.normal(0, rng.uniform(1, 6), (max(1, out.shape[0] // 2), max(1, out.shape[1] // 2), 3))
    out += cv2.resize(chroma.astype(np.float32), (out.shape[1], out.shape[0]), interpolation=cv2.INTER_LINEAR)
    out = launder.jpeg(np.clip(out, 0, 255).astype(np.uint8), int(rng.integers(15, 61)))
    if out.shape[:2] != (height, width):
        out = cv2.resize(out, (width, height), interpolation=cv2.INTER_LINEAR)
    return out


def post_process(image: np.ndarray, box: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The capture and upload history applied alike to live pictures and attacks: the camera's exposure and
    white balance, a share of captures out of focus, then :func:`~unmask.forge.augment.post_augment` (mirroring,
    colour, scaling, blur, noise, JPEG). Returns the picture and the face box, mirrored with it when it was."""
    box = _check(image, box)
    if rng.random() < 0.5:
        image = launder.levels(image, rng.uniform(0.75, 1.2), rng.uniform(-25, 25))
    if rng.random() < 0.3:
        gains = rng.uniform(0.88, 1.12, 3)
        image = np.clip(image.astype(np.float32) * gains, 0, 255).astype(np.uint8)
    if rng.random() < 0.25:
        image = launder.blur(image, rng.uniform(0.5, 2.0))
    width = image.shape[1]
    # post_augment mirrors its target with the image: a row of column numbers says whether it did.
    image, columns = post_augment(image, rng, np.arange(width, dtype=np.int32)[None])
    if columns is not None and columns[0, 0] != 0:
        box = np.array([width - box[2], box[1], width - box[0], box[3]], np.float32)
    return image, box
