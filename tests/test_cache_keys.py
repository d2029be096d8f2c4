"""Every network's cache key is pinned: a key that moves orphans every cached and published network it names.

``tests/reference/cache_keys.json`` holds, per profile, the folder (``model_<id>-<key>``) of every network
the report needs, spread runs of each U-Net included, and of those it will need (``Setting.coming_networks``),
which train over days and must keep their keys meanwhile. A change of architecture, settings or data changes
keys on purpose: then retrain and republish what moved (``lib.published --check`` names it) and rewrite
the reference with the keys the new code computes.
"""

import json
from pathlib import Path

import pytest

from lib import profiles, published, study

PINNED = Path(__file__).resolve().parent / "reference" / "cache_keys.json"


@pytest.mark.parametrize("profile", list(profiles.PROFILES))
def test_every_cache_key_is_the_pinned_one(profile, data_dir):
    setting = study.Setting(profile, 0, data_dir)
    computed = sorted(
        {network.folder("").name for network in published.needed_networks(setting) + setting.coming_networks()}
    )
    pinned = json.loads(PINNED.read_text())[profile]
    assert computed == pinned, (
        f"keys moved on the {profile} profile: now {sorted(set(computed) - set(pinned))}, "
        f"no longer {sorted(set(pinned) - set(computed))}"
    )


def test_a_dataset_has_keys_and_folders_of_its_own(data_dir):
    kmnist = study.Setting("smoke", 0, data_dir)
    fashion = study.Setting("smoke", 0, data_dir, dataset="fashion-mnist")
    assert fashion.out_dir == kmnist.out_dir.parent / "fashion-mnist" / "smoke"
    for network in (study.Setting.reader_network, lambda setting: setting.autoencoder("shallow")):
        assert network(kmnist).key != network(fashion).key
