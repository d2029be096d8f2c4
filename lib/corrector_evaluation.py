"""The correctors against U-Net 23: each idea measured alone, the choices made on the validation images, the ideas
kept where the evidence supports them, and the targets of reading as well as clean.

Every choice is made on the validation images at every severity (``Setting.ladder_splits``), read by the study
reader, and judged against U-Net 23's run-to-run spread on those images and McNemar's test over them; the test
images and the second reader only report. ``ablation_table`` gives both, side by side.
"""

from functools import cached_property

import numpy as np
import pandas as pd

from . import correctors, evaluation, final_evaluation, labels, study
from .corruptions import FAMILIES, SEVERITIES
from .training import SPREAD_RUNS

BASE_NAME = f"U-Net {correctors.BASE_MODEL}"
VAL_ALL = "validation, every severity"  # where choices are made
VAL_3, TEST_3 = "validation, severity 3", "test, severity 3"


class CorrectorEvaluation:
    """The correctors (``runs``: corrector id -> ``TrainResult``) beside U-Net 23 (``base_runs``: its runs, seeds one
    apart, the study's own first) on ``setting``'s splits. Each table is computed once, from the kept evaluations
    (``Setting.measures``)."""

    def __init__(self, setting, base_runs, runs):
        self.setting, self.base_runs = setting, base_runs
        self.runs = {BASE_NAME: base_runs[0], **runs}

    @cached_property
    def noise(self):
        """How far another run of U-Net 23 moves its readability (points) on the validation images at every severity,
        where the choices are made: the range over its runs. Every difference from it is judged against this."""
        split = self.splits[VAL_ALL]
        return float(np.ptp([self.setting.measures(run, split).accuracy(split)["overall"] for run in self.base_runs]))

    def measures(self, split, second=False):
        """Name -> the ``Measures`` of each corrector's corrections of ``split``."""
        return {name: self.setting.measures(run, split, second=second) for name, run in self.runs.items()}

    @cached_property
    def splits(self):
        """Where each table measures: the validation images at every severity and at 3, the test images at 3."""
        return {
            VAL_ALL: self.setting.ladder_splits["val"],
            VAL_3: self.setting.splits["val"],
            TEST_3: self.setting.splits["test"],
        }

    def ablation_table(self):
        """A row per corrector: MSE and readability (%) on the validation images at every severity and at severity
        3, and on the test images at severity 3 by the study reader and by the second; the test readability at
        each severity; and the difference from U-Net 23 on the validation images at every severity, judged."""
        rows = {name: {} for name in self.runs}
        for where, split in self.splits.items():
            for name, measured in self.measures(split).items():
                rows[name][(where, labels.MSE)] = float(measured.mse.mean())
                rows[name][(where, labels.READ)] = measured.accuracy(split)["overall"]
        test = self.splits[TEST_3]
        for name, measured in self.measures(test, second=True).items():
            rows[name][(TEST_3, "read by the second reader (%)")] = measured.accuracy(test)["overall"]
        for level in SEVERITIES:
            split = self.setting.test_split(level)
            for name, measured in self.measures(split).items():
                rows[name][("test, by severity", str(level))] = measured.accuracy(split)["overall"]
        table = pd.DataFrame(rows).T
        table.columns = pd.MultiIndex.from_tuples(table.columns)
        return table

    def against_base(self):
        """Each corrector against U-Net 23 on the validation images at every severity: the readability difference
        (points), McNemar's p over the same images, and the verdict against U-Net 23's run-to-run spread there
        (``noise``)."""
        split = self.splits[VAL_ALL]
        right = {name: measured.right(split) for name, measured in self.measures(split).items()}
        noise = self.noise
        rows = {}
        for name in self.runs:
            if name == BASE_NAME:
                continue
            difference = 100.0 * (right[name].mean() - right[BASE_NAME].mean())
            p_value = evaluation.mcnemar_p(right[name], right[BASE_NAME])
            rows[name] = {
                "read difference (points)": difference,
                "McNemar p": p_value,
                "judged": study.judged_difference(difference, noise, p_value),
            }
        return pd.DataFrame(rows).T


def chosen_guide(against):
    """The guided corrector whose validation readability is highest (``CorrectorEvaluation.against_base``)."""
    guided = [name for name in against.index if correctors.spec(name).reader_weight]
    return max(guided, key=lambda name: against.loc[name, "read difference (points)"])


def kept_ideas(against):
    """The ideas the evidence supports: those whose validation readability beats U-Net 23's beyond the noise (of
    the guided correctors, only the chosen weight), as the ids ``correctors.combined_id`` joins."""
    guide = chosen_guide(against)
    return [
        name
        for name in against.index
        if against.loc[name, "judged"] == "higher" and (not correctors.spec(name).reader_weight or name == guide)
    ]


