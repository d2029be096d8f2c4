# %% [markdown]
# # Discussion
#
# What the numbers of this build say about the seed's own questions (does deeper help, which bottleneck
# is best, does regularisation matter, how blurry are the corrections, are the corrected characters
# still readable) and about this report's own: which design choices make a character readable again. This notebook reads what the comparison (`results.csv`) and the final evaluation
# (`final_evaluation.json`) wrote to the artifact folder.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATA_DIR = None
OUTPUT_DIR = None

# %% tags=["nbval-ignore-output", "report-hide-output"]
import json

import pandas as pd
from IPython.display import Markdown, display

from lib import corruptions, evaluation, experiment, models, plots, study

plots.configure_notebook()
out_dir = experiment.output_dir(PROFILE, OUTPUT_DIR)
missing = [name for name in ("results.csv", "final_evaluation.json") if not (out_dir / name).exists()]
if missing:
    raise FileNotFoundError(f"{', '.join(missing)} not found in {out_dir}: run notebooks 10_model_comparison and "
                            f"11_final_evaluation first with the same PROFILE and OUTPUT_DIR (./build_report.sh does).")
table = pd.read_csv(out_dir / "results.csv", dtype={"model": str}).set_index("model")
seed_table = table.loc[list(models.SEED_MODEL_IDS)]
final = json.loads((out_dir / "final_evaluation.json").read_text())
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
black, identity = setting.val_baselines["all black"], setting.val_baselines["identity (corrupted input)"]

# %% [markdown]
# ## Depth, bottleneck and regularisation
#
# The best validation loss reached in each family (the U-Nets beyond the seed included), and how many
# of its models collapsed or beat the uncorrected input:

# %% tags=["nbval-ignore-output"]
families = table.groupby("family", sort=False).agg(
    models=("val loss", "size"), best_model=("val loss", "idxmin"), best_val_loss=("val loss", "min"),
    seed_best_val_loss=("seed val loss", "min"), collapsed=("collapsed", "sum"),
    beat_identity=("val loss", lambda losses: int((losses < identity).sum())))
families.columns = [column.replace("_", " ") for column in families.columns]
families

# %% tags=["nbval-ignore-output"]
best_family = families.loc[list(models.SEED_FAMILIES), "best val loss"].idxmin()
widths = {model_id: models.bottleneck_width(models.build(model_id)) for model_id in study.family_ids("sweep")}
sweep = table.loc[list(widths), "val loss"]
best_width = widths[sweep.idxmin()]
regularised = table.loc[["12", "13", "14"], "val loss"]
seed_best_family = families["seed best val loss"].idxmin()
seed_best_model = seed_table["seed val loss"].idxmin()
seed_best_width = widths[table.loc[list(widths), "seed val loss"].idxmin()]
display(Markdown(
    f"**Depth.** Of the seed's families, the best here is *{best_family}* (model {families.loc[best_family, 'best model']}, "
    f"validation loss {families.loc[best_family, 'best val loss']:.4f}); the seed's was *{seed_best_family}* "
    f"(model {seed_best_model}, {table.loc[seed_best_model, 'seed val loss']:.4f}). "
    + ("This agrees with the seed's \"deeper is better\". " if best_family in ("deep", "regularised") else
       "This does not confirm the seed's \"deeper is better\" under this build's protocol. ")
    + f"\n\n**Bottleneck.** In the sweep the best width is {best_width} units (validation loss "
    f"{sweep.min():.4f}, against {sweep.max():.4f} for the worst, {widths[sweep.idxmax()]} units); the seed "
    f"found {seed_best_width} best. "
    + f"\n\n**Regularisation.** Model 12 reaches {regularised['12']:.4f}, with L2 on its outer convolutions "
    f"(model 13) {regularised['13']:.4f}, with dropout (model 14) {regularised['14']:.4f}; the seed measured "
    + ", ".join(f"{table.loc[model_id, 'seed val loss']:.4f}" for model_id in regularised.index) + ". "
    + f"\n\n**Run-to-run spread.** Models 5 and 9 are the same network trained with two seeds: "
    f"{table.loc['5', 'val loss']:.4f} and {table.loc['9', 'val loss']:.4f}, a difference of "
    f"{abs(table.loc['5', 'val loss'] - table.loc['9', 'val loss']):.4f}. Differences between models smaller "
    f"than this are not evidence that one architecture is better."))

