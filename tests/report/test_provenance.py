import datetime
import io
import sys

import pytest

from unmask.models import load_card
from unmask.report import Provenance, read_provenance, render_report
from unmask.verdict import ScanResult

STATUSES = {"absent", "valid", "invalid", "unavailable", "error"}
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def signing_chain() -> tuple[bytes, bytes]:
    """A throwaway CA and signing certificate (ES256) made on the spot: PEM chain and PEM private key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, common), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Org")]
        )

    def usage(sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not sign,
            crl_sign=not sign,
            encipher_only=False,
            decipher_only=False,
        )

    def certificate(subject: str, key, issuer: x509.Name, issuer_key, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage(sign=not ca), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if not ca:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            ).add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = certificate("Test CA", ca_key, name("Test CA"), ca_key, ca=True)
    leaf = certificate("Test Photo Desk", key, ca.subject, ca_key, ca=False)
    chain = leaf.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, private


@pytest.fixture(scope="module")
def signed_jpeg(media) -> bytes:
    """The astronaut photo with Content Credentials declaring it made by a generative model, signed offline."""
    c2pa = pytest.importorskip("c2pa")
    chain, private = signing_chain()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None))
    manifest = {
        "claim_generator_info": [{"name": "unmask tests", "version": "1.0"}],
        "title": "astronaut.jpg",
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [{"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}]
                },
            }
        ],
    }
    signed = io.BytesIO()
    with c2pa.Builder(manifest) as builder, open(media / "astronaut.jpg", "rb") as source:
        builder.sign(signer, "image/jpeg", source, signed)
    return signed.getvalue()


def test_plain_photo_and_video_have_no_credentials(media):
    for name in ("astronaut.jpg", "astronaut.png", "single_face.mp4"):
        provenance = read_provenance(media / name)
        assert provenance.status == "absent", (name, provenance)
        assert provenance.signer is None and provenance.errors == []


@pytest.mark.parametrize("name", ["empty.jpg", "text.jpg", "truncated.jpg", "truncated.mp4", "huge.png"])
def test_bad_files_never_raise(media, name):
    provenance = read_provenance(media / name)
    assert provenance.status in ("absent", "error"), provenance
    assert provenance.detail is None or "\n" not in provenance.detail


def test_missing_files_and_folders_are_errors(tmp_path):
    for path in (tmp_path / "nowhere.jpg", tmp_path):
        provenance = read_provenance(path)
        assert provenance.status == "error" and provenance.detail.startswith("cannot read the file")


def test_signed_photo_is_valid_and_says_what_it_claims(signed_jpeg, tmp_path):
    path = tmp_path / "signed.bin"  # the content decides, not the name
    path.write_bytes(signed_jpeg)
    provenance = read_provenance(path)
    assert provenance.status == "valid", provenance
    assert provenance.signer == "Test Photo Desk" and provenance.issuer == "Test Org"
    assert provenance.claim_generator.startswith("unmask tests 1.0") and provenance.title == "astronaut.jpg"
    assert provenance.actions == ["c2pa.created"]
    assert provenance.source_types == ["trainedAlgorithmicMedia (made by a generative AI model)"]
    assert any(label.startswith("c2pa.actions") for label in provenance.assertions)
    # No trust list is loaded, so the throwaway certificate validates but is not trusted.
    assert not provenance.trusted and provenance.errors == []
    assert any(warning.startswith("signingCredential.untrusted") for warning in provenance.warnings)
    assert provenance.to_dict()["status"] == "valid"
    page = render_report(
        ScanResult(str(path), None, "image", "error", None, 0.5, "unreadable", {}).to_dict(),
        None,
        load_card(),
        provenance,
    )
    assert "Test Photo Desk" in page and "declare content made by a generative AI model" in page


def test_changed_pixels_make_the_credentials_invalid(signed_jpeg, tmp_path):
    tampered = bytearray(signed_jpeg)
    tampered[-200] ^= 0xFF  # inside the image data, after the manifest
    path = tmp_path / "tampered.jpg"
    path.write_bytes(bytes(tampered))
    provenance = read_provenance(path)
    assert provenance.status == "invalid" and provenance.signer == "Test Photo Desk"
    assert any("mismatch" in error for error in provenance.errors), provenance.errors


def test_cut_off_signed_file_is_an_error_not_a_crash(signed_jpeg, tmp_path):
    path = tmp_path / "cut.jpg"
    path.write_bytes(signed_jpeg[: len(signed_jpeg) // 3])
    assert read_provenance(path).status in ("error", "invalid", "absent")


def test_without_the_library_the_status_is_unavailable(media, monkeypatch):
    monkeypatch.setitem(sys.modules, "c2pa", None)  # makes `import c2pa` fail
    provenance = read_provenance(media / "astronaut.jpg")
    assert provenance == Provenance(status="unavailable", detail=provenance.detail)
    assert "c2pa-python" in provenance.detail and provenance.status in STATUSES
