"""Content Credentials (C2PA): what a file's signed provenance manifest claims, and whether it validates.

Read with ``c2pa-python`` offline: remote manifests and certificate revocation (OCSP) are not fetched, and no
trust list is loaded, so a signature that checks out is ``valid`` but its signer is not ``trusted``. Absent
credentials prove nothing (most cameras and apps write none, and re-encoding strips them); valid ones say who
signed a claim about the file, not that its pixels are true. :func:`read_provenance` never raises.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from unmask.errors import one_line

ProvenanceStatus = Literal["absent", "valid", "invalid", "unavailable", "error"]

# Settings for the reader: nothing is fetched over the network while a file is read.
_OFFLINE = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
# A signature that checks out but whose certificate is on no trust list: reported, but not a reason to fail.
_UNTRUSTED = "signingCredential.untrusted"
_IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# IPTC digital source types a reader of the report should not have to look up.
SOURCE_TYPES = {
    "digitalCapture": "captured by a camera",
    "trainedAlgorithmicMedia": "made by a generative AI model",
    "compositeWithTrainedAlgorithmicMedia": "a composite that includes generative-AI content",
    "algorithmicMedia": "made by an algorithm, not a camera",
    "compositeSynthetic": "a composite that includes synthetic content",
    "composite": "a composite of several sources",
    "compositeCapture": "a composite of camera captures",
    "algorithmicallyEnhanced": "a capture enhanced by an algorithm",
    "digitalCreation": "made by a person with digital tools",
    "screenCapture": "a screen capture",
    "minorHumanEdits": "a capture with minor human edits",
}


@dataclass
class Provenance:
    """What a file's Content Credentials claim, and whether they validate; ``status`` says which case it is."""

    status: ProvenanceStatus
    detail: str | None = None
    claim_generator: str | None = None
    title: str | None = None
    signer: str | None = None
    issuer: str | None = None
    signed_at: str | None = None
    actions: list[str] = field(default_factory=list)
    source_types: list[str] = field(default_factory=list)
    assertions: list[str] = field(default_factory=list)
    ingredients: list[str] = field(default_factory=list)
    manifests: int = 0
    validation_state: str | None = None
    trusted: bool = False
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    library: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, for machine-readable reports."""
        return asdict(self)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _agent(value: Any) -> str | None:
    if isinstance(value, dict):
        return " ".join(str(value[key]) for key in ("name", "version") if value.get(key)) or None
    return _text(value)


def _generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list):
        names = [name for name in (_agent(entry) for entry in info) if name]
        if names:
            return ", ".join(names)
    return _text(manifest.get("claim_generator"))


def _source_type(uri: Any) -> str:
    term = str(uri).removeprefix(_IPTC)
    return f"{term} ({SOURCE_TYPES[term]})" if term in SOURCE_TYPES else term


def _actions(assertions: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    actions: list[str] = []
    sources: list[str] = []
    for assertion in assertions:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        data = assertion.get("data")
        for action in data.get("actions", []) if isinstance(data, dict) else []:
            if not isinstance(action, dict):
                continue
            words = str(action.get("action", "?"))
            agent = _agent(action.get("softwareAgent"))
            if agent:
                words += f" by {agent}"
            if action.get("when"):
                words += f" at {action['when']}"
            actions.append(words)
            if action.get("digitalSourceType"):
                sources.append(_source_type(action["digitalSourceType"]))
    return actions, list(dict.fromkeys(sources))


def _failures(store: dict[str, Any]) -> list[dict[str, Any]]:
    results = store.get("validation_results")
    if isinstance(results, dict) and "activeManifest" in results:
        found = list((results.get("activeManifest") or {}).get("failure") or [])
        for delta in results.get("ingredientDeltas") or []:
            found += ((delta or {}).get("validationDeltas") or {}).get("failure") or []
        return [entry for entry in found if isinstance(entry, dict)]
    return [entry for entry in store.get("validation_status") or [] if isinstance(entry, dict)]


def _failure_text(entry: dict[str, Any]) -> str:
    return f"{entry.get('code', '?')}: {entry.get('explanation') or ''}".rstrip(": ")


def _describe(store: dict[str, Any], library: str) -> Provenance:
    """The Provenance of a parsed manifest store (the reader's JSON)."""
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest")) or {}
    assertions = [entry for entry in active.get("assertions") or [] if isinstance(entry, dict)]
    signature = active.get("signature_info") or {}
    actions, sources = _actions(assertions)
    failures = _failures(store)
    untrusted = [_failure_text(entry) for entry in failures if entry.get("code") == _UNTRUSTED]
    broken = [_failure_text(entry) for entry in failures if entry.get("code") != _UNTRUSTED]
    state = store.get("validation_state")
    if state is None:  # older readers: any failure other than an untrusted signer invalidates
        state = "Invalid" if any(entry.get("code") != _UNTRUSTED for entry in failures) else "Valid"
    valid = state in ("Valid", "Trusted")
    return Provenance(
        status="valid" if valid else "invalid",
        detail=None if active else "the manifest store names no active manifest",
        claim_generator=_generator(active),
        title=_text(active.get("title")),
        signer=_text(signature.get("common_name")),
        issuer=_text(signature.get("issuer")),
        signed_at=_text(signature.get("time")),
        actions=actions,
        source_types=sources,
        assertions=list(dict.fromkeys(str(entry.get("label")) for entry in assertions)),
        ingredients=[
            str(entry.get("title", "?")) for entry in active.get("ingredients") or [] if isinstance(entry, dict)
        ],
        manifests=len(manifests),
        validation_state=str(state),
        trusted=state == "Trusted",
        errors=[] if valid else broken,
        warnings=untrusted + broken if valid else untrusted,
        library=library,
    )


def read_provenance(path: str | os.PathLike[str]) -> Provenance:
    """Read a file's Content Credentials offline; every failure becomes a status, so a report always gets one."""
    try:
        from importlib.metadata import version

        import c2pa

        library = f"c2pa-python {version('c2pa-python')} (c2pa-rs {c2pa.sdk_version()})"
    except Exception as err:  # noqa: BLE001 - a missing or broken optional library must not stop a report
        return Provenance(
            status="unavailable", detail=f"the C2PA reader (c2pa-python) cannot be loaded: {one_line(err, 200)}"
        )
    not_supported = getattr(c2pa.C2paError, "NotSupported", ())
    try:
        context = c2pa.Context.from_dict(_OFFLINE)
        with open(path, "rb") as stream:
            reader = c2pa.Reader.try_create(None, stream, context=context)
            if reader is None:
                return Provenance(status="absent", library=library)
            with reader:
                store = json.loads(reader.json())
    except not_supported:
        return Provenance(
            status="absent", detail="not a kind of file the C2PA reader knows, so none were found", library=library
        )
    except OSError as err:
        return Provenance(status="error", detail=f"cannot read the file: {err.strerror or err}", library=library)
    except Exception as err:  # noqa: BLE001 - damaged files and manifests raise many kinds of errors
        return Provenance(
            status="error", detail=f"the C2PA reader cannot read this file: {one_line(err, 200)}", library=library
        )
    try:
        return _describe(store, library)
    except Exception as err:  # noqa: BLE001 - a manifest of unexpected shape is reported, not raised
        return Provenance(status="error", detail=f"unexpected manifest content: {one_line(err, 200)}", library=library)
