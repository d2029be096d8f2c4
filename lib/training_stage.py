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
import json
import os
import sys
import time
from pathlib import Path

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
        self.parallel = 1  # networks training at once (a Slurm array's running tasks), which share the time left
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
        return self.training_seconds / self.trained_flops * flops_to_come / self.parallel

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

    def replace(self, placeholder, networks, price):
        """Put ``networks`` (priced by ``price``) where the entries named by ``placeholder`` (a format of a run
        number) hold their places, once it is known which networks they are; nothing where none is left."""
        held = [name for name in self.pending if name.startswith(placeholder.split("{")[0])]
        if not held:
            return
        for name in held:
            del self.pending[name]
        for network in networks:
            self.pending.setdefault(network.name, price(network))

    def finished(self, name, result, say=True):
        """Count network ``name`` as done and, with ``say``, say so."""
        flops, _ = self.pending.pop(name)
        self.done += 1
        self.epochs += len(result.history)
        if not result.reused:
            self.training_seconds += result.seconds
            self.trained_flops += flops * len(result.history)
        if say:
            self.log(
                f"{name}: {'reused from the cache' if result.reused else 'trained'} "
                f"(epochs run {len(result.history)}, kept {result.best_epoch}; {result.trained_on})"
            )


def _duration(seconds):
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def train_study(
    profile_name,
    seed,
    data_dir=None,
    output_dir=None,
    write=print,
    coming=False,
    dataset=paths.DEFAULT_DATASET,
    submission=None,
):
    """Train every network the report on ``profile_name`` of ``dataset`` needs (``study.Setting.planned_networks``): the
    study's models, the runs of the batch-size ablation, the reader, its control trained on corrupted images and
    the second reader, then the further runs of the best U-Net that measure the run-to-run spread; with ``coming``,
    the networks the report will read (``Setting.coming_networks``: the correctors) before those runs. Here, or
    with ``submission`` (a ``slurm.Submission``) as tasks of Slurm job arrays (``train_on_slurm``)."""
    from . import study

    setting = study.Setting(profile_name, seed, data_dir, output_dir, dataset)
    write(
        f"Training every network of the {profile_name} profile on {data.DATASETS[dataset]['name']} (seed {seed}) "
        f"into {setting.out_dir}"
    )
    plan = Plan(setting, coming, write)
    if submission is None:
        write(f"{plan.summary()} Ctrl-C stops; the same command resumes where it stopped.")
        train_all(plan.progress, setting, plan.first, plan.u_nets, plan.price, coming)
    else:
        write(f"{plan.summary()} Each one still to train is a task of a Slurm job array.")
        train_on_slurm(plan, submission)
    return plan.progress


