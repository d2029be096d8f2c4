"""Scoring reconstructions against the clean images, beside the baselines any model must beat.

Baselines, scored exactly like a model:
- all black: predict an empty image. Its MSE is the mean of x squared (about 0.158 on KMNIST); a
  network sitting there has collapsed.
- identity: hand back the corrupted input unchanged. A model that does not beat it corrects nothing.
- mean training image: the same average character for every input; beating it shows the model uses
  its input at all.
"""

import numpy as np
import pandas as pd

from .corruptions import FAMILIES

# A model counts as collapsed when its output hardly depends on its input (its spread across images
# is under a tenth of the clean images' spread) or when it scores no better than 95% of all-black.
MIN_OUTPUT_SPREAD = 0.1
COLLAPSE_MSE_FRACTION = 0.95


def reconstruct(model, images, batch_size=1024):
    """The model's output for (N, 28, 28) images, as (N, 28, 28) float32."""
    return model.predict(images[..., None], batch_size=batch_size, verbose=0)[..., 0]


def per_sample_mse(predicted, clean):
    return np.mean((np.asarray(predicted, np.float64) - clean) ** 2, axis=(1, 2))


def baseline_predictions(split, mean_train_image):
    """What each baseline outputs for every image of ``split``."""
    return {
        "all black": np.zeros_like(split.clean),
        "identity (corrupted input)": split.corrupted,
        "mean training image": np.broadcast_to(mean_train_image, split.clean.shape),
    }


def output_spread(predicted, clean):
    """How much the outputs vary across images, relative to the clean images (1: as much, 0: constant)."""
    return float(np.std(predicted, axis=0).mean() / np.std(clean, axis=0).mean())


def collapse_verdict(predicted, clean):
    """``(collapsed, reason)`` for a model's outputs on one split."""
    mse = per_sample_mse(predicted, clean).mean()
    black = np.mean(np.asarray(clean, np.float64) ** 2)
    spread = output_spread(predicted, clean)
    if mse >= COLLAPSE_MSE_FRACTION * black:
        return True, f"collapsed: MSE {mse:.4f} is no better than the all-black image's {black:.4f}"
    if spread < MIN_OUTPUT_SPREAD:
        return True, (f"collapsed: its outputs barely depend on the input (spread {spread:.3f} "
                      f"of the clean images')")
    return False, f"learned: MSE {mse:.4f} against {black:.4f} for all-black, output spread {spread:.2f}"


def mse_table(predictions, split):
    """Mean MSE per method (rows) overall and per corruption family (columns)."""
    rows = {}
    for name, predicted in predictions.items():
        errors = per_sample_mse(predicted, split.clean)
        rows[name] = {"overall": errors.mean(),
                      **{family: errors[split.family_ids == i].mean() for i, family in enumerate(FAMILIES)}}
    return pd.DataFrame.from_dict(rows, orient="index")


def ranked_examples(errors):
    """Indices of the best, median and worst sample by per-sample error."""
    order = np.argsort(errors, kind="stable")
    return {"best": int(order[0]), "median": int(order[len(order) // 2]), "worst": int(order[-1])}
