"""The correctors beyond the study: the orientation head's undoings, the reader-guided loss, the severity
ladder, and the second reader kept out of everything that trains or chooses a corrector."""

import ast
import inspect
import json
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lib import (
    backend,
    classifier,
    corrector_evaluation,
    correctors,
    corruptions,
    evaluation,
    evaluation_cache,
    final_evaluation,
    labels,
    losses,
    models,
    profiles,
    study,
    training,
    training_stage,
)

keras = backend.keras
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def characters(data_dir):
    """Clean characters: strokes with edges, as the undoings will meet them."""
    return profiles.load_splits("smoke", 0, data_dir=data_dir)["test"].clean[:40]


def undoing(kind, amount):
    return correctors.UNDOINGS.index((kind, amount))


def inner_disc(radius=10, side=28):
    """The pixels a turn keeps inside the image whatever its angle."""
    rows, cols = np.mgrid[:side, :side] - (side - 1) / 2
    return rows**2 + cols**2 < radius**2


@pytest.mark.parametrize("axis", [1, 2])
def test_a_flip_is_undone_exactly(characters, axis):
    flipped = np.flip(characters, axis=axis)
    undone = correctors.undone(flipped, np.full(len(flipped), undoing("flip", axis)))
    np.testing.assert_array_equal(undone, characters)


@pytest.mark.parametrize("angle", [0.3, -0.6, 1.0])
def test_a_turn_is_undone_as_the_rotation_family_turns_back(characters, angle):
    turned = corruptions.rotate(characters, angle).astype(np.float32)
    undone = correctors.undone(turned, np.full(len(turned), undoing("turn", -angle)))
    np.testing.assert_allclose(undone, corruptions.rotate(turned, -angle), atol=1e-6)
    # Two bilinear samplings blur a stroke's edge; the strokes are back where they were.
    disc = inner_disc()
    left = np.abs(undone - characters)[:, disc].mean()
    assert left < 0.4 * np.abs(turned - characters)[:, disc].mean()
    # The other way round turns it twice as far: no nearer than it was.
    wrong = correctors.undone(turned, np.full(len(turned), undoing("turn", angle)))
    assert np.abs(wrong - characters)[:, disc].mean() > 2 * left


def test_nothing_undone_is_the_image_itself(characters):
    np.testing.assert_array_equal(correctors.undone(characters, np.zeros(len(characters), int)), characters)


def test_each_image_is_undone_as_its_own_choice_says(characters):
    choices = np.arange(len(characters)) % len(correctors.UNDOINGS)
    undone = correctors.undone(characters, choices)
    for image, choice, result in zip(characters, choices, undone):
        np.testing.assert_array_equal(result, correctors.undone(image[None], [choice])[0])


def test_the_labels_name_the_undoing_that_was_needed(characters):
    flipped = characters[:, :, ::-1]
    turned = corruptions.rotate(characters, 0.4).astype(np.float32)
    noisy = np.clip(characters + 0.1, 0, 1)
    corrupted = np.concatenate([flipped, turned, noisy])
    labels = correctors.undoing_labels(corrupted, np.concatenate([characters] * 3), batch=32)
    n = len(characters)
    # A character can look alike both ways up; most must not.
    assert np.mean(labels[:n] == undoing("flip", 2)) > 0.9
    assert np.mean(labels[n : 2 * n] == undoing("turn", -0.4)) > 0.9
    assert np.all(labels[2 * n :] == undoing("none", 0))


def test_the_undoings_cover_the_rotation_ladder_both_ways():
    turns = {amount for kind, amount in correctors.UNDOINGS if kind == "turn"}
    largest = 1.0  # rotation's severity 5: up to 1 radian either way
    assert {round(angle, 10) for angle in np.arange(1, 11) * correctors.TURN_STEP} | {
        -round(angle, 10) for angle in np.arange(1, 11) * correctors.TURN_STEP
    } == turns
    assert max(turns) == largest and min(turns) == -largest


def test_the_upright_corrector_trains_its_u_net_behind_a_frozen_head():
    backend.make_deterministic(0)
    model = correctors.upright_network()
    head, u_net = model.get_layer("orientation_head"), model.get_layer("model_23")
    assert not head.trainable and head.weights and not head.trainable_weights
    assert {id(w) for w in model.trainable_weights} == {id(w) for w in u_net.trainable_weights}
    backend.make_deterministic(0)
    alone = models.build(correctors.BASE_MODEL)
    # The U-Net starts where U-Net 23 starts: a difference is the head's.
    assert all(np.array_equal(a, b) for a, b in zip(alone.get_weights(), u_net.get_weights()))


