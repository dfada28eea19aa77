import numpy as np

from unmask.evaluate.run import summarise
from unmask.evaluate.summary import robustness_text, summary_text, write_summary

PROTOCOL = {
    "unmask_version": "0.0",
    "model": {"name": "m", "version": "1", "sha256": "ab" * 32},
    "contract": {"name": "unmask-align-v1", "size": 224},
    "sampling": "4 evenly spaced frames",
    "min_score_face": 64,
    "frame_score": "highest face score in the frame",
    "video_score": "mean of tracks",
    "laundering": None,
}


def records():
    rng = np.random.default_rng(0)
    out = []
    for number in range(12):
        label = "fake" if number % 2 else "real"
        group = "a" if number < 6 else "b"
        frames = list(np.clip(rng.normal(0.7 if label == "fake" else 0.3, 0.1, 4), 0, 1))
        peer = list(rng.random(4))
        out.append(
            {
                "key": f"{group}/{number}.mp4",
                "group": group,
                "label": label,
                "method": "swap" if label == "fake" else "original",
                "verdict": label,
                "unmask": {"video": float(np.mean(frames)), "frames": frames, "faces": frames},
                "peer": {"video": float(np.mean(peer)), "frames": peer, "faces": peer},
                "frame_times": [0.0, 0.5, 1.0, 1.5],
            }
        )
    return out


def metrics_of(rows):
    thresholds = {"unmask": 0.5, "peer": None}
    return {
        "dataset": "d",
        "thresholds": thresholds,
        "protocol": PROTOCOL,
        "bootstrap": {"replicates": 20, "resampled": "files"},
        "groups": summarise(rows, thresholds, 20),
    }


def test_summary_text_has_a_row_per_group_and_detector_and_the_protocol():
    text = summary_text(metrics_of(records()))
    lines = text.splitlines()
    assert lines[0].startswith("GROUP") and "VIDEO AUC [95% CI]" in lines[0]
    rows = [line.split()[:4] for line in lines[1:] if line and not line.startswith("Protocol")]
    assert [row[0] for row in rows] == ["all", "all", "set:a", "set:a", "set:b", "set:b", "method:swap", "method:swap"]
    assert {row[3] for row in rows} == {"unmask", "peer"}
    assert "1.000 [1.00, 1.00]" in lines[1]  # unmask separates them all
    assert "6/6 0/6" in lines[1]  # at its threshold: every fake, no real
    assert "Protocol: unmask 0.0, model m 1" in text and "20 bootstrap replicates" in text


def test_write_summary_writes_plots_and_a_page(tmp_path):
    rows = records()
    metrics = metrics_of(rows)
    ladder = {
        "baseline": {"name": "none", "groups": {"all": {"unmask": 1.0, "peer": 0.5}}},
        "rungs": [
            {"name": "jpeg-30", "groups": {"all": {"unmask": 0.8, "peer": None}, "reals": {"unmask": None}}},
        ],
    }
    page = write_summary(metrics, rows, tmp_path, ladder)
    text = page.read_text()
    for name in ("roc.png", "histograms.png", "timelines.png", "robustness.png"):
        assert (tmp_path / name).stat().st_size > 5000 and f"src='{name}'" in text
    assert "Robustness ladder" in text and "<td>jpeg-30</td><td>-</td><td>0.800</td><td>-</td>" in text
    lines = robustness_text(ladder).splitlines()
    assert lines[0].split() == ["RUNG", "all", "/", "peer", "all", "/", "unmask", "N/A"]  # no column for 'reals'
    assert lines[2].split() == ["jpeg-30", "-", "0.800", "-"]


def test_the_families_plot_draws_each_run_and_marks_its_operating_point(tmp_path, monkeypatch):
    import unmask.evaluate.summary as summary_module

    def record(key, group, label, score):
        return {"key": key, "group": group, "label": label, "unmask": {"video": score}}

    records = [
        record("ffpp/fake/a.mp4", "ffpp", "fake", 0.9),
        record("animated/x/fake/b.mp4", "animated", "fake", 0.6),
        record("real_video/r.mp4", "real_video", "real", 0.5),
        record("ciplab/fake/c.jpg", "ciplab", "fake", 0.8),
        record("ciplab/real/d.jpg", "ciplab", "real", 0.2),
    ]
    marked = []
    plt = summary_module._plt()
    real_plot = plt.Axes.plot

    def plot(self, *args, **kwargs):
        if len(args) == 3 and args[2] == "o":
            marked.append((args[0][0], args[1][0]))  # (false alarms, fakes caught) at the threshold
        return real_plot(self, *args, **kwargs)

    monkeypatch.setattr(plt.Axes, "plot", plot)
    path = summary_module.plot_families(
        {"ours": (records, "unmask")}, tmp_path / "families.png", {"ours": 0.95}, {"ours": 0.55}
    )
    assert path.stat().st_size > 1000
    # swap and re-rendered at the video threshold (0.55: the fake caught, the real not), composites at 0.95 (none).
    assert marked == [(0.0, 1.0), (0.0, 1.0), (0.0, 0.0)]


def test_an_eval_folders_scores_are_read_back_and_a_folder_without_them_is_one_line(tmp_path):
    import json

    import pytest

    from unmask.errors import UnmaskError
    from unmask.evaluate.summary import SCORES_FILE, read_scores

    rows = [{"key": "a.mp4", "label": "real"}, {"key": "b.jpg", "label": "fake"}]
    (tmp_path / SCORES_FILE).write_text("".join(json.dumps(row) + "\n" for row in rows) + "\n")
    assert read_scores(tmp_path) == rows
    with pytest.raises(UnmaskError, match=r"no scores.jsonl \(not an unmask eval folder\)$"):
        read_scores(tmp_path / "elsewhere")
