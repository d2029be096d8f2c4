# %% [markdown]
# # Discussion
#
# What the numbers of this build say about the seed's own questions: does deeper help, which bottleneck
# is best, does regularisation matter, how blurry are the corrections, and are the corrected characters
# still readable. This notebook reads what the comparison (`results.csv`) and the final evaluation
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

from lib import corruptions, experiment, models, plots, study

plots.configure_notebook()
out_dir = experiment.output_dir(PROFILE, OUTPUT_DIR)
missing = [name for name in ("results.csv", "final_evaluation.json") if not (out_dir / name).exists()]
if missing:
    raise FileNotFoundError(f"{', '.join(missing)} not found in {out_dir}: run notebooks 09_model_comparison and "
                            f"10_final_model first with the same PROFILE and OUTPUT_DIR (./build_report.sh does).")
table = pd.read_csv(out_dir / "results.csv", dtype={"model": str}).set_index("model")
final = json.loads((out_dir / "final_evaluation.json").read_text())
setting = study.Setting(PROFILE, SEED, DATA_DIR, OUTPUT_DIR)
black, identity = setting.val_baselines["all black"], setting.val_baselines["identity (corrupted input)"]

# %% [markdown]
# ## Depth, bottleneck and regularisation
#
# The best validation loss reached in each family, and how many of its models collapsed or beat the
# uncorrected input:

# %% tags=["nbval-ignore-output"]
families = table.groupby("family", sort=False).agg(
    models=("val loss", "size"), best_model=("val loss", "idxmin"), best_val_loss=("val loss", "min"),
    seed_best_val_loss=("seed val loss", "min"), collapsed=("collapsed", "sum"),
    beat_identity=("val loss", lambda losses: int((losses < identity).sum())))
families.columns = [column.replace("_", " ") for column in families.columns]
families

# %% tags=["nbval-ignore-output"]
best_family = families["best val loss"].idxmin()
widths = {model_id: models.bottleneck_width(models.build(model_id)) for model_id in study.family_ids("sweep")}
sweep = table.loc[list(widths), "val loss"]
best_width = widths[sweep.idxmin()]
regularised = table.loc[["12", "13", "14"], "val loss"]
seed_best_family = families["seed best val loss"].idxmin()
seed_best_model = table["seed val loss"].idxmin()
seed_best_width = widths[table.loc[list(widths), "seed val loss"].idxmin()]
display(Markdown(
    f"**Depth.** The best family here is *{best_family}* (model {families.loc[best_family, 'best model']}, "
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
seed_collapsed = list(table.index[table["seed val loss"] >= 0.95 * black])
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
# contrast measure it.

# %% tags=["nbval-ignore-output"]
quality = {name: pd.DataFrame(metrics) for name, metrics in final["quality"].items()}
ours, given = quality[final["final name"]], quality["identity (corrupted input)"]
median = quality["median filter (3x3)"]
better_ssim = [family.replace("_", " ") for family in corruptions.FAMILIES if ours.loc[family, "SSIM"] > given.loc[family, "SSIM"]]
display(Markdown(
    f"The final model (model {final['final model']}) keeps {100 * final['sharpness ratio']:.0f}% of the clean "
    f"images' edge contrast: {'its outputs are blurred' if final['sharpness ratio'] < 0.9 else 'its outputs are about as sharp as the originals'}. "
    f"Its SSIM is {ours.loc['overall', 'SSIM']:.3f} against {given.loc['overall', 'SSIM']:.3f} for the uncorrected "
    f"input and {median.loc['overall', 'SSIM']:.3f} for the median filter; it raises the SSIM for "
    f"{', '.join(better_ssim) if better_ssim else 'no family'}. Where the MSE improves but the SSIM does not, "
    f"the model has traded structure for a smooth average: exactly the blur the seed described."))

# %% [markdown]
# ## Readable after correction?

# %% tags=["nbval-ignore-output"]
accuracy = pd.DataFrame(final["accuracy"]).T
clean_acc, corrupted_acc, corrected_acc = accuracy["overall"].iloc[:3]
per_family = accuracy.iloc[1:3].T.drop("overall")
per_family.columns = ["corrupted", "corrected"]
worst = (per_family["corrected"] - per_family["corrupted"]).idxmin()
display(Markdown(
    f"MSE alone cannot say whether a correction helps a reader. The clean-trained classifier reads "
    f"{clean_acc:.1f}% of the clean test images, {corrupted_acc:.1f}% of the corrupted ones and "
    f"{corrected_acc:.1f}% of the corrected ones. The correction "
    + (f"recovers {100 * (corrected_acc - corrupted_acc) / (clean_acc - corrupted_acc):.0f}% of the accuracy the "
       f"corruptions took." if clean_acc > corrupted_acc and corrected_acc > corrupted_acc
       else "does not recover the accuracy the corruptions took.")
    + f" It helps least, or hurts most, for {worst.replace('_', ' ')} ({per_family.loc[worst, 'corrupted']:.1f}% "
    f"corrupted, {per_family.loc[worst, 'corrected']:.1f}% corrected). The seed judged that its model learned "
    f"flips and black patches from looking at a few images; the per-family numbers above are the measured answer."))

# %% [markdown]
# ## What this build cannot say
#
# Each model was trained once per seed; the spread between models 5 and 9 shows how far a second run
# can move a result. The smoke and quick profiles train on a fraction of the data for a few epochs
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
