"""When each phone is said: pocketsphinx's all-phone search (its en-US acoustic model and phone language model,
both inside its wheel), no words and no dictionary.

A phone loop needs no transcript and no vocabulary, and runs at a few percent of real time. Its phones are
English ones, and it confuses many of them; what the speech cue needs from it is the bilabials /m b p/ (``M``,
``B``, ``P``), which close the lips in nearly every language, and their times. On GRID's sentences, against a
forced alignment to their known words, the search finds about 6 in 10 of the bilabials, and about half of what it
calls bilabial is one (``tools/calibrate_speech.py`` measures it). The speech cue counts only what it finds,
and its calibration on real clips absorbs the rest.

Only English is searched: on speech in another language an English phone loop would call its sounds English
phones, and a missed /m b p/ would mean nothing. Nothing here tells which language a clip speaks (no offline
spoken-language identification ships in a registry package with its model); the caller says it
(:func:`language_code`, ``unmask scan --speech-language``), English by default, and :func:`searched` says whether
the phone search runs for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from unmask.errors import ModelError
from unmask.media import SAMPLE_RATE

BILABIALS = frozenset({"M", "B", "P"})
LANGUAGE_WEIGHT = 2.0  # the phone language model's weight: 6.5 (words' default) finds a third fewer bilabials
ENGLISH = frozenset({"en", "eng"})  # the language subtags of English (ISO 639-1 and 639-3)
_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")


def language_code(code: str) -> str:
    """``code`` (a BCP 47 language tag such as ``en``, ``en-GB`` or ``fr``; case is ignored) in lower case;
    ``ValueError`` where it is not one."""
    tag = code.strip().lower().replace("_", "-")
    if not _CODE.fullmatch(tag):
        raise ValueError(f"{code!r} is not a language code (such as en, en-GB, fr, deu)")
    return tag


def searched(code: str) -> str | None:
    """None where the phone search runs for speech in language ``code`` (English), else why not, in words."""
    tag = language_code(code)
    if tag.split("-")[0] in ENGLISH:
        return None
    return f"not English: the clip's language was given as {tag}, and the phone search knows English phones only"


@dataclass(frozen=True)
class Phone:
    """One phone: its ARPAbet name (``SIL`` for silence) and its span in seconds."""

    name: str
    start: float
    end: float

    @property
    def bilabial(self) -> bool:
        return self.name in BILABIALS


class PhoneRecognizer:
    """pocketsphinx's all-phone search over 16-kHz mono float samples; made once, used for many clips."""

    def __init__(self) -> None:
        from unmask.speech.parts import INSTALL_HINT, phone_model_folder

        folder = phone_model_folder()
        if folder is None:
            raise ModelError(f"pocketsphinx and its en-US models are missing ({INSTALL_HINT})")
        from pocketsphinx import Decoder

        self.decoder = Decoder(
            hmm=str(folder / "en-us"),
            allphone=str(folder / "en-us-phone.lm.bin"),
            lw=LANGUAGE_WEIGHT,
            backtrace=False,
            loglevel="FATAL",
        )

    def __call__(self, samples: np.ndarray, start_s: float = 0.0) -> list[Phone]:
        """The phones of ``samples`` (whose first sample is at ``start_s`` seconds), in order."""
        pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1, 1) * 32767).astype("<i2")
        if pcm.size < SAMPLE_RATE // 10:
            return []
        self.decoder.start_utt()
        self.decoder.process_raw(pcm.tobytes(), full_utt=True)
        self.decoder.end_utt()
        frame = 1 / float(self.decoder.config["frate"])
        return [
            Phone(seg.word, start_s + seg.start_frame * frame, start_s + (seg.end_frame + 1) * frame)
            for seg in self.decoder.seg()
        ]
