"""The command-line options the build (``lib.report``) and the training stage (``lib.training_stage``) share.

Kept apart from ``lib.report`` so that the training stage needs neither papermill nor Jupyter: a
machine that only trains (a GPU box) needs Keras, its backend, numpy, pandas and matplotlib.
"""

import argparse
import os

from . import BACKENDS, RETRAIN_VARIABLE, paths


def seed(text):
    """--seed: an integer every model can train with."""
    from .training import check_seed  # here, so that --help and the other checks need no TensorFlow

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    try:
        check_seed(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def add_backend_option(parser):
    """--backend, defaulting to $KERAS_BACKEND (else tensorflow); argparse checks the default too."""
    parser.add_argument(
        "--backend",
        type=backend_name,
        default=os.environ.get("KERAS_BACKEND", "tensorflow"),
        metavar="{" + ",".join(BACKENDS) + "}",
        help="the Keras backend that trains and evaluates (default: $KERAS_BACKEND, else tensorflow)",
    )


def add_dataset_option(parser):
    """--dataset: the images the build corrects; KMNIST, the report's own, by default."""
    from .data import DATASETS

    parser.add_argument(
        "--dataset",
        choices=list(DATASETS),
        default=paths.DEFAULT_DATASET,
        help=f"the dataset whose images are corrupted and corrected (default: {paths.DEFAULT_DATASET}); a build on "
        "another goes to <dataset>/<profile> below the artifact, report and published folders",
    )


def add_retrain_option(parser):
    """--retrain: leave the published set of trained networks out, and train every network from scratch."""
    parser.add_argument(
        "--retrain",
        action="store_true",
        help="train every network from scratch instead of loading the published set "
        "(published/<profile>/); networks already in the artifact folder are still reused",
    )


def apply_retrain(args):
    """Pass --retrain on to ``lib.training``, in this process and the notebooks' kernels (they inherit it)."""
    if args.retrain:
        os.environ[RETRAIN_VARIABLE] = "1"


def backend_name(text):
    if text not in BACKENDS:
        raise argparse.ArgumentTypeError(
            f"{text!r} (from --backend or KERAS_BACKEND) is not a backend this "
            f"project runs on; choose one of {', '.join(BACKENDS)}"
        )
    return text
