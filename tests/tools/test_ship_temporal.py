"""The rule that decides whether the temporal branch runs by default, and the limitations written into its card
(tools/ship_temporal.py, loaded from its path: tools/ is not a package)."""

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "ship_temporal.py"


@pytest.fixture(scope="module")
def ship():
    spec = importlib.util.spec_from_file_location("ship_temporal", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def group(fused, blend, animation):
    def view(auc):
        return {"video": {"auc": auc}}

    return {"unmask": view(fused), "unmask:blend": view(blend), "unmask:animation": view(animation)}


def test_on_by_default_only_where_fusing_lowers_no_set(ship):
    better = {"set:animated": group(0.714, 0.690, 0.643), "set:dfdc": group(1.0, 1.0, 1.0), "all": group(0.6, 0.7, 0.5)}
    on = ship.status(better)
    assert on["default"] == "on" and "lowers no dev set's video AUC" in on["why"]
    assert "animated: fused 0.714, frame branch alone 0.690, temporal alone 0.643" in on["why"]
    worse = {**better, "set:ffpp": group(0.667, 0.778, 0.444)}
    off = ship.status(worse)
    assert off["default"] == "off" and "lowers the video AUC of ffpp" in off["why"]
    # Sets the temporal branch did not score (photos) do not count; with none left, the branch stays off.
    photos = {"set:ciplab": {"unmask": {"video": {"auc": 0.6}}, "unmask:blend": {"video": {"auc": 0.6}}}}
    assert ship.status(photos)["default"] == "off" and "not measured" in ship.status(photos)["why"]


def test_limitations_carry_the_dev_figures_and_the_burst(ship):
    card = {"training": {"videos": [{}] * 38}, "window": 16, "step_s": 0.075, "threshold": {"real_tracks": 8}}
    text = " ".join(ship.limitations(card, {"set:animated": group(0.714, 0.690, 0.643)}))
    assert "38 real videos" in text and "0.643 alone, 0.714 fused (the frame branch alone 0.690)" in text
    assert "one burst of 16 frames about 0.075 s apart" in text and "8 real dev tracks" in text
    assert "n/a alone" in " ".join(ship.limitations(card, {}))
