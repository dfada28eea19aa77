"""A LocalCluster of 2 worker processes on loopback, shared by the cluster tests, and a folder of small
generated media (faces, no face, a short video, a file that is not media) to scan over it."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from mediagen import ASTRONAUT_FACE, pan
from unmask.media import write_video


@pytest.fixture(scope="session")
def archive(tmp_path_factory: pytest.TempPathFactory, astronaut: np.ndarray, no_face_photo: np.ndarray) -> Path:
    """12 files: 6 crops around the astronaut's face, 4 of a photo without a face, a 10-frame clip and a text
    file named like a photo (an ``error`` verdict, stored without a sha256)."""
    folder = tmp_path_factory.mktemp("archive")
    x0, y0, x1, y1 = ASTRONAUT_FACE
    for number in range(6):
        shift = 8 * number
        crop = astronaut[max(0, y0 - 90 + shift) : y1 + 90, max(0, x0 - 90 - shift) : x1 + 90]
        Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"face_{number}.jpg", quality=90)
    for number in range(4):
        crop = no_face_photo[40 * number : 40 * number + 160, 40 * number : 40 * number + 200]
        Image.fromarray(np.ascontiguousarray(crop)).save(folder / f"cup_{number}.jpg", quality=90)
    write_video(folder / "clip.mp4", pan(astronaut, 10, size=(320, 240)), fps=25)
    (folder / "notes.jpg").write_text("not a photo\n")
    return folder


@pytest.fixture(scope="session")
def cluster():
    """The address of a LocalCluster of 2 single-threaded worker processes on 127.0.0.1."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as local:
        yield local.scheduler_address
