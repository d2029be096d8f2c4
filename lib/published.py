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

from . import options, paths, profiles

FILES = ("best_weights.npz", "result.json")


@dataclass
class Survey:
    """The published set of one profile against what the current code needs (folders by network name)."""

    published: dict = field(default_factory=dict)  # name -> folder: published, current and whole
    missing: dict = field(default_factory=dict)  # name -> folder name the code needs and nobody published
    stale: list = field(default_factory=list)  # published folders no current network has the key of
    damaged: dict = field(default_factory=dict)  # folder -> what is wrong with it


def needed_networks(setting):
    """Every network the report of ``setting`` needs (``Setting.planned_networks``), with the spread runs of
    every U-Net, since which one is repeated depends on the trained U-Nets."""
    from . import study, training

    plan = setting.planned_networks()
    for model_id in study.family_ids("u-net"):
        plan += [setting.autoencoder(model_id, run) for run in range(1, training.SPREAD_RUNS)]
    return plan


def coming_networks(setting):
    """The networks the report will read (``Setting.coming_networks``), and the final corrector's runs once the
    correctors that choose it are trained (``corrector_evaluation.final_corrector_runs``)."""
    from . import corrector_evaluation

    return setting.coming_networks() + corrector_evaluation.final_corrector_runs(setting)


def survey(setting):
    """Check the published set of ``setting``'s profile: every folder's checksums and weights, and its key
    against the keys the current code computes. A network the report does not read yet (``coming_networks``)
    may be published or not; published, it is checked as the others are."""
    from . import artifacts, study

    needed = {network: network.folder("").name for network in needed_networks(setting)}
    coming = {network.folder("").name: network for network in coming_networks(setting)}
    profile_dir = published_models(setting)
    found = sorted(path for path in profile_dir.glob("*") if path.is_dir()) if profile_dir.is_dir() else []
    result = Survey(stale=[path for path in found if path.name not in {*needed.values(), *coming}])
    needed |= {network: name for name, network in coming.items() if name in {path.name for path in found}}
    records = {}
    for network, folder_name in needed.items():
        folder = profile_dir / folder_name
        if not folder.is_dir():
            result.missing[network] = folder_name
            continue
        try:
            records[folder_name], _ = artifacts.read_finished(folder, network.build())
        except artifacts.DamagedArtifact as damage:
            result.damaged[folder] = str(damage)
            continue
        result.published[network.name] = folder
    u_nets = {
        model_id: records.get(setting.autoencoder(model_id).folder("").name) for model_id in study.family_ids("u-net")
    }
    # Of the U-Nets' further runs only the best U-Net's are needed, and which one that is needs every U-Net.
    best = study.best_new_model_of_records(u_nets)
    result.missing = {
        network.name: folder
        for network, folder in result.missing.items()
        if not network.run or network.config.model_id not in u_nets or network.config.model_id == best
    }
    return result


def publish(setting, write=print):
    """Copy every finished network the report needs, or will (``coming_networks``), from ``setting``'s
    artifact folder into the published set: its ``FILES`` only, checked before and after the copy. Returns the
    names published."""
    from . import artifacts

    target = published_models(setting)
    published = []
    for network in needed_networks(setting) + coming_networks(setting):
        trained = network.folder(setting.out_dir)
        copy = target / trained.name
        if copy.exists() or not artifacts.is_finished(trained):
            continue
        model = network.build()
        artifacts.read_finished(trained, model)  # refuses a damaged folder before anything is copied
        staging = target / f".tmp-{trained.name}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for file in FILES:
            shutil.copy2(trained / file, staging / file)
        artifacts.read_finished(staging, model)
        staging.rename(copy)
        published.append(network.name)
        write(f"published {network.name}: {copy}")
    return published


def published_models(setting):
    """The folder of ``setting``'s published networks: ``published/<profile folder>/models``."""
    return paths.PUBLISHED_DIR / paths.profile_folder(setting.profile.name, setting.dataset) / "models"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(profiles.PROFILES), default="full")
    parser.add_argument("--seed", type=options.seed, default=0)
    options.add_dataset_option(parser)
    parser.add_argument("--check", action="store_true", help="only say what is published, stale, damaged or missing")
    args = parser.parse_args(argv)
    paths.absolute_environment()
    from . import study  # after the command line is read: --help needs no Keras

    setting = study.Setting(args.profile, args.seed, dataset=args.dataset)
    if not args.check:
        publish(setting)
    result = survey(setting)
    print(
        f"{len(result.published)} networks published in {published_models(setting).parent}, {len(result.missing)} "
        f"missing: {', '.join(result.missing) or 'none'}"
    )
    for folder in result.stale:
        print(f"STALE: {folder} is no network of the current code", file=sys.stderr)
    for folder, damage in result.damaged.items():
        print(f"DAMAGED: {folder}: {damage}", file=sys.stderr)
    return 1 if result.stale or result.damaged else 0


if __name__ == "__main__":
    sys.exit(main())
