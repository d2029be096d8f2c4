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

from . import experiment, options

BAR_WIDTH = 24


class Progress:
    """One progress bar over the whole study, put in front of every line the training logs.

    Plain lines, no carriage returns, so that it reads the same in a terminal and in a papermill log.
    The time left is the mean training time of the networks trained so far times the networks still to
    come: a rough guide, since early stopping decides how many epochs each network runs. A network's
    time is the one its result records, summed over its epochs, so that a network resumed from a
    checkpoint counts whole, not only the epochs this process saw; networks found in the cache cost
    this run nothing and are not counted.
    """

    def __init__(self, networks, write=print, clock=time.perf_counter):
        self.networks, self.write, self.clock = networks, write, clock
        self.started = clock()
        self.done = self.epochs = self.trained = 0
        self.training_seconds = 0.0

    def status(self):
        filled = round(BAR_WIDTH * self.done / self.networks)
        elapsed = self.clock() - self.started
        left = self.networks - self.done
        estimate = (f"about {_duration(self.training_seconds / self.trained * left)} left" if self.trained and left
                    else "time left: after the first network trained" if left else "done")
        return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {self.done}/{self.networks} networks | "
                f"{self.epochs} epochs | {_duration(elapsed)} elapsed | {estimate}")

    def log(self, line):
        self.write(f"{self.status()} | {line}")

    def finished(self, name, result):
        """Count network ``name`` as done and say so."""
        self.done += 1
        self.epochs += len(result.history)
        if not result.reused:
            self.trained += 1
            self.training_seconds += result.seconds
        self.log(f"{name}: {'reused from the cache' if result.reused else 'trained'} "
                 f"(epochs run {len(result.history)}, kept {result.best_epoch}; {result.trained_on})")


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def train_study(profile_name, seed, data_dir=None, output_dir=None, write=print):
    """Train every network the report on ``profile_name`` needs: the study's models, the further runs of
    the best U-Net that measure the run-to-run spread, and the reader."""
    from . import classifier, models, study, training

    profile = experiment.get_profile(profile_name)
    splits = experiment.load_splits(profile_name, seed, data_dir=data_dir)
    out_dir = experiment.output_dir(profile_name, output_dir)
    progress = Progress(len(models.MODEL_IDS) + training.SPREAD_RUNS - 1 + 1, write)
    write(f"Training every network of the {profile_name} profile (seed {seed}) into {out_dir}")

    def autoencoder(model_id, run=0):
        return lambda wait: study.train_models([model_id], splits, profile, seed, out_dir, progress.log, run,
                                               wait)[model_id]

    # The spread runs need every U-Net trained to know which one to repeat, and U-Net 23 is the costliest
    # network (an epoch costs 3.5 to 5.6 times another U-Net's, README "Measured cost"): the U-Nets go first,
    # the widest first, so that stages started together do not all wait on it at the end.
    u_nets = study.family_ids("u-net")[::-1]
    first = {f"model {model_id}": autoencoder(model_id) for model_id in u_nets}
    first["classifier"] = lambda wait: classifier.train(splits, seed, out_dir, profile.max_epochs, progress.log, wait)
    first |= {f"model {model_id}": autoencoder(model_id) for model_id in models.MODEL_IDS if model_id not in u_nets}
    done = share_out(progress, first)
    spread_model = study.best_new_model({model_id: done[f"model {model_id}"] for model_id in u_nets})
    share_out(progress, {f"model {spread_model}, run {run} (the spread of the best U-Net)": autoencoder(spread_model, run)
                         for run in range(1, training.SPREAD_RUNS)})
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
    args = parser.parse_args(argv)
    options.absolute_environment()
    os.environ["KERAS_BACKEND"] = args.backend  # before Keras is first imported, in train_study
    train_study(args.profile, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
