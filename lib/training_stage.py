"""The training stage: every network a profile's report needs, trained or found in the cache, and nothing else.

    ./build_report.sh train --profile full [--seed N] [--backend jax]

The notebooks then load every network from the artifact cache, so a build trains nothing more. Train
where there is an accelerator, copy the artifact folder (``artifacts/<profile>`` or
``$REPORT_OUTPUT_DIR/<profile>``), and render the report anywhere: a network's cache key hashes its
architecture, its training settings and its training data, not the backend or the machine, and each
result records where it was trained (the results table's "trained on" column).
"""

import argparse
import errno
import os
import sys
import time

from . import data, options, paths, profiles
from .data import DataFileError

BAR_WIDTH = 24


class Progress:
    """One progress bar over the whole study, put in front of every line the training logs.

    Plain lines, no carriage returns, so that it reads the same in a terminal and in a papermill log.
    ``pending`` holds each network still to come, by name, with its price: the FLOPs of one of its epochs
    and its epoch limit. The time left is the seconds per FLOP of the networks trained so far times the
    FLOPs still to come, each network to come running as many epochs as the networks done so far did on
    average (within its limit): a guide, since early stopping decides how many epochs each network runs,
    but one that does not price every network as the first, the costliest (docs/backends.md, "The training stage").
    A network's time is the one its result records, summed over its epochs, so that a network resumed
    from a checkpoint counts whole, not only the epochs this process saw; networks found in the cache
    cost this run nothing, so only their epochs count.
    """

    def __init__(self, pending, write=print, clock=time.perf_counter):
        self.pending, self.write, self.clock = dict(pending), write, clock
        self.started = clock()
        self.done = self.epochs = 0
        self.training_seconds = self.trained_flops = 0.0

    def time_left(self):
        """Seconds still to go: none where everything to come is in the cache; None while nothing has trained
        yet to measure the rate by."""
        if not any(flops for flops, _ in self.pending.values()):
            return 0.0
        if not self.trained_flops:
            return None
        epochs_each = self.epochs / self.done
        flops_to_come = sum(flops * min(epochs_each, limit) for flops, limit in self.pending.values())
        return self.training_seconds / self.trained_flops * flops_to_come

    def status(self):
        networks = self.done + len(self.pending)
        filled = round(BAR_WIDTH * self.done / networks)
        elapsed = self.clock() - self.started
        left = self.time_left()
        estimate = (
            "done"
            if not self.pending
            else "time left: after the first network trained"
            if left is None
            else f"about {_duration(left)} left"
        )
        return (
            f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{networks} networks | "
            f"{self.epochs} epochs | {_duration(elapsed)} elapsed | {estimate}"
        )

    def log(self, line):
        self.write(f"{self.status()} | {line}")

    def finished(self, name, result):
        """Count network ``name`` as done and say so."""
        flops, _ = self.pending.pop(name)
        self.done += 1
        self.epochs += len(result.history)
        if not result.reused:
            self.training_seconds += result.seconds
            self.trained_flops += flops * len(result.history)
        self.log(
            f"{name}: {'reused from the cache' if result.reused else 'trained'} "
            f"(epochs run {len(result.history)}, kept {result.best_epoch}; {result.trained_on})"
        )


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def train_study(
    profile_name, seed, data_dir=None, output_dir=None, write=print, coming=False, dataset=paths.DEFAULT_DATASET
):
    """Train every network the report on ``profile_name`` of ``dataset`` needs (``study.Setting.planned_networks``): the
    study's models, the runs of the batch-size ablation, the reader, its control trained on corrupted images and
    the second reader, then the further runs of the best U-Net that measure the run-to-run spread; with ``coming``,
    the networks the report will read (``Setting.coming_networks``: the correctors) before those runs."""
    from . import artifacts, backend, models, study, training

    setting = study.Setting(profile_name, seed, data_dir, output_dir, dataset)
    write(
        f"Training every network of the {profile_name} profile on {data.DATASETS[dataset]['name']} (seed {seed}) "
        f"into {setting.out_dir}"
    )
    n_train, n_val = len(setting.splits["train"]), len(setting.splits["val"])

    def cost(network):
        """The FLOPs of one epoch of ``network`` and its epoch limit."""
        return models.epoch_flops(network.build, n_train, n_val), network.config.max_epochs

    def finished_record(network):
        """The result record of ``network`` where the artifact folder or the published set holds it whole. A
        damaged published network stops the stage before anything trains (``artifacts.damaged_published``)."""
        folder = network.folder(setting.out_dir)
        place = artifacts.finished_folder(folder)
        if place is None:
            return None
        try:
            return artifacts.read_record(place)
        except artifacts.DamagedArtifact as damage:
            if place != folder:
                raise artifacts.damaged_published(place, damage) from None
            return None  # set aside and trained again when its turn comes

    def price(network):
        """What ``network`` costs this stage: nothing where the cache or the published set holds it."""
        return (0.0, network.config.max_epochs) if finished_record(network) else cost(network)

    first = setting.planned_networks() + (setting.coming_networks() if coming else [])
    prices = {network.name: price(network) for network in first}
    own_runs = {setting.autoencoder(model_id).name: model_id for model_id in study.family_ids("u-net")}
    u_nets = {own_runs[network.name]: network for network in first if network.name in own_runs}
    # The spread runs repeat the best U-Net: known now where every U-Net is finished (and not counted again where
    # the coming networks hold them), else priced as those of the costliest U-Net they may repeat.
    known = study.best_new_model_of_records(
        {model_id: finished_record(network) for model_id, network in u_nets.items()}
    )
    candidates = [known] if known else list(u_nets)
    spread = [setting.autoencoder(model_id, run) for model_id in candidates for run in range(1, training.SPREAD_RUNS)]
    spread_runs = 0 if known and all(network.name in prices for network in spread) else training.SPREAD_RUNS - 1
    placeholders = {f"spread run {run}": max(map(price, spread)) for run in range(1, spread_runs + 1)}
    # The final corrector's runs follow the correctors, priced as the costliest of them.
    final_runs = training.SPREAD_RUNS if coming else 0
    corrector_price = max((cost(network) for network in first if network.name.startswith("corrector ")), default=None)
    placeholders |= {FINAL_RUN.format(run): corrector_price for run in range(final_runs)}
    progress = Progress(prices | placeholders, write)
    found = sum(not flops for flops, _ in prices.values())
    final = f", and up to {final_runs} runs of the final corrector once the correctors are known" if coming else ""
    write(
        f"{len(first) + spread_runs + final_runs} networks, on Keras' {backend.NAME} backend ({backend.device()}): "
        f"{found} found in the artifact folder or the published set, {len(first) - found} to train, and "
        f"{spread_runs} runs of the best U-Net once the U-Nets are known{final}. Ctrl-C stops; the same command "
        "resumes where it stopped."
    )

    train_all(progress, setting, first, u_nets, price, coming)
    return progress


