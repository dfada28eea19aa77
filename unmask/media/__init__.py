"""Media: decoding images and videos into upright RGB frames, with limits and frame sampling.

Knows nothing of faces. ``collect_inputs`` expands files and folders into media files, ``probe`` describes a
file, ``read_frames`` streams the frames a :class:`Sampling` (and a :class:`Burst`) keeps, ``read_image``
decodes a still. Bad input raises a :class:`~unmask.errors.MediaError` with a one-line message.
:mod:`unmask.media.launder` holds the laundering operations (JPEG, scaling, blur, noise, H.264 round trips) that
training and the robustness ladder share.
"""

from unmask.media.files import InputFile, collect_inputs, sha256_of
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
    "InputFile",
    "Limits",
    "MediaInfo",
    "Sampling",
    "collect_inputs",
    "expected_frames",
    "probe",
    "read_frames",
    "read_image",
    "sha256_of",
    "sniff",
    "write_jpeg",
    "write_video",
]
