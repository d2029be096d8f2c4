"""The correctors against U-Net 23: each idea measured alone, the choices made on the validation images, the ideas
kept where the evidence supports them, and the targets of reading as well as clean.

Every choice is made on the validation images at every severity (``Setting.ladder_splits``), read by the study
reader, and judged against U-Net 23's run-to-run spread on those images and McNemar's test over them; the test
images and the second reader only report. ``ablation_table`` gives both, side by side.
"""

from functools import cached_property

import numpy as np
import pandas as pd

from . import artifacts, correctors, evaluation, final_evaluation, labels, study
from .corruptions import FAMILIES, SEVERITIES

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


def choice_text(evaluated, against, final_id):
    """The choice of the final corrector in prose: U-Net 23's readability on the validation images at every
    severity and its run-to-run spread there, each idea's difference from it as judged, the guided weight chosen,
    and what is kept (``final_id``, ``final_corrector_id``)."""
    split = evaluated.splits[VAL_ALL]
    base = evaluated.measures(split)[BASE_NAME].accuracy(split)["overall"]
    ideas = "; ".join(
        f"{name} {row['read difference (points)']:+.1f} points (McNemar p = {row['McNemar p']:.2g}: {row['judged']})"
        for name, row in against.iterrows()
    )
    text = (
        f"On the validation images at every severity the study reader reads {base:.1f}% of U-Net 23's corrections; "
        f"its {len(evaluated.base_runs)} runs span {evaluated.noise:.1f} points there, the noise each idea is judged "
        f"against. Against it: {ideas}. Of the two guided weights, {chosen_guide(against)} reads more."
    )
    if final_id is None:
        return text + " No idea reads more than U-Net 23 beyond the noise: U-Net 23 stays the final corrector."
    return (
        text + f" The final corrector keeps what reads more beyond the noise: **{final_id}**, trained "
        f"{len(evaluated.base_runs)} times with seeds one apart."
    )


def targets_text(targets):
    """How many targets (``FinalCorrector.targets``) are met, within noise and missed; then, for each group not met
    whole, which of its members are not."""
    counts = {verdict: 0 for verdict in ("met", "within noise", "missed")}
    for target in targets.values():
        counts[target["verdict"]] += 1
    text = f"Of {len(targets)} targets, " + ", ".join(f"{count} {verdict}" for verdict, count in counts.items()) + "."
    groups = {}
    for target in targets.values():
        groups.setdefault(target["group"], []).append(target)
    for group, members in groups.items():
        short = {
            verdict: [member.get("member") for member in members if member["verdict"] == verdict]
            for verdict in ("within noise", "missed")
        }
        said = [
            verdict + (f" ({', '.join(names)})" if names[0] is not None and len(names) < len(members) else "")
            for verdict, names in short.items()
            if names
        ]
        if said:
            text += f" *{group.capitalize()}*: {'; '.join(said)}."
    return text


def reasons_text(targets):
    """Each group of targets (``FinalCorrector.targets``) with its bound and why it is there, as a list."""
    reasons = {target["group"]: target for target in targets.values()}
    return "\n".join(f"- *{group}* {target['target']}: {target['why there']}." for group, target in reasons.items())


def ablation(setting, log=print):
    """The ``CorrectorEvaluation`` of every corrector of ``correctors.CORRECTOR_IDS`` beside U-Net 23's runs, each
    trained or found in the cache (``log`` takes what that says)."""
    base_runs = [setting.fit(network, log) for network in setting.base_runs()]
    runs = {corrector_id: setting.fit(network, log) for corrector_id, network in setting.ablation_correctors().items()}
    return CorrectorEvaluation(setting, base_runs, runs)


def final_corrector_id(against):
    """The final corrector: the ideas kept (``kept_ideas``) combined, or None where none is kept (U-Net 23 stays)."""
    kept = kept_ideas(against)
    return correctors.combined_id(kept) if kept else None


def final_corrector_runs(setting):
    """The final corrector's runs (networks, ``Setting.corrector_runs``), once every network that chooses it is
    finished, in the artifact folder or the published set (the correctors, U-Net 23's runs); none before, and
    none where no idea is kept. Choosing evaluates them on the validation images, once (the evaluations are kept)."""
    if not all(artifacts.finished_folder(network.folder(setting.out_dir)) for network in setting.choosing_networks()):
        return []
    final_id = final_corrector_id(ablation(setting, log=lambda line: None).against_base())
    return [] if final_id is None else setting.corrector_runs(final_id)


