"""The HTML report of one scan: a single self-contained page that a journalist can read and forward.

It says the verdict in plain words with what the score does and does not mean, the media's facts, each face
track with its heatmap, a timeline of frame scores for videos, the model card, the file's Content Credentials,
and the scan JSON itself. Nothing is fetched when it opens: pictures are ``data:`` URIs, the timeline is inline
SVG, no script runs, and a Content-Security-Policy forbids loading anything else. Every text is escaped.

It is drawn from plain data: the scan as its JSON dict (``ScanResult.to_dict()``, the scan JSON Schema), the
picture of each face track as arrays (:class:`TrackPicture`), the model card and the Content Credentials. So it
knows nothing of the scanner, and the numbers it shows are those of the JSON it embeds. A scan result makes its
own report with ``ScanResult.save_report(path)``.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from unmask import __version__
from unmask.errors import UnmaskError
from unmask.models.card import ModelCard
from unmask.report.heatmap import overlay
from unmask.report.provenance import Provenance

Scan = Mapping[str, Any]
"""A scan result as its JSON dict (the scan JSON Schema)."""
HEADLINES = {
    "fake": "Likely manipulated",
    "real": "No sign of manipulation found",
    "not_applicable": "Not applicable",
    "error": "Could not be read",
}
NO_CREDENTIALS_PROVE_NOTHING = (
    "The absence of Content Credentials proves nothing: most cameras and apps do not write them, and re-encoding, "
    "screenshots and uploads to most platforms strip them."
)
CREDENTIALS_ARE_NOT_TRUTH = (
    "Valid Content Credentials say who signed a claim about this file and that the file has not changed since; "
    "they do not say that what the pixels show is true."
)
SCORE_MEANING = (
    "The score is the detector's estimate, from 0 to 1, that a face was manipulated; the threshold is the score at "
    "and above which this model calls a face manipulated. It is an estimate, not proof, either way. The model "
    "learned from forgeries it made out of real faces: faces blended into another picture of the same person, and "
    "faces re-rendered by an autoencoder, so it looks for blending seams and rendering traces. It may miss faces "
    "re-rendered or generated whole (by newer face generators or full-frame synthesis), and heavy compression, "
    "resizing or filters can hide those traces or cause false alarms. \u201cNo sign of manipulation found\u201d "
    "means this detector found none, not that the media is authentic."
)
PICTURES_LEFT_OUT = (
    "The pictures of the faces and their heatmaps are left out of this report, so that it holds no image of "
    "anyone; the scores and where each face was (its box, in the scan data below) are all here."
)
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_STYLE = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;max-width:60rem;margin:0 auto;
padding:1rem 1.5rem 3rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem;word-break:break-all}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #ddd;padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .25rem}
.verdict{border-left:.5rem solid;padding:.75rem 1rem;border-radius:.25rem}
.verdict p.headline{font-size:1.25rem;font-weight:600;margin:0 0 .5rem}
.fake{border-color:#b3261e;background:#fdecea}.real{border-color:#1e6b34;background:#e8f5ec}
.not_applicable{border-color:#8a6d00;background:#fff8e1}
.attack{border-color:#b3261e;background:#fdecea}.live{border-color:#1e6b34;background:#e8f5ec}
table.steps{border-collapse:collapse}table.steps td,table.steps th{padding:.15rem .6rem;text-align:left}
.error{border-color:#5f5f5f;background:#eeeeee}
table.facts th{text-align:left;padding-right:1rem;vertical-align:top;font-weight:600}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
code.hash{word-break:break-all}figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #ccc}
figcaption{font-size:.9rem;color:#333}.note{font-size:.9rem;color:#444}
.timeline{max-width:100%;height:auto}pre{background:#f6f6f6;padding:.75rem;overflow:auto;max-height:40rem}
.warn{color:#8a1f11}footer{margin-top:2.5rem;font-size:.85rem;color:#555}
"""


@dataclass(frozen=True, eq=False)
class TrackPicture:
    """The aligned crop (RGB) and boundary map of a face track's highest-scoring frame: its score, and the
    frame's index and time."""

    track: int
    score: float
    index: int
    time: float | None
    crop: np.ndarray
    boundary: np.ndarray | None


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _pair(score: float, threshold: float) -> tuple[str, str]:
    """Score and threshold with as few decimals (2 to 4) as tell them apart."""
    for digits in (2, 3, 4):
        shown = f"{score:.{digits}f}", f"{threshold:.{digits}f}"
        if shown[0] != shown[1] or score == threshold:
            return shown
    return shown