class Plan:
    """What a training stage of ``setting`` trains, known before anything trains: the ``first`` networks (the
    planned ones, and with ``coming`` the coming ones), the U-Nets among them (model id -> network) whose best one
    the spread runs repeat, and the progress bar over all of them, the spread runs and, with ``coming``, the final
    corrector's runs, which stand in it as placeholders until it is known which networks they are."""

    def __init__(self, setting, coming, write):
        from . import models, study, training

        self.setting, self.coming = setting, coming
        self._finished = {}  # folder -> its result record, read once: a finished network stays finished
        n_train, n_val = len(setting.splits["train"]), len(setting.splits["val"])
        self.cost = lambda network: (models.epoch_flops(network.build, n_train, n_val), network.config.max_epochs)
        self.first = setting.planned_networks() + (setting.coming_networks() if coming else [])
        prices = {network.name: self.price(network) for network in self.first}
        self.found = sum(not flops for flops, _ in prices.values())
        own_runs = {setting.autoencoder(model_id).name: model_id for model_id in study.family_ids("u-net")}
        self.u_nets = {own_runs[network.name]: network for network in self.first if network.name in own_runs}
        # The spread runs repeat the best U-Net: known now where every U-Net is finished (and not counted again
        # where the coming networks hold them), else priced as those of the costliest U-Net they may repeat.
        known = self.best_u_net()
        candidates = [known] if known else list(self.u_nets)
        spread = [
            setting.autoencoder(model_id, run) for model_id in candidates for run in range(1, training.SPREAD_RUNS)
        ]
        all_known = known and all(network.name in prices for network in spread)
        self.spread_runs = 0 if all_known else training.SPREAD_RUNS - 1
        placeholders = {SPREAD_RUN.format(run): max(map(self.price, spread)) for run in range(1, self.spread_runs + 1)}
        # The final corrector's runs follow the correctors, priced as the costliest of them.
        self.final_runs = training.SPREAD_RUNS if coming else 0
        corrector_price = max(
            (self.cost(network) for network in self.first if network.name.startswith("corrector ")), default=None
        )
        placeholders |= {FINAL_RUN.format(run): corrector_price for run in range(self.final_runs)}
        self.progress = Progress(prices | placeholders, write)

    def finished_record(self, network):
        """The result record of ``network`` where the artifact folder or the published set holds it whole, read
        (its checksums and its weights' checked) once and kept. A damaged published network stops the stage before
        anything trains (``artifacts.damaged_published``)."""
        from . import artifacts

        folder = network.folder(self.setting.out_dir)
        if folder in self._finished:
            return self._finished[folder]
        place = artifacts.finished_folder(folder)
        if place is None:
            return None
        try:
            self._finished[folder] = artifacts.read_record(place)
        except artifacts.DamagedArtifact as damage:
            if place != folder:
                raise artifacts.damaged_published(place, damage) from None
            return None  # set aside and trained again when its turn comes
        return self._finished[folder]

    def price(self, network):
        """What ``network`` costs this stage: nothing where the cache or the published set holds it."""
        return (0.0, network.config.max_epochs) if self.finished_record(network) else self.cost(network)

    def best_u_net(self):
        """The best U-Net, the one the spread runs repeat, once every U-Net is finished; None before."""
        from . import study

        return study.best_new_model_of_records(
            {model_id: self.finished_record(network) for model_id, network in self.u_nets.items()}
        )

    def summary(self):
        from . import backend

        final = (
            f", and up to {self.final_runs} runs of the final corrector once the correctors are known"
            if self.coming
            else ""
        )
        return (
            f"{len(self.first) + self.spread_runs + self.final_runs} networks, on Keras' {backend.NAME} backend "
            f"({backend.device()}): {self.found} found in the artifact folder or the published set, "
            f"{len(self.first) - self.found} to train, and {self.spread_runs} runs of the best U-Net once the U-Nets "
            f"are known{final}."
        )


SPREAD_RUN = "spread run {}"  # a run of the best U-Net, while the U-Nets are not yet all trained


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
    runs = [network for network in spread_runs(setting, spread_model) if network.name not in trained]
    progress.replace(SPREAD_RUN, runs, price)
    progress.log(f"the best U-Net is model {spread_model}; {len(runs)} more runs of it measure the run-to-run spread")
    _, busy_runs = share_out(progress, runs, setting)
    wait_for(progress, [network for network in busy if network not in busy_u_nets] + busy_runs, setting)
    if coming:
        train_final_corrector(progress, setting, trained | {network.name for network in runs}, price)


def train_final_corrector(progress, setting, trained, price):
    """The final corrector's runs, seeds one apart, once every corrector and U-Net 23's runs are trained: the ideas
    the ablation keeps on the validation images, combined (``corrector_evaluation.final_corrector_id``); none where
    no idea is kept. ``trained`` names the networks this stage has trained or found already."""
    from . import corrector_evaluation

    final_id = corrector_evaluation.final_corrector_id(
        corrector_evaluation.ablation(setting, progress.log).against_base()
    )
    runs = [] if final_id is None else [n for n in setting.corrector_runs(final_id) if n.name not in trained]
    progress.replace(FINAL_RUN, runs, price)
    progress.log(
        f"the final corrector is {final_id}; {len(runs)} runs of it to train or find"
        if final_id
        else "no idea reads more than U-Net 23 on the validation images: U-Net 23 stays the final corrector"
    )
    _, busy = share_out(progress, runs, setting)
    wait_for(progress, busy, setting)


def spread_runs(setting, spread_model):
    """The further runs of the best U-Net, ``spread_model``, that measure the run-to-run spread."""
    return setting.planned_networks(spread_model)[len(setting.planned_networks()) :]


def ready_networks(plan):
    """The networks of ``plan`` that can train now and are not finished: the first ones, the spread runs once the
    best U-Net is known, the final corrector's runs once the correctors are finished (with ``plan.coming``); and
    whether more will follow once these are finished. Each known network takes its placeholder's place in the
    progress bar."""
    from . import corrector_evaluation

    networks = list(plan.first)
    spread_model = plan.best_u_net()
    if spread_model is not None:
        names = {network.name for network in networks}
        runs = [network for network in spread_runs(plan.setting, spread_model) if network.name not in names]
        plan.progress.replace(SPREAD_RUN, runs, plan.price)
        networks += runs
    more = spread_model is None
    if plan.coming:
        chosen = all(plan.finished_record(network) for network in plan.setting.choosing_networks())
        if chosen:
            runs = corrector_evaluation.final_corrector_runs(plan.setting)
            plan.progress.replace(FINAL_RUN, runs, plan.price)
            networks += runs
        more = more or not chosen
    return [network for network in networks if not plan.finished_record(network)], more


