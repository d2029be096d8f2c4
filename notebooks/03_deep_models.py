# %% [markdown]
# # The deep funnel family: model 12
#
# The seed's best model, number 12, stacks three 32-map and four 16-map convolutions, squeezes the
# result through a funnel of dense layers down to an 8-unit bottleneck, and mirrors all of it with
# transposed convolutions back to a 28x28 image. It is trained as the seed trained it: Adam on the
# MSE between its output and the clean image, with early stopping (patience 3) that keeps the best
# weights.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATA_DIR = None
OUTPUT_DIR = None  # None: $REPORT_OUTPUT_DIR/<profile>, else artifacts/<profile> in the project
MODEL_IDS = ["12"]

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from lib import evaluation, experiment, models, plots, training

plots.configure_notebook()

profile = experiment.get_profile(PROFILE)
splits = experiment.load_splits(PROFILE, SEED, data_dir=DATA_DIR)
out_dir = experiment.output_dir(PROFILE, OUTPUT_DIR)
val = splits["val"]
val_baselines = evaluation.mse_table(
    evaluation.baseline_predictions(val, splits["train"].clean.mean(axis=0)), val)["overall"]

# %% [markdown]
# ## Architecture, layer by layer against the seed's printed summary

# %%
for model_id in MODEL_IDS:
    spec = models.spec(model_id)
    display(Markdown(f"**Model {model_id}.** {spec.note}"))
    model = models.build(model_id)
    ours = pd.DataFrame(models.layer_table(model), columns=["layer", "type", "output shape", "parameters"])
    if model_id == "12":
        seed = pd.DataFrame(models.SEED_MODEL_12_SUMMARY, columns=["type", "output shape", "parameters"])
        ours["same as the seed's layer"] = (ours[seed.columns] == seed).all(axis=1)
    ours = ours.set_index("layer")
    display(ours)
    print(f"model {model_id}: {model.count_params():,} parameters "
          f"({sum(int(np.prod(w.shape)) for w in model.trainable_weights):,} trainable)")

# %% [markdown]
# ## Training
#
# One line per epoch. A model trained before with the same architecture, settings and data is loaded
# from the artifact cache instead.

# %% tags=["nbval-ignore-output"]
results = {}
for model_id in MODEL_IDS:
    config = training.config_for(model_id, SEED, max_epochs=profile.max_epochs)
    results[model_id] = training.train(config, splits["train"], val, out_dir)
    print(f"model {model_id}: {results[model_id].seconds:.0f} s of training")

# %% [markdown]
# ## Loss curves
#
# The grey lines are what trivial answers score on the validation set. A curve that settles on the
# all-black line has collapsed: the network outputs an empty image whatever it is shown.

# %%
for model_id, result in results.items():
    history = training.history_frame(result)
    display(history.round(5))
    plots.loss_curves(history, val_baselines.to_dict(), f"Model {model_id} ({profile.name} profile)")
    plt.show()
    predicted = evaluation.reconstruct(result.model, val.corrupted)
    collapsed, reason = evaluation.collapse_verdict(predicted, val.clean)
    best = result.history[result.best_epoch - 1]
    display(Markdown(f"**Model {model_id}** kept the weights of epoch {result.best_epoch} of {len(result.history)} "
                     f"(validation MSE {best['val_loss']:.4f}; identity baseline {val_baselines['identity (corrupted input)']:.4f}). "
                     f"Verdict: {reason}."))