FIRST, SECOND = "study reader", "second reader"


class FinalCorrector:
    """The final corrector on the test images, read by the study reader and by the second: ``corrector_id`` (None
    where no idea was kept and U-Net 23 stays) and its ``runs`` (``TrainResult``s, seeds one apart, run 0 first),
    beside U-Net 23 (``base``, its study run), the uncorrected input and the clean images. Run 0 gives every figure
    with its 95% interval over the images; the other runs are the spread every target is judged against."""

    def __init__(self, setting, corrector_id, runs, base):
        self.setting, self.corrector_id, self.runs, self.base = setting, corrector_id, runs, base
        self._answers = {}  # second (bool) -> ``answers``
        self.name = BASE_NAME if corrector_id is None else f"corrector {corrector_id}"
        self.test = setting.splits["test"]

    def answers(self, second=False):
        """Name -> the ``Measures`` of each answer on the test images (the final corrector's run 0, U-Net 23, the
        uncorrected input, the clean images), read by the study reader or, with ``second``, by the second; looked
        up once per reader."""
        if second not in self._answers:
            runs = {self.name: self.runs[0], BASE_NAME: self.base}  # one entry where U-Net 23 stays the final
            measured = {name: self.setting.measures(run, self.test, second=second) for name, run in runs.items()}
            references = (labels.UNCORRECTED, labels.CLEAN)
            self._answers[second] = measured | self.setting.reference_measures(references, self.test, second=second)
        return self._answers[second]

    @cached_property
    def right(self):
        """Reader -> answer name -> which test images it reads right (``answers``)."""
        return {
            reader: {name: measured.right(self.test) for name, measured in self.answers(second).items()}
            for reader, second in ((FIRST, False), (SECOND, True))
        }

    def read_table(self):
        """Read correctly (%), each figure with its 95% interval: a row per reader and answer, overall and per
        family."""
        rows = {}
        for reader, answers in self.right.items():
            intervals = evaluation.read_intervals(answers, self.test.family_ids)
            for name, right in answers.items():
                values = evaluation.by_family(100.0 * right, self.test.family_ids)
                rows[(reader, name)] = {
                    labels.family_text(group): evaluation.with_interval(value, intervals[name][group])
                    for group, value in values.items()
                }
        return pd.DataFrame(rows).T

    @cached_property
    def run_right(self):
        """Run -> which test images the study reader reads right after that run's correction, at severity 3
        (``None``) and at every severity (1 to 5)."""
        splits = {None: self.test} | {level: self.setting.test_split(level) for level in SEVERITIES}
        return [
            {level: self.setting.measures(run, split).right(split) for level, split in splits.items()}
            for run in self.runs
        ]

    def run_table(self):
        """The study reader's readability (%) after each run's correction: overall and per family at severity 3,
        and at every severity."""
        rows = {}
        for index, right in enumerate(self.run_right):
            row = evaluation.by_family(100.0 * right[None], self.test.family_ids)
            rows[f"run {index}"] = {labels.family_text(group): value for group, value in row.items()} | {
                f"severity {level}": 100.0 * right[level].mean() for level in SEVERITIES
            }
        return pd.DataFrame(rows).T

    def targets(self):
        """The targets of reading as well as clean, each judged (``study.target``) on run 0's figure and its 95%
        interval and on every other run's figure: met only where all of them reach the bound. Each names its
        ``group`` (the targets that share a bound and its reason) and, within a group, its ``member``."""
        first, second = self.right[FIRST], self.right[SECOND]
        family_ids = self.test.family_ids

        def on_runs(figure):
            """``figure`` (right -> %) of every run: run 0's, its interval's ends, the other runs'."""
            return figure(self.run_right[0]), [figure(right) for right in self.run_right[1:]]

        def reached(direction, bound, why, figure, hits):
            value, others = on_runs(figure)
            return study.target(direction, bound, why, value, evaluation.wilson_interval(hits), runs=others)

        clean = 100.0 * first[labels.CLEAN].mean()
        targets = {
            "study reader, overall (%)": reached(
                ">=",
                round(clean - 0.5, 1),
                f"within 0.5 points of this reader's {clean:.1f}% on clean images",
                lambda right: 100.0 * right[None].mean(),
                self.run_right[0][None],
            )
            | {"group": "study reader, overall"}
        }
        for index, family in enumerate(FAMILIES):
            targets[f"study reader, {labels.family_text(family)} (%)"] = reached(
                ">=",
                93,
                "every family within about 2 points of clean",
                lambda right, index=index: 100.0 * right[None][family_ids == index].mean(),
                self.run_right[0][None][family_ids == index],
            ) | {"group": "study reader, each family", "member": labels.family_text(family)}
        for level in SEVERITIES:
            targets[f"study reader, severity {level} (%)"] = reached(
                ">=",
                90,
                "every severity within about 5 points of clean: mild damage not over-corrected, severe damage read",
                lambda right, level=level: 100.0 * right[level].mean(),
                self.run_right[0][level],
            ) | {"group": "study reader, each severity", "member": f"severity {level}"}
        control = self.setting.reference_measures([labels.UNCORRECTED], self.test, self.setting.control_reader_run)
        control_right = control[labels.UNCORRECTED].right(self.test)

        def families_beaten(right):
            return sum(
                final_evaluation.paired_verdict(right[None][family_ids == index], control_right[family_ids == index])
                == final_evaluation.MORE
                for index in range(len(FAMILIES))
            )

        beaten, others = on_runs(families_beaten)
        targets["families read more than by the reader trained on corrupted images"] = study.target(
            ">=",
            len(FAMILIES),
            "correcting must buy what training the reader on corrupted images does not, on every family "
            "(McNemar's test)",
            beaten,
            runs=others,
        ) | {"group": "families read more than by the reader trained on corrupted images"}
        second_clean = 100.0 * second[labels.CLEAN].mean()
        targets["second reader, overall (%)"] = study.target(
            ">=",
            round(second_clean - 1, 1),
            f"within 1 point of the second reader's own {second_clean:.1f}% on clean images: a gain that only "
            "pleases the study reader does not count",
            100.0 * second[self.name].mean(),
            evaluation.wilson_interval(second[self.name]),
        ) | {"group": "second reader, overall"}
        return targets

    def corrections(self, indices):
        """Run 0's corrections of the test images ``indices``, (n, 28, 28)."""
        return evaluation.reconstruct(self.runs[0].model, self.test.corrupted[indices])

    def misread(self):
        """``misread_table`` of run 0's corrections: what the test images the study reader still misreads have in
        common."""
        first, second = self.answers(), self.answers(second=True)
        return misread_table(self.test, first[self.name].read, first[labels.CLEAN].read, second[self.name].read)


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
        rows[labels.family_text(family)] = {
            "images": int(chosen.sum()),
            "misread after correction": int(wrong.sum()),
            "of them misread clean too": int((wrong & (read_clean != test.labels)).sum()),
            "of them read right by the second reader": int((wrong & (read_second == test.labels)).sum()),
        }
    table = pd.DataFrame(rows).T
    table.loc["overall"] = table.sum()
    return table


