"""Synthetic face meshes that do what a liveness challenge asks: turned, tilted, blinking, smiling, mouth open."""

from __future__ import annotations

import math

import numpy as np

from unmask.faces.regions import INNER_LIP_PAIRS, MOUTH_CORNERS
from unmask.liveness.actions import LEFT_EYE_LID_PAIRS, RIGHT_EYE_LID_PAIRS

Pose = dict[str, float]


def posed(
    rest: np.ndarray, yaw: float = 0.0, pitch: float = 0.0, blink: float = 0.0, mouth: float = 0.0, smile: float = 0.0
) -> np.ndarray:
    """``rest`` (468, 3) with its eyes closed by the share ``blink``, its lower lip dropped by ``mouth`` of the
    mouth's width, its corners drawn apart by ``smile`` of the width, then turned by ``yaw`` (towards the
    image's right) and ``pitch`` (up) degrees about its centre."""
    mesh = rest.astype(np.float64).copy()
    for upper, lower in LEFT_EYE_LID_PAIRS + RIGHT_EYE_LID_PAIRS:
        middle = (mesh[upper] + mesh[lower]) / 2
        mesh[upper] += (middle - mesh[upper]) * blink
        mesh[lower] += (middle - mesh[lower]) * blink
    width = float(np.linalg.norm(mesh[MOUTH_CORNERS[0]] - mesh[MOUTH_CORNERS[1]]))
    for _, lower in INNER_LIP_PAIRS:
        mesh[lower, 1] += mouth * width
    centre_x = mesh[list(MOUTH_CORNERS), 0].mean()
    for corner in MOUTH_CORNERS:
        mesh[corner, 0] += np.sign(mesh[corner, 0] - centre_x) * smile * width / 2
    centre = mesh.mean(axis=0)
    a, b = math.radians(yaw), math.radians(-pitch)
    # yaw: about the vertical axis, the nose (nearest, smallest z) towards +x; pitch: about x, the nose upwards.
    turn = np.array([[math.cos(a), 0, -math.sin(a)], [0, 1, 0], [math.sin(a), 0, math.cos(a)]])
    tilt = np.array([[1, 0, 0], [0, math.cos(b), -math.sin(b)], [0, math.sin(b), math.cos(b)]])
    return (mesh - centre) @ (tilt @ turn).T + centre
