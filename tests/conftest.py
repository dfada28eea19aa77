"""Fixtures: media generated on the fly (nothing binary is committed), and the path to ../shared/data.

The real data lives outside the project (``UNMASK_DATA``, default ``../shared/data``); tests that need it are
skipped when it is absent, except under CI (``CI=true``), where its absence is an error.

Hypothesis (the fuzz tests, ``tests/*/test_fuzz*.py``) runs with the ``ci`` profile: a few examples per test, the
whole set well under a minute, and no per-example deadline (the machines are shared, so timings vary).
``UNMASK_FUZZ_PROFILE=fuzz`` (what ``make fuzz`` sets) runs the same tests with many more examples.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from PIL import Image
from skimage import data as skimage_data

from mediagen import pan, png_of_size, two_faces
from unmask.media import write_video

ROOT = Path(__file__).resolve().parents[1]

hypothesis_settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.register_profile(
    "fuzz", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("UNMASK_FUZZ_PROFILE", "ci"))


def shared_data_path() -> Path:
    return Path(os.environ.get("UNMASK_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_path()
    if not path.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data not found at {path} (set UNMASK_DATA); it is required under CI")
        pytest.skip(f"shared data not found at {path} (set UNMASK_DATA)")
    return path


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return skimage_data.astronaut()


@pytest.fixture(scope="session")
def no_face_photo() -> np.ndarray:
    return skimage_data.coffee()


@pytest.fixture(scope="session")
def astronaut_face(astronaut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The astronaut's aligned crop (224 px, the shipped contract) and its 468 landmarks in crop pixels."""
    from unmask.faces import FaceAnalyzer, align_face

    (face,) = FaceAnalyzer()(astronaut)
    aligned = align_face(astronaut, face.landmarks)
    return aligned.image, aligned.landmarks


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray, no_face_photo: np.ndarray) -> Path:
    """A folder of generated media, good and bad, shared by the whole session."""
    folder = tmp_path_factory.mktemp("media")
    Image.fromarray(astronaut).save(folder / "astronaut.jpg", quality=95)
    Image.fromarray(astronaut).save(folder / "astronaut.png")
    # Stored turned a quarter to the left, with EXIF orientation 6 ("turn 90 degrees clockwise to display").
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.rot90(astronaut, k=1).copy()).save(folder / "astronaut_exif6.jpg", quality=95, exif=exif)
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "text.jpg").write_text("This is not a photo, only a text file with a .jpg name.\n")
    jpeg = (folder / "astronaut.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "huge.png").write_bytes(png_of_size(30000, 30000))

    write_video(folder / "single_face.mp4", pan(astronaut, 40), fps=25)
    write_video(folder / "no_face.mp4", pan(no_face_photo, 20), fps=25)
    write_video(folder / "two_faces.mp4", two_faces(astronaut, 30), fps=25)
    clip = (folder / "single_face.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(clip[: len(clip) // 2])  # 'moov' index at the end: cut off
    # Shown upright by players: the pixels are stored turned a quarter to the left, with a 90-degree flag.
    write_video(folder / "rotated.mp4", [np.rot90(f, k=1) for f in pan(astronaut, 10)], fps=25, rotation=90)
    return folder