def misread_text(table):
    """``misread_table`` in a sentence: how many of the images still misread are the reader's own errors, and how
    many the second reader reads right."""
    overall = table.loc["overall"]
    return (
        f"The study reader misreads {overall['misread after correction']:,} of the {overall['images']:,} test images "
        f"after correction; {overall['of them misread clean too']:,} of those it misreads clean as well (its own "
        f"errors, which no correction can mend), and the second reader reads "
        f"{overall['of them read right by the second reader']:,} of them right."
    )


def misread_examples(test, read_corrected, read_second, rng, per_family=3):
    """Up to ``per_family`` test images of each family that the study reader misreads after correction, drawn by
    ``rng`` and grouped by family: their indices and captions (the family, the class, and what the study reader
    and then the second reader read)."""
    misread = np.flatnonzero(read_corrected != test.labels)
    chosen = []
    for index in range(len(FAMILIES)):
        candidates = misread[test.family_ids[misread] == index]
        chosen.extend(sorted(rng.choice(candidates, size=min(per_family, len(candidates)), replace=False)))
    chosen = np.array(chosen, dtype=int)
    captions = [
        f"{labels.family_text(FAMILIES[test.family_ids[i]])}\nclass {test.labels[i]}; read {read_corrected[i]} and "
        f"{read_second[i]}"
        for i in chosen
    ]
    return chosen, captions
