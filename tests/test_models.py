import numpy as np
import pytest

from lib import models


def test_model_12_matches_the_seeds_summary_layer_for_layer():
    model = models.build("12")
    ours = [row[1:] for row in models.layer_table(model)]
    assert ours == list(models.SEED_MODEL_12_SUMMARY)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert (model.count_params(), trainable) == (108_007, 107_877)
    assert model.count_params() - trainable == 130


@pytest.mark.parametrize("model_id", models.MODEL_IDS)
def test_every_model_maps_an_image_to_an_image_and_trains_a_step(model_id):
    import keras

    keras.utils.set_random_seed(0)
    model = models.build(model_id)
    assert model.input_shape == (None, 28, 28, 1) and model.output_shape == (None, 28, 28, 1)
    spec = models.spec(model_id)
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate), loss="mse", jit_compile=False)
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    loss = model.train_on_batch(x, x)
    assert np.isfinite(loss)
    assert np.all(np.isfinite(model.predict(x, verbose=0)))


def test_unknown_model_id_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown model id '99'.*valid ids: 12"):
        models.build("99")
