"""Draw the README's figure: three training images of each corruption family, clean above and corrupted below.

    REPORT_DATA_DIR=../shared/data .venv/bin/python scripts/readme_figure.py   # -> docs/figures/corruptions.png

The images and their corruptions are the smoke profile's first training images with seed 0, exactly as
every build makes them, so the figure is the same on every machine.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lib import paths, profiles  # noqa: E402
from lib.corruptions import FAMILIES  # noqa: E402

PER_FAMILY = 3
TARGET = paths.ROOT / "docs" / "figures" / "corruptions.png"


def main():
    train = profiles.load_splits("smoke", 0)["train"]
    fig, axes = plt.subplots(2, len(FAMILIES) * PER_FAMILY, figsize=(len(FAMILIES) * PER_FAMILY * 0.8, 2.0))
    for family, name in enumerate(FAMILIES):
        for k, index in enumerate(np.flatnonzero(train.family_ids == family)[:PER_FAMILY]):
            column = family * PER_FAMILY + k
            axes[0, column].imshow(train.clean[index], cmap="gray", vmin=0, vmax=1)
            axes[1, column].imshow(train.corrupted[index], cmap="gray", vmin=0, vmax=1)
        axes[1, family * PER_FAMILY + 1].set_xlabel(name.replace("_", " "))
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel("clean")
    axes[1, 0].set_ylabel("corrupted")
    fig.tight_layout(pad=0.3)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(TARGET, dpi=100, metadata={"Software": None})
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
