"""Model files for the tests of ``--model`` and ``RunRecorder``: FUNCTION(input_dim, n_classes,
seed) -> keras.Model, and functions that fail in each way a user's file can."""

import keras

from infonet.networks.model import build_model


def small_cnn(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """A CNN with every kind of layer the measuring must handle: conv, batch normalisation,
    pooling, dropout (trained with drops), flatten, dense, softmax; 8x8 images."""
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([
        keras.Input((input_dim,)),
        keras.layers.Reshape((8, 8, 1), name="image"),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv", kernel_initializer=init),
        keras.layers.BatchNormalization(name="norm"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dropout(0.3, name="drop"),
        keras.layers.Dense(6, activation="tanh", name="dense",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 1)),
        keras.layers.Dense(n_classes, activation="softmax", name="output",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2)),
    ])


def built_in_mlp(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """The built-in default network (tanh 10-7-5-4-3, truncated normal) as a model file."""
    return build_model(input_dim, (10, 7, 5, 4, 3), n_classes, "tanh", "truncated_normal", seed)


def raises(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    raise RuntimeError("no model today")


def not_a_model(input_dim: int, n_classes: int, seed: int) -> object:
    return [1, 2, 3]


def wrong_input(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    return keras.Sequential([keras.Input((input_dim + 1,)),
                             keras.layers.Dense(n_classes, activation="softmax")])


def wrong_output(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    return keras.Sequential([keras.Input((input_dim,)),
                             keras.layers.Dense(n_classes + 1, activation="softmax")])


def unnamed_mlp(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """Layers named by Keras alone (dense, dense_1, ...), with a dropout between them."""
    return keras.Sequential([
        keras.Input((input_dim,)),
        keras.layers.Dense(5, activation="tanh",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=seed)),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(n_classes, activation="softmax"),
    ])


def with_lambda(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """A Lambda layer: Python code, which measuring (Keras's safe mode) does not rebuild."""
    return keras.Sequential([keras.Input((input_dim,)),
                             keras.layers.Dense(5, activation="tanh"),
                             keras.layers.Lambda(lambda t: 2.0 * t),
                             keras.layers.Dense(n_classes, activation="softmax")])


def logits(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """No softmax at the end: the outputs are logits, not class probabilities."""
    return keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(n_classes)])


def exits(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    raise SystemExit(0)


def spaced_layer_name(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """A layer name Keras accepts and TensorFlow's name scopes refuse."""
    return keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(5),
                             keras.layers.Activation("tanh", name="my layer"),
                             keras.layers.Dense(n_classes, activation="softmax")])


def spaced_model_name(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    return keras.Sequential([keras.Input((input_dim,)),
                             keras.layers.Dense(n_classes, activation="softmax")],
                            name="my model")