def _reason(scan: Scan) -> str:
    reason = scan["reason"] or "no reason was recorded"
    return reason.removeprefix(f"{scan['path']}: ") if scan["path"] else reason


def _file_name(scan: Scan) -> str:
    return Path(scan["path"]).name if scan["path"] else "(an image array, not a file)"


def _deciding(scan: Scan) -> Scan | None:
    """The face track that decided the verdict (``decided_by``), if one did."""
    return next((track for track in scan["faces"] if track["id"] == scan.get("decided_by")), None)


def headline(scan: Scan) -> str:
    """The verdict in one plain sentence, with the score and the threshold it was compared with."""
    verdict, score, threshold = scan["verdict"], scan["score"] or 0.0, scan["threshold"]
    words = HEADLINES[verdict]
    if verdict in ("not_applicable", "error"):
        return f"{words}: {_reason(scan)}"
    shown, shown_threshold = _pair(score, threshold)
    if verdict == "fake":
        where = "above" if score > threshold else "at"
        return f"{words}: the most suspicious face scored {shown}, {where} the model's threshold of {shown_threshold}"
    return f"{words}: the most suspicious face scored {shown}, below the model's threshold of {shown_threshold}"


def _verdict_section(scan: Scan, card: ModelCard) -> str:
    notes = []
    verdict = scan["verdict"]
    deciding = _deciding(scan)
    if scan["kind"] == "video" and deciding is not None:
        frames = len(deciding["frames"])
        notes.append(
            f"A face's score in a video is the mean of its scores over the {frames} sampled "
            f"frame{'s' if frames != 1 else ''} it was scored in; the face track with the highest score decides."
        )
    if verdict in ("fake", "real"):
        notes.append(SCORE_MEANING)
    elif verdict == "not_applicable":
        notes.append(
            "The detector only judges faces it can see well enough: this says nothing either way about whether "
            "the media was manipulated."
        )
    else:
        notes.append("The file could not be decoded, so nothing in it was judged.")
    unscored = scan.get("unscored") or {}
    if unscored.get("beyond_max_faces"):
        notes.append(
            f"Only the {unscored['max_faces']} largest faces of each frame were scored: "
            f"{unscored['beyond_max_faces']} more were found and not scored, so this verdict says nothing about them."
        )
    threshold = card.data.get("threshold")
    judged = verdict in ("fake", "real")
    own = card.threshold_for(scan.get("kind"))  # the card's threshold for what was scanned
    chosen = abs(scan["threshold"] - round(own, 6)) > 1e-9  # the JSON holds 6 decimals of it
    if judged and not chosen and isinstance(threshold, dict) and threshold.get("rule") == "provisional":
        notes.append(
            "This model's threshold is provisional: it has not yet been set on measured data, so treat the "
            "verdict as preliminary."
        )
    if judged and chosen:
        notes.append(f"The threshold of {scan['threshold']:g} was chosen for this scan; the model card's is {own:g}.")
    paragraphs = "".join(f"<p>{_e(note)}</p>" for note in notes)
    return (
        f'<section class="verdict {_e(verdict)}" id="verdict">'
        f'<p class="headline">{_e(headline(scan).rstrip("."))}.</p>{paragraphs}</section>'
    )


def _facts_section(scan: Scan) -> str:
    rows: list[tuple[str, str]] = [("File", _e(_file_name(scan)))]
    rows.append(("Kind", _e(scan["kind"] or "unknown")))
    if scan["width"] and scan["height"]:
        rows.append(("Size", f"{scan['width']} x {scan['height']} pixels"))
    if scan["kind"] == "video":
        duration = "unknown" if scan["duration_s"] is None else f"{scan['duration_s']:.2f} s"
        rows.append(("Duration", duration))
        rows.append(("Sampling", _e(scan["sampling"] or "unknown")))
    rows.append(("Frames sampled", str(len(scan["frames"]))))
    usable = sum(track["usable"] for track in scan["faces"])
    rows.append(("Face tracks", f"{len(scan['faces'])} ({usable} usable)"))
    unscored = scan.get("unscored") or {}  # since scan JSON 1.3
    if unscored.get("faces"):
        rows.append(("Faces not scored", _e(unscored["reason"] or unscored["faces"])))
    rows.append(("SHA-256", f'<code class="hash">{_e(scan["sha256"] or "not computed")}</code>'))
    if "total_s" in scan["timings"]:
        rows.append(("Scan time", f"{scan['timings']['total_s']:.2f} s"))
    body = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return f'<h2 id="media">The media</h2><table class="facts">{body}</table>'


