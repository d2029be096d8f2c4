"""What the full profile costs on this machine: every network it trains, one epoch of each on the full
data, and the range of its training time that early stopping allows.

    REPORT_DATA_DIR=../shared/data .venv/bin/python benchmarks/full_profile_cost.py [--images 6400] [--check 12]
        [--models 12 20 23] [--jit-compile]

A full build (`build_time.py --profiles full`) takes many hours on a laptop-class CPU, because each model
trains until early stopping ends it: at least patience + 1 epochs, at most its epoch limit. This benchmark
measures what one epoch of each network costs on the full profile's data (54,000 training and 6,000
validation images) with the training code's own settings: it times ``--images`` training images after a
warm-up and scales them to the epoch, then adds a whole validation pass. ``--check`` trains one model for
a whole epoch as well, so the scaling can be compared with the real thing. ``--models`` times only the
autoencoders named (and no classifier), e.g. to price one family beside model 12.

Where a full build has run (or is under way) in the profile's artifact folder, the epochs each model has
run there are read from its result or checkpoint, and the time those epochs take at the rates measured
here is reported beside the range.
"""

import argparse
import os
import time

from lib import artifacts, backend, models, study, training
from lib.backend import keras

PROFILE = "full"


def networks(setting, model_ids=None):
    """Every network the profile trains (the study's autoencoders and the reader), or the autoencoders
    ``model_ids`` alone."""
    autoencoders = [setting.autoencoder(model_id) for model_id in model_ids or models.MODEL_IDS]
    return autoencoders if model_ids else [*autoencoders, setting.reader_network()]


def compiled(network, jit_compile):
    """The network as the training compiles it, its steps compiled with XLA if ``jit_compile``."""
    model = network.compiled()
    if jit_compile:
        model.jit_compile = True  # before the first fit, which builds the step with it
    return model


def epoch_seconds(model, batch_size, train_data, val_data, images):
    """Seconds for one epoch over ``train_data`` and a validation pass, from ``images`` timed images."""
    (x, y), (x_val, y_val) = train_data, val_data
    timed = len(x) if images >= len(x) else max(batch_size, images // batch_size * batch_size)
    model.fit(
        **backend.batches(x[: 3 * batch_size], y[: 3 * batch_size], batch_size=batch_size), shuffle=False, verbose=0
    )  # traces the step
    started = time.perf_counter()
    model.fit(**backend.batches(x[:timed], y[:timed], batch_size=batch_size), shuffle=False, verbose=0)
    train_seconds = (time.perf_counter() - started) * len(x) / timed
    model.evaluate(
        **backend.batches(
            x_val[: backend.EVAL_BATCH_SIZE], y_val[: backend.EVAL_BATCH_SIZE], batch_size=backend.EVAL_BATCH_SIZE
        ),
        verbose=0,
    )
    started = time.perf_counter()
    model.evaluate(**backend.batches(x_val, y_val, batch_size=backend.EVAL_BATCH_SIZE), verbose=0)
    return train_seconds + time.perf_counter() - started


def training_hours(rows):
    """(least, most) training time of ``rows`` of (seconds per epoch, config): early stopping's range."""
    return (hours(sum(s * (c.patience + 1) for s, c in rows)), hours(sum(s * c.max_epochs for s, c in rows)))


def hours(seconds):
    return f"{seconds / 3600:.1f} h"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=6400, help="training images timed per network")
    parser.add_argument("--check", metavar="MODEL_ID", help="also time one whole epoch of this model")
    parser.add_argument("--models", nargs="+", metavar="MODEL_ID", help="time only these autoencoders")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--artifacts", help="the full profile's artifact folder (default: where the build puts it)")
    parser.add_argument(
        "--jit-compile",
        action="store_true",
        help="compile each training step with XLA, whatever the backend's default (to price it)",
    )
    args = parser.parse_args()
    chosen = args.models or list(models.MODEL_IDS)
    for model_id in [*(args.models or []), *([args.check] if args.check is not None else [])]:
        if model_id not in chosen or model_id not in models.MODEL_IDS:
            raise SystemExit(f"{model_id!r}: not a model id of those timed; choose from {', '.join(chosen)}")
    setting = study.Setting(PROFILE, args.seed, os.environ.get("REPORT_DATA_DIR"), args.artifacts)
    splits = setting.splits
    print(
        f"full profile: {len(splits['train']):,} training and {len(splits['val']):,} validation images; "
        f"{len(chosen)} autoencoders{'' if args.models else ' and the classifier'}; {args.images:,} images timed per "
        "network; "
        f"earlier runs read from {setting.out_dir}\n"
    )
    print(f"{'network':<12} {'batch':>5} {'s/epoch':>8} {'epochs':>7} {'at most':>7}  run so far")
    rows, trained = [], networks(setting, args.models)
    for network in trained:
        keras.backend.clear_session()
        config = network.config
        model = compiled(network, args.jit_compile)
        done, finished = artifacts.epochs_run(network.folder(setting.out_dir))
        seconds = epoch_seconds(model, config.batch_size, network.train_data, network.val_data, args.images)
        rows.append((seconds, config, done, finished))
        state = f"finished after {done} epochs" if finished else f"{done} epochs, not finished" if done else "-"
        print(
            f"{network.name:<12} {config.batch_size:>5} {seconds:8.1f} {config.patience + 1:>3}-{config.max_epochs:<3} "
            f"{hours(seconds * config.max_epochs):>7}  {state}",
            flush=True,
        )

    least, most = training_hours([(s, c) for s, c, _, _ in rows])
    print(
        f"\none epoch of every network: {sum(s for s, *_ in rows) / 60:.1f} min; early stopping runs each "
        f"for {training.PATIENCE + 1} epochs at least and its limit at most, so the full profile's "
        f"training takes between {least} and {most} on this machine"
    )
    finished = [(s, done) for s, _, done, over in rows if over]
    if finished:
        least, most = training_hours([(s, c) for s, c, _, over in rows if not over])
        print(
            f"{len(finished)} networks finished in {setting.out_dir}: {sum(done for _, done in finished)} epochs, "
            f"{hours(sum(s * done for s, done in finished))} at these rates; the other "
            f"{len(rows) - len(finished)} need between {least} and {most}"
        )

    if args.check is not None:
        index = chosen.index(args.check)
        network = trained[index]
        keras.backend.clear_session()
        model = compiled(network, args.jit_compile)
        whole = epoch_seconds(
            model, network.config.batch_size, network.train_data, network.val_data, len(network.train_data[0])
        )
        scaled = rows[index][0]
        print(
            f"check, model {args.check}: a whole epoch took {whole:.1f} s; scaled from {args.images:,} images "
            f"{scaled:.1f} s ({scaled / whole - 1:+.0%})"
        )


if __name__ == "__main__":
    main()
