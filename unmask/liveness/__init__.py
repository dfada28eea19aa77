"""Liveness: is a live person in front of the camera? The active challenge, read from the face mesh.

Comes beside :mod:`unmask.models` in the data flow (after :mod:`unmask.faces`, before the verdict, which also runs
the passive model and the deepfake scan: :mod:`unmask.verdict.live`). :mod:`~unmask.liveness.actions` reads what a
face does frame by frame (head pose, eyes, mouth) from its mesh; :mod:`~unmask.liveness.challenge` draws,
signs and checks challenges: a random sequence of actions, each to be seen in its own time window.
"""

from unmask.liveness.actions import MEASURES, FaceSeries, face_series, head_pose, measure
from unmask.liveness.challenge import (
    ACTIONS,
    PROMPTS,
    Challenge,
    ChallengeError,
    ChallengeResult,
    Step,
    StepResult,
    is_token,
    open_token,
    read_key,
    sign,
    verify,
)

__all__ = [
    "ACTIONS",
    "MEASURES",
    "PROMPTS",
    "Challenge",
    "ChallengeError",
    "ChallengeResult",
    "FaceSeries",
    "Step",
    "StepResult",
    "face_series",
    "head_pose",
    "is_token",
    "measure",
    "open_token",
    "read_key",
    "sign",
    "verify",
]