def _jpeg_data_uri(rgb: np.ndarray, quality: int = 85) -> str:
    ok, encoded = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("cannot encode a thumbnail as JPEG")
    return "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


def _when(time: float | None, index: int) -> str:
    return f"frame {index}" if time is None else f"{time:.2f} s (frame {index})"


def _faces_section(scan: Scan, pictures: Mapping[int, TrackPicture] | None) -> str:
    parts = ['<h2 id="faces">The faces</h2>']
    if not scan["faces"]:
        parts.append("<p>No face was scored.</p>")
        return "".join(parts)
    if pictures is None:
        parts.append(f'<p class="note">{_e(PICTURES_LEFT_OUT)}</p>')
    else:
        parts.append(
            '<p class="note">Each picture shows a face as the model saw it (left) and the same face with the '
            "model's blending-boundary map over it (right): the warmer and stronger the colour, the more the model "
            "suspects a blending seam there. On an unaltered face it should stay mostly clear.</p>"
        )
    decided_by = scan.get("decided_by")
    video = scan["kind"] == "video"
    for track in scan["faces"]:
        name = f"Face track {track['id']}"
        frames = len(track["frames"])
        usable = "usable" if track["usable"] else "not usable: scored in too few frames to count"
        lines = [f"<strong>{_e(name)}</strong>: score {track['score']:.3f}", _e(usable)]
        lines += [_e(_cue_text(cue_name, cue, frames if video else 0)) for cue_name, cue in track["cues"].items()]
        if decided_by is not None and track["id"] == decided_by:
            lines.append("this face decides the verdict")
        picture = None if pictures is None else pictures.get(track["id"])
        if picture is None:
            image = ""
            if pictures is not None:
                lines.append("no picture kept")
        else:
            crop = picture.crop
            shown = overlay(crop, picture.boundary) if picture.boundary is not None else crop
            image = f'<img src="{_jpeg_data_uri(shown)}" alt="{_e(name)}: aligned face and heatmap">'
            if video:
                lines.append(
                    f"shown: its highest-scoring frame, {picture.score:.3f} at {_when(picture.time, picture.index)}"
                )
        parts.append(f"<figure>{image}<figcaption>{'; '.join(lines)}.</figcaption></figure>")
        parts.append(_speech_figure(name, track["cues"].get("speech")))
    return "".join(parts)


CUE_NAMES = {
    "blend": "blending seams (frame branch)",
    "animation": "animation or re-rendering over time (temporal branch)",
    "speech": "lips against the sound (speech cue)",
}
REPORTED_ONLY = "reported only: it does not count towards the face's score"


def speech_words(evidence: Scan) -> str:
    """The speech cue's evidence in words: closures on /m b p/, then how mouth opening follows speech energy."""
    total, missed = evidence["closures_total"], evidence["closures_missed"]
    checked = evidence.get("closures") or {"applied": True}
    if not checked["applied"]:
        closures = f"closures on /m b p/ were not checked ({checked['reason']})"
    elif total:
        closures = f"the lips stayed open on {missed} of {total} /m b p/ sound{'s' if total != 1 else ''}"
    else:
        closures = "no /m b p/ sound was heard in the speech read"
    lag = evidence["lag_ms"]
    when = "after" if lag >= 0 else "before"
    sync = (
        f"mouth opening follows the speech energy best with the sound {abs(lag)} ms {when} the mouth "
        f"(correlation {evidence['correlation']:.2f}; the lag wanders by {evidence['drift_ms']} ms)"
    )
    window = evidence["window"]
    where = f"over {_seconds(window[0])}\u2013{_seconds(window[1])} s ({evidence['speech_s']:g} s of speech)"
    text = f"{closures}; {sync}, {where}"
    return text + (f"; {evidence['note']}" if evidence.get("note") else "")


def _cue_text(name: str, cue: Scan, frames: int) -> str:
    """One cue in words: what the branch looked for and what it found, or why it did not apply."""
    what = CUE_NAMES.get(name, name)
    if not cue["applied"] or cue["score"] is None:
        return f"{what}: not applied ({cue['reason']})"
    text = f"{what}: {cue['score']:.3f}"
    if name == "blend" and frames:
        text += f" (mean of {frames} scored frame{'s' if frames != 1 else ''})"
    if cue.get("probability") is not None:
        text += f" (its own probability {cue['probability']:.3f})"
    if name == "speech" and cue.get("evidence"):
        text += f": {speech_words(cue['evidence'])}"
    if cue.get("fused") is False:
        text += f" ({REPORTED_ONLY})"
    return text


