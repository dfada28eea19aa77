"""The phone search's language: codes are read and checked, and only English is searched."""

import pytest

from unmask.speech.phones import language_code, searched


@pytest.mark.parametrize("code", ["en", "EN-gb", "eng", "fr", "pt-BR", "zh-Hant-TW", "de_DE"])
def test_language_codes_are_read(code):
    tag = language_code(code)
    assert tag == tag.lower() and (searched(code) is None) == (tag.split("-")[0] in ("en", "eng"))


@pytest.mark.parametrize("code", ["", "e", "english", "12", "en--us", "fr!"])
def test_what_is_not_a_language_code_is_refused(code):
    with pytest.raises(ValueError, match="is not a language code"):
        language_code(code)