# %% [markdown]
# ## Collapsed models, here and in the seed
#
# An all-black output scores the mean of the squared clean pixels. The seed's worst models sit on that
# level, which suggests they had collapsed without the seed noticing.

# %% tags=["nbval-ignore-output"]
seed_collapsed = list(seed_table.index[seed_table["seed val loss"] >= 0.95 * black])
ours_collapsed = list(table.index[table["collapsed"]])
display(Markdown(
    f"The all-black image scores {black:.4f} on this build's validation set. The seed's validation loss is at "
    f"least 95% of that for models {', '.join(seed_collapsed) if seed_collapsed else 'none'}; here "
    f"{len(ours_collapsed)} of {len(table)} models collapsed ({', '.join(ours_collapsed) if ours_collapsed else 'none'}), "
    f"and {int((table['val loss'] < identity).sum())} beat the uncorrected input ({identity:.4f})."))

# %% [markdown]
# ## Blur, measured
#
# The seed saw that its corrected characters "look fuzzy, like a Gaussian blur" and blamed the MSE
# loss, which rewards a grey compromise over a sharp edge in the wrong place. SSIM and the edge
# contrast measure it, for the seed's pick and for the best model overall.

# %% tags=["nbval-ignore-output"]
headline = {name: pd.DataFrame(metrics) for name, metrics in final["headline"].items()}
seed_pick, best = headline[final["seed name"]], headline[final["final name"]]
given = headline[evaluation.UNCORRECTED]
display(Markdown(
    f"The seed's pick (model {final['seed pick']}) keeps {seed_pick.loc['overall', 'edge contrast (%)']:.0f}% of the "
    f"clean images' edge contrast and reaches an SSIM of {seed_pick.loc['overall', 'SSIM']:.3f}; the best model "
    f"(model {final['final model']}) keeps {best.loc['overall', 'edge contrast (%)']:.0f}% at an SSIM of "
    f"{best.loc['overall', 'SSIM']:.3f}; the uncorrected input has {given.loc['overall', 'SSIM']:.3f}. "
    + ("The seed's pick blurs: " if seed_pick.loc["overall", "edge contrast (%)"] < 90 else "The seed's pick is about as sharp as the originals: ")
    + f"it raises the SSIM of the input for "
    f"{', '.join(f.replace('_', ' ') for f in corruptions.FAMILIES if seed_pick.loc[f, 'SSIM'] > given.loc[f, 'SSIM']) or 'no family'}, "
    f"the best model for "
    f"{', '.join(f.replace('_', ' ') for f in corruptions.FAMILIES if best.loc[f, 'SSIM'] > given.loc[f, 'SSIM']) or 'no family'}."))

# %% [markdown]
# ## Readable after correction? Which design choices restored it
#
# MSE alone cannot say whether a correction helps a reader. Each comparison below changes one thing,
# and is set beside the run-to-run spread: the standard deviation over three runs of the best U-Net. A
# difference smaller than twice that spread is not evidence.

# %% tags=["nbval-ignore-output"]
readability = pd.DataFrame(final["readability"])
spread = pd.DataFrame(final["spread"])
noise = {"read": spread.loc["standard deviation", "read correctly (%)"], "mse": spread.loc["standard deviation", "test MSE"]}
clean_read, given_read = headline["clean images"].loc["overall", "read correctly (%)"], given.loc["overall", "read correctly (%)"]


