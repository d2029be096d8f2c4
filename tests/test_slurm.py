"""Training as Slurm job arrays (``--executor slurm``), against a real one-node Slurm that the tests start from the
Debian packages (slurmctld, slurmd, slurm-client, munge) and stop by the pids of the daemons they started; skipped,
saying why, where those cannot be installed. Alone: ``.venv/bin/python -m pytest tests/test_slurm.py``."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lib import slurm

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
MUNGE_SOCKET = Path("/run/munge/munge.socket.2")


def slurm_conf(folder):
    """A one-node cluster: this machine, all its CPUs, its state and logs in ``folder``, run as root."""
    host = socket.gethostname().split(".")[0]
    return "\n".join(
        [
            "ClusterName=report-test",
            f"SlurmctldHost={host}",
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            f"StateSaveLocation={folder}/state",
            f"SlurmdSpoolDir={folder}/spool",
            f"SlurmctldPidFile={folder}/slurmctld.pid",
            f"SlurmdPidFile={folder}/slurmd.pid",
            f"SlurmctldLogFile={folder}/slurmctld.log",
            f"SlurmdLogFile={folder}/slurmd.log",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU",
            "ReturnToService=2",
            "MpiDefault=none",
            "MaxArraySize=10000",
            f"NodeName={host} CPUs={os.cpu_count()} State=UNKNOWN",
            f"PartitionName=local Nodes={host} Default=YES MaxTime=INFINITE State=UP",
            "",
        ]
    )


def installed():
    """Why Slurm cannot run here, or None once its packages are installed (with apt-get, as root)."""
    if all(shutil.which(command) for command in ("slurmctld", "slurmd", "sbatch", "munged")):
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return (
            "the Slurm packages are not installed and this user cannot install them "
            f"(apt-get install {' '.join(PACKAGES)})"
        )
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *PACKAGES]
    run = subprocess.run(install, env=environment, capture_output=True, text=True)
    if run.returncode:  # a machine whose package lists were never fetched knows none of these packages
        subprocess.run(["apt-get", "update", "-qq"], env=environment, capture_output=True)
        run = subprocess.run(install, env=environment, capture_output=True, text=True)
    if run.returncode:
        return f"apt-get install {' '.join(PACKAGES)} failed: {run.stderr.strip()[-300:]}"
    return None


def start_munge():
    """munged, as the munge user; None where one already answers (then it is not ours to stop)."""
    if MUNGE_SOCKET.exists() and subprocess.run("munge -n | unmunge", shell=True, capture_output=True).returncode == 0:
        return None
    MUNGE_SOCKET.parent.mkdir(parents=True, exist_ok=True)
    shutil.chown(MUNGE_SOCKET.parent, "munge", "munge")
    pid_file = MUNGE_SOCKET.parent / "munged-report-test.pid"  # where the munge user may write (not pytest's tmp)
    subprocess.run(["runuser", "-u", "munge", "--", "munged", f"--pid-file={pid_file}", "--force"], check=True)
    return pid_file


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    """SLURM_CONF of a one-node cluster, started here and stopped afterwards."""
    problem = installed()
    if problem:
        pytest.skip(f"no Slurm: {problem}")
    folder = tmp_path_factory.mktemp("slurm")
    folder.chmod(0o755)
    conf = folder / "slurm.conf"
    conf.write_text(slurm_conf(folder))
    started = [start_munge()]
    environment = os.environ | {"SLURM_CONF": str(conf)}
    try:
        for daemon in ("slurmctld", "slurmd"):
            subprocess.run([daemon, "-f", str(conf)], check=True, env=environment)
            started.append(folder / f"{daemon}.pid")
        deadline = time.monotonic() + 60
        while (
            "idle"
            not in subprocess.run(["sinfo", "-h", "-o", "%T"], env=environment, capture_output=True, text=True).stdout
        ):
            if time.monotonic() > deadline:
                pytest.fail(f"the test cluster's node never came up: see {folder}/slurmctld.log and slurmd.log")
            time.sleep(1)
        yield str(conf)
    finally:
        for pid_file in reversed([path for path in started if path is not None]):
            for _ in range(50):  # a daemon writes its pid file a moment after it forks
                if pid_file.exists():
                    break
                time.sleep(0.1)
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
                except ProcessLookupError:
                    pass


def stage(conf, out_dir, *options):
    """The training stage's command on the smoke profile as a Slurm user runs it, into ``out_dir``."""
    return subprocess.Popen(
        [sys.executable, "-m", "lib.training_stage", "--profile", "smoke", "--executor", "slurm", *options],
        cwd=ROOT,
        env=os.environ | {"SLURM_CONF": conf, "REPORT_OUTPUT_DIR": str(out_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished_networks(models):
    return sorted(folder.name for folder in Path(models).iterdir() if (folder / "result.json").exists())


def test_the_smoke_profile_trained_as_job_arrays_is_identical_to_a_local_build(slurm_cluster, smoke_build, tmp_path):
    assert smoke_build.run.returncode == 0, smoke_build.run.stderr[-3000:]
    out_dir = tmp_path / "artifacts"
    first = stage(slurm_cluster, out_dir, "--poll-seconds", "1")
    arrays = out_dir / "smoke" / slurm.FOLDER / slurm.ARRAYS
    deadline = time.monotonic() + 120
    while not arrays.exists():
        assert first.poll() is None, first.stdout.read()
        assert time.monotonic() < deadline, "no array was submitted in two minutes"
        time.sleep(0.5)
    first.send_signal(signal.SIGINT)  # stopped while its array runs: it goes on, and is followed, not submitted again
    output = first.communicate(timeout=60)[0]
    assert first.returncode == 130, output
    assert "STOPPED FOLLOWING: the submitted arrays go on" in output
    (submitted,) = json.loads(arrays.read_text())

    again = stage(slurm_cluster, out_dir, "--poll-seconds", "1")
    output = again.communicate(timeout=1800)[0]
    assert again.returncode == 0, output
    assert f"of array job {submitted['job']} (submitted before" in output
    records = json.loads(arrays.read_text())
    assert records[0] == submitted
    # The first array trains what can train at once; the second, the best U-Net's further runs.
    assert len(records) == 2 and all(name.startswith("model_2") for name in records[1]["networks"])
    assert output.splitlines()[-1].startswith("[########################] ")

    models = out_dir / "smoke" / "models"
    trained = finished_networks(models)
    assert trained == sorted(records[0]["networks"] + records[1]["networks"])
    assert set(trained) <= set(finished_networks(smoke_build.artifact_dir / "models"))
    for name in trained:
        ours, local = models / name, smoke_build.artifact_dir / "models" / name
        history, local_history = (json.loads((f / "result.json").read_text())["history"] for f in (ours, local))
        assert [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in history] == [
            {k: v for k, v in epoch.items() if k != "seconds"} for epoch in local_history
        ], name
        with np.load(ours / "best_weights.npz") as weights, np.load(local / "best_weights.npz") as local_weights:
            assert sorted(weights.files) == sorted(local_weights.files), name
            for array in weights.files:
                np.testing.assert_array_equal(weights[array], local_weights[array], err_msg=f"{name}: {array}")

    done = stage(slurm_cluster, out_dir, "--poll-seconds", "1")  # run once more: nothing left, nothing submitted
    output = done.communicate(timeout=600)[0]
    assert done.returncode == 0, output
    assert len(json.loads(arrays.read_text())) == 2


NFS_MOUNTS = """\
server:/export /shared nfs4 rw,relatime,vers=4.2,hard,proto=tcp,sec=sys,local_lock=none 0 0
server:/old /shared/old nfs rw,relatime,vers=3,nolock,proto=tcp 0 0
server:/flock /shared/flock nfs rw,vers=3,local_lock=flock 0 0
/dev/sda1 / ext4 rw,relatime 0 0
"""


@pytest.mark.parametrize(
    ("folder", "refused"),
    [("shared/run", None), ("shared/old/run", "nolock"), ("shared/flock/run", "local_lock=flock"), ("home", None)],
)
def test_the_locks_are_refused_on_an_nfs_mount_without_locking(tmp_path, monkeypatch, folder, refused):
    # The mount table names folders below tmp_path, so that the flock check runs on a real folder.
    mounts = NFS_MOUNTS.replace(" /shared", f" {tmp_path}/shared").replace(" / ", f" {tmp_path} ")
    problem = slurm.lock_problem(tmp_path / folder, mounts)
    if refused is None:
        assert problem is None
    else:
        assert f"with {refused}" in problem and "mount it with locking" in problem


def test_a_mount_point_with_a_space_is_read_as_proc_mounts_escapes_it(tmp_path):
    mounts = f"server:/x {tmp_path}/my\\040data nfs rw,nolock 0 0\n"
    assert "with nolock" in slurm.lock_problem(tmp_path / "my data" / "run", mounts)


def test_a_failed_task_is_named_with_its_log_and_the_logs_last_line(tmp_path):
    log = tmp_path / "7_3.out"
    log.write_text(
        "[....] 0/1 networks | model 3 | epoch 1/100\nslurmstepd: error: *** JOB 7 CANCELLED DUE TO TIME LIMIT ***\n\n"
    )
    text = slurm.failure_text("model 3", slurm.Task("7", 3, log))
    assert text == f"model 3: task 7_3, log {log}: slurmstepd: error: *** JOB 7 CANCELLED DUE TO TIME LIMIT ***"


def test_each_resource_becomes_its_sbatch_option():
    resources = slurm.Resources("gpu", "8:00:00", 4, 1, 10, ("--account=abc",))
    assert resources.sbatch_arguments() == [
        "--cpus-per-task=4",
        "--partition=gpu",
        "--time=8:00:00",
        "--gpus-per-task=1",
        "--account=abc",
    ]
    assert slurm.Resources().sbatch_arguments() == ["--cpus-per-task=1"]


def test_a_slurm_option_without_the_slurm_executor_is_refused():
    run = subprocess.run(
        [sys.executable, "-m", "lib.training_stage", "--profile", "smoke", "--partition", "gpu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "--partition is a Slurm option: add --executor slurm" in run.stderr