def test_the_upright_corrector_undoes_what_its_head_chooses(characters):
    model = correctors.upright_network()
    head = model.get_layer("orientation_head")
    choice_layer = head.get_layer("head_undoings")
    kernel, bias = choice_layer.get_weights()
    bias = np.full_like(bias, -50.0)
    bias[undoing("flip", 1)] = 50.0  # a head sure of an upside-down flip, whatever it sees
    choice_layer.set_weights([np.zeros_like(kernel), bias])
    undone = keras.Model(model.input, model.get_layer("undo").output)
    result = keras.ops.convert_to_numpy(undone(characters[..., None]))[..., 0]
    np.testing.assert_array_equal(result, characters[:, ::-1, :])


class ConstantReader(keras.layers.Layer):
    """A 'reader' that reads an image by its mean brightness alone: softmax over (mean, -mean)."""

    def call(self, images):
        mean = keras.ops.mean(images, axis=(1, 2, 3))
        return keras.ops.softmax(keras.ops.stack([4 * mean, -4 * mean], axis=-1))


def reading(images):
    mean = images.mean(axis=(1, 2, 3))
    logits = np.stack([4 * mean, -4 * mean], axis=-1)
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


def test_the_guided_loss_is_the_mse_plus_the_weighted_cross_entropy_against_the_clean_reading():
    rng = np.random.default_rng(0)
    clean, predicted = rng.random((2, 3, 28, 28, 1), dtype=np.float32)
    weight = 0.5
    loss = losses.mse_and_reading(ConstantReader(), weight)
    target, read = reading(clean.astype(np.float64)), reading(predicted.astype(np.float64))
    expected = np.mean((predicted - clean) ** 2, axis=(1, 2, 3)) - weight * np.sum(target * np.log(read), axis=-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss(clean, predicted)), expected, rtol=1e-5)
    # A perfect correction is charged only the reading's own entropy: nothing to gain by reading otherwise.
    entropy = -np.sum(target * np.log(target), axis=-1)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loss(clean, clean)), weight * entropy, rtol=1e-5)


def test_the_guided_loss_prefers_of_two_equally_near_corrections_the_one_read_as_the_clean_image_is():
    clean = np.full((1, 28, 28, 1), 0.9, np.float32)  # read as the first class
    below, above = clean - 0.1, clean + 0.1  # the same MSE; the brighter is read more surely as the first class
    mse_only, guided = losses.mse_and_reading(ConstantReader(), 0.0), losses.mse_and_reading(ConstantReader(), 1.0)
    loss = lambda function, x: float(keras.ops.convert_to_numpy(function(clean, x))[0])
    assert loss(mse_only, below) == pytest.approx(loss(mse_only, above), rel=1e-5)
    assert loss(guided, above) < loss(guided, below)


def test_the_ladder_gives_every_family_every_severity_equally_often():
    severities = corruptions.ladder_severities(250)
    families = np.arange(250) % len(corruptions.FAMILIES)
    cells = np.zeros((len(corruptions.FAMILIES), len(corruptions.SEVERITIES)), int)
    np.add.at(cells, (families, severities - 1), 1)
    assert np.all(cells == 10)


def test_the_ladder_corrupts_each_image_as_its_family_does_at_its_severity(characters):
    images = np.tile(characters, (3, 1, 1))[:100]
    corrupted, families = corruptions.corrupt_ladder(images, seed=(0, 1))
    np.testing.assert_array_equal(corrupted, corruptions.corrupt_ladder(images, seed=(0, 1))[0])
    severities = corruptions.ladder_severities(len(images))
    for index in np.flatnonzero(families == corruptions.FAMILIES.index("flip")):
        assert any(np.array_equal(corrupted[index], np.flip(images[index], axis)) for axis in (0, 1))
    brightened = families == corruptions.FAMILIES.index("brightness")
    shifts = np.abs(corrupted[brightened] - images[brightened]).max(axis=(1, 2))
    np.testing.assert_allclose(shifts, 0.1 * severities[brightened], atol=1e-6)  # MNIST-C's ladder, 0.1 a step


