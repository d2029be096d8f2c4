import numpy as np
import pytest

from lib import backend, models


def test_model_12_matches_the_seeds_summary_layer_for_layer():
    model = models.build("12")
    ours = [row[1:] for row in models.layer_table(model)]
    assert ours == list(models.SEED_MODEL_12_SUMMARY)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (model.count_params(), trainable) == (108_007, 107_877)
    assert model.count_params() - trainable == 130


@pytest.mark.parametrize("model_id", [*models.MODEL_IDS, *models.DEPTH_MODELS])
def test_every_model_maps_an_image_to_an_image_and_trains_a_step(model_id):
    import keras

    keras.utils.set_random_seed(0)
    model = models.build(model_id)
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 28, 28, 1)
    spec = models.spec(model_id)
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate), loss="mse", jit_compile=backend.JIT_COMPILE)
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    loss = model.train_on_batch(x, x)
    assert np.isfinite(loss)
    assert np.all(np.isfinite(model.predict(x, verbose=0)))


# Parameter totals (all, trainable) of every model: an accidental change of architecture fails here.
PINNED_PARAMETERS = {
    "shallow": (23_426, 23_298),
    "0": (11_650, 11_426),
    "1": (67_822, 67_566),
    "2": (77_462, 77_334),
    "3": (129_378, 129_058),
    "4": (90_298, 90_234),
    "5": (79_807, 79_677),
    "6": (79_766, 79_636),
    "7": (79_930, 79_800),
    "8": (79_889, 79_759),
    "8.1": (79_848, 79_718),
    "9": (79_807, 79_677),
    "10": (102_943, 102_813),
    "11": (107_583, 107_453),
    "12": (108_007, 107_877),
    "13": (108_007, 107_877),
    "14": (108_007, 107_877),
    "15": (211_770, 211_770),
    "16": (212_482, 212_482),
    "17": (213_906, 213_906),
    "18": (216_754, 216_754),
    "19": (217_010, 216_882),
    "20": (116_753, 116_753),
    "21": (105_233, 105_233),
    "22": (116_753, 116_753),
    "23": (465_953, 465_953),
}


def test_the_study_has_the_seeds_21_models_in_its_order_then_the_u_nets():
    assert models.SEED_MODEL_IDS == (
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "7",
        "8",
        "8.1",
        "9",
        "10",
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
    )
    assert models.MODEL_IDS == (*models.SEED_MODEL_IDS, "20", "21", "22", "23")
    assert {models.spec(m).family for m in ("20", "21", "22", "23")} == {"u-net"}


@pytest.mark.parametrize("model_id", [*models.MODEL_IDS, *models.DEPTH_MODELS])
def test_parameter_totals_are_pinned(model_id):
    model = models.build(model_id)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (model.count_params(), trainable) == PINNED_PARAMETERS[model_id]


def test_every_model_records_its_family_and_its_reconstruction_decisions():
    for model_id, spec in models.MODELS.items():
        assert spec.family in models.MODEL_FAMILIES, model_id
        assert spec.note, f"model {model_id} has no note for the reader"


def test_the_shallow_model_has_the_seeds_two_convolutions_and_two_dense_layers_and_model_12s_bottleneck():
    # "Using 2 layers of conv2d layers and two dense layers already perform really well" (the seed's discussion)
    model = models.build("shallow")
    kinds = [type(layer).__name__ for layer in model.layers]
    pooled = ["MaxPooling2D", "BatchNormalization"]
    assert kinds == [
        *("Conv2D", *pooled, "Conv2D", *pooled, "Flatten", "Dense", "Dense", "Reshape"),
        *("UpSampling2D", "Conv2DTranspose", "UpSampling2D", "Conv2DTranspose"),
    ]
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [8, 49]
    assert models.code(model) == models.code(models.build("12")) == ((8,), [])
    assert models.spec("shallow").family not in models.MODEL_FAMILIES  # not one of the study's families
    assert "shallow" not in models.MODEL_IDS and models.spec("shallow").note


def test_model_9_is_model_5_trained_under_another_seed():
    from lib import training

    assert [row[1:] for row in models.layer_table(models.build("9"))] == [
        row[1:] for row in models.layer_table(models.build("5"))
    ]
    assert training.config_for("9", seed=0).seed != training.config_for("5", seed=0).seed


def test_unknown_model_id_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown model id '99'.*valid ids: 0, 1, 2"):
        models.build("99")


def test_forward_flops_are_the_multiply_adds_the_seeds_summary_of_model_12_implies():
    # A convolution's or dense layer's parameters less its biases are the multiply-adds of one output position.
    expected = sum(
        2 * (params - shape[-1]) * int(np.prod(shape[1:-1]))
        for kind, shape, params in models.SEED_MODEL_12_SUMMARY
        if kind in ("Conv2D", "Conv2DTranspose", "Dense")
    )
    assert models.forward_flops(models.build("12")) == expected == 73_306_048


def test_an_epoch_costs_three_forward_passes_a_training_image_and_one_a_validation_image():
    flops = models.epoch_flops(lambda: models.build("23"), train_images=10, val_images=2)
    assert flops == models.forward_flops(models.build("23")) * (3 * 10 + 2)


