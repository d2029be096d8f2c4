# %% [markdown]
# # All models compared
#
# Every model of the study, trained under one protocol, in one table: our training and validation
# MSE at the kept epoch (the best validation loss), the seed's own numbers beside them (the U-Nets
# beyond the seed have none), the model's
# size, how many epochs it ran and how long it trained, and whether it collapsed. The table is also saved as `results.csv` in the
# profile's artifact folder.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATA_DIR = None
OUTPUT_DIR = None

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from lib import models, plots, study, training

plots.configure_notebook()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)

# %% tags=["nbval-ignore-output", "report-hide-output"]
results = setting.train(models.MODEL_IDS)
table = study.results_table(results, setting.splits["val"])
training.atomic_write(setting.out_dir / "results.csv", table.to_csv)

# %% [markdown]
# ## The results table

# %% tags=["nbval-ignore-output"]
table.drop(columns=["family", "time (s)", "trained on"])

# %% [markdown]
# Training times vary from run to run and machine to machine (seconds, summed over epochs); where each
# model was trained (a model trained on one machine or backend is reused from the artifact cache by
# another):

# %% tags=["nbval-ignore-output"]
table[["epochs", "time (s)", "trained on"]]

# %% [markdown]
# ## Ranking

# %%
plots.model_ranking(table, setting.val_baselines.to_dict())
plt.show()

# %% tags=["nbval-ignore-output"]
agreement = study.ranking_agreement(table)
collapsed = list(table.index[table["collapsed"]])
overall_best = study.best_model(results, models.MODEL_IDS)
seed_models = table.loc[list(models.SEED_MODEL_IDS)]
identity = setting.val_baselines["identity (corrupted input)"]
display(Markdown(
    f"Of the seed's {len(seed_models)} models, our best by validation loss is **model {agreement['our best']}** "
    f"({table.loc[agreement['our best'], 'val loss']:.4f}); the seed's was model {agreement['seed best']} "
    f"({table.loc[agreement['seed best'], 'seed val loss']:.4f}). The two rankings agree with a Spearman "
    f"rank correlation of {agreement['spearman']:.2f} over these {len(seed_models)} models. The ranks moved most for models "
    + ", ".join(f"{m} (ours {agreement['ranks'].loc[m, 'our rank']}, seed {agreement['ranks'].loc[m, 'seed rank']})"
                for m in agreement["moved most"])
    + f". Over all {len(table)} models, U-Nets included, the best is **model {overall_best}** "
    f"({table.loc[overall_best, 'val loss']:.4f}, {table.loc[overall_best, 'family']} family). "
    f"Collapsed here: {', '.join(collapsed) if collapsed else 'none'}. The identity baseline (the uncorrected "
    f"input) scores {identity:.4f}; {int((seed_models['val loss'] < identity).sum())} of the seed's "
    f"{len(seed_models)} models and {int((table['val loss'] < identity).sum()) - int((seed_models['val loss'] < identity).sum())} "
    f"of the {len(table) - len(seed_models)} U-Nets beat it."))
