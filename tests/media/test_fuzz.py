"""Fuzzing the media layer: any bytes give a signature or a result, or unmask's own error, never another exception
and never a hang.

Three doors are fuzzed: the sniffer (:func:`identify` on headers, :func:`sniff` on files), and the readers
(:func:`probe`, then :func:`read_frames` to the last frame) over files made of random bytes, of a known signature
followed by random bytes, and of small valid images and videos of every supported format with bytes flipped,
cut, inserted or repeated. The ``ci`` Hypothesis profile (tests/conftest.py) keeps it to a few dozen examples a
test; ``make fuzz`` runs the ``fuzz`` profile. An input that ever broke something stays below as an ``@example``.
"""

from __future__ import annotations

import io
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

from fuzzing import mutate
from mediagen import scene
from unmask.errors import CorruptMediaError, MediaError, MediaLimitError, UnsupportedMediaError
from unmask.media import Limits, Sampling, probe, read_frames, write_video
from unmask.media.sniff import HEADER_BYTES, identify, sniff

# Pillow warns of the damage it reads past in a TIFF or EXIF block (corrupt tags, truncated reads): expected here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

# Small limits, so that a header mutated to claim a huge picture or a long video is refused, not decoded.
LIMITS = Limits(max_pixels=1_000_000, max_duration_s=120.0, max_frames=2_000)
# Seconds one example may take before it counts as a hang.
HANG_S = 20

# The signatures identify() knows, to start random bytes with, so that the decoders behind them are reached.
SIGNATURES = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"GIF87a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"RIFF\x00\x00\x00\x00AVI ",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x18ftypavif",
    b"\x00\x00\x00\x08moov",
    b"\x1a\x45\xdf\xa3",
    b"FLV\x01",
    b"\x00\x00\x01\xba",
    b"\x00\x00\x01\xb3",
    b"\x30\x26\xb2\x75\x8e\x66\xcf\x11",
]


