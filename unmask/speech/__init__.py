"""Speech: do the lips match the sound? Listening to a clip's speech and reading a face's mouth against it.

Comes beside :mod:`unmask.models` in the data flow (after :mod:`unmask.faces`, before the verdict). Real speech
constrains the mouth: the lips close on /m b p/, and mouth opening follows the speech envelope with a small,
steady lag. Lip-sync and audio-driven talking-head generators get this subtly wrong. :class:`Listener` finds
speech (silero-vad, ONNX), picks a stretch of it and its phones (pocketsphinx's phone loop); :func:`mouth_series`
measures the mouth from the mesh frame by frame; :func:`read_lips` gives each face track its cue, calibrated on
real clips only (:mod:`unmask.speech.cue`). Everything runs offline from the two registry packages' own files
(:mod:`unmask.speech.parts`); without them :func:`unavailable` says why, and scans go on without the cue.
"""

from unmask.speech.cue import Calibration, LipReading, load_calibration, read_lips
from unmask.speech.listen import Hearing, Listener, unavailable
from unmask.speech.measure import Closures, Sync, closures, energy_envelope, sync
from unmask.speech.mouth import MouthSeries, mouth_series
from unmask.speech.phones import Phone, PhoneRecognizer, language_code
from unmask.speech.vad import VoiceDetector, speech_segments

__all__ = [
    "Calibration",
    "Closures",
    "Hearing",
    "LipReading",
    "Listener",
    "MouthSeries",
    "Phone",
    "PhoneRecognizer",
    "Sync",
    "VoiceDetector",
    "closures",
    "energy_envelope",
    "language_code",
    "load_calibration",
    "mouth_series",
    "read_lips",
    "speech_segments",
    "sync",
    "unavailable",
]