FINAL_RUN = "final corrector run {}"  # a run of the final corrector, while the correctors are not yet known


def train_all(progress, setting, first, u_nets, price, coming=False):
    """Train the ``first`` networks (``setting.planned_networks()``, and the coming ones where asked), then the
    spread runs of the best of ``u_nets`` (model id -> network, among ``first``), each network's price to come by
    ``price``; with ``coming``, then the final corrector's runs (``train_final_corrector``). A network another
    process is training is waited for only once everything else is done; a U-Net as soon as the free networks
    are, since the spread runs need every U-Net and a seed model does not."""
    from . import study

    done, busy = share_out(progress, first, setting)
    busy_u_nets = [network for network in busy if network in u_nets.values()]
    done |= wait_for(progress, busy_u_nets, setting)
    spread_model = study.best_new_model({model_id: done[network] for model_id, network in u_nets.items()})
    trained = {network.name for network in first}
    runs = setting.planned_networks(spread_model)[len(setting.planned_networks()) :]
    for run in range(1, len(runs) + 1):
        progress.pending.pop(f"spread run {run}", None)
    runs = [network for network in runs if network.name not in trained]  # the coming networks may hold them
    for network in runs:
        progress.pending[network.name] = price(network)
    progress.log(f"the best U-Net is model {spread_model}; {len(runs)} more runs of it measure the run-to-run spread")
    _, busy_runs = share_out(progress, runs, setting)
    wait_for(progress, [network for network in busy if network not in busy_u_nets] + busy_runs, setting)
    if coming:
        train_final_corrector(progress, setting, trained | {network.name for network in runs}, price)


