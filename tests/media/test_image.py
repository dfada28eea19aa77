import time

import numpy as np
import pytest
from PIL import Image, ImageOps

from mediagen import png_of_size
from unmask.errors import CorruptMediaError, MediaLimitError
from unmask.media import Limits, probe, read_frames, read_image
from unmask.media.image import to_rgb


def test_read_jpeg_and_png(media, astronaut):
    png = read_image(media / "astronaut.png")
    assert png.shape == (512, 512, 3) and png.dtype == np.uint8
    assert np.array_equal(png, astronaut)
    jpeg = read_image(media / "astronaut.jpg")
    assert jpeg.shape == (512, 512, 3)
    assert np.abs(jpeg.astype(int) - astronaut).mean() < 3


@pytest.mark.parametrize("fmt", ["WEBP", "BMP", "TIFF"])
def test_other_formats(tmp_path, astronaut, fmt):
    path = tmp_path / f"photo.{fmt.lower()}"
    Image.fromarray(astronaut).save(path, format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    assert probe(path).format == fmt
    assert np.array_equal(read_image(path), astronaut)


def test_exif_rotation_gives_upright_picture(media, astronaut):
    info = probe(media / "astronaut_exif6.jpg")
    assert (info.width, info.height, info.rotation) == (512, 512, 90)
    upright = read_image(media / "astronaut_exif6.jpg")
    assert np.abs(upright.astype(int) - astronaut).mean() < 3


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(tmp_path, orientation):
    stored = np.random.default_rng(orientation).integers(0, 255, (30, 50, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    Image.fromarray(stored).save(path, exif=exif)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    assert np.array_equal(read_image(path), expected)
    info = probe(path)
    assert (info.width, info.height) == (expected.shape[1], expected.shape[0])


def test_modes_convert_to_rgb():
    gray = np.arange(256, dtype=np.uint8).reshape(16, 16)
    for mode in ["L", "1", "P", "CMYK", "YCbCr"]:
        rgb = to_rgb(Image.fromarray(gray).convert(mode))
        assert rgb.shape == (16, 16, 3) and rgb.dtype == np.uint8, mode
    assert np.array_equal(to_rgb(Image.fromarray(gray))[:, :, 1], gray)


def test_sixteen_bit_gray_is_scaled():
    deep = (np.arange(256, dtype=np.uint16) * 257).reshape(16, 16)
    rgb = to_rgb(Image.fromarray(deep))
    assert Image.fromarray(deep).mode.startswith("I;16")
    assert np.array_equal(rgb[:, :, 0], np.arange(256, dtype=np.uint8).reshape(16, 16))


def test_sixteen_bit_png_file(tmp_path):
    deep = np.full((20, 30), 65535, dtype=np.uint16)
    deep[:10] = 0
    Image.fromarray(deep).save(tmp_path / "deep.png")
    rgb = read_image(tmp_path / "deep.png")
    assert rgb.shape == (20, 30, 3)
    assert rgb[:10].max() == 0 and rgb[10:].min() == 255


def test_float_and_int32_gray():
    ramp = np.linspace(0, 1, 100, dtype=np.float32).reshape(10, 10)
    assert to_rgb(Image.fromarray(ramp, mode="F"))[9, 9, 0] == 255
    wide = Image.fromarray((np.arange(100, dtype=np.int32) * 1000).reshape(10, 10), mode="I")
    assert to_rgb(wide).max() == 255 and to_rgb(wide).min() == 0


def test_alpha_is_composited_over_white():
    rgba = np.zeros((4, 4, 4), dtype=np.uint8)
    rgba[:2, :, 3] = 255  # top half opaque black, bottom half transparent
    rgb = to_rgb(Image.fromarray(rgba, mode="RGBA"))
    assert rgb[:2].max() == 0 and rgb[2:].min() == 255
    palette = Image.fromarray(rgba, mode="RGBA").convert("P")
    assert to_rgb(palette).shape == (4, 4, 3)


def test_cmyk_jpeg_file(tmp_path, astronaut):
    Image.fromarray(astronaut).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    rgb = read_image(tmp_path / "cmyk.jpg")
    assert rgb.shape == (512, 512, 3)
    assert np.abs(rgb.astype(int) - astronaut).mean() < 6


def test_truncated_jpeg(media):
    with pytest.raises(CorruptMediaError, match="truncated or damaged"):
        read_image(media / "truncated.jpg")


def test_huge_png_refused_quickly(media):
    start = time.perf_counter()
    with pytest.raises(MediaLimitError, match=r"900\.0 MP.*refused before decoding"):
        read_image(media / "huge.png")
    assert time.perf_counter() - start < 1.0  # 2.7 GB of pixels were not unpacked


def test_limit_is_checked_on_the_header(tmp_path):
    # The file stops after 100 of its 3000 rows: decoding it fails as truncated, so a limit error proves
    # that the size was judged from the header alone.
    path = tmp_path / "cut.png"
    path.write_bytes(png_of_size(3000, 3000, whole=False))
    with pytest.raises(MediaLimitError, match=r"3000x3000 pixels \(9\.0 MP\)"):
        read_image(path, Limits(max_pixels=1_000_000))
    with pytest.raises(CorruptMediaError, match="truncated"):
        read_image(path)


def test_limit_above_pillows_ceiling_is_honoured(tmp_path):
    # Pillow alone refuses images over about 179 MP; a caller who allows more gets what they allowed.
    path = tmp_path / "big.png"
    path.write_bytes(png_of_size(20000, 10000, whole=False))  # 200 MP
    assert probe(path, Limits(max_pixels=300_000_000)).width == 20000
    with pytest.raises(MediaLimitError, match=r"200\.0 MP"):
        probe(path, Limits(max_pixels=150_000_000))


def test_limit_below_pillows_own(tmp_path, astronaut):
    Image.fromarray(astronaut).save(tmp_path / "a.png")
    with pytest.raises(MediaLimitError, match=r"512x512 pixels \(0\.3 MP\) exceed the limit of 0\.1 MP"):
        read_image(tmp_path / "a.png", Limits(max_pixels=100_000))


def test_animated_gif_is_a_video(tmp_path, astronaut):
    frames = [Image.fromarray(np.roll(astronaut, 10 * i, axis=1)) for i in range(5)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    info = probe(tmp_path / "anim.gif")
    assert (info.kind, info.frame_count, info.fps) == ("video", 5, 5.0)
    got = list(read_frames(tmp_path / "anim.gif"))
    assert [f.index for f in got] == [0, 1, 2, 3, 4]
    assert [f.time for f in got] == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    assert all(f.image.shape == (512, 512, 3) for f in got)