SECOND_READER_NAMES = {"SECOND_READER_ID", "second_reader_network", "SECOND_READER_STAGES", "second_reader_run"}
# What trains, tunes or chooses a corrector: none of it may reach the second reader.
TRAINING_AND_CHOOSING = ["lib/training.py", "lib/losses.py", "lib/correctors.py", "lib/training_stage.py"]
CORRECTOR_CHOOSING = [
    corrector_evaluation.ablation,
    corrector_evaluation.CorrectorEvaluation.noise.func,
    corrector_evaluation.CorrectorEvaluation.against_base,
    corrector_evaluation.chosen_guide,
    corrector_evaluation.kept_ideas,
    corrector_evaluation.final_corrector_id,
    study.Setting.corrector_runs,
    training_stage.train_final_corrector,
]
CHOOSING_FUNCTIONS = ["best_model", "final_models", "best_new_model", "best_new_model_of_records", "glance_models"]


def names_in(tree):
    """The names ``tree`` reads, and the keywords it passes (``second=True`` asks for the second reader's readings)."""
    return {
        node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else node.arg
        for node in ast.walk(tree)
        if isinstance(node, (ast.Name, ast.Attribute, ast.keyword))
    }


@pytest.mark.parametrize("path", TRAINING_AND_CHOOSING)
def test_no_code_that_trains_or_chooses_a_corrector_names_the_second_reader(path):
    assert not names_in(ast.parse((ROOT / path).read_text())) & SECOND_READER_NAMES


@pytest.mark.parametrize("name", CHOOSING_FUNCTIONS)
def test_the_study_chooses_its_models_without_the_second_reader(name):
    assert not names_in(ast.parse(inspect.getsource(getattr(study, name)))) & SECOND_READER_NAMES


@pytest.mark.parametrize("function", CORRECTOR_CHOOSING, ids=lambda function: function.__qualname__)
def test_the_final_corrector_is_chosen_without_the_second_reader(function):
    assert not names_in(ast.parse(textwrap.dedent(inspect.getsource(function)))) & (SECOND_READER_NAMES | {"second"})


def test_training_every_corrector_and_choosing_the_final_one_never_builds_the_second_reader(
    data_dir, tmp_path, monkeypatch
):
    """Run it: a corrector that reached the second reader in training or choosing would fail here."""

    def refused(*args, **kwargs):
        raise AssertionError("the second reader was reached while a corrector trained or was chosen")

    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    monkeypatch.setattr(classifier, "second_reader_network", refused)
    for corrector_id in correctors.CORRECTOR_IDS:
        result = setting.fit(setting.corrector(corrector_id), log=lambda line: None)
        assert result.history and not result.reused
    against = corrector_evaluation.ablation(setting, log=lambda line: None).against_base()
    corrector_evaluation.final_corrector_id(against)


def test_a_guided_or_upright_corrector_is_keyed_by_the_networks_it_uses(data_dir, tmp_path):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    guided, upright = setting.corrector("guided-0.1"), setting.corrector("upright")
    assert guided.uses == (setting.reader_network().key,)
    assert upright.uses == (setting.head_network().key,)
    moved = training.Network(**{**guided.__dict__, "uses": ("another reader",)})
    assert moved.key != guided.key
    assert guided.config.loss == "mse+0.1*reading"


def test_the_second_reader_reads_the_same_corrections_apart_and_measures_nothing_again(data_dir, tmp_path):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    corrector = setting.fit(setting.autoencoder("20"), log=lambda line: None)
    test = setting.splits["test"]
    first, second = (setting.measures(corrector, test, second=second) for second in (False, True))
    for name in evaluation_cache.PER_IMAGE:
        if name != "read":
            np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    corrected = evaluation.reconstruct(corrector.model, test.corrupted)
    expected = evaluation.reader_probabilities(setting.second_reader_run.model, corrected).argmax(axis=1)
    np.testing.assert_array_equal(second.read, expected)
    assert setting.second_reader_run.model.name == "second_reader"
    clean = setting.reference_measures([labels.CLEAN], test, second=True)[labels.CLEAN]
    expected = evaluation.reader_probabilities(setting.second_reader_run.model, test.clean).argmax(axis=1)
    np.testing.assert_array_equal(clean.read, expected)


