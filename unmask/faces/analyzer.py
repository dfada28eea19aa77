"""Find every face in a frame: detection, then the 468-point mesh of each, behind one call.

The detector sees the frame shrunk to 192x192: it finds every face of 1/10 of the frame's longer side or
more, and misses more and more of the smaller ones (BENCHMARKS.md has the measured recall by face size). Where
faces of the minimum size asked for would be under 1/16 of the frame, it also searches overlapping tiles in
which such faces are 1/10 of the tile, then tiles twice as large, and so on until every face too small for
the whole frame lies whole inside some tile that it fills to a tenth or more; it merges what it finds.

A frame that is already a tight face crop (a 160x160 face photo, a face cut out of a video frame) gives the
detector too little context: when nothing is found, the frame is padded with black by half its size on every
side and searched again. A detection whose mesh says no face is there (presence below ``min_presence``: a
face printed on a shirt, hands, a face hidden behind a camera) is dropped.
"""

from __future__ import annotations

import math

import numpy as np

from unmask.faces.detector import Detection, FaceDetector
from unmask.faces.geometry import box_iou
from unmask.faces.mesh import FaceMesh, face_square
from unmask.faces.types import Face

# Face size as a share of the longer side of what the detector is shown: from 1/10 it found every face, at
# 1/16 two in three, below that few (BENCHMARKS.md). Tiles are searched where the minimum face is under 1/16.
RELIABLE_FRACTION = 1 / 10
TILE_BELOW_FRACTION = 1 / 16
CONTEXT_PADDING = 0.5
MIN_FACE_SIZE = 40
_MERGE_IOU = 0.3


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """Accept an (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) ``uint8`` array and return it as RGB."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {array.dtype}")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4) or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"expected an image of shape (H, W, 3), got {array.shape}")
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return np.ascontiguousarray(array[:, :, :3])


def tile_origins(length: int, tile: int, overlap: int) -> list[int]:
    """Start positions of tiles of ``tile`` pixels covering ``length`` pixels, overlapping by ``overlap`` or more."""
    if length <= tile:
        return [0]
    count = math.ceil((length - overlap) / (tile - overlap))
    return sorted({round(i * (length - tile) / (count - 1)) for i in range(count)})


def tile_levels(width: int, height: int, min_face_size: float) -> list[tuple[int, int]]:
    """The (tile side, overlap) of each level of tiles needed to find faces from ``min_face_size`` up to the
    size the whole frame finds; none where the whole frame suffices.

    A level of tiles of side T finds faces of T/10 and more that lie whole inside one tile, which the overlap
    guarantees up to its own width; where the overlap is capped at half a tile, larger faces may straddle every
    tile, so a level of twice the side follows, whose smallest reliable face (T/5) is within that cap.
    """
    longer = max(width, height)
    if longer * TILE_BELOW_FRACTION <= min_face_size:
        return []
    largest_missed = longer * RELIABLE_FRACTION  # the whole frame finds larger faces itself
    tile = max(round(min_face_size / RELIABLE_FRACTION), 64)
    levels = []
    while tile < longer:
        overlap = min(math.ceil(largest_missed * 1.2), tile // 2)
        levels.append((tile, overlap))
        if overlap >= largest_missed:
            break
        tile *= 2
    return levels


def merge_detections(detections: list[Detection]) -> list[Detection]:
    """Keep the best-scoring of each group of overlapping detections."""
    kept: list[Detection] = []
    for found in sorted(detections, key=lambda d: -d.score):
        if not kept or box_iou(found.box, np.stack([k.box for k in kept])).max() <= _MERGE_IOU:
            kept.append(found)
    return kept


class FaceAnalyzer:
    """Detects faces at least ``min_face_size`` pixels wide (longer side of the box) and fits their mesh.

    ``analyzer(image)`` takes an RGB ``uint8`` array and returns :class:`Face` objects, largest first.
    ``tiles=False`` searches the whole frame only: faster on frames over 16 times the minimum face size, but
    blind to most faces smaller than 1/16 of the frame's longer side.
    """

    def __init__(
        self,
        *,
        min_face_size: float = MIN_FACE_SIZE,
        score_threshold: float = 0.5,
        min_presence: float = 0.5,
        tiles: bool = True,
        num_threads: int | None = None,
    ) -> None:
        if min_face_size < 0:
            raise ValueError(f"min_face_size must not be negative, not {min_face_size}")
        self.min_face_size = min_face_size
        self.min_presence = min_presence
        self.tiles = tiles
        self.detector = FaceDetector(score_threshold=score_threshold, num_threads=num_threads)
        self.mesh = FaceMesh(num_threads=num_threads)

    def _tiled(self, image: np.ndarray) -> list[Detection]:
        """Detections from the levels of overlapping tiles that :func:`tile_levels` asks for."""
        height, width = image.shape[:2]
        found = []
        for tile, overlap in tile_levels(width, height, self.min_face_size) if self.tiles else []:
            for top in tile_origins(height, tile, overlap):
                for left in tile_origins(width, tile, overlap):
                    bottom, right = min(top + tile, height), min(left + tile, width)
                    for detection in self.detector(image[top:bottom, left:right]):
                        x0, y0, x1, y1 = detection.box
                        # A face cut by an inner edge of the tile is whole in another tile.
                        if (x0 < 1 and left > 0) or (y0 < 1 and top > 0):
                            continue
                        if (x1 > right - left - 1 and right < width) or (y1 > bottom - top - 1 and bottom < height):
                            continue
                        found.append(detection.shifted(left, top))
        return found

    def find(self, image: np.ndarray) -> list[Detection]:
        """Detect faces in the whole frame and, where needed, in tiles; retry with padding if nothing is found."""
        detections = self.detector(image)
        tiled = self._tiled(image)
        if tiled:
            detections = merge_detections(detections + tiled)
        if detections:
            return detections
        height, width = image.shape[:2]
        pad = round(max(height, width) * CONTEXT_PADDING)
        padded = np.zeros((height + 2 * pad, width + 2 * pad, 3), dtype=np.uint8)
        padded[pad : pad + height, pad : pad + width] = image
        return [found.shifted(-pad, -pad) for found in self.detector(padded)]

    def follow(self, image: np.ndarray, faces: list[Face]) -> list[Face]:
        """``faces`` of a frame shortly before, found again in ``image`` from their meshes alone (no detector:
        the mesh of each, one pass, from the square around its earlier mesh). A face whose mesh says it is gone
        is dropped; no new face is looked for. The box moves and scales with the mesh; the rest is kept."""
        image = as_rgb_uint8(image)
        followed = []
        for face in faces:
            landmarks, presence = self.mesh.follow(image, face.landmarks)
            if presence < self.min_presence or not np.isfinite(landmarks).all():
                continue
            (old_centre, old_side, _), (centre, side, _) = face_square(face.landmarks), face_square(landmarks)
            half = (face.box[2:] - face.box[:2]) / 2 * (side / old_side)
            middle = (face.box[:2] + face.box[2:]) / 2 + (centre - old_centre)
            box = np.concatenate([middle - half, middle + half]).astype(np.float32)
            keypoints = face.keypoints + (centre - old_centre).astype(np.float32)
            followed.append(Face(box, face.score, keypoints, landmarks, presence, face.track_id))
        return followed

    def __call__(self, image: np.ndarray) -> list[Face]:
        image = as_rgb_uint8(image)
        detections = [found for found in self.find(image) if found.size >= self.min_face_size]
        detections.sort(key=lambda found: -found.size)
        faces = []
        for found in detections:
            landmarks, presence = self.mesh(image, found)
            if presence >= self.min_presence:
                faces.append(Face(found.box, found.score, found.keypoints, landmarks, presence))
        return faces
