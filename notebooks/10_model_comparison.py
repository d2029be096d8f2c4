# %% [markdown]
# # All models compared
#
# Every model of the study, trained under one protocol, in one table: our training and validation
# MSE at the kept epoch (the best validation loss), the seed's own losses beside them (the U-Nets
# beyond the seed have none), the model's size and the size of its code, how many epochs it ran and how
# long it trained, and whether it collapsed.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)
DATA_DIR = None
OUTPUT_DIR = None

# %%
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

from lib import evaluation, labels, models, notebook, plots, results_files, study

notebook.configure()
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR, DATASET)

# %% tags=["nbval-ignore-output", "report-hide-output"]
results = setting.train(models.MODEL_IDS)
table = study.results_table(results, setting)
results_files.write_table(setting.out_dir, table)

# %% [markdown]
# ## The results table
#
# *code* is what the decoder rebuilds the image from: the output of the network's narrowest layer, and
# for the U-Nets with skip connections the encoder's maps handed past it. *val loss* is what early
# stopping watched, penalties included, and so the number to set beside the seed's losses; *val MSE*
# is the MSE alone, on which models are compared. The verdict names how a collapsed model collapsed.

# %% tags=["nbval-ignore-output"]
notebook.with_seed_blanks(table.drop(columns=["family", "code values", "collapsed", "time (s)", "trained on"])).rename(
    columns={"verdict": "verdict (validation)"}
)

# %% [markdown]
# Training times vary from run to run and machine to machine (seconds, summed over epochs). A network
# trained on one machine or backend is reused as it is on another.

# %% tags=["nbval-ignore-output"]
display(Markdown(notebook.trained_on_text(table["trained on"])), notebook.times_table(table))

# %% [markdown]
# ## Ranking

# %%
plots.model_ranking(table, setting.val_baselines.to_dict())
plt.show()

# %% tags=["nbval-ignore-output"]
agreement = study.ranking_agreement(table)
collapsed = list(table.index[table["collapsed"]])
seed_best = study.best_model(results, models.SEED_MODEL_IDS)
overall_best = study.best_model(results, models.MODEL_IDS)
seed_models = table.loc[list(models.SEED_MODEL_IDS)]
identity = setting.val_baselines[labels.UNCORRECTED]
collapsed_text = ", ".join(f"{model_id} ({table.loc[model_id, 'verdict']})" for model_id in collapsed) or "none"
display(
    Markdown(
        f"Of the seed's {len(seed_models)} models, our best by validation MSE is **model {seed_best}** "
        f"({table.loc[seed_best, labels.VAL_MSE]:.4f}, code {table.loc[seed_best, 'code']}); the seed's best was model "
        f"{agreement['seed best']} ({table.loc[agreement['seed best'], labels.SEED_VAL_LOSS]:.4f}). Ranked by "
        "validation loss, the quantity the seed reported, the two rankings agree with a Spearman rank correlation of "
        f"{agreement['spearman']:.2f} over these {len(seed_models)} models. The ranks moved most for models "
        + ", ".join(
            f"{m} (ours {agreement['ranks'].loc[m, 'our rank']}, seed {agreement['ranks'].loc[m, 'seed rank']})"
            for m in agreement["moved most"]
        )
        + f". Over all {len(table)} models, U-Nets included, the best is **model {overall_best}** "
        f"({table.loc[overall_best, labels.VAL_MSE]:.4f}, {table.loc[overall_best, 'family']} family). "
        f"Collapsed here, on the validation images: {collapsed_text}. {evaluation.COLLAPSE_RULES} "
        f"The identity baseline (the uncorrected input) scores {identity:.4f}; "
        f"{int((seed_models[labels.VAL_MSE] < identity).sum())} of the seed's {len(seed_models)} models and "
        f"{int((table[labels.VAL_MSE] < identity).sum()) - int((seed_models[labels.VAL_MSE] < identity).sum())} "
        f"of the {len(table) - len(seed_models)} U-Nets beat it."
    )
)

# %% [markdown]
# ## The seed's batch size, measured
#
# The seed trained its deep models at batch size 512; this study trains models 0-15 at 128, on the
# argument that an epoch at 512 takes a quarter of the steps, too few for batch normalisation's moving
# statistics to settle before early stopping judges a model. The argument is
# tested here on three models, model 3 of the baseline family, model 7 of the sweep and the seed's final
# model 12, each trained at both sizes with the study's seeds, to the end of early stopping. If the moving
# statistics are to blame, the runs at 512 validate worse after their first epochs, or collapse.

# %% tags=["nbval-ignore-output", "report-hide-output"]
ablation_runs, family_runs = setting.train_batch_ablation(), setting.train_family_runs()

# %% tags=["nbval-ignore-output"]
ablation = study.batch_ablation_table(ablation_runs, setting)
results_files.write_ablation(setting.out_dir, ablation)
plots.loss_curves(
    {f"model {model_id}, batch size {size}": plots.mse_history(run) for (model_id, size), run in ablation_runs.items()},
    setting.val_baselines.to_dict(),
    f"Batch size 128 against 512 ({setting.profile.name} profile)",
)
plt.show()
ablation

# %% tags=["nbval-ignore-output"]
noise = study.noise_levels(study.family_runs_table(family_runs))
lines = []
for model_id in study.BATCH_ABLATION_MODELS:
    small, large = ablation.loc[(model_id, 128)], ablation.loc[(model_id, 512)]
    difference = large[labels.VAL_MSE] - small[labels.VAL_MSE]
    family_noise = study.mse_noise(noise, model_id)
    lines.append(
        f"- **Model {model_id}**: validation MSE {small[labels.VAL_MSE]:.4f} at 128 ({small['epochs']} epochs, "
        f"{small['verdict']}) against {large[labels.VAL_MSE]:.4f} at 512 ({large['epochs']} epochs, "
        f"{large['verdict']}): "
        f"512 is {study.judged_difference(difference, family_noise)}"
        + ("" if study.judged_difference(difference, family_noise) == "within noise" else f" by {abs(difference):.4f}")
        + f" (the {models.spec(model_id).family} family's noise: {family_noise:.4f})"
        + f". After the first epoch: {small['val MSE after epoch 1']:.4f} against {large['val MSE after epoch 1']:.4f}."
    )
display(
    Markdown(
        "Each difference is judged against the run-to-run noise of validation MSE in the model's family: the "
        "range over its representative's runs with seeds one apart (the final evaluation shows them):\n\n"
        + "\n".join(lines)
        + "\n\n"
        + notebook.moving_statistics_text(study.moving_statistics_prediction(ablation))
        + f" The study trains models 0-15 at batch size {models.spec('12').batch_size}."
    )
)
