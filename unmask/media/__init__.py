"""Media: decoding images and videos into upright RGB frames, with limits and frame sampling.

Knows nothing of faces. ``collect_inputs`` expands files and folders into media files, ``probe`` describes a
file, ``read_frames`` streams the frames a :class:`Sampling` (and a :class:`Burst`) keeps, ``read_image``
decodes a still; ``probe_audio`` and ``iter_audio`` (:mod:`unmask.media.audio`) do the same for a clip's sound,
at 16 kHz mono on the video's clock. Bad input raises a :class:`~unmask.errors.MediaError` with a one-line message.
:mod:`unmask.media.launder` holds the laundering operations (JPEG, scaling, blur, noise, H.264 round trips) that
training and the robustness ladder share.
"""

from unmask.media.audio import SAMPLE_RATE, AudioInfo, audio_note, audio_problem, iter_audio, probe_audio, read_audio
from unmask.media.files import InputFile, collect_inputs, sha256_of
from unmask.media.reader import FrameSelector, probe, read_frames, read_image
from unmask.media.sniff import IMAGE_EXTENSIONS, MEDIA_EXTENSIONS, VIDEO_EXTENSIONS, sniff
from unmask.media.types import Burst, Frame, Limits, MediaInfo, Sampling, Window, expected_frames
from unmask.media.writer import write_jpeg, write_video

__all__ = [
    "IMAGE_EXTENSIONS",
    "MEDIA_EXTENSIONS",
    "SAMPLE_RATE",
    "VIDEO_EXTENSIONS",
    "AudioInfo",
    "Burst",
    "Frame",
    "FrameSelector",
    "InputFile",
    "Limits",
    "MediaInfo",
    "Sampling",
    "Window",
    "audio_note",
    "audio_problem",
    "collect_inputs",
    "expected_frames",
    "iter_audio",
    "probe",
    "probe_audio",
    "read_audio",
    "read_frames",
    "read_image",
    "sha256_of",
    "sniff",
    "write_jpeg",
    "write_video",
]