def train_final_corrector(progress, setting, trained, price):
    """The final corrector's runs, seeds one apart, once every corrector and U-Net 23's runs are trained: the ideas
    the ablation keeps on the validation images, combined (``corrector_evaluation.final_corrector_id``); none where
    no idea is kept. ``trained`` names the networks this stage has trained or found already."""
    from . import corrector_evaluation, training

    final_id = corrector_evaluation.final_corrector_id(
        corrector_evaluation.ablation(setting, progress.log).against_base()
    )
    for run in range(training.SPREAD_RUNS):
        progress.pending.pop(FINAL_RUN.format(run), None)
    runs = [] if final_id is None else [n for n in setting.corrector_runs(final_id) if n.name not in trained]
    for network in runs:
        progress.pending[network.name] = price(network)
    progress.log(
        f"the final corrector is {final_id}; {len(runs)} runs of it to train or find"
        if final_id
        else "no idea reads more than U-Net 23 on the validation images: U-Net 23 stays the final corrector"
    )
    _, busy = share_out(progress, runs, setting)
    wait_for(progress, busy, setting)


class StageInterrupted(Exception):
    """Ctrl-C while a network was training (or being read from the cache)."""

    def __init__(self, network):
        super().__init__(network)
        self.network = network


def share_out(progress, networks, setting):
    """Train every network that no other process is training (``setting.fit``): network -> ``TrainResult``
    for those, and the list of the busy ones, to come back to (``wait_for``) after the others, when they
    usually come from the cache; so several training stages started on one artifact folder share the work
    instead of queueing behind each other."""
    from .artifacts import NetworkBusy

    results, busy = {}, []
    for network in networks:
        try:
            results[network] = _fit(progress, network, setting, wait=False)
        except NetworkBusy as error:
            progress.log(f"{network.name}: {error}; back to it after the others")
            busy.append(network)
            continue
        progress.finished(network.name, results[network])
    return results, busy


def wait_for(progress, networks, setting):
    """Train or load every network, waiting while another process holds one: network -> ``TrainResult``."""
    results = {}
    for network in networks:
        results[network] = _fit(progress, network, setting, wait=True)
        progress.finished(network.name, results[network])
    return results


def _fit(progress, network, setting, wait):
    try:
        return setting.fit(network, progress.log, wait)
    except KeyboardInterrupt:
        raise StageInterrupted(network.name) from None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(profiles.PROFILES), default="full")
    parser.add_argument("--seed", type=options.seed, default=0)
    options.add_dataset_option(parser)
    options.add_backend_option(parser)
    options.add_retrain_option(parser)
    parser.add_argument(
        "--coming",
        action="store_true",
        help="also train the networks the report will read (the orientation head, the correctors, the depth "
        "experiment on KMNIST and Fashion-MNIST): roughly 30 to 50 h of one-core training on the full profile",
    )
    args = parser.parse_args(argv)
    paths.absolute_environment()
    problem = paths.output_root_problem()
    if problem:
        parser.error(problem)
    os.environ["KERAS_BACKEND"] = args.backend  # before Keras is first imported, in train_study
    options.apply_retrain(args)
    from .artifacts import DamagedArtifact, NetworkBusy

    try:
        train_study(args.profile, args.seed, coming=args.coming, dataset=args.dataset)
    except (DataFileError, DamagedArtifact, NetworkBusy) as error:
        print(f"TRAINING STOPPED: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        print(
            f"TRAINING STOPPED: {error.strerror}. Every finished epoch is checkpointed: run the same command "
            "again once there is room.",
            file=sys.stderr,
        )
        return 1
    except StageInterrupted as stop:
        print(
            f"TRAINING STOPPED: interrupted while {stop.network} was training. Every finished epoch is "
            "checkpointed and every finished network cached: run the same command again to resume.",
            file=sys.stderr,
        )
        return 130  # what a shell reports for a command stopped by Ctrl-C
    except KeyboardInterrupt:
        print("TRAINING STOPPED: interrupted before any network started training; nothing was lost.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
