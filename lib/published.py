"""The published set: trained networks shipped with the report, so that a build renders the study in minutes.

``published/<profile>/models/model_<id>-<key>/`` holds one network as the artifact cache keeps it once
trained: ``best_weights.npz`` and ``result.json`` (its history, kept epoch, training time and where it was
trained: backend, device, CPU, library versions, commit, date), both checksummed; no checkpoint and no
optimizer state. ``lib.training`` looks a network up in the artifact folder, then here, by the same key,
unless ``--retrain`` leaves the published set out.

    python -m lib.published --profile full           # publish every finished network the report needs
    python -m lib.published --profile full --check   # what is published, stale, damaged or missing
"""

import argparse
import shutil
import sys
from dataclasses import dataclass, field
from types import SimpleNamespace

from . import experiment, options, train
from .training import PUBLISHED_DIR

FILES = ("best_weights.npz", "result.json")


@dataclass
class Survey:
    """The published set of one profile against what the current code needs (folder names by network)."""

    published: dict = field(default_factory=dict)  # name -> folder: published, current and whole
    missing: dict = field(default_factory=dict)  # name -> folder name the code needs and nobody published
    stale: list = field(default_factory=list)  # published folders no current network has the key of
    damaged: dict = field(default_factory=dict)  # folder -> what is wrong with it


def needed_folders(profile_name, seed, splits):
    """Every network the report on ``profile_name`` needs (``train.planned_networks``) -> the name of its
    folder, ``model_<id>-<key>``, with the key the current code computes, its builder and its
    ``train.Network``; the spread runs of every U-Net, since which one is repeated depends on the trained U-Nets."""
    from . import study, training
    from .backend import keras

    profile = experiment.get_profile(profile_name)
    plan = train.planned_networks()
    for model_id in study.family_ids("u-net"):
        plan |= {f"{name} (if model {model_id})": network
                 for name, network in train.planned_networks(model_id).items() if network.run}
    folders = {}
    for name, network in plan.items():
        config, build, train_data, val_data = train.network_parts(network, splits, profile, seed)
        with keras.StatelessScope(initialize_variables=False):  # the key needs the architecture, not weights
            model = build()
        folders[name] = (training.model_folder(config, model, train_data, val_data, "").name, build, network)
    return folders


def survey(profile_name, seed=0, data_dir=None):
    """Check the published set of ``profile_name``: every folder's checksums and weights, and its key
    against the keys the current code computes."""
    from . import study, training

    splits = experiment.load_splits(profile_name, seed, data_dir=data_dir)
    needed = needed_folders(profile_name, seed, splits)
    profile_dir = PUBLISHED_DIR / profile_name / "models"
    found = sorted(path for path in profile_dir.glob("*") if path.is_dir()) if profile_dir.is_dir() else []
    result = Survey(stale=[path for path in found if path.name not in {name for name, _, _ in needed.values()}])
    records = {}
    for name, (folder_name, build, _) in needed.items():
        folder = profile_dir / folder_name
        if not folder.is_dir():
            result.missing[name] = folder_name
            continue
        try:
            records[name] = training.read_finished(folder, build())
        except training.DamagedArtifact as damage:
            result.damaged[folder] = str(damage)
            continue
        result.published[name] = folder
    u_nets = {model_id: records.get(f"model {model_id}") for model_id in study.family_ids("u-net")}
    # Only the best U-Net's spread runs are needed, and which one that is needs every U-Net.
    best = (study.best_new_model({model_id: SimpleNamespace(**record) for model_id, record in u_nets.items()})
            if all(u_nets.values()) else None)
    result.missing = {name: folder for name, folder in result.missing.items()
                      if not needed[name][2].run or needed[name][2].model_id == best}
    return result


def publish(profile_name, seed=0, data_dir=None, output_dir=None, write=print):
    """Copy every finished network the report needs from the artifact folder into the published set:
    its ``FILES`` only, checked before and after the copy. Returns the names published."""
    from . import training

    splits = experiment.load_splits(profile_name, seed, data_dir=data_dir)
    source = experiment.output_dir(profile_name, output_dir) / "models"
    target = PUBLISHED_DIR / profile_name / "models"
    published = []
    for name, (folder_name, build, _) in needed_folders(profile_name, seed, splits).items():
        trained, copy = source / folder_name, target / folder_name
        if copy.exists() or not (trained / "result.json").exists():
            continue
        model = build()
        training.read_finished(trained, model)  # refuses a damaged folder before anything is copied
        staging = target / f".tmp-{folder_name}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for file in FILES:
            shutil.copy2(trained / file, staging / file)
        training.read_finished(staging, model)
        staging.rename(copy)
        published.append(name)
        write(f"published {name}: {copy}")
    return published


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(experiment.PROFILES), default="full")
    parser.add_argument("--seed", type=options.seed, default=0)
    parser.add_argument("--check", action="store_true", help="only say what is published, stale, damaged or missing")
    args = parser.parse_args(argv)
    options.absolute_environment()
    if not args.check:
        publish(args.profile, args.seed)
    result = survey(args.profile, args.seed)
    print(f"{len(result.published)} networks published in {PUBLISHED_DIR / args.profile}, {len(result.missing)} "
          f"missing: {', '.join(result.missing) or 'none'}")
    for folder in result.stale:
        print(f"STALE: {folder} is no network of the current code", file=sys.stderr)
    for folder, damage in result.damaged.items():
        print(f"DAMAGED: {folder}: {damage}", file=sys.stderr)
    return 1 if result.stale or result.damaged else 0


if __name__ == "__main__":
    sys.exit(main())
