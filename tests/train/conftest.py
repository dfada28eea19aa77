"""Shared by the temporal branch's tests: tiny clips of the astronaut's face, the features of a few real windows
and their forgeries, and folders laid out as ``unmask faces`` writes them."""

import json

import cv2
import numpy as np
import pytest

from unmask.faces.align import ALIGNMENT


def jittered(image, landmarks, seed, frames):
    """A tiny clip of the still: small turns and shifts (crop and landmarks under one affine), fresh noise."""
    rng = np.random.default_rng(seed)
    size = image.shape[0]
    clip, marks = [], []
    for _ in range(frames):
        matrix = cv2.getRotationMatrix2D((size / 2, size / 2), rng.uniform(-2, 2), 1.0)
        matrix[:, 2] += rng.uniform(-3, 3, size=2)
        frame = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        clip.append(np.clip(frame + rng.normal(0, 3, frame.shape), 0, 255).astype(np.uint8))
        points = landmarks.copy()
        points[:, :2] = landmarks[:, :2] @ matrix[:, :2].T + matrix[:, 2]
        marks.append(points.astype(np.float32))
    return np.stack(clip), np.stack(marks)


@pytest.fixture(scope="session")
def windows(astronaut_face):
    """Features of three real windows of 5 frames and of their forgeries, one of each kind."""
    pytest.importorskip("torch", reason="training needs the 'train' extra (torch)")
    from unmask.train.temporal_data import make_pair

    image, landmarks = astronaut_face
    real, fake = [], []
    for seed, kind in enumerate(("reenact", "lipsync", "rerender")):
        frames, marks = jittered(image, landmarks, seed, 5)
        r, f, _ = make_pair(frames, marks, np.arange(5) * 0.1, kind, np.random.default_rng(seed))
        real.append(r)
        fake.append(f)
    return np.stack(real), np.stack(fake)


def write_faces_folder(folder, image, landmarks, videos):
    """An ``unmask faces``-like output: for each (name, frames, tracks) a video record with PNG crops and .npy
    landmarks per frame and track."""
    records = []
    for number, (name, frames, tracks) in enumerate(videos):
        crops = []
        clip, marks = jittered(image, landmarks, number, frames)
        for index in range(frames):
            for track_id in range(tracks):
                stem = f"crops/{name}/f{2 * index:06d}_t{track_id:02d}"
                (folder / stem).parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(folder / f"{stem}.png"), cv2.cvtColor(clip[index], cv2.COLOR_RGB2BGR))
                np.save(folder / f"{stem}.npy", marks[index])
                side = 30.0 if (track_id == 1 and index == 0) else 120.0  # one small face: left out
                crops.append(
                    {
                        "file": f"{stem}.png",
                        "landmarks": f"{stem}.npy",
                        "frame": 2 * index,
                        "time": round(2 * index / 25, 4),
                        "track": track_id,
                        "box": [10.0, 10.0, 10.0 + side, 10.0 + side],
                        "score": 0.9,
                        "presence": 0.99,
                    }
                )
        crops.reverse()  # the loader must order by frame itself
        records.append({"path": f"videos/{name}.mp4", "kind": "video", "crops": crops, "error": None})
    records.append({"path": "photo.jpg", "kind": "image", "crops": [], "error": None})
    (folder / "index.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "run.json").write_text(json.dumps({"contract": ALIGNMENT.to_dict()}))  # as `unmask faces` writes it
    return folder


@pytest.fixture
def faces_folder(astronaut_face):
    """:func:`write_faces_folder` of the astronaut's face: ``faces_folder(folder, videos)``."""
    image, landmarks = astronaut_face
    return lambda folder, videos: write_faces_folder(folder, image, landmarks, videos)
