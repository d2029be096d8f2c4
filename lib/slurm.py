"""Training on a Slurm cluster: each network still to train is one task of a job array, a fresh process on a
node that sees the artifact folder (docs/cluster.md).

    ./build_report.sh train --profile full --executor slurm --partition cpu --time 8:00:00

The training stage plans (``lib.training_stage``); this module submits and follows. An array's plan (the folder
name of each task's network) is written next to the artifacts before it is submitted, and every array submitted
is kept in ``<artifact folder>/slurm/arrays.json``, so that a submitting command stopped and run again follows
the arrays still queued or running instead of submitting them twice. Plain ``sbatch`` and ``squeue``: every
task is already a command line, so no library is needed between them and Slurm, and nothing is pickled.
"""

import datetime
import fcntl
import hashlib
import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import files, paths

FOLDER = "slurm"  # below the artifact folder: the arrays' plans, arrays.json and the tasks' logs
ARRAYS = "arrays.json"
LOG_NAME = "{job}_{task}.out"  # a task's log (stdout and stderr), as sbatch's --output pattern %A_%a.out names it


@dataclass(frozen=True)
class Submission:
    """How the training stage submits: each task's ``Resources``, the command a task runs (the training stage's,
    to which ``--task <plan>`` is added) and how often the submitting command looks at the queue."""

    resources: "Resources"
    command: list
    poll_seconds: float = 30


class SlurmError(RuntimeError):
    """A Slurm command is missing or refused, or tasks failed; the message names what to do."""


@dataclass(frozen=True)
class Resources:
    """What each array task asks of Slurm; None leaves a setting to the cluster's defaults."""

    partition: str | None = None
    time: str | None = None  # the time limit of one task, in Slurm's forms (8:00:00, 1-00:00:00)
    cpus_per_task: int = 1
    gpus_per_task: int = 0
    array_limit: int | None = None  # at most this many tasks of one array at once
    sbatch_options: tuple = ()  # anything else, as sbatch takes it (--account=..., --mem=8G, --qos=...)

    def sbatch_arguments(self):
        arguments = [f"--cpus-per-task={self.cpus_per_task}"]
        arguments += [f"--partition={self.partition}"] * bool(self.partition)
        arguments += [f"--time={self.time}"] * bool(self.time)
        arguments += [f"--gpus-per-task={self.gpus_per_task}"] * bool(self.gpus_per_task)
        return arguments + list(self.sbatch_options)


@dataclass(frozen=True)
class Task:
    """One task of a submitted array: its job id, index and log, and its state while Slurm holds it."""

    job: str
    index: int
    log: Path
    state: str = ""  # PENDING, RUNNING, ... as squeue says


def task_script(command):
    """The batch script of every task: ``command`` run from the project, with its task's index in
    $SLURM_ARRAY_TASK_ID. JAX and TensorFlow take GPU memory as they need it instead of claiming most of a GPU
    at start, so that tasks sharing a GPU (Slurm's shards, MPS) each find room; these networks are small."""
    return "\n".join(
        [
            "#!/bin/bash",
            "export XLA_PYTHON_CLIENT_PREALLOCATE=false TF_FORCE_GPU_ALLOW_GROWTH=true",
            f"cd {shlex.quote(str(paths.ROOT))}",
            f"exec {shlex.join(command)}",
            "",
        ]
    )


