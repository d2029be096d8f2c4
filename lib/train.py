"""The training stage: every network a profile's report needs, trained or found in the cache, and nothing else.

    ./build_report.sh train --profile full [--seed N] [--backend jax]

The notebooks then load every network from the artifact cache, so a build trains nothing more. Train
where there is an accelerator, copy the artifact folder (``artifacts/<profile>`` or
``$REPORT_OUTPUT_DIR/<profile>``), and render the report anywhere: a network's cache key hashes its
architecture, its training settings and its training data, not the backend or the machine, and each
result records where it was trained (the results table's "trained on" column).
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass

from . import experiment, options

BAR_WIDTH = 24


class Progress:
    """One progress bar over the whole study, put in front of every line the training logs.

    Plain lines, no carriage returns, so that it reads the same in a terminal and in a papermill log.
    ``pending`` holds each network still to come, by name, with its price: the FLOPs of one of its epochs
    and its epoch limit. The time left is the seconds per FLOP of the networks trained so far times the
    FLOPs still to come, each network to come running as many epochs as the networks done so far did on
    average (within its limit): a guide, since early stopping decides how many epochs each network runs,
    but one that does not price every network as the first, the costliest (README "The training stage").
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
        """Seconds still to go, or None before a network has been trained."""
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
        estimate = ("done" if not self.pending else "time left: after the first network trained" if left is None
                    else f"about {_duration(left)} left")
        return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{networks} networks | "
                f"{self.epochs} epochs | {_duration(elapsed)} elapsed | {estimate}")

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
        self.log(f"{name}: {'reused from the cache' if result.reused else 'trained'} "
                 f"(epochs run {len(result.history)}, kept {result.best_epoch}; {result.trained_on})")


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


@dataclass(frozen=True)
class Network:
    """One network the report needs: an autoencoder of the study (``run`` > 0: a spread run; ``batch_size``:
    a run of the batch-size ablation), or a reader (``classifier.MODEL_ID`` or ``classifier.CONTROL_ID``)."""

    model_id: str
    run: int = 0
    batch_size: int | None = None


def planned_networks(spread_model=None):
    """Every network the report needs, by name, in the order the stage trains them; the spread runs once the
    best U-Net, ``spread_model``, is known.

    The batch-size ablation's runs go first: what they find decides the batch size of the seed's models.
    The spread runs need every U-Net trained to know which one to repeat, and U-Net 23 is the costliest
    network (an epoch costs 3.5 to 5.6 times another U-Net's, README "Measured cost"): the U-Nets go next,
    the widest first, so that stages started together do not all wait on it at the end.
    """
    from . import classifier, models, study, training

    u_nets = study.family_ids("u-net")[::-1]
    plan = {f"model {model_id} at batch size {size}": Network(model_id, batch_size=size)
            for model_id, size in study.batch_ablation_runs()}
    plan |= {f"model {model_id}": Network(model_id) for model_id in u_nets}
    plan |= {"classifier": Network(classifier.MODEL_ID), "classifier on corrupted images": Network(classifier.CONTROL_ID)}
    plan |= {f"model {model_id}": Network(model_id) for model_id in models.MODEL_IDS if model_id not in u_nets}
    if spread_model is not None:
        plan |= {f"run {run} of the best U-Net": Network(spread_model, run) for run in range(1, training.SPREAD_RUNS)}
    return plan


def network_parts(network, splits, profile, seed):
    """(config, build, training data, validation data) of a network: what its training and its key take."""
    from . import classifier, models, training

    if network.model_id in (classifier.MODEL_ID, classifier.CONTROL_ID):
        corrupted = network.model_id == classifier.CONTROL_ID
        return (classifier.config_for(seed, profile.max_epochs, network.model_id), classifier.build,
                classifier.labelled_images(splits["train"], corrupted), classifier.labelled_images(splits["val"], corrupted))
    return (training.config_for(network.model_id, seed, profile.max_epochs, network.run, network.batch_size),
            lambda: models.build(network.model_id), training.autoencoder_data(splits["train"]),
            training.autoencoder_data(splits["val"]))


def train_network(network, splits, profile, seed, out_dir, log=print, wait=True):
    """Train ``network`` (or find it in the cache or the published set): its ``TrainResult``."""
    from . import classifier, study

    if network.model_id in (classifier.MODEL_ID, classifier.CONTROL_ID):
        return classifier.train(splits, seed, out_dir, profile.max_epochs, log, wait,
                                on_corrupted=network.model_id == classifier.CONTROL_ID)
    return study.train_models([network.model_id], splits, profile, seed, out_dir, log, network.run, wait,
                              network.batch_size)[network.model_id]


def train_study(profile_name, seed, data_dir=None, output_dir=None, write=print):
    """Train every network the report on ``profile_name`` needs (``planned_networks``): the study's models,
    the runs of the batch-size ablation, the reader and its control trained on corrupted images, then the
    further runs of the best U-Net that measure the run-to-run spread."""
    from . import models, study

    profile = experiment.get_profile(profile_name)
    splits = experiment.load_splits(profile_name, seed, data_dir=data_dir)
    out_dir = experiment.output_dir(profile_name, output_dir)
    write(f"Training every network of the {profile_name} profile (seed {seed}) into {out_dir}")

    def job(network):
        return lambda wait: train_network(network, splits, profile, seed, out_dir, progress.log, wait)

    def price(network):
        config, build, _, _ = network_parts(network, splits, profile, seed)
        return models.epoch_flops(build, len(splits["train"]), len(splits["val"])), config.max_epochs

    first = planned_networks()
    prices = {name: price(network) for name, network in first.items()}
    u_nets = study.family_ids("u-net")
    spread_runs = [name for name in planned_networks(u_nets[0]) if name not in first]
    # Until the U-Nets are done, the spread runs are priced as the costliest U-Net.
    costliest_u_net = max(prices[f"model {model_id}"] for model_id in u_nets)
    progress = Progress(prices | dict.fromkeys(spread_runs, costliest_u_net), write)

    done = share_out(progress, {name: job(network) for name, network in first.items()})
    spread_model = study.best_new_model({model_id: done[f"model {model_id}"] for model_id in u_nets})
    progress.pending |= dict.fromkeys(spread_runs, prices[f"model {spread_model}"])
    progress.log(f"the best U-Net is model {spread_model}; {len(spread_runs)} more runs of it measure the "
                 "run-to-run spread")
    share_out(progress, {name: job(network) for name, network in planned_networks(spread_model).items()
                         if name in spread_runs})
    return progress


def share_out(progress, jobs):
    """Run every job (name -> ``job(wait)``, returning a ``TrainResult``): a network that another process
    is training is left for the end, and by then usually comes from the cache, so that several training
    stages started on one artifact folder share the work instead of queueing behind each other."""
    from .training import NetworkBusy

    results, busy = {}, []
    for name, job in jobs.items():
        try:
            results[name] = job(wait=False)
        except NetworkBusy as error:
            progress.log(f"{name}: {error}; back to it after the others")
            busy.append(name)
            continue
        progress.finished(name, results[name])
    for name in busy:
        results[name] = jobs[name](wait=True)
        progress.finished(name, results[name])
    return {name: results[name] for name in jobs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=list(experiment.PROFILES), default="full")
    parser.add_argument("--seed", type=options.seed, default=0)
    options.add_backend_option(parser)
    options.add_retrain_option(parser)
    args = parser.parse_args(argv)
    options.absolute_environment()
    os.environ["KERAS_BACKEND"] = args.backend  # before Keras is first imported, in train_study
    options.apply_retrain(args)
    train_study(args.profile, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