def test_the_code_is_the_narrowest_layers_output_and_the_skips_handed_past_it():
    assert models.code(models.build("12")) == ((8,), [])
    assert [models.code_size(models.build(m)) for m in ("5", "6", "7", "8", "8.1")] == [4, 3, 7, 6, 5]
    # Models 2 and 3 have no Flatten, as printed: their dense layers act on each pixel of a 7x7 map.
    assert models.code(models.build("2")) == models.code(models.build("3")) == ((7, 7, 1), [])
    assert models.code_text(models.build("3")) == "7x7x1 (49 values)"
    assert models.code_text(models.build("0")) == "1 (1 value)"
    # A U-Net's narrowest map is the pooled input of its bottom pair; the skips bypass it.
    assert models.code(models.build("21")) == ((7, 7, 32), [])
    assert models.code(models.build("20")) == ((7, 7, 32), [(14, 14, 32), (28, 28, 16)])
    assert models.code_text(models.build("20")) == "7x7x32 (1,568 values) + skips 14x14x32, 28x28x16"


def test_a_model_id_given_as_a_number_is_told_ids_are_strings():
    with pytest.raises(ValueError, match=r"model ids are strings, e\.g\. '12'.*got 12 \(int\)"):
        models.build(12)
    with pytest.raises(ValueError, match=r"unknown model id '99'; valid ids: 0, 1"):
        models.spec("99")


def _layer_types(model_id):
    return [row[1] for row in models.layer_table(models.build(model_id))]


def test_the_u_net_variants_differ_in_the_one_thing_each_asks_about():
    with_skips, without = _layer_types("20"), _layer_types("21")
    assert with_skips.count("Concatenate") == 2 and "Concatenate" not in without
    assert [t for t in with_skips if t != "Concatenate"] == without
    assert "Dense" not in with_skips  # no dense bottleneck: the code is a 7x7 map
    assert models.layer_table(models.build("22")) == models.layer_table(models.build("20"))
    assert (models.spec("22").loss, models.spec("20").loss) == ("mse+edges", "mse")
    wide = {row[0]: row[2][-1] for row in models.layer_table(models.build("23"))}
    narrow = {row[0]: row[2][-1] for row in models.layer_table(models.build("20"))}
    assert {name: wide[name] for name in narrow if name != "to_image" and name != "image"} == {
        name: 2 * maps for name, maps in narrow.items() if name != "to_image" and name != "image"
    }
    assert models.spec("23").accelerator_sized and not models.spec("20").accelerator_sized


def test_a_u_net_passes_an_image_through_its_skip_connection():
    """With every weight of the 7x7 bottom and its upsampling zeroed, model 20's output still follows
    the input (through its skips); model 21's, without skips, no longer does."""
    a, b = np.random.default_rng(0).random((2, 1, 28, 28, 1), dtype=np.float32)
    outputs = {}
    for model_id in ("20", "21"):
        model = models.build(model_id)
        for layer in model.layers:
            if layer.name.startswith(("bottom7", "up14")):
                layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
        outputs[model_id] = model.predict(a, verbose=0), model.predict(b, verbose=0)
    assert not np.allclose(*outputs["20"])
    np.testing.assert_array_equal(*outputs["21"])  # without skips, nothing of the input gets past the zeros


# --- max pooling on JAX (lib/_jax.py): Keras' own values and gradients, without a select-and-scatter ---

jax_only = pytest.mark.skipif(backend.NAME != "jax", reason="a fix for the JAX backend")


@jax_only
@pytest.mark.parametrize(
    "shape, pool, padding",
    [
        ((3, 28, 28, 2), 2, "valid"),
        ((3, 7, 7, 2), 2, "valid"),
        ((3, 13, 13, 2), 2, "same"),
        ((3, 9, 12, 2), (3, 2), "same"),
    ],
)
def test_max_pooling_on_jax_gives_keras_own_values_and_gradients_bit_for_bit(shape, pool, padding):
    import jax
    import jax.numpy as jnp

    from lib import _jax

    rng = np.random.default_rng(0)
    # Three levels and many zeros, as after a ReLU: most windows hold ties, where a gradient must choose.
    images = np.maximum(rng.integers(-2, 3, shape), 0).astype(np.float32)
    # Strides given as the pool, as MaxPooling2D gives them (Keras' own function mishandles None).
    ours, keras_own = _jax.max_pool(images, pool, pool, padding), _jax._keras_max_pool(images, pool, pool, padding)
    assert ours.shape == keras_own.shape and np.array_equal(ours, keras_own)
    weights = rng.random(ours.shape, dtype=np.float32)

    def gradient(max_pool):
        return jax.grad(lambda x: jnp.sum(max_pool(x, pool, pool, padding) * weights))(images)

    assert np.array_equal(gradient(_jax.max_pool), gradient(_jax._keras_max_pool))


def _training_step_hlo(model):
    """The HLO text of the gradient of ``model``'s loss on a batch, as JAX lowers it for jit."""
    import jax
    import jax.numpy as jnp

    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    frozen = [v.value for v in model.non_trainable_variables]

    def loss(trainable):
        y, _ = model.stateless_call(trainable, frozen, x, training=True)
        return jnp.mean(y)

    return jax.jit(jax.grad(loss)).lower([v.value for v in model.trainable_variables]).as_text()


@jax_only
@pytest.mark.parametrize("model_id", [*models.MODEL_IDS, "classifier"])
def test_no_training_step_on_jax_needs_a_select_and_scatter(model_id):
    """XLA refuses a select-and-scatter on a GPU under --xla_gpu_deterministic_ops (lib/backend.py)."""
    from lib import classifier

    model = classifier.build() if model_id == "classifier" else models.build(model_id)
    assert "select_and_scatter" not in _training_step_hlo(model)


@jax_only
def test_keras_own_max_pooling_would_need_a_select_and_scatter(monkeypatch):
    """The control for the test above: without lib/_jax.py's max pooling, the scatter is there."""
    from keras.src.backend.jax import nn as keras_jax_nn

    from lib import _jax

    monkeypatch.setattr(keras_jax_nn, "max_pool", _jax._keras_max_pool)
    assert "select_and_scatter" in _training_step_hlo(models.build("12"))