def run_command(arguments, stdin=None):
    """A Slurm client command's output; SlurmError where it is missing or fails."""
    try:
        done = subprocess.run(arguments, input=stdin, capture_output=True, text=True)
    except FileNotFoundError:
        raise SlurmError(
            f"{arguments[0]} not found: --executor slurm runs on a machine with the Slurm client commands (sbatch, "
            "squeue), usually a cluster's login node; without a cluster, leave --executor out"
        ) from None
    if done.returncode:
        raise SlurmError(f"{shlex.join(arguments)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


class Arrays:
    """The arrays submitted for one artifact folder (``arrays.json`` below it): each one's job id and the folder
    names of its tasks' networks, in task order."""

    def __init__(self, out_dir):
        self.folder = Path(out_dir) / FOLDER
        self.path = self.folder / ARRAYS
        self.arrays = json.loads(self.path.read_text()) if self.path.exists() else []

    def log(self, job, index):
        return self.folder / "logs" / LOG_NAME.format(job=job, task=index)

    def submit(self, names, resources, command, job_name):
        """Submit one array whose task i trains the network in folder ``names[i]`` (``command`` followed by
        ``--task <plan>``, the plan written first); its job id."""
        plan = self.folder / f"plan-{hashlib.sha256(json.dumps(names).encode()).hexdigest()[:12]}.json"
        files.atomic_write(plan, lambda tmp: Path(tmp).write_text(json.dumps(names, indent=1) + "\n"))
        (self.folder / "logs").mkdir(parents=True, exist_ok=True)
        limit = f"%{resources.array_limit}" if resources.array_limit else ""
        output = run_command(
            [
                "sbatch",
                "--parsable",
                f"--job-name={job_name}",
                f"--array=0-{len(names) - 1}{limit}",
                f"--output={self.folder / 'logs' / LOG_NAME.format(job='%A', task='%a')}",
                *resources.sbatch_arguments(),
            ],
            stdin=task_script([*command, "--task", str(plan)]),
        )
        job = output.strip().split(";")[0]
        submitted = datetime.datetime.now().isoformat(timespec="seconds")
        self.arrays.append({"job": job, "submitted": submitted, "plan": plan.name, "networks": names})
        files.atomic_write(self.path, lambda tmp: Path(tmp).write_text(json.dumps(self.arrays, indent=1) + "\n"))
        return job

    def in_flight(self):
        """Folder name -> ``Task`` of every task of these arrays that Slurm still holds (pending or running)."""
        if not self.arrays:
            return {}
        # Every job of this user, not --jobs: squeue refuses a list whose jobs it has all forgotten. --array lists
        # each task on a line of its own.
        listed = run_command(["squeue", "--noheader", "--me", "--array", "--format=%F %K %T"])
        held = {(job, index): state for job, index, state in (line.split() for line in listed.splitlines() if line)}
        return {
            name: Task(array["job"], index, self.log(array["job"], index), held[array["job"], str(index)])
            for array in self.arrays
            for index, name in enumerate(array["networks"])
            if (array["job"], str(index)) in held
        }

    def last_task(self, name):
        """The ``Task`` of the latest array that trained folder ``name``, or None."""
        for array in reversed(self.arrays):
            if name in array["networks"]:
                index = array["networks"].index(name)
                return Task(array["job"], index, self.log(array["job"], index))
        return None


def failure_text(name, task):
    """A failed task in a line: the network, the task and where its log is, with the log's last line."""
    if task is None:
        return f"{name}: no task of this folder's arrays trained it"
    last = ""
    if task.log.exists():
        lines = [line for line in task.log.read_text(errors="replace").splitlines() if line.strip()]
        last = f": {lines[-1].strip()}" if lines else ": (empty log)"
    return f"{name}: task {task.job}_{task.index}, log {task.log}{last}"


def lock_problem(folder, mounts=None):
    """Why the per-network locks (flock, ``artifacts.claim``) in ``folder`` may not keep two nodes off one network,
    or None. NFS passes flock on to the server only where the mount has locking on: ``nolock`` and
    ``local_lock=flock`` or ``=all`` keep each node's locks to itself. ``mounts`` is /proc/self/mounts' text
    (read where not given). A folder where flock fails outright is refused too."""
    folder = Path(folder).resolve()
    if mounts is None:
        mounts = Path("/proc/self/mounts").read_text()
    mount = _mount_of(folder, mounts)
    if mount is not None:
        point, kind, mount_options = mount
        local = [option for option in mount_options if option in ("nolock", "local_lock=flock", "local_lock=all")]
        if kind.startswith("nfs") and local:
            return (
                f"{folder} is on NFS mounted at {point} with {local[0]}: each node's locks stay its own, so two "
                "tasks could train one network at once; mount it with locking (the default, 'lock'), or name another "
                "folder with REPORT_OUTPUT_DIR"
            )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(folder / ".flock-check", "a+") as probe:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(probe, fcntl.LOCK_UN)
    except OSError as error:
        return f"flock fails in {folder} ({error.strerror}): the per-network locks need it; name another folder"
    return None


def _mount_of(folder, mounts):
    """(mount point, filesystem type, options) of the mount that holds ``folder``, from /proc/self/mounts' text."""
    best = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point = fields[1].encode().decode("unicode_escape")  # spaces and tabs come as \040 and \011
        inside = folder == Path(point) or Path(point) in folder.parents
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, fields[2], fields[3].split(","))
    return best


def array_task_index():
    """This process's index in its array ($SLURM_ARRAY_TASK_ID); SlurmError outside an array task."""
    index = os.environ.get("SLURM_ARRAY_TASK_ID")
    if index is None:
        raise SlurmError(
            "--task runs inside a Slurm array task (it reads $SLURM_ARRAY_TASK_ID); submit with --executor slurm"
        )
    return int(index)