def train_on_slurm(plan, submission, sleep=time.sleep):
    """Train what ``plan`` still needs as tasks of Slurm job arrays (``submission``: ``slurm.Submission``), one
    array for whatever can train now, the next once the networks it waits for are finished (the spread runs wait
    for the U-Nets, the final corrector for the correctors), following them with the progress bar, which counts
    a network as done once its result is in the artifact folder. Arrays already queued or running for the
    artifact folder (a command run before, stopped) are followed, not submitted again; networks whose task
    ended without a result are named with their logs, and submitted again only by the next command."""
    from . import slurm, training

    setting, progress = plan.setting, plan.progress
    problem = slurm.lock_problem(setting.out_dir)
    if problem:
        raise slurm.SlurmError(problem)
    arrays = slurm.Arrays(setting.out_dir)
    networks = {network.name: network for network in plan.first}
    submitted, counts = set(), None
    in_flight = arrays.in_flight()
    if in_flight:
        jobs = sorted({task.job for task in in_flight.values()})
        progress.log(
            f"following {len(in_flight)} tasks still queued or running, of array job{'s' * (len(jobs) > 1)} "
            f"{', '.join(jobs)} (submitted before; their networks are not submitted again)"
        )
    while True:
        # What Slurm holds first, then what is finished: a task gone from the queue has written its result.
        in_flight = arrays.in_flight()
        ready, more = ready_networks(plan)
        networks |= {network.name: network for network in ready}
        for name in list(progress.pending):
            record = name in networks and plan.finished_record(networks[name])
            if record:
                found = progress.pending[name][0] == 0.0  # finished before this command started
                folder = networks[name].folder(setting.out_dir)
                progress.finished(name, training.recorded_result(None, None, record, folder, found), say=not found)
        folders = {network.folder(setting.out_dir).name: network for network in ready}
        waiting = [folder for folder in folders if folder not in in_flight]
        failed = [folder for folder in waiting if folder in submitted]
        new = [folder for folder in waiting if folder not in submitted]
        if new:
            again = [folder for folder in new if arrays.last_task(folder)]
            job = arrays.submit(new, submission.resources, submission.command, f"{setting.profile.name}-training")
            submitted |= set(new)
            in_flight = arrays.in_flight()
            progress.log(
                f"submitted array job {job}: {len(new)} networks"
                + (f" ({len(again)} of them again, their earlier tasks having ended without a result)" if again else "")
                + f"; logs in {arrays.folder / 'logs'}"
            )
        running = sum(task.state == "RUNNING" for task in in_flight.values())
        progress.parallel = max(1, running)
        if (running, len(in_flight)) != counts:
            counts = running, len(in_flight)
            progress.log(f"{running} tasks running, {len(in_flight) - running} waiting")
        if not in_flight:
            if failed:
                lines = "\n  ".join(
                    slurm.failure_text(folders[folder].name, arrays.last_task(folder)) for folder in failed
                )
                raise slurm.SlurmError(
                    f"{len(failed)} tasks ended without a result:\n  {lines}\nRun the same command again to submit "
                    "them again, once their logs say what stopped them."
                )
            if not ready and not more:
                return
            if not new:
                raise slurm.SlurmError("nothing runs and nothing can be submitted, yet networks remain; see the logs")
        sleep(submission.poll_seconds)


def train_task(setting, plan_file, index, coming, write=print):
    """One task of a Slurm job array (``train_on_slurm``): the network whose folder name is entry ``index`` of
    ``plan_file``, trained (or found finished) with its own progress bar."""
    from . import models

    name = json.loads(Path(plan_file).read_text())[index]
    network = find_network(setting, name, coming)
    flops = models.epoch_flops(network.build, len(setting.splits["train"]), len(setting.splits["val"]))
    progress = Progress({network.name: (flops, network.config.max_epochs)}, write)
    progress.finished(network.name, _fit(progress, network, setting, wait=True))
    return progress