def speech_svg(evidence: Scan, width: int = 720, height: int = 180) -> str:
    """An inline SVG plot of mouth opening (blue) against speech energy (grey) over the speech read, each scaled
    to its own range, with each /m b p/ heard shaded: green where the lips met, red where they stayed open."""
    series = evidence.get("series") or {}
    times = [float(t) for t in series.get("time", [])]
    if len(times) < 2:
        return ""
    left, right, top, bottom = 48, 16, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    start, end = times[0], max(times[-1], times[0] + 1e-6)

    def sx(x: float) -> float:
        return left + plot_w * (min(max(x, start), end) - start) / (end - start)

    def line(values: list[float], colour: str, dash: str = "") -> str:
        low, high = min(values), max(values)
        scale = (high - low) or 1.0
        points = " ".join(
            f"{sx(t):.1f},{top + plot_h * (1 - (v - low) / scale):.1f}" for t, v in zip(times, values, strict=False)
        )
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"{extra}/>'

    parts = [
        f'<svg class="timeline" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="speech-title"><title id="speech-title">Mouth opening against speech energy</title>'
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>'
    ]
    for a, b, closed in series.get("bilabials", []):
        colour = "#1e6b34" if closed else "#b3261e"
        parts.append(
            f'<rect x="{sx(a):.1f}" y="{top}" width="{max(sx(b) - sx(a), 2):.1f}" height="{plot_h}" '
            f'fill="{colour}" fill-opacity="0.18"><title>/m b p/ at {a:.2f} s: lips '
            f"{'met' if closed else 'stayed open'}</title></rect>"
        )
    if series.get("energy"):
        parts.append(line([float(v) for v in series["energy"]], "#777", "4 3"))
    parts.append(line([float(v) for v in series["opening"]], "#1f4e8c"))
    step = _step(end - start)
    tick = math.ceil(start / step) * step
    while tick <= end + 1e-9:
        x = sx(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" stroke="#666"/>'
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">{_seconds(tick)}</text>'
        )
        tick += step
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" font-size="12" text-anchor="middle">seconds</text></svg>'
    )
    return "".join(parts)


def _speech_figure(name: str, cue: Scan | None) -> str:
    if not cue or not cue.get("applied") or not cue.get("evidence"):
        return ""
    plot = speech_svg(cue["evidence"])
    if not plot:
        return ""
    caption = (
        f"{name}: mouth opening (blue) against speech energy (grey, dashed), each scaled to its own range; shaded: "
        "each /m b p/ heard, green where the lips met, red where they stayed open. "
        f"{speech_words(cue['evidence']).capitalize()}."
    )
    return f"<figure>{plot}<figcaption>{_e(caption)}</figcaption></figure>"


def _step(span: float, most: int = 10) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if span / step <= most:
            return step
    return span / most


