import pytest

from unmask.errors import CorruptMediaError, MediaError, UnsupportedMediaError
from unmask.media.sniff import identify, sniff


@pytest.mark.parametrize(
    ("header", "kind", "fmt"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image", "JPEG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image", "PNG"),
        (b"GIF89a\x10\x00", "image", "GIF"),
        (b"BM" + bytes(20), "image", "BMP"),
        (b"II*\x00\x08\x00", "image", "TIFF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image", "WEBP"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video", "avi"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video", "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", "video", "mp4"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image", "HEIF/AVIF"),
        (b"\x00\x00\x00\x08wide\x00\x00", "video", "mov"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81", "video", "matroska/webm"),
        (b"FLV\x01\x05", "video", "flv"),
        (b"\x00\x00\x01\xba\x44\x00", "video", "mpeg"),
        ((b"\x47" + bytes(187)) * 3, "video", "mpeg-ts"),
    ],
)
def test_identify_known_signatures(header, kind, fmt):
    signature = identify(header)
    assert signature is not None
    assert (signature.kind, signature.format) == (kind, fmt)


@pytest.mark.parametrize("header", [b"hello world", b"\x00\x01\x02\x03", b"PK\x03\x04zip", b"\x47\x00\x00"])
def test_identify_unknown(header):
    assert identify(header) is None


def test_sniff_reads_content_not_name(media):
    assert sniff(media / "astronaut.jpg").format == "JPEG"
    renamed = media / "astronaut_as.bin"
    renamed.write_bytes((media / "astronaut.png").read_bytes())
    assert sniff(renamed).format == "PNG"


def test_sniff_text_named_jpg(media):
    with pytest.raises(UnsupportedMediaError, match="text file"):
        sniff(media / "text.jpg")


def test_sniff_text_cut_inside_multibyte_character(tmp_path):
    path = tmp_path / "notes.png"
    path.write_bytes(("é" * 400).encode("utf-8")[:377])  # ends halfway through a character
    with pytest.raises(UnsupportedMediaError, match="text file"):
        sniff(path)


def test_sniff_empty_file(media):
    with pytest.raises(CorruptMediaError, match=r"empty file \(0 bytes\)"):
        sniff(media / "empty.jpg")


def test_sniff_missing_file_and_folder(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        sniff(tmp_path / "missing.jpg")
    with pytest.raises(MediaError, match="is a folder"):
        sniff(tmp_path)


def test_sniff_archive(tmp_path):
    path = tmp_path / "photos.jpg"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(UnsupportedMediaError, match="archive"):
        sniff(path)
