"""Speech tests need the ``speech`` extra (pocketsphinx, and silero-vad's model file): skipped without it,
outside CI; under CI its absence is an error, as `make test` installs it."""

from __future__ import annotations

import os

import pytest

from unmask.speech import unavailable


@pytest.fixture(scope="session")
def speech_parts() -> None:
    why = unavailable()
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture(scope="session")
def listener(speech_parts):
    from unmask.speech import Listener

    return Listener()