def test_a_paired_verdict_is_more_less_or_within_the_test_sets_noise():
    rng = np.random.default_rng(0)
    other = rng.random(2000) < 0.7
    better = other | (rng.random(2000) < 0.3)
    assert final_evaluation.paired_verdict(better, other) == final_evaluation.MORE
    assert final_evaluation.paired_verdict(other, better) == final_evaluation.LESS
    flipped = other.copy()
    flipped[:10] = ~flipped[:10]  # ten images read differently: no evidence either way
    assert final_evaluation.paired_verdict(flipped, other) == final_evaluation.WITHIN_NOISE


def test_the_readers_disagreements_are_the_verdicts_that_differ_and_are_said():
    ours = SimpleNamespace(verdicts={"a": "more", "b": "less", "c": "within the test set's noise"})
    theirs = SimpleNamespace(verdicts={"a": "more", "b": "within the test set's noise", "c": "less"})
    disagreements = final_evaluation.reader_disagreements(ours, theirs)
    assert disagreements == {"b": ("less", "within the test set's noise"), "c": ("within the test set's noise", "less")}
    assert final_evaluation.disagreements_text(disagreements, 3).startswith(
        "The two readers disagree on 2 of the 3 paired comparisons"
    )
    agreed = final_evaluation.disagreements_text(final_evaluation.reader_disagreements(ours, ours), 3)
    assert agreed == "The two readers reach the same verdict on each of the 3 paired comparisons."
    table = final_evaluation.disagreements_table(disagreements)
    assert list(table.index) == ["b", "c"] and table.loc["c", "by the second reader"] == "less"


def test_ideas_combine_by_their_ids_in_one_order_and_at_most_one_guided_weight():
    combined = correctors.combined_id(["guided-0.1", "upright", "ladder"])
    assert combined == "ladder+upright+guided-0.1"
    spec = correctors.spec(combined)
    assert spec.ladder and spec.upright and spec.reader_weight == 0.1
    for wrong in ("guided-0.01+guided-0.1", "ladder+ladder", "ladder+sideways", "23"):
        with pytest.raises(ValueError, match="joined by '\\+'"):
            correctors.spec(wrong)


def test_the_upright_corrector_is_built_alike_however_often_a_process_builds_it():
    """Its graph, and so its cache key, must not carry a per-process counter (an unnamed op's name)."""
    first, again = correctors.upright_network(), correctors.upright_network()
    assert json.dumps(first.get_config(), default=str) == json.dumps(again.get_config(), default=str)


def test_a_combined_corrector_trains_behind_the_head_of_its_own_splits(data_dir, tmp_path):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    network = setting.corrector("ladder+upright")
    ladder_head = setting.head_network(ladder=True)
    assert network.uses == (ladder_head.key,) and ladder_head.key != setting.head_network().key
    assert ladder_head.config.model_id == "orientation-head-ladder"
    np.testing.assert_array_equal(network.train_data[0][..., 0], setting.ladder_splits["train"].corrupted)
    result = setting.fit(network, log=lambda line: None)
    head = setting.fit(ladder_head, log=lambda line: None).model
    inside = result.model.get_layer("orientation_head").get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(inside, head.get_weights()))


def test_the_ablation_sets_every_corrector_beside_u_net_23_on_validation_and_test(data_dir, tmp_path):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    quiet = lambda line: None
    runs = {
        corrector_id: setting.fit(setting.corrector(corrector_id), log=quiet)
        for corrector_id in ("ladder", "guided-0.01", "guided-0.1")
    }
    base_runs = [setting.fit(setting.autoencoder(correctors.BASE_MODEL, run), log=quiet) for run in range(3)]
    evaluated = corrector_evaluation.CorrectorEvaluation(setting, base_runs, runs)
    table = evaluated.ablation_table()
    assert list(table.index) == [corrector_evaluation.BASE_NAME, *runs]
    val = setting.ladder_splits["val"]
    expected = setting.measures(runs["ladder"], val).accuracy(val)["overall"]
    assert table.loc["ladder", (corrector_evaluation.VAL_ALL, labels.READ)] == expected
    assert {str(level) for level in corruptions.SEVERITIES} <= set(table["test, by severity"].columns)
    # The noise every difference is judged on: U-Net 23's runs on the validation images at every severity.
    reads = [setting.measures(run, val).accuracy(val)["overall"] for run in base_runs]
    assert evaluated.noise == max(reads) - min(reads)
    against = evaluated.against_base()
    assert list(against.index) == list(runs)
    guide = corrector_evaluation.chosen_guide(against)
    assert guide in ("guided-0.01", "guided-0.1")
    kept = corrector_evaluation.kept_ideas(against)
    assert all(against.loc[idea, "judged"] == "higher" for idea in kept)
    assert not any(correctors.spec(idea).reader_weight and idea != guide for idea in kept)