def _still(fmt: str, mode: str = "RGB", **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(scene(24, 32)).convert(mode).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _animation(fmt: str) -> bytes:
    buffer = io.BytesIO()
    frames = [Image.fromarray(scene(16, 20, seed=seed)) for seed in range(3)]
    frames[0].save(buffer, format=fmt, save_all=True, append_images=frames[1:], duration=80, loop=0)
    return buffer.getvalue()


def _video(suffix: str, codec: str = "libx264") -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"clip{suffix}"  # the container follows the suffix
        write_video(path, [scene(32, 48, seed=seed) for seed in range(4)], fps=10, codec=codec)
        return path.read_bytes()


# Valid files of every format the readers take, a few hundred bytes to a few KB each: the seeds of mutation.
SEEDS = {
    "jpeg": _still("JPEG", quality=80),
    "png": _still("PNG"),
    "png-rgba": _still("PNG", "RGBA"),
    "png-gray16": _still("PNG", "I;16"),
    "gif": _still("GIF"),
    "gif-animated": _animation("GIF"),
    "bmp": _still("BMP"),
    "tiff": _still("TIFF"),
    "tiff-cmyk": _still("TIFF", "CMYK"),
    "webp": _still("WEBP", quality=80),
    "webp-animated": _animation("WEBP"),
    "png-animated": _animation("PNG"),
    "mp4": _video(".mp4"),
    "mkv": _video(".mkv"),
    "mpeg-ts": _video(".ts"),
    "avi-mpeg4": _video(".avi", "mpeg4"),
}


GIF = SEEDS["gif-animated"]
_GCE = b"\x21\xf9\x04"  # a GIF graphic control extension, 8 bytes, before each frame's image descriptor (',')
SECOND = GIF.index(_GCE, GIF.index(_GCE) + 1) + 8  # the second frame's image descriptor
THIRD = GIF.index(_GCE, SECOND) + 8
# Inputs that broke the readers once, found by this fuzzing (2026-12-06), these in an animated GIF's later frames;
# each with the error it must give now (None: it must be read, every frame as RGB).
BROKE_ONCE: dict[str, tuple[bytes, type[MediaError] | None]] = {
    # DecompressionBombError from Pillow's seek() escaped as it was (a frame of 179 MP).
    "a frame over Pillow's ceiling": (GIF[: SECOND + 1] + b"\x00\x18\x00r" + GIF[SECOND + 1 :], MediaLimitError),
    # A frame one pixel past the canvas, which grows: Pillow turns it RGBA on load, after to_rgb read its mode as
    # RGB, and a 4-channel frame came out.
    "a frame past the canvas": (GIF[: SECOND + 1] + b"\x01" + GIF[SECOND + 2 :], None),
    # A frame descriptor cut short: IndexError and struct.error from n_frames, in probe (nothing caught them).
    "a frame descriptor cut after 1 byte": (GIF[: SECOND + 1], CorruptMediaError),
    "a frame descriptor cut after 9 bytes": (GIF[: SECOND + 9], CorruptMediaError),
    "a frame descriptor cut after 10 bytes": (GIF[: SECOND + 10], CorruptMediaError),
    # A frame of 162 MP under a 1 MP limit: it was decoded (for minutes: a hang), its size never checked.
    "a frame of 162 MP": (GIF[: SECOND + 1] + GIF[SECOND + 2 :], MediaLimitError),
    "a wider canvas and a third frame of 2.7 GP": (
        GIF[:6] + b"\x15" + GIF[7 : THIRD + 2] + GIF[THIRD + 5 :],
        MediaLimitError,
    ),
}
AVI = SEEDS["avi-mpeg4"]
STRF = AVI.index(b"strf")  # the stream format chunk: its size, then the codec's header
# A byte put into the size of an AVI's stream format: the stream has no codec, and PyAV's codec_context is None;
# probe_video read its width (AttributeError).
BROKE_ONCE["an AVI stream without a codec"] = (AVI[: STRF + 5] + b"\x00" + AVI[STRF + 5 :], UnsupportedMediaError)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed file with a few bytes flipped, a run inserted or repeated, a slice dropped, or its tail cut off."""
    return mutate(
        draw,
        SEEDS[draw(st.sampled_from(sorted(SEEDS)))],
        rounds=4,
        inserts=st.binary(min_size=1, max_size=16),
        repeat=(64, 8),
        drop=64,
        edge_bytes=(0x00, 0x7F, 0x80, 0xFF),
    )


prefixed = st.builds(lambda head, tail: head + tail, st.sampled_from(SIGNATURES), st.binary(max_size=600))
any_file = st.one_of(st.binary(max_size=800), prefixed, mutated())


class Hang(Exception):
    """An example ran past :data:`HANG_S`."""


@contextmanager
def no_hang(seconds: int = HANG_S) -> Iterator[None]:
    """Fail an example that runs longer than ``seconds`` (SIGALRM; in the main thread only, else unguarded)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum: int, frame: object) -> None:
        raise Hang(f"an example ran over {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "input.bin"  # one file, rewritten by each example: examples run one at a time
    path.write_bytes(data)
    return path


def test_the_seeds_are_read_whole(folder):
    """The seeds are valid: a mutation that breaks one is breaking something that worked."""
    for name, data in SEEDS.items():
        frames = list(read_frames(_write(folder, data), limits=LIMITS))
        assert frames, name
        assert all(frame.image.dtype == np.uint8 and frame.image.shape[2] == 3 for frame in frames), name


@given(st.binary(max_size=HEADER_BYTES + 20) | prefixed)
def test_identify_takes_any_header(header):
    signature = identify(header)
    assert signature is None or signature.kind in ("image", "video")


@given(any_file)
@example(b"")
@example(b"\x00")
@example(b"BM")  # a BMP signature shorter than a BMP header
def test_sniff_gives_a_signature_or_a_media_error(folder, data):
    path = _write(folder, data)
    try:
        signature = sniff(path)
    except MediaError as err:
        assert str(err).startswith(str(path)), err  # the one line names its input
        return
    assert signature == identify(data[:HEADER_BYTES])


@given(any_file)
@example(SEEDS["jpeg"][: len(SEEDS["jpeg"]) // 2])
@example(SEEDS["mp4"][: len(SEEDS["mp4"]) // 2])
@example(BROKE_ONCE["a frame over Pillow's ceiling"][0])
@example(BROKE_ONCE["a frame past the canvas"][0])
@example(BROKE_ONCE["a frame descriptor cut after 1 byte"][0])
@example(BROKE_ONCE["a frame descriptor cut after 9 bytes"][0])
@example(BROKE_ONCE["a frame descriptor cut after 10 bytes"][0])
@example(BROKE_ONCE["a frame of 162 MP"][0])
@example(BROKE_ONCE["a wider canvas and a third frame of 2.7 GP"][0])
@example(BROKE_ONCE["an AVI stream without a codec"][0])
def test_the_readers_give_frames_or_a_media_error(folder, data):
    path = _write(folder, data)
    with no_hang():
        try:
            info = probe(path, LIMITS)
            frames = list(read_frames(path, Sampling(), LIMITS, info=info))
        except MediaError as err:
            assert "\n" not in str(err), err
            return
    assert info.kind in ("image", "video")
    assert frames
    for frame in frames:
        assert frame.image.dtype == np.uint8 and frame.image.ndim == 3 and frame.image.shape[2] == 3
        assert frame.image.flags.c_contiguous
        assert frame.width * frame.height <= LIMITS.max_pixels


@given(mutated(), st.integers(1, 5))
@example(BROKE_ONCE["a frame past the canvas"][0], 2)
@example(BROKE_ONCE["a frame of 162 MP"][0], 2)
@example(BROKE_ONCE["a wider canvas and a third frame of 2.7 GP"][0], 2)
def test_evenly_spaced_frames_of_a_damaged_file_or_a_media_error(folder, data, count):
    """The evenly spaced sampling the scanner uses takes another road through a video (a counted frame total)."""
    path = _write(folder, data)
    with no_hang():
        try:
            frames = list(read_frames(path, Sampling(count=count), LIMITS))
        except MediaError:
            return
    assert 1 <= len(frames) <= count


@pytest.mark.parametrize("case", sorted(BROKE_ONCE))
def test_inputs_that_broke_the_readers_once(folder, case):
    data, error = BROKE_ONCE[case]
    path = _write(folder, data)
    with no_hang():
        if error is not None:
            with pytest.raises(error):
                list(read_frames(path, Sampling(), LIMITS))
            return
        frames = list(read_frames(path, Sampling(), LIMITS))
    assert [frame.image.shape[2] for frame in frames] == [3] * len(frames)
