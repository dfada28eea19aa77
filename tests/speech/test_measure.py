import numpy as np
import pytest

from unmask.media import SAMPLE_RATE
from unmask.speech import MouthSeries, Phone, closures, energy_envelope, sync


def series(times: np.ndarray, aperture: np.ndarray) -> MouthSeries:
    return MouthSeries(times, aperture, aperture**2, np.full(len(times), 50.0))


def test_closures_count_the_bilabials_the_lips_did_not_meet_on():
    times = np.arange(0, 2, 0.04)
    aperture = np.full(len(times), 0.3)
    aperture[(times > 0.39) & (times < 0.45)] = 0.01  # the lips meet at 0.4 s only
    phones = [Phone("M", 0.38, 0.46), Phone("AA", 0.46, 0.6), Phone("B", 1.0, 1.06), Phone("P", 5.0, 5.1)]
    found = closures(phones, series(times, aperture))
    assert found.total == 2 and found.missed == 1 and found.share == 0.5  # P at 5 s: no frame there
    assert [closed for _, _, closed in found.spans] == [True, False]
    assert closures([Phone("AA", 0.0, 1.0)], series(times, aperture)).share is None


def test_sync_finds_the_lag_of_the_sound_behind_the_mouth():
    rng = np.random.default_rng(0)
    fps, seconds = 25, 4.0
    samples = rng.normal(0, 1, int(seconds * SAMPLE_RATE)).astype(np.float32)
    loudness = np.clip(np.sin(np.arange(len(samples)) / SAMPLE_RATE * 2 * np.pi * 1.3), 0.05, 1)
    env_times, env = energy_envelope(samples * loudness * 0.3)
    times = np.arange(0.6, seconds - 0.6, 1 / fps)
    aperture = np.clip(np.sin((times + 0.12) * 2 * np.pi * 1.3), 0.05, 1) * 0.4  # the mouth 120 ms ahead
    found = sync(series(times, aperture), env_times, env)
    assert found.lag_s == pytest.approx(0.12, abs=0.03) and found.strength > 0.8 and found.drift_s < 0.05
    assert sync(series(times, np.full(len(times), 0.2)), env_times, env) is None  # a mouth that never moves


def test_energy_envelope_is_every_10_ms_and_floored():
    times, values = energy_envelope(np.zeros(SAMPLE_RATE, np.float32), start_s=2.0)
    assert len(times) == 97 and times[0] == pytest.approx(2.02) and np.all(values == -14.0)
    assert energy_envelope(np.zeros(10, np.float32))[0].size == 0
