"""Fixtures of the liveness tests: a real face's mesh at rest, and clips of it made with :mod:`facemoves`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from facemoves import Pose, posed


@pytest.fixture(scope="session")
def rest_mesh(astronaut_face) -> np.ndarray:
    """A real face's mesh at rest (the astronaut's, in its aligned crop's pixels)."""
    return np.asarray(astronaut_face[1], dtype=np.float64)


@pytest.fixture
def clip(rest_mesh) -> Callable[..., tuple[list[np.ndarray], list[float]]]:
    """``clip(poses, fps=10)``: meshes and times of a face at rest but for ``poses`` {time: {action: amount}}:
    the pose holds from that time for 0.5 s."""

    def make(poses: dict[float, Pose], seconds: float = 5.0, fps: float = 10.0):
        times = [round(n / fps, 4) for n in range(int(seconds * fps))]
        meshes = []
        for when in times:
            pose = next((pose for start, pose in poses.items() if start <= when < start + 0.5), {})
            meshes.append(posed(rest_mesh, **pose))
        return meshes, times

    return make
