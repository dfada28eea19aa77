"""Fakes by family against the same reals, and an operating point set on real files only."""

import pytest

from unmask.evaluate.families import auc_difference, family_metrics, kind_of, operating_point


def record(key, group, label, score):
    return {"key": key, "group": group, "label": label, "unmask": {"video": score}}


RECORDS = [
    record("ffpp/fake/a.mp4", "ffpp", "fake", 0.9),
    record("dfdc/fake/b.mp4", "dfdc", "fake", 0.4),
    record("dfdc/fake/c.jpg", "dfdc", "fake", 0.99),  # a photo: not in the swap family (videos)
    record("animated/x/fake/d.gif", "animated", "fake", 0.7),  # a GIF is a video
    record("animated/x/fake/e.mp4", "animated", "fake", None),  # not scored: left out
    record("real_video/r1.mp4", "real_video", "real", 0.5),
    record("animated/x/real/r2.mp4", "animated", "real", 0.1),
    record("ciplab/fake/f.jpg", "ciplab", "fake", 0.8),
    record("ciplab/real/g.jpg", "ciplab", "real", 0.2),
    record("ciplab/real/h.jpg", "ciplab", "real", 0.85),
]


def test_each_family_is_scored_against_its_reals():
    metrics = family_metrics(RECORDS, threshold=0.6)
    swap, rerendered, composites = metrics["swap"], metrics["rerendered"], metrics["composites"]
    assert (swap["fakes"], swap["reals"]) == (2, 2)  # a.mp4, b.mp4 against r1, r2
    assert swap["auc"] == pytest.approx(0.75)  # 0.9 beats both reals, 0.4 beats one
    assert (swap["fakes_flagged"], swap["reals_flagged"]) == (1, 0)
    assert (rerendered["fakes"], rerendered["auc"], rerendered["fakes_flagged"]) == (1, 1.0, 1)
    assert (composites["fakes"], composites["reals"], composites["auc"]) == (1, 2, 0.5)
    assert composites["reals_flagged"] == 1
    assert swap["tpr_at_1pct_fpr"] == pytest.approx(0.5)  # above every real: only a.mp4
    assert "fakes_flagged" not in family_metrics(RECORDS)["swap"]


def test_a_video_threshold_calls_the_video_families_and_leaves_the_photos_alone():
    metrics = family_metrics(RECORDS, threshold=0.95, video_threshold=0.45)
    swap, rerendered, composites = metrics["swap"], metrics["rerendered"], metrics["composites"]
    assert (swap["fakes_flagged"], swap["reals_flagged"]) == (1, 1)  # a.mp4 (0.9); r1 (0.5)
    assert rerendered["fakes_flagged"] == 1  # d.gif (0.7)
    assert (composites["fakes_flagged"], composites["reals_flagged"]) == (0, 0)  # photos at 0.95


def test_kinds_follow_the_file_name():
    assert [kind_of(k) for k in ("a.JPG", "b.png", "c.gif", "d.mp4", "e.webm")] == [
        "image",
        "image",
        "video",
        "video",
        "video",
    ]


def test_the_operating_point_reads_real_files_only_and_takes_the_stricter_rule():
    reals = [record(f"v{i}.mp4", "v", "real", i / 100) for i in range(100)]  # videos 0.00 .. 0.99
    reals += [record(f"p{i}.jpg", "p", "real", i / 200) for i in range(20)]  # photos 0.000 .. 0.095
    reals += [record("fake.mp4", "v", "fake", 1.0), record("none.mp4", "v", "real", None)]
    point = operating_point(reals, max_video_fpr=0.02, max_photo_fpr=0.05)
    assert (point["real_videos"], point["real_photos"]) == (100, 20)
    assert 0.97 < point["video_threshold"] <= 0.98  # only 0.98 and 0.99 at or above it: 2%
    assert 0.09 < point["photo_threshold"] <= 0.095  # only 0.095 at or above it: one photo of 20, 5%
    assert point["value"] == point["video_threshold"]
    with pytest.raises(ValueError, match="no scored real file"):
        operating_point([record("f.mp4", "v", "fake", 0.3)])


def test_auc_difference_is_paired_over_the_files_both_scored():
    scores = (0.9, 0.6, 0.99, 0.7, 0.3, 0.5, 0.1, 0.8, 0.2, 0.1)
    better = [dict(r, unmask={"video": s}) for r, s in zip(RECORDS, scores, strict=True)]
    difference = auc_difference(better, RECORDS, replicates=200)
    swap = difference["swap"]
    assert swap["difference"] == pytest.approx(0.25)  # b.mp4 now beats both reals: 1.0 against 0.75
    assert swap["low"] <= swap["difference"] <= swap["high"]
    assert (swap["fakes"], swap["reals"]) == (2, 2)
    # e.mp4 has a score only in `better`: left out, as the baseline did not score it
    assert difference["rerendered"]["fakes"] == 1
    assert difference["composites"]["difference"] == pytest.approx(0.5)
    same = auc_difference(RECORDS, RECORDS, replicates=50)
    assert all(row["difference"] == row["low"] == row["high"] == 0 for row in same.values())