def against(**judged):
    """An ``against_base`` table: corrector id -> (readability difference from U-Net 23, verdict)."""
    return pd.DataFrame(
        {
            name: {"read difference (points)": difference, "McNemar p": 0.01, "judged": verdict}
            for name, (difference, verdict) in judged.items()
        }
    ).T


def test_the_final_corrector_combines_the_ideas_that_read_more_than_u_net_23_with_the_guided_weight_chosen():
    higher, lower, within = (2.0, "higher"), (-2.0, "lower"), (0.1, "within noise")
    ablation = against(**{"ladder": higher, "upright": within, "guided-0.01": higher, "guided-0.1": (3.0, "higher")})
    assert corrector_evaluation.final_corrector_id(ablation) == "ladder+guided-0.1"
    # The weight chosen is the one that reads most; the other, though it reads more than U-Net 23 too, is not kept.
    ablation = against(**{"ladder": higher, "upright": higher, "guided-0.01": (3.0, "higher"), "guided-0.1": higher})
    assert corrector_evaluation.chosen_guide(ablation) == "guided-0.01"
    assert corrector_evaluation.final_corrector_id(ablation) == "ladder+upright+guided-0.01"
    # The weight that reads most is chosen even where it is within noise: then no weight is kept.
    ablation = against(**{"ladder": higher, "upright": lower, "guided-0.01": (-0.5, "lower"), "guided-0.1": within})
    assert corrector_evaluation.final_corrector_id(ablation) == "ladder"
    nothing = against(**{"ladder": lower, "upright": within, "guided-0.01": lower, "guided-0.1": within})
    assert corrector_evaluation.final_corrector_id(nothing) is None


def test_the_final_corrector_runs_are_known_once_every_network_that_chooses_it_is_trained(
    data_dir, tmp_path, monkeypatch
):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    assert corrector_evaluation.final_corrector_runs(setting) == []  # nothing trained yet
    for corrector_id in correctors.CORRECTOR_IDS:
        setting.fit(setting.corrector(corrector_id), log=lambda line: None)
    assert corrector_evaluation.final_corrector_runs(setting) == []  # U-Net 23's runs are not trained yet
    for run in range(training.SPREAD_RUNS):
        setting.fit(setting.autoencoder(correctors.BASE_MODEL, run), log=lambda line: None)
    judged = []
    monkeypatch.setattr(corrector_evaluation, "final_corrector_id", lambda against: judged.append(against) or "ladder")
    runs = corrector_evaluation.final_corrector_runs(setting)
    assert [network.name for network in runs] == [
        "corrector ladder",
        "corrector ladder, run 1",
        "corrector ladder, run 2",
    ]
    assert list(judged[0].index) == list(correctors.CORRECTOR_IDS)


def test_the_final_corrector_is_read_by_both_readers_and_judged_on_every_run(data_dir, tmp_path):
    setting = study.Setting("smoke", 0, data_dir, tmp_path)
    quiet = lambda line: None
    runs = [setting.fit(network, log=quiet) for network in setting.corrector_runs("ladder")]
    base = setting.fit(setting.autoencoder(correctors.BASE_MODEL), log=quiet)
    final = corrector_evaluation.FinalCorrector(setting, "ladder", runs, base)
    test = setting.splits["test"]
    table = final.read_table()
    answers = [final.name, corrector_evaluation.BASE_NAME, labels.UNCORRECTED, labels.CLEAN]
    assert list(table.index) == [(reader, name) for reader in ("study reader", "second reader") for name in answers]
    second = setting.measures(runs[0], test, second=True).right(test)
    expected = evaluation.with_interval(100.0 * second.mean(), evaluation.wilson_interval(second))
    assert table.loc[("second reader", final.name), "overall"] == expected
    by_run = final.run_table()
    assert list(by_run.index) == ["run 0", "run 1", "run 2"]
    at_5 = setting.test_split(5)
    assert by_run.loc["run 2", "severity 5"] == setting.measures(runs[2], at_5).accuracy(at_5)["overall"]
    targets = final.targets()
    assert len(targets) == 1 + len(corruptions.FAMILIES) + len(corruptions.SEVERITIES) + 2
    overall = targets["study reader, overall (%)"]
    assert overall["reached"] == by_run.loc["run 0", "overall"]
    assert overall["runs"] == by_run.loc[["run 1", "run 2"], "overall"].tolist()
    # The smoke profile's networks train one epoch: far from any target.
    assert overall["verdict"] == "missed"
    misread = final.misread()
    assert misread.loc["overall", "misread after correction"] == int((~final.right["study reader"][final.name]).sum())


