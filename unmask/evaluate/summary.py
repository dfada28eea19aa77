"""What ``unmask eval`` shows: a text table of every group, PNG plots (ROC curves, score histograms, per-video
timelines, the robustness ladder) and one HTML page gathering them with the protocol next to the numbers.

Input is what :func:`unmask.evaluate.run.evaluate` returns and caches (``metrics.json``, ``scores.jsonl``); this
module computes nothing that decides a score.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unmask.errors import UnmaskError
from unmask.evaluate.families import FAMILIES, family_scores
from unmask.evaluate.metrics import roc_auc, roc_curve

Record = dict[str, Any]
SCORES_FILE = "scores.jsonl"
COLOURS = {"real": "#1f77b4", "fake": "#d62728"}
GROUP_WIDTH = 44  # long method names (a CSV's free-text column) are cut in the table; metrics.json has them whole


def read_scores(folder: str | os.PathLike[str]) -> list[Record]:
    """The per-file records of an ``unmask eval`` output folder (its ``scores.jsonl``); an
    :class:`~unmask.errors.UnmaskError` in one line when the folder has none."""
    path = Path(folder) / SCORES_FILE
    if not path.is_file():
        raise UnmaskError(f"{folder}: no {SCORES_FILE} (not an unmask eval folder)")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _with_ci(level: dict[str, Any], name: str) -> str:
    interval = level.get(f"{name}_ci")
    text = _number(level.get(name))
    if interval and None not in interval:
        text += f" [{interval[0]:.2f}, {interval[1]:.2f}]"
    return text


def video_threshold(metrics: dict[str, Any], detector: str = "unmask") -> float | None:
    """The threshold ``detector`` calls videos at in ``metrics``: its video threshold where it has one."""
    return (metrics.get("video_thresholds") or {}).get(detector, metrics["thresholds"].get(detector))


def detectors_of(metrics: dict[str, Any]) -> list[str]:
    return list(metrics["thresholds"])


def summary_rows(metrics: dict[str, Any]) -> list[list[str]]:
    """One row per group and detector: the columns of :data:`COLUMNS`."""
    rows = []
    for group, values in metrics["groups"].items():
        for detector in detectors_of(metrics):
            ours = values[detector]
            video, frame = ours["video"], ours["frame"]
            called = video.get("at_threshold")
            calls = (
                "-"
                if called is None
                else f"{called['true_fake']}/{video['fake']} {called['false_fake']}/{video['real']}"
            )
            frame_called = frame.get("at_threshold")
            real_frames = (
                "-"
                if frame_called is None or not frame["real"]
                else f"{100 * frame_called['false_fake'] / frame['real']:.1f}%"
            )
            rows.append(
                [
                    group if len(group) <= GROUP_WIDTH else group[: GROUP_WIDTH - 1] + "…",
                    str(ours["files"]),
                    str(values["not_applicable"] + values["errors"]),
                    detector,
                    _with_ci(video, "auc"),
                    _with_ci(frame, "auc"),
                    _number(video["ap"]),
                    _number(video["eer"]),
                    _number(video["tpr_at_fpr_5"]),
                    calls,
                    real_frames,
                ]
            )
    return rows


COLUMNS = (
    "GROUP",
    "FILES",
    "N/A",
    "DETECTOR",
    "VIDEO AUC [95% CI]",
    "FRAME AUC [95% CI]",
    "AP",
    "EER",
    "TPR@5%",
    "AT T: FAKES REALS",
    "REAL FR>=T",
)


def summary_text(metrics: dict[str, Any]) -> str:
    """The human summary: the table, then the protocol in one paragraph."""
    rows = [list(COLUMNS), *summary_rows(metrics)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join([*lines, "", protocol_text(metrics)])


def protocol_text(metrics: dict[str, Any]) -> str:
    proto = metrics["protocol"]
    model = proto["model"]
    videos = metrics.get("video_thresholds") or {}
    thresholds = ", ".join(
        (f"{name} {value:.4f}" if value is not None else f"{name} none")
        + (f" (videos {videos[name]:.4f})" if name in videos else "")
        for name, value in metrics["thresholds"].items()
    )
    laundering = f"; laundering {proto['laundering']}" if proto.get("laundering") else ""
    boot = metrics.get("bootstrap", {})
    return (
        f"Protocol: unmask {proto['unmask_version']}, model {model['name']} {model['version']} "
        f"(sha256 {model['sha256'][:12]}), crops {proto['contract']['name']} {proto['contract']['size']} px, "
        f"{proto['sampling']} per video, faces >= {proto['min_score_face']:g} px scored, "
        f"video score: {proto['video_score']}; frame score: {proto['frame_score']}{laundering}. "
        f"Thresholds: {thresholds}. Intervals: {boot.get('replicates', 0)} bootstrap replicates over "
        f"{boot.get('resampled', 'files')}. AT T: fakes called fake / fakes, reals called fake / reals."
    )


def _plt():  # noqa: ANN202 - matplotlib's pyplot, imported on first use with a backend that needs no screen
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _scored(records: Sequence[Record], detector: str) -> list[Record]:
    return [r for r in records if r.get(detector) and r[detector]["video"] is not None]


def plot_families(
    runs: Mapping[str, tuple[Sequence[Record], str]],
    path: Path,
    thresholds: Mapping[str, float] | None = None,
    video_thresholds: Mapping[str, float] | None = None,
) -> Path:
    """One panel per family of fakes (:data:`~unmask.evaluate.families.FAMILIES`): the ROC of each named run
    (``name -> (records, detector)``, one score per file) with its AUC and, where ``thresholds`` (or, for the
    video families, ``video_thresholds``) names it, the point it operates at, marked."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(FAMILIES), figsize=(4.2 * len(FAMILIES), 4.2), squeeze=False)
    scored = {name: family_scores(list(records), detector) for name, (records, detector) in runs.items()}
    for column, (family, (_, kind)) in enumerate(FAMILIES.items()):
        ax = axes[0][column]
        counts = ""
        for name, families in scored.items():
            labels, scores = families[family]
            if not labels.any() or labels.all():
                continue
            counts = f"{int(labels.sum())} fakes, {int((labels == 0).sum())} reals"
            fpr, tpr, _ = roc_curve(labels.astype(bool), scores)
            (line,) = ax.plot(fpr, tpr, label=f"{name} ({roc_auc(labels, scores):.3f})", linewidth=1.2)
            at = (video_thresholds or {}).get(name) if kind == "video" else None
            at = at if at is not None else (thresholds or {}).get(name)
            if at is not None:
                caught, alarms = (scores[labels == 1] >= at).mean(), (scores[labels == 0] >= at).mean()
                ax.plot([alarms], [caught], "o", color=line.get_color(), markersize=6)
        ax.plot([0, 1], [0, 1], color="#bbb", linewidth=0.8, linestyle="--")
        ax.set_title(f"{family} ({counts})", fontsize=9)
        ax.set_xlabel("false alarms (reals called fake)", fontsize=8)
        ax.set_ylabel("fakes caught", fontsize=8)
        ax.legend(fontsize=7, loc="lower right", title="AUC; dot: at its threshold", title_fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_roc(records: Sequence[Record], detectors: Sequence[str], path: Path) -> Path:
    """ROC curves at the video and frame level, one line per detector, for every set and overall."""
    plt = _plt()
    groups = ["all", *sorted({r["group"] for r in records})]
    fig, axes = plt.subplots(2, len(groups), figsize=(3.2 * len(groups), 6.4), squeeze=False)
    for column, group in enumerate(groups):
        rows = [r for r in records if group == "all" or r["group"] == group]
        for row, level in enumerate(("video", "frame")):
            ax = axes[row][column]
            for detector in detectors:
                scored = _scored(rows, detector)
                if level == "video":
                    labels = np.array([r["label"] == "fake" for r in scored])
                    scores = np.array([r[detector]["video"] for r in scored], dtype=float)
                else:
                    labels = np.concatenate(
                        [[r["label"] == "fake"] * len(r[detector]["frames"]) for r in scored] or [[]]
                    )
                    scores = np.concatenate([r[detector]["frames"] for r in scored] or [[]]).astype(float)
                if len(labels) and labels.any() and not labels.all():
                    fpr, tpr, _ = roc_curve(labels.astype(bool), scores)
                    ax.plot(fpr, tpr, label=detector)
            ax.plot([0, 1], [0, 1], color="#bbb", linewidth=0.8, linestyle="--")
            ax.set_title(f"{group}: {level}s", fontsize=9)
            ax.set_xlabel("false alarms (reals called fake)", fontsize=7)
            ax.set_ylabel("fakes caught", fontsize=7)
            ax.tick_params(labelsize=7)
            if ax.lines[:-1]:
                ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_histograms(
    records: Sequence[Record], detectors: Sequence[str], thresholds: dict[str, float | None], path: Path
) -> Path:
    """Frame-score histograms of reals against fakes, one panel per detector, its threshold marked."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(detectors), figsize=(4.5 * len(detectors), 3.2), squeeze=False)
    bins = np.linspace(0, 1, 41)
    for ax, detector in zip(axes[0], detectors, strict=True):
        for label in ("real", "fake"):
            values = [s for r in _scored(records, detector) if r["label"] == label for s in r[detector]["frames"]]
            if values:
                ax.hist(values, bins=bins, alpha=0.55, color=COLOURS[label], label=f"{label} ({len(values)} frames)")
        if thresholds.get(detector) is not None:
            ax.axvline(thresholds[detector], color="black", linewidth=1, linestyle=":", label="threshold")
        ax.set_yscale("log")
        ax.set_title(detector, fontsize=9)
        ax.set_xlabel("frame score", fontsize=8)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plot_timelines(records: Sequence[Record], threshold: float | None, path: Path, limit: int = 48) -> Path | None:
    """Per-video frame-score timelines of unmask (up to ``limit`` videos), reals blue, fakes red."""
    videos = [r for r in _scored(records, "unmask") if len(r["unmask"]["frames"]) > 1][:limit]
    if not videos:
        return None
    plt = _plt()
    columns = 4
    rows = math.ceil(len(videos) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 1.9 * rows), squeeze=False, sharey=True)
    for ax, record in zip(axes.flat, videos, strict=False):
        times = [t if t is not None else i for i, t in enumerate(record.get("frame_times") or [])]
        scores = record["unmask"]["frames"]
        ax.plot(times or range(len(scores)), scores, color=COLOURS[record["label"]], linewidth=1.2)
        if threshold is not None:
            ax.axhline(threshold, color="black", linewidth=0.8, linestyle=":")
        ax.set_ylim(0, 1)
        ax.set_title(f"{record['label']}: {record['key']}"[-48:], fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(videos) :]:
        ax.axis("off")
    fig.supxlabel("seconds", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_robustness(ladder: dict[str, Any], path: Path) -> Path:
    """Video AUC per rung of the laundering ladder, one line per set and detector."""
    plt = _plt()
    rungs = ["none", *(rung["name"] for rung in ladder["rungs"])]
    series: dict[str, list[float]] = {}
    for position, rung in enumerate([ladder["baseline"], *ladder["rungs"]]):
        for group, values in rung["groups"].items():
            for detector, auc in values.items():
                series.setdefault(f"{group} / {detector}", [math.nan] * len(rungs))[position] = (
                    math.nan if auc is None else auc
                )
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(rungs)), 3.8))
    for name, values in sorted(series.items()):
        ax.plot(
            range(len(rungs)), values, marker="o", markersize=3, label=name, linestyle="-" if "unmask" in name else "--"
        )
    ax.set_xticks(range(len(rungs)), rungs, rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("video AUC")
    ax.set_ylim(0, 1.02)
    ax.axhline(0.5, color="#bbb", linewidth=0.8)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_summary(
    metrics: dict[str, Any], records: Sequence[Record], out_dir: Path, ladder: dict | None = None
) -> Path:
    """Write the plots and ``index.html`` into ``out_dir``; returns the page."""
    detectors = detectors_of(metrics)
    figures = [
        ("ROC curves", plot_roc(records, detectors, out_dir / "roc.png")),
        (
            "Scores of real and fake frames",
            plot_histograms(records, detectors, metrics["thresholds"], out_dir / "histograms.png"),
        ),
        (
            "Per-video timelines (unmask)",
            plot_timelines(records, video_threshold(metrics), out_dir / "timelines.png"),
        ),
    ]
    if ladder is not None:
        figures.append(("Robustness ladder", plot_robustness(ladder, out_dir / "robustness.png")))
    table = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in summary_rows(metrics)
    )
    head = "".join(f"<th>{html.escape(name)}</th>" for name in COLUMNS)
    images = "".join(
        f"<h2>{html.escape(title)}</h2><img src='{path.name}' alt='{html.escape(title)}'>"
        for title, path in figures
        if path is not None
    )
    ladder_table = "" if ladder is None else robustness_html(ladder)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>unmask eval: {html.escape(metrics.get("dataset", ""))}</title>
<style>body{{font:14px system-ui,sans-serif;margin:2em;max-width:1400px}}
table{{border-collapse:collapse;font-size:12px}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}
td:first-child,td:nth-child(4){{text-align:left}}
img{{max-width:100%;border:1px solid #eee}}code,pre{{background:#f6f6f6}}</style></head><body>
<h1>unmask eval</h1>
<p>Dataset: <code>{html.escape(metrics.get("dataset", ""))}</code></p>
<p>{html.escape(protocol_text(metrics))}</p>
<table><tr>{head}</tr>{table}</table>
{ladder_table}
{images}
<h2>Protocol (JSON)</h2><pre>{html.escape(json.dumps(metrics["protocol"], indent=2))}</pre>
</body></html>
"""
    page_path = out_dir / "index.html"
    page_path.write_text(page, encoding="utf-8")
    return page_path


def robustness_rows(ladder: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """A table of video AUC: one row per rung, one column per set and detector (sets with one class only, whose
    AUC is never defined, are left out), and the files with no scorable face after that laundering."""
    rungs = [rung for rung in [ladder["baseline"], *ladder["rungs"]] if rung is not None]
    cells = [{f"{g} / {d}": auc for g, v in rung["groups"].items() for d, auc in v.items()} for rung in rungs]
    columns = sorted({column for row in cells for column, auc in row.items() if auc is not None})
    rows = [
        [rung["name"], *(_number(row.get(column)) for column in columns), str(rung.get("not_applicable", "-"))]
        for rung, row in zip(rungs, cells, strict=True)
    ]
    return ["RUNG", *columns, "N/A"], rows


def robustness_text(ladder: dict[str, Any]) -> str:
    header, rows = robustness_rows(ladder)
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in table)


def robustness_html(ladder: dict[str, Any]) -> str:
    header, rows = robustness_rows(ladder)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h2>Robustness ladder (video AUC)</h2><table><tr>{head}</tr>{body}</table>"