def ablation(setting, log=print):
    """The ``CorrectorEvaluation`` of every corrector of ``correctors.CORRECTOR_IDS`` beside U-Net 23's runs, each
    trained or found in the cache (``log`` takes what that says)."""
    base_runs = [setting.fit(setting.autoencoder(correctors.BASE_MODEL, run), log) for run in range(SPREAD_RUNS)]
    runs = {
        corrector_id: setting.fit(setting.corrector(corrector_id), log) for corrector_id in correctors.CORRECTOR_IDS
    }
    return CorrectorEvaluation(setting, base_runs, runs)


def final_corrector_id(against):
    """The final corrector: the ideas kept (``kept_ideas``) combined, or None where none is kept (U-Net 23 stays)."""
    kept = kept_ideas(against)
    return correctors.combined_id(kept) if kept else None


def reading_targets(first, second, family_right, severity_right):
    """The targets of reading as well as clean for the final corrector, each judged (``study.target``): ``first``
    and ``second`` are the final evaluation by the study reader and by the second (``FinalEvaluation``);
    ``family_right`` (family -> which test images of it the study reader reads right) and ``severity_right``
    (severity -> the same at that severity) give the intervals."""
    clean = first.read.loc["overall", labels.CLEAN]
    final_name = first.final_name
    targets = {
        "study reader, overall (%)": study.target(
            ">=",
            round(clean - 0.5, 1),
            f"within 0.5 points of this reader's {clean:.1f}% on clean images",
            first.read.loc["overall", final_name],
            first.headline_intervals[final_name]["overall"],
        ),
        **{
            f"study reader, {labels.family_text(family)} (%)": study.target(
                ">=",
                93,
                "every family within about 2 points of clean",
                100.0 * family_right[family].mean(),
                evaluation.wilson_interval(family_right[family]),
            )
            for family in FAMILIES
        },
        **{
            f"study reader, severity {level} (%)": study.target(
                ">=",
                90,
                "every severity within about 5 points of clean: mild damage not over-corrected, severe damage read",
                100.0 * right.mean(),
                evaluation.wilson_interval(right),
            )
            for level, right in severity_right.items()
        },
    }
    final_answer = f"corrected by {final_name}"
    beaten = [
        family
        for index, family in enumerate(FAMILIES)
        if final_evaluation.paired_verdict(
            first.answers[final_answer][first.test.family_ids == index],
            first.answers[labels.CORRUPTED_TRAINED_READER][first.test.family_ids == index],
        )
        == final_evaluation.MORE
    ]
    targets["families read more than by the reader trained on corrupted images"] = study.target(
        ">=",
        len(FAMILIES),
        "correcting must buy what training the reader on corrupted images does not, on every family (McNemar's test)",
        len(beaten),
    )
    second_clean = second.read.loc["overall", labels.CLEAN]
    targets["second reader, overall (%)"] = study.target(
        ">=",
        round(second_clean - 1, 1),
        f"within 1 point of the second reader's own {second_clean:.1f}% on clean images: a gain that only pleases "
        "the study reader does not count",
        second.read.loc["overall", final_name],
        second.headline_intervals[final_name]["overall"],
    )
    return targets


def misread_table(test, read_corrected, read_clean, read_second):
    """What the test images the study reader misreads after correction have in common, per corruption family: how
    many it misreads (of how many), how many of those it misreads clean as well (its own errors, no correction's),
    and how many the second reader reads right (``read_*``: the class each image is read as, after correction by
    the study reader, clean by the study reader, after correction by the second reader)."""
    misread = read_corrected != test.labels
    rows = {}
    for index, family in enumerate(FAMILIES):
        chosen = test.family_ids == index
        wrong = misread & chosen
        rows[family] = {
            "images": int(chosen.sum()),
            "misread after correction": int(wrong.sum()),
            "of them misread clean too": int((wrong & (read_clean != test.labels)).sum()),
            "of them read right by the second reader": int((wrong & (read_second == test.labels)).sum()),
        }
    table = pd.DataFrame(rows).T
    table.loc["overall"] = table.sum()
    return table


def misread_examples(test, read_corrected, read_second, rng, per_family=3):
    """Up to ``per_family`` test images of each family that the study reader misreads after correction, drawn by
    ``rng``: their indices and captions (the class, and what each reader read)."""
    misread = np.flatnonzero(read_corrected != test.labels)
    chosen = []
    for index in range(len(FAMILIES)):
        candidates = misread[test.family_ids[misread] == index]
        chosen.extend(rng.choice(candidates, size=min(per_family, len(candidates)), replace=False))
    chosen = np.array(sorted(chosen), dtype=int)
    captions = [
        f"{labels.family_text(FAMILIES[test.family_ids[i]])}\nclass {test.labels[i]}: read {read_corrected[i]}"
        f" / {read_second[i]}"
        for i in chosen
    ]
    return chosen, captions