def change(name, changed, baseline):
    """One sentence: what changing one design choice (model ``baseline`` -> ``changed``) did."""
    read = readability.loc[changed, "read correctly (%)"] - readability.loc[baseline, "read correctly (%)"]
    mse = readability.loc[changed, "test MSE"] - readability.loc[baseline, "test MSE"]
    edges = readability.loc[changed, "edge contrast (%)"] - readability.loc[baseline, "edge contrast (%)"]
    verdict = ("more readable" if read > 2 * noise["read"] else
               "less readable" if read < -2 * noise["read"] else "no difference in readability beyond the spread")
    return (f"- **{name}** (model {baseline} -> {changed}): read correctly {read:+.1f} points, test MSE {mse:+.4f}, "
            f"edge contrast {edges:+.0f} points: {verdict}.")


best_seed_read = readability.loc[list(models.SEED_MODEL_IDS), "read correctly (%)"].idxmax()
display(Markdown("\n".join([
    f"The reader recognises {clean_read:.1f}% of the clean test images and {given_read:.1f}% of the corrupted ones; "
    f"after the seed's pick (model {final['seed pick']}) {seed_pick.loc['overall', 'read correctly (%)']:.1f}%, after "
    f"the best model (model {final['final model']}) {best.loc['overall', 'read correctly (%)']:.1f}%. The spread over "
    f"three runs of model {final['best new model']}: {noise['read']:.2f} points of accuracy, {noise['mse']:.4f} of test MSE.",
    "",
    change("Skip connections", "20", "21"),
    change("No dense bottleneck, skips instead", "20", best_seed_read),
    change("Edge-aware loss", "22", "20"),
    change("Twice the width", "23", "20"),
])))

# %% [markdown]
# ## Robustness
#
# Trained at severity 3 only, how do the models fare at other severities, and on two corruptions at once?

# %% tags=["nbval-ignore-output"]
severity = {metric: pd.DataFrame(values) for metric, values in final["severity"].items()}
pairs = {metric: pd.DataFrame(values) for metric, values in final["pairs"].items()}
reading = severity["read correctly (%)"]
best_new = f"model {final['best new model']}"
display(Markdown(
    f"From severity 1 to 5 the reader's accuracy after {best_new} (the best U-Net) goes from {reading.loc['1', best_new]:.1f}% to "
    f"{reading.loc['5', best_new]:.1f}%, against {reading.loc['1', evaluation.UNCORRECTED]:.1f}% to "
    f"{reading.loc['5', evaluation.UNCORRECTED]:.1f}% uncorrected. On images with two corruption families at "
    f"once, never seen in training, it reads {pairs['read correctly (%)'].loc['overall', best_new]:.1f}% against "
    f"{pairs['read correctly (%)'].loc['overall', evaluation.UNCORRECTED]:.1f}% uncorrected."))

# %% [markdown]
# ## What this build cannot say
#
# Most models were trained once; the spread between models 5 and 9, and over the three runs of the
# best U-Net, shows how far a second run can move a result (three runs give a rough spread, not a
# precise one). The smoke and quick profiles train on a fraction of the data for a few epochs
# and show that the pipeline works, not which model is best; only the full profile repeats the seed's
# protocol.
#
# # Data and attribution
#
# This report uses the Kuzushiji-MNIST dataset under the Creative Commons Attribution-ShareAlike 4.0
# license: "KMNIST Dataset" (created by CODH), adapted from "Kuzushiji Dataset" (created by NIJL and
# others), doi:10.20676/00000341. Tarin Clanuwat, Mikel Bober-Irizar, Asanobu Kitamoto, Alex Lamb,
# Kazuaki Yamamoto and David Ha, "Deep Learning for Classical Japanese Literature", 2018,
# arXiv:1812.01718. The study it re-creates is a course project by Sebastian Scholl, Clemens Berger and
# Philipp Temmel. The code of this report is in the repository that built it; see its README.
