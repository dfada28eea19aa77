"""Crop folders of ``unmask faces`` as training reads them."""

import json

import pytest

from unmask.faces.align import ALIGNMENT, CropContract
from unmask.forge.sources import crop_contract


def folder_with(tmp_path, name, contract):
    folder = tmp_path / name
    folder.mkdir()
    if contract is not None:
        (folder / "run.json").write_text(json.dumps({"contract": contract.to_dict()}))
    return folder


def test_the_contract_is_read_from_the_crops(tmp_path):
    wide = CropContract(name="wide", size=256, scale=1.6)
    assert crop_contract([folder_with(tmp_path, "a", wide), folder_with(tmp_path, "b", wide)]) == wide
    assert crop_contract([folder_with(tmp_path, "c", ALIGNMENT)]) == ALIGNMENT


def test_mixed_or_unstated_contracts_are_refused(tmp_path):
    wide = CropContract(name="wide", size=256, scale=1.6)
    one, other = folder_with(tmp_path, "a", ALIGNMENT), folder_with(tmp_path, "b", wide)
    with pytest.raises(ValueError, match="different contracts"):
        crop_contract([one, other])
    with pytest.raises(ValueError, match="cannot read the crop contract"):
        crop_contract([folder_with(tmp_path, "none", None)])
    with pytest.raises(ValueError, match="no crop folders"):
        crop_contract([])