def _seconds(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _runs(points: list[tuple[float, float | None]], threshold: float) -> list[tuple[float, float]]:
    """Consecutive sampled frames at or above the threshold, as (first, last) times."""
    runs: list[tuple[float, float]] = []
    current: list[float] = []
    for x, score in points:
        if score is not None and score >= threshold:
            current.append(x)
        elif current:
            runs.append((current[0], current[-1]))
            current = []
    if current:
        runs.append((current[0], current[-1]))
    return runs


def _points(scan: Scan) -> tuple[list[tuple[float, float | None]], bool]:
    """(x, score) per sampled frame, x in seconds when every frame has a time, else the frame number."""
    frames = scan["frames"]
    use_time = all(frame["time"] is not None for frame in frames)
    return [(float(frame["time"] if use_time else frame["index"]), frame["score"]) for frame in frames], use_time


def timeline_svg(scan: Scan, width: int = 720, height: int = 240) -> str:
    """An inline SVG plot of each sampled frame's highest face score over time, with the threshold line."""
    points, use_time = _points(scan)
    threshold = scan["threshold"]
    span = max([x for x, _ in points] + [(scan["duration_s"] or 0.0) if use_time else 0.0, 1e-6])
    left, right, top, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + plot_w * x / span

    def sy(y: float) -> float:
        return top + plot_h * (1 - y)

    unit = "s" if use_time else "frame"
    parts = [
        f'<svg class="timeline" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="timeline-title">'
        '<title id="timeline-title">Highest face score of each sampled frame over time, with the threshold</title>'
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>'
    ]
    for value in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = sy(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{value:g}</text>')
    step = _step(span)
    for number in range(int(span / step + 1e-9) + 1):
        tick = number * step
        x = sx(tick)
        parts.append(f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" stroke="#666"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="middle">{_seconds(tick)}</text>'
        )
    label = "seconds" if use_time else "frame number"
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" font-size="12" text-anchor="middle">{label}</text>'
        f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="12" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">score</text>'
    )
    threshold_y = sy(min(max(threshold, 0.0), 1.0))
    label_y = threshold_y + 14 if threshold > 0.9 else threshold_y - 5
    parts.append(
        f'<line x1="{left}" y1="{threshold_y:.1f}" x2="{left + plot_w}" y2="{threshold_y:.1f}" stroke="#b3261e" '
        f'stroke-dasharray="6 4" stroke-width="1.5"/><text x="{left + plot_w - 4}" y="{label_y:.1f}" '
        f'font-size="11" text-anchor="end" fill="#b3261e">threshold {threshold:g}</text>'
    )
    segment: list[str] = []
    segments: list[list[str]] = []
    for x, score in points:
        if score is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append(f"{sx(x):.1f},{sy(score):.1f}")
    if segment:
        segments.append(segment)
    for line in segments:
        parts.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#1f4e8c" stroke-width="1.5"/>')
    for x, score in points:
        if score is None:
            parts.append(
                f'<line x1="{sx(x):.1f}" y1="{top + plot_h - 6}" x2="{sx(x):.1f}" y2="{top + plot_h}" stroke="#999">'
                f"<title>{_seconds(x)} {unit}: no face scored</title></line>"
            )
            continue
        above = score >= threshold
        parts.append(
            f'<circle cx="{sx(x):.1f}" cy="{sy(score):.1f}" r="3" fill="{"#b3261e" if above else "#1f4e8c"}">'
            f"<title>{_seconds(x)} {unit}: {score:.3f}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _timeline_section(scan: Scan) -> str:
    head = '<h2 id="timeline">Timeline</h2>'
    if scan["kind"] != "video":
        what = "a still image" if scan["kind"] in ("image", "array") else "this input"
        return f"{head}<p>There is no timeline for {what}: it is a single frame.</p>"
    if not scan["frames"]:
        return f"{head}<p>No frame was decoded, so there is no timeline.</p>"
    points, use_time = _points(scan)
    runs = _runs(points, scan["threshold"])
    unit = " s" if use_time else ""
    if all(score is None for _, score in points):
        summary = "No face was scored in any sampled frame."
    elif runs:
        spans = ", ".join(
            f"{_seconds(a)}{unit}" if a == b else f"{_seconds(a)}\u2013{_seconds(b)}{unit}" for a, b in runs
        )
        where = "seconds" if use_time else "frames"
        summary = (
            f"Sampled {where} whose most suspicious face scored at or above the threshold: {spans}. The verdict "
            "uses each face track's mean score, so a few frames above the line do not decide it on their own."
        )
    else:
        summary = "No sampled frame scored at or above the threshold."
    note = (
        '<p class="note">Each dot is a sampled frame and its most suspicious face; red dots are at or above the '
        "threshold (dashed line); grey ticks at the bottom mark frames where no face was scored.</p>"
    )
    return f"{head}{timeline_svg(scan)}<p>{_e(summary)}</p>{note}"


def _entries(value: Any) -> list[str]:
    """Training data or limitations from a model card, whatever their shape, as lines of text."""
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    lines = []
    for entry in value:
        if isinstance(entry, dict):
            name = entry.get("name") or entry.get("dataset") or entry.get("folder") or "unnamed"
            extra = [f"{key}: {entry[key]}" for key in ("licence", "license", "source", "url") if entry.get(key)]
            lines.append(f"{name} ({'; '.join(extra)})" if extra else str(name))
        else:
            lines.append(str(entry))
    return lines


def _model_section(card: ModelCard, scan: Scan) -> str:
    data = card.data
    threshold = data.get("threshold") if isinstance(data.get("threshold"), dict) else {}
    rule = threshold.get("rule") if threshold else None
    rows = [
        ("Name", _e(card.name)),
        ("Version", _e(card.version)),
        ("Weights SHA-256", f'<code class="hash">{_e(card.sha256)}</code>'),
        ("Threshold", _e(f"{card.threshold:g}" + (f" (rule: {rule})" if rule else ""))),
    ]
    video = data.get("video_threshold") if isinstance(data.get("video_threshold"), dict) else {}
    if video:
        rule = video.get("rule")
        rows.append(("Threshold of videos", _e(f"{card.video_threshold:g}" + (f" (rule: {rule})" if rule else ""))))
    body = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    training = data.get("training") if isinstance(data.get("training"), dict) else {}
    sources = _entries((training or {}).get("data", data.get("data")))
    limits = _entries(data.get("limitations", (training or {}).get("limitations")))
    parts = [f'<h2 id="model">The model</h2><table class="facts">{body}</table>']
    model = scan["model"]
    if card.identity() != model:
        named = " ".join(str(model[key]) for key in ("name", "version") if model.get(key))
        parts.append(
            f'<p class="warn">This model card is not the model that made the scan (the scan names '
            f"{_e(named or 'no model')}).</p>"
        )
    parts.append("<h3>Training data</h3>")
    parts.append(
        "<ul>" + "".join(f"<li>{_e(line)}</li>" for line in sources) + "</ul>"
        if sources
        else "<p>The model card does not list its training data.</p>"
    )
    parts.append("<h3>Known limitations</h3>")
    parts.append(
        "<ul>" + "".join(f"<li>{_e(line)}</li>" for line in limits) + "</ul>"
        if limits
        else "<p>The model card lists no limitations; those in the verdict above still apply.</p>"
    )
    return "".join(parts)


_GENERATED = {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"}
_PROVENANCE_HEADLINES = {
    "absent": "No Content Credentials found.",
    "valid": "Content Credentials found, and their signature checks out.",
    "invalid": "Content Credentials found, but they do not validate: the file or its claims changed after "
    "signing, or the signature is broken.",
    "unavailable": "Content Credentials could not be checked: the C2PA reader is not installed.",
    "error": "Content Credentials could not be read.",
}


def _provenance_section(provenance: Provenance | None) -> str:
    head = '<h2 id="provenance">Content Credentials (C2PA)</h2>'
    if provenance is None:
        lines = ["<p>Content Credentials were not checked for this report.</p>"]
    else:
        lines = [f"<p><strong>{_e(_PROVENANCE_HEADLINES.get(provenance.status, provenance.status))}</strong>"]
        if provenance.detail:
            lines.append(f" {_e(provenance.detail[:1].upper() + provenance.detail[1:])}.")
        lines.append("</p>")
        rows = [
            ("Claim generator", provenance.claim_generator),
            ("Title", provenance.title),
            ("Signed by", provenance.signer),
            ("Certificate issuer", provenance.issuer),
            ("Signed at", provenance.signed_at or ("no trusted time stamp" if provenance.signer else None)),
            ("Declared source", "; ".join(provenance.source_types) or None),
            ("Declared actions", "; ".join(provenance.actions) or None),
            ("Made from", "; ".join(provenance.ingredients) or None),
            ("Assertions", ", ".join(provenance.assertions) or None),
            ("Validation state", provenance.validation_state),
            ("Read with", provenance.library),
        ]
        shown = [(name, value) for name, value in rows if value]
        if shown:
            body = "".join(f"<tr><th>{_e(name)}</th><td>{_e(value)}</td></tr>" for name, value in shown)
            lines.append(f'<table class="facts">{body}</table>')
        if provenance.errors:
            items = "".join(f"<li>{_e(error)}</li>" for error in provenance.errors)
            lines.append(f'<p class="warn">Validation errors:</p><ul>{items}</ul>')
        notes = [warning for warning in provenance.warnings if not warning.startswith("signingCredential.untrusted")]
        if notes:
            items = "".join(f"<li>{_e(note)}</li>" for note in notes)
            lines.append(f"<p>Notes from the validator:</p><ul>{items}</ul>")
        if provenance.status in ("valid", "invalid") and not provenance.trusted:
            lines.append(
                "<p>The signing certificate was not checked against a list of trusted issuers (unmask ships none): "
                "anyone can make a certificate with any name, so the signer is who the certificate says, not who "
                "someone vouched for.</p>"
            )
        if any(source.split(" ")[0] in _GENERATED for source in provenance.source_types):
            lines.append(
                '<p class="warn">The credentials themselves declare content made by a generative AI model.</p>'
            )
    lines.append(f'<p class="note">{_e(NO_CREDENTIALS_PROVE_NOTHING)} {_e(CREDENTIALS_ARE_NOT_TRUTH)}</p>')
    return head + "".join(lines)


def _json_for_script(data: dict[str, Any]) -> str:
    """JSON that cannot end its ``<script>`` element early: ``<``, ``>`` and ``&`` are written as escapes."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_report(
    scan: Scan,
    pictures: Mapping[int, TrackPicture] | None,
    card: ModelCard,
    provenance: Provenance | None = None,
    made_at: datetime | None = None,
    *,
    with_pictures: bool = True,
) -> str:
    """The whole report of ``scan`` (its JSON dict) as one HTML page that needs nothing else to show (no network,
    no script): ``pictures`` by track id, ``card`` the detector's model card, ``provenance`` the file's Content
    Credentials (None: not checked). ``with_pictures=False`` leaves out every face picture and heatmap, and
    says so (a report to store without images of anyone)."""
    made_at = (made_at or datetime.now(UTC)).astimezone(UTC)
    data = dict(scan)
    name = _file_name(data)
    sections = [
        f"<h1>unmask report: {_e(name)}</h1>",
        _verdict_section(data, card),
        _facts_section(data),
        _faces_section(data, (pictures or {}) if with_pictures else None),
        _timeline_section(data),
        _model_section(card, data),
        _provenance_section(provenance),
        '<h2 id="scan-data">The scan data</h2><p class="note">The full scan result, as the JSON that '
        "<code>unmask scan --format json</code> prints (also embedded in this page for programs to read).</p>"
        f"<details><summary>Show the scan JSON</summary><pre>{_e(json.dumps(data, indent=2))}</pre></details>",
        f"<footer>Report made by unmask {_e(__version__)} on {made_at:%Y-%m-%d %H:%M:%S} UTC; the scan was made by "
        f"unmask {_e(data.get('unmask_version') or 'unknown')}.</footer>",
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>unmask report: {_e(name)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(sections)
        + f'\n<script type="application/json" id="scan-json">{_json_for_script(data)}</script>\n</body></html>\n'
    )


def write_report(
    path: str | os.PathLike[str],
    scan: Scan,
    pictures: Mapping[int, TrackPicture] | None,
    card: ModelCard,
    provenance: Provenance | None = None,
) -> Path:
    """Write the report (UTF-8) of :func:`render_report` to ``path``, making its folder; an unwritable path is a
    one-line error."""
    target = Path(path)
    page = render_report(scan, pictures, card, provenance)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as err:
        raise UnmaskError(f"{target}: cannot write the report ({err.strerror or err})") from None
    return target


Live = Mapping[str, Any]
"""A liveness check as its JSON dict (``LiveResult.to_dict()``, ``unmask/verdict/live.schema.json``)."""
LIVE_HEADLINES = {
    "live": "A live person",
    "attack": "Not a live person: a presentation attack or a manipulated face",
    "not_applicable": "Not applicable",
    "error": "Could not be read",
}
LIVE_CUE_NAMES = {
    "challenge": "Active challenge",
    "passive": "Passive presentation-attack detection",
    "deepfake": "Deepfake scan",
}
LIVE_MEANING = (
    "A liveness check asks whether the camera saw a live person rather than a printed photo, a screen replaying "
    "a picture or a video, a mask, or a face swapped into the video feed. The active challenge asks for actions in "
    "given time windows that a replay made beforehand is unlikely to show in time; the passive model looks for the "
    "traces of prints and screens around the face; the deepfake scan looks for a face blended or re-rendered into "
    "the clip. Each can be fooled by an attack it was not built for: \u201ca live person\u201d means no cue found an "
    "attack, not that none took place."
)


def live_headline(live: Live) -> str:
    """The liveness verdict in one plain sentence, with the cue that decided and why."""
    words = LIVE_HEADLINES[live["verdict"]]
    if live["verdict"] == "live":
        return f"{words}: the {LIVE_CUE_NAMES[live['decided_by']].lower()} passed and no cue found an attack"
    if live["verdict"] == "attack":
        return f"{words}: {LIVE_CUE_NAMES[live['decided_by']].lower()}: {live['reason']}"
    return f"{words}: {live['reason'] or 'no reason was recorded'}"


def _number(value: float | None, unit: str = "") -> str:
    return "" if value is None else f"{value:.2f}{unit}"


def _challenge_steps(cue: Live) -> str:
    """The steps of a challenge cue as a table: each action, its window, whether it was seen, and the evidence."""
    rows = []
    for step in cue.get("steps", []):
        start, end = step["window"]
        cells = [
            _e(step["action"]),
            f"{start:g}-{end:g} s",
            "seen" if step["passed"] else "not seen",
            _e(step["measure"]),
            _number(step["value"]),
            _number(step["needed"]),
            _number(step["at"], " s"),
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    if not rows:
        return ""
    head = "".join(f"<th>{name}</th>" for name in ("action", "window", "", "measure", "most telling", "needed", "at"))
    return f'<table class="steps"><tr>{head}</tr>{"".join(rows)}</table>'


def _cue_summary(name: str, cue: Live) -> str:
    if not cue["applied"]:
        return f"not applied: {cue['reason']}"
    if name == "challenge":
        state = "passed" if cue["passed"] else f"failed: {cue['reason']}"
        signed = " (signed, nonce checked by the issuer)" if cue.get("signed") else ""
        return f"{_e(cue.get('spec') or 'challenge')}{signed}: {state}"
    if name == "passive":
        model = cue.get("model") or {}
        verdict = "live" if cue["passed"] else "attack"
        return (
            f"{verdict}: score {cue['score']:.3f} (mean over {len(cue.get('frames', []))} frame(s)), threshold "
            f"{cue['threshold']:.3f}, model {model.get('name')} {model.get('version')}"
        )
    return f"{cue.get('verdict')}: score {cue.get('score'):.3f}, threshold {cue.get('threshold'):.3f}"


def live_section(live: Live) -> str:
    """The liveness section: the verdict in plain words, what it means, and each cue with its evidence."""
    verdict = live["verdict"]
    parts = [
        f'<section class="verdict {_e(verdict)}" id="liveness"><p class="headline">{_e(live_headline(live))}.</p>'
        f"<p>{_e(LIVE_MEANING)}</p></section>",
        '<h2 id="liveness-cues">The liveness cues</h2>',
    ]
    for name, title in LIVE_CUE_NAMES.items():
        cue = live["cues"].get(name)
        if cue is None:
            continue
        decided = " (decided the verdict)" if live.get("decided_by") == name else ""
        parts.append(f"<h3>{_e(title)}{decided}</h3><p>{_e(_cue_summary(name, cue))}</p>")
        if name == "challenge":
            parts.append(_challenge_steps(cue))
    return "".join(parts)


def render_live_report(live: Live, made_at: datetime | None = None) -> str:
    """The report of a liveness check (its JSON dict) as one self-contained HTML page: the liveness section, the
    media's facts and the check's JSON."""
    made_at = (made_at or datetime.now(UTC)).astimezone(UTC)
    data = dict(live)
    name = Path(data["path"]).name if data.get("path") else "(no file)"
    rows = [("File", _e(name)), ("Kind", _e(data.get("kind") or "unknown"))]
    if data.get("width") and data.get("height"):
        rows.append(("Size", f"{data['width']} x {data['height']} pixels"))
    if data.get("duration_s") is not None:
        rows.append(("Duration", f"{data['duration_s']:.2f} s"))
    rows.append(("Frames read", f"{data.get('frames', 0)} (the face in {data.get('face_frames', 0)})"))
    rows.append(("SHA-256", f'<code class="hash">{_e(data.get("sha256") or "not computed")}</code>'))
    if "total_s" in data.get("timings", {}):
        rows.append(("Check time", f"{data['timings']['total_s']:.2f} s"))
    facts = "".join(f"<tr><th>{key}</th><td>{value}</td></tr>" for key, value in rows)
    sections = [
        f"<h1>unmask liveness report: {_e(name)}</h1>",
        live_section(data),
        f'<h2 id="media">The media</h2><table class="facts">{facts}</table>',
        '<h2 id="live-data">The check\'s data</h2><p class="note">As <code>unmask live --json</code> prints it.</p>'
        f"<details><summary>Show the JSON</summary><pre>{_e(json.dumps(data, indent=2))}</pre></details>",
        f"<footer>Report made by unmask {_e(__version__)} on {made_at:%Y-%m-%d %H:%M:%S} UTC.</footer>",
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>unmask liveness report: {_e(name)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(sections)
        + f'\n<script type="application/json" id="live-json">{_json_for_script(data)}</script>\n</body></html>\n'
    )


def write_live_report(path: str | os.PathLike[str], live: Live) -> Path:
    """Write :func:`render_live_report` of ``live`` to ``path`` (UTF-8), making its folder; an unwritable path is a
    one-line error."""
    target = Path(path)
    page = render_live_report(live)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")
    except OSError as err:
        raise UnmaskError(f"{target}: cannot write the report ({err.strerror or err})") from None
    return target
