"""Where someone speaks: silero-vad's ONNX model run with onnxruntime on 16-kHz mono sound.

The model reads 512 samples (32 ms) at a time, with the 64 samples before them as context, and carries a state
from chunk to chunk; it gives the probability that the chunk holds speech. To spare a Python loop over every
chunk of a long span, the span is cut into parts of :data:`PART_S` read side by side as one batch, each part
starting :data:`WARM_S` early so that its state has settled when its own chunks begin.
:func:`speech_segments` turns the probabilities into spans of speech as silero-vad's own utility does (a start
at 0.5, an end under 0.35 that lasts 100 ms, spans of at least 250 ms).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unmask.errors import ModelError
from unmask.media import SAMPLE_RATE

CHUNK = 512
CONTEXT = 64
CHUNK_S = CHUNK / SAMPLE_RATE
PART_S = 2.048  # 64 chunks
WARM_S = 0.512  # 16 chunks


class VoiceDetector:
    """silero-vad on 16-kHz mono float32 samples: :meth:`probabilities` gives one speech probability per 32 ms."""

    def __init__(self, path: str | Path | None = None) -> None:
        import onnxruntime as ort

        from unmask.speech.parts import INSTALL_HINT, vad_model_file

        model = Path(path) if path is not None else vad_model_file()
        if model is None or not model.is_file():
            raise ModelError(f"the silero-vad model file is missing ({INSTALL_HINT})")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """The speech probability of each whole 32-ms chunk of ``samples`` (chunk i covers samples 512 i to
        512 (i + 1)); an empty array for less than one chunk."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        count = samples.size // CHUNK
        if count == 0:
            return np.zeros(0, np.float32)
        per_part, warm = round(PART_S / CHUNK_S), round(WARM_S / CHUNK_S)
        parts = -(-count // per_part)
        # Part p reads chunks p*per_part - warm .. (p+1)*per_part (zeros before the start and after the end).
        padded = np.zeros((warm + parts * per_part) * CHUNK + CONTEXT, np.float32)
        padded[CONTEXT + warm * CHUNK : CONTEXT + warm * CHUNK + count * CHUNK] = samples[: count * CHUNK]
        state = np.zeros((2, parts, 128), np.float32)
        rate = np.array(SAMPLE_RATE, dtype=np.int64)
        out = np.zeros((parts, per_part), np.float32)
        starts = np.arange(parts) * per_part * CHUNK  # offset of each part's first (warm-up) chunk, before context
        for step in range(warm + per_part):
            offsets = starts + step * CHUNK
            batch = np.stack([padded[o : o + CHUNK + CONTEXT] for o in offsets])
            probability, state = self.session.run(None, {"input": batch, "state": state, "sr": rate})
            if step >= warm:
                out[:, step - warm] = probability[:, 0]
        return out.reshape(-1)[:count]


def speech_segments(
    probabilities: np.ndarray,
    start_s: float = 0.0,
    threshold: float = 0.5,
    min_speech_s: float = 0.25,
    min_silence_s: float = 0.1,
) -> list[tuple[float, float]]:
    """Spans of speech (start, end) in seconds from chunk probabilities whose first chunk starts at ``start_s``:
    speech starts where the probability reaches ``threshold`` and ends where it stays under ``threshold - 0.15``
    for ``min_silence_s``; spans shorter than ``min_speech_s`` are dropped."""
    segments: list[tuple[float, float]] = []
    low = threshold - 0.15
    begin: int | None = None
    quiet_since: int | None = None
    for index, value in enumerate(np.asarray(probabilities, dtype=np.float64)):
        if begin is None:
            if value >= threshold:
                begin, quiet_since = index, None
            continue
        if value >= low:
            quiet_since = None
            continue
        quiet_since = index if quiet_since is None else quiet_since
        if (index + 1 - quiet_since) * CHUNK_S >= min_silence_s:
            segments.append((begin, quiet_since))
            begin, quiet_since = None, None
    if begin is not None:
        segments.append((begin, quiet_since if quiet_since is not None else len(probabilities)))
    return [(start_s + a * CHUNK_S, start_s + b * CHUNK_S) for a, b in segments if (b - a) * CHUNK_S >= min_speech_s]
