"""The rule that decides whether the temporal branch runs by default, and the limitations written into its card
(tools/ship_temporal.py, loaded from its path: tools/ is not a package)."""

import json

import pytest

from unmask.models import Threshold, load_card


@pytest.fixture(scope="module")
def ship(load_tool):
    return load_tool("ship_temporal")


def group(fused, blend, animation):
    def view(auc):
        return {"video": {"auc": auc}}

    return {"unmask": view(fused), "unmask:blend": view(blend), "unmask:animation": view(animation)}


def test_on_by_default_only_where_fusing_lowers_no_set_clean_or_laundered(ship):
    better = {"set:animated": group(0.714, 0.690, 0.643), "set:dfdc": group(1.0, 1.0, 1.0), "all": group(0.6, 0.7, 0.5)}
    on = ship.status(better, {"jpeg-90": better, "noise-5": better})
    assert on["default"] == "on" and "lowers no dev set's video AUC" in on["why"]
    assert "on the robustness ladder it lowers none (2 rungs)" in on["why"]
    assert "animated: fused 0.714, frame branch alone 0.690, temporal alone 0.643" in on["why"]
    worse = {**better, "set:ffpp": group(0.667, 0.778, 0.444)}
    off = ship.status(worse, {"jpeg-90": better})
    assert off["default"] == "off" and "lowers the video AUC of ffpp" in off["why"]
    # Lowered on one rung of the ladder only: off, and the card says where.
    noisy = ship.status(better, {"jpeg-90": better, "noise-5": {"set:ffpp": group(0.222, 0.778, 0.222)}})
    assert noisy["default"] == "off" and "ffpp at noise-5 (fused 0.222, frame branch alone 0.778)" in noisy["why"]
    # Without the ladder, off: robustness was not measured.
    unmeasured = ship.status(better)
    assert unmeasured["default"] == "off" and "ladder was not measured" in unmeasured["why"]
    # Sets the temporal branch did not score (photos) do not count; with none left, the branch stays off.
    photos = {"set:ciplab": {"unmask": {"video": {"auc": 0.6}}, "unmask:blend": {"video": {"auc": 0.6}}}}
    assert ship.status(photos, {})["default"] == "off" and "not measured" in ship.status(photos, {})["why"]


def temporal_card(**changes):
    return load_card("unmask-temporal").replace(**changes)


def test_a_ladder_made_with_another_model_is_refused(ship, tmp_path):
    card = temporal_card(version="9.9.9", sha256="abc", threshold=Threshold(0.3))
    for rung, sha in (("jpeg-90", "abc"), ("noise-5", "abc")):
        (tmp_path / rung).mkdir()
        protocol = {"temporal_model": {"sha256": sha}, "temporal_threshold": 0.3}
        (tmp_path / rung / "metrics.json").write_text(json.dumps({"protocol": protocol, "groups": {"all": {}}}))
    assert set(ship.load_ladder(tmp_path, card)) == {"jpeg-90", "noise-5"}
    with pytest.raises(SystemExit, match="another temporal model or threshold"):
        ship.load_ladder(tmp_path, card.replace(threshold=Threshold(0.5)))
    with pytest.raises(SystemExit, match="no rung"):
        ship.load_ladder(tmp_path / "jpeg-90", card)


def test_limitations_carry_the_dev_figures_and_the_burst(ship):
    card = temporal_card(
        training={"videos": [{}] * 38}, window=16, step_s=0.075, threshold=Threshold(0.5, details={"real_tracks": 8})
    )
    text = " ".join(ship.limitations(card, {"set:animated": group(0.714, 0.690, 0.643)}))
    assert "38 real videos" in text and "0.643 alone, 0.714 fused (the frame branch alone 0.690)" in text
    assert "one burst of 16 frames about 0.075 s apart" in text and "8 real dev tracks" in text
    assert "n/a alone" in " ".join(ship.limitations(card, {}))
