# %% [markdown]
# # Loss and training protocol
#
# Every model maps a corrupted image to its clean original and is trained on the mean squared error
# over the pixels, with pixel values scaled to 0-1:
#
# $$\mathrm{MSE} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat{y}_i)^2$$
#
# One model beyond the seed (model 22) tests the seed's wish for a loss that rewards clear edges: it adds
# the MSE of the image gradients, the differences $\Delta$ between horizontally and vertically
# neighbouring pixels, $\mathrm{MSE} + \mathrm{MSE}(\Delta_h y, \Delta_h \hat{y}) +
# \mathrm{MSE}(\Delta_v y, \Delta_v \hat{y})$. It is still compared with the others on its MSE.
#
# All models share one protocol, as in the seed: Adam, early stopping on the validation loss with a
# patience of 3 epochs, and the weights of the best epoch restored. Within that protocol each model
# keeps the settings it needs, stated beside its definition (the model sections list them). Every source of
# randomness is seeded (weight initialisation, dropout, the batch order of each epoch, the corruptions)
# and TensorFlow's kernels run deterministically, so a rebuild reproduces every number. A trained model
# is cached under a key of its architecture, settings and data; a run that is interrupted resumes from
# the last finished epoch.

# %% tags=["parameters"]
PROFILE = "full"
SEED = 0
DATASET = "kmnist"  # kmnist | fashion-mnist: the images corrected (see the README)

# %%
import pandas as pd
from IPython.display import Markdown, display

from lib import models, notebook, profiles, study, training

notebook.configure()
profile = profiles.get_profile(PROFILE)
configs = {
    model_id: training.config_for(model_id, SEED, max_epochs=profile.max_epochs) for model_id in models.MODEL_IDS
}
pd.DataFrame(
    {
        model_id: {
            "family": models.spec(model_id).family,
            "batch size": config.batch_size,
            "learning rate": config.learning_rate,
            "epoch limit": config.max_epochs,
            "patience": config.patience,
            "training seed": config.seed,
            "loss": config.loss,
        }
        for model_id, config in configs.items()
    }
).T.rename_axis("model")

# %%
sizes = pd.Series({model_id: models.spec(model_id).batch_size for model_id in models.SEED_MODEL_IDS})
display(
    Markdown(
        f"The seed trained its deep models with batch size 512 and its light models 16-19 with 32. Here "
        f"{(sizes == 128).sum()} of its {len(sizes)} models (models {', '.join(sizes.index[sizes == 128])}) "
        f"train at 128 and {(sizes == 32).sum()} keep the seed's 32 (models {', '.join(sizes.index[sizes == 32])}). "
        "An epoch at 512 takes a quarter of the steps it takes at 128, and batch normalisation's moving "
        "statistics, which the validation loss is measured with, may not settle in so few. Whether that "
        "holds is measured, not assumed: models "
        f"{', '.join(study.BATCH_ABLATION_MODELS)} are trained at both sizes, and the comparison of all "
        "models sets them side by side."
    )
)