def find_network(setting, folder_name, coming):
    """The network a training stage of ``setting`` trains into folder ``folder_name`` (``Network.folder``)."""
    from . import corrector_evaluation, slurm, study

    candidates = setting.planned_networks()
    candidates += [run for model_id in study.family_ids("u-net") for run in spread_runs(setting, model_id)]
    candidates += setting.coming_networks() if coming else []
    for network in candidates:
        if network.folder("").name == folder_name:
            return network
    for network in corrector_evaluation.final_corrector_runs(setting) if coming else []:
        if network.folder("").name == folder_name:
            return network
    raise slurm.SlurmError(
        f"the array's plan names {folder_name}, which this code does not train (it changed since the array was "
        "submitted); run the submitting command again, which plans with the code as it is"
    )


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


def add_executor_options(parser):
    """--executor and the Slurm options (``slurm.Resources``), and --task, which the Slurm array's tasks run."""
    parser.add_argument(
        "--executor",
        choices=["local", "slurm"],
        default="local",
        help="local (the default): train in this process, one network at a time (start several stages on one "
        "artifact folder to share the work); slurm: submit each network still to train as a task of a Slurm job "
        "array, and follow them (docs/cluster.md)",
    )
    group = parser.add_argument_group("with --executor slurm")
    group.add_argument("--partition", help="the partition the tasks run in (default: the cluster's)")
    group.add_argument("--time", help="each task's time limit, as sbatch takes it: 8:00:00 (default: the partition's)")
    group.add_argument("--cpus-per-task", type=positive_int, default=1, help="CPUs of each task (default: 1)")
    group.add_argument("--gpus-per-task", type=positive_int_or_zero, default=0, help="GPUs of each task (default: 0)")
    group.add_argument("--array-limit", type=positive_int, help="at most this many tasks at once (default: no limit)")
    group.add_argument(
        "--sbatch-option",
        dest="sbatch_options",
        action="append",
        default=[],
        metavar="OPTION",
        help="any other sbatch option, as one argument (--sbatch-option=--account=abc); repeatable",
    )
    group.add_argument("--poll-seconds", type=float, default=30, help="how often to look at the queue (default: 30)")
    parser.add_argument("--task", metavar="PLAN", help=argparse.SUPPRESS)  # run by each array task


def slurm_options(args):
    """The Slurm options of ``args``, by ``slurm.Resources``' field names (and the poll interval)."""
    names = ("partition", "time", "cpus_per_task", "gpus_per_task", "array_limit", "sbatch_options", "poll_seconds")
    return {name: getattr(args, name) for name in names}


def positive_int(text):
    value = positive_int_or_zero(text)
    if not value:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def positive_int_or_zero(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


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
    add_executor_options(parser)
    args = parser.parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):  # each progress line shows at once, in a terminal or a log file
        sys.stdout.reconfigure(line_buffering=True)
    slurm_given = [option for option, value in slurm_options(args).items() if value != parser.get_default(option)]
    if slurm_given and args.executor != "slurm":
        parser.error(f"--{slurm_given[0].replace('_', '-')} is a Slurm option: add --executor slurm")
    paths.absolute_environment()
    problem = paths.output_root_problem()
    if problem:
        parser.error(problem)
    os.environ["KERAS_BACKEND"] = args.backend  # before Keras is first imported, in train_study
    options.apply_retrain(args)
    from .artifacts import DamagedArtifact, NetworkBusy
    from .slurm import Resources, SlurmError, Submission, array_task_index

    submission = None
    if args.executor == "slurm":
        command = [sys.executable, "-m", "lib.training_stage", "--profile", args.profile, "--seed", str(args.seed)]
        command += ["--dataset", args.dataset, "--backend", args.backend]
        command += ["--coming"] * args.coming + ["--retrain"] * args.retrain
        resources = Resources(**{k: v for k, v in slurm_options(args).items() if k != "poll_seconds"})
        submission = Submission(resources, command, args.poll_seconds)
    try:
        if args.task:
            from . import study

            setting = study.Setting(args.profile, args.seed, dataset=args.dataset)
            train_task(setting, args.task, array_task_index(), args.coming)
        else:
            train_study(args.profile, args.seed, coming=args.coming, dataset=args.dataset, submission=submission)
    except (DataFileError, DamagedArtifact, NetworkBusy, SlurmError) as error:
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
        if submission is not None:
            print(
                "STOPPED FOLLOWING: the submitted arrays go on (scancel stops them, by the job ids above); run the "
                "same command again to follow them.",
                file=sys.stderr,
            )
        else:
            print(
                "TRAINING STOPPED: interrupted before any network started training; nothing was lost.", file=sys.stderr
            )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