def test_the_choice_is_said_with_u_net_23s_figure_its_noise_each_idea_and_what_is_kept():
    split = SimpleNamespace(labels=np.arange(5), family_ids=np.arange(5))  # an image of each family
    base = evaluation.Measures(*(np.zeros(5),) * 4, spread=0.0, read=np.array([0, 1, 2, 0, 4]))
    evaluated = SimpleNamespace(
        splits={corrector_evaluation.VAL_ALL: split},
        measures=lambda split: {corrector_evaluation.BASE_NAME: base},
        base_runs=[None] * 3,
        noise=1.25,
    )
    table = against(**{"ladder": (2.0, "higher"), "guided-0.01": (0.5, "within noise"), "guided-0.1": (-3.0, "lower")})
    text = corrector_evaluation.choice_text(evaluated, table, "ladder")
    assert "reads 80.0% of U-Net 23's corrections; its 3 runs span 1.2 points" in text
    assert "ladder +2.0 points (McNemar p = 0.01: higher); guided-0.01 +0.5 points" in text
    assert (
        "guided-0.1 -3.0 points (McNemar p = 0.01: lower). Of the two guided weights, guided-0.01 reads more." in text
    )
    assert text.endswith("**ladder**, trained 3 times with seeds one apart.")
    assert corrector_evaluation.choice_text(evaluated, table, None).endswith("U-Net 23 stays the final corrector.")


def test_the_targets_and_the_images_still_misread_are_counted_in_words():
    targets = {
        "a": study.target(">=", 1, "why", 2) | {"group": "overall"},
        "b": study.target(">=", 1, "why", 2, runs=[0]) | {"group": "each family", "member": "flip"},
        "c": study.target(">=", 1, "why", 0) | {"group": "each family", "member": "rotation"},
        "d": study.target(">=", 1, "why", 2) | {"group": "each family", "member": "brightness"},
        "e": study.target(">=", 1, "because", 0) | {"group": "second reader"},
    }
    assert corrector_evaluation.targets_text(targets) == (
        "Of 5 targets, 2 met, 1 within noise, 2 missed. *Each family*: within noise (flip); missed (rotation). "
        "*Second reader*: missed."
    )
    assert corrector_evaluation.reasons_text(targets) == (
        "- *overall* >= 1: why.\n- *each family* >= 1: why.\n- *second reader* >= 1: because."
    )
    table = pd.DataFrame(
        {
            "images": [10, 30],
            "misread after correction": [2, 1200],
            "of them misread clean too": [1, 700],
            "of them read right by the second reader": [0, 300],
        },
        index=["flip", "overall"],
    )
    assert corrector_evaluation.misread_text(table) == (
        "The study reader misreads 1,200 of the 30 test images after correction; 700 of those it misreads clean as "
        "well (its own errors, which no correction can mend), and the second reader reads 300 of them right."
    )


def test_the_images_still_misread_are_counted_per_family_with_what_each_reader_made_of_them():
    labels_ = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    test = profiles.Split(np.zeros((10, 28, 28)), np.zeros((10, 28, 28)), np.arange(10) % 5, labels_)
    corrected = labels_.copy()
    corrected[[0, 5, 6]] = 9  # misread: two of family 0, one of family 1
    clean = labels_.copy()
    clean[0] = 9  # the reader misreads image 0 clean too
    second = corrected.copy()
    second[5] = 5  # the second reader reads image 5 right
    table = corrector_evaluation.misread_table(test, corrected, clean, second)
    assert table.loc[labels.family_text("gaussian_noise")].tolist() == [2, 2, 1, 1]
    assert table.loc["rotation"].tolist() == [2, 1, 0, 0]
    assert table.loc["overall"].tolist() == [10, 3, 1, 1]
    chosen, captions = corrector_evaluation.misread_examples(test, corrected, second, np.random.default_rng(0))
    assert chosen.tolist() == [0, 5, 6] and captions[1].endswith("class 5; read 9 and 5")
