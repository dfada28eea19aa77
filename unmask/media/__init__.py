"""Media: decoding images and videos into upright RGB frames, with limits and frame sampling.

Knows nothing of faces. ``probe`` describes a file, ``read_frames`` streams the frames a :class:`Sampling`
(and a :class:`Burst`) keeps, ``read_image`` decodes a still. Bad input raises a
:class:`~unmask.errors.MediaError` with a one-line message. :mod:`unmask.media.launder` holds the laundering
operations (JPEG, scaling, blur, noise, H.264 round trips) that training and the robustness ladder share.
"""

from unmask.media.reader import FrameSelector, probe, read_frames, read_image
from unmask.media.sniff import IMAGE_EXTENSIONS, MEDIA_EXTENSIONS, VIDEO_EXTENSIONS, sniff
from unmask.media.types import Burst, Frame, Limits, MediaInfo, Sampling, expected_frames
from unmask.media.writer import write_jpeg, write_video

__all__ = [
    "IMAGE_EXTENSIONS",
    "MEDIA_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "Burst",
    "Frame",
    "FrameSelector",
    "Limits",
    "MediaInfo",
    "Sampling",
    "expected_frames",
    "probe",
    "read_frames",
    "read_image",
    "sniff",
    "write_jpeg",
    "write_video",
]
