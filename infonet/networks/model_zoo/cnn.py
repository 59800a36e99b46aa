"""Convolutional networks for the ``cnn-digits`` and ``cnn-mnist`` presets (docs/presets.md).

``lenet_digits``: a small LeNet-style network for the 8x8 digits (64 features): conv 3x3 x 8
(ReLU), 2x2 max pooling, conv 3x3 x 16 (ReLU, padded), 2x2 max pooling, dense 32 (ReLU),
softmax. ``lenet5_mnist``: LeNet-5's layer sizes (LeCun et al. 1998) for 28x28 MNIST (784
features): conv 5x5 x 6, 2x2 max pooling, conv 5x5 x 16, 2x2 max pooling, dense 120 and 84,
softmax; ReLU where LeNet-5 had scaled tanh, max pooling where it had trained subsampling.
Both take the flat feature vector and reshape inside; kernels start Glorot-uniform (Keras's
default) with seeds derived from ``seed``, biases at zero.
"""

from __future__ import annotations

import keras


def _seeded(seed: int, layer: int) -> dict:
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed * 1000 + layer)}


def lenet_digits(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """LeNet-style CNN for (N, 64) 8x8 digit images -> (N, n_classes) probabilities."""
    side = int(round(input_dim ** 0.5))
    return keras.Sequential([
        keras.Input((input_dim,)),
        keras.layers.Reshape((side, side, 1), name="image"),
        keras.layers.Conv2D(8, 3, activation="relu", name="conv_1", **_seeded(seed, 1)),
        keras.layers.MaxPooling2D(2, name="pool_1"),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv_2",
                            **_seeded(seed, 2)),
        keras.layers.MaxPooling2D(2, padding="same", name="pool_2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(32, activation="relu", name="dense_1", **_seeded(seed, 3)),
        keras.layers.Dense(n_classes, activation="softmax", name="output", **_seeded(seed, 4)),
    ], name="lenet_digits")


def lenet5_mnist(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """LeNet-5-sized CNN for (N, 784) 28x28 images -> (N, n_classes) probabilities."""
    side = int(round(input_dim ** 0.5))
    return keras.Sequential([
        keras.Input((input_dim,)),
        keras.layers.Reshape((side, side, 1), name="image"),
        keras.layers.Conv2D(6, 5, activation="relu", name="conv_1", **_seeded(seed, 1)),
        keras.layers.MaxPooling2D(2, name="pool_1"),
        keras.layers.Conv2D(16, 5, activation="relu", name="conv_2", **_seeded(seed, 2)),
        keras.layers.MaxPooling2D(2, name="pool_2"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(120, activation="relu", name="dense_1", **_seeded(seed, 3)),
        keras.layers.Dense(84, activation="relu", name="dense_2", **_seeded(seed, 4)),
        keras.layers.Dense(n_classes, activation="softmax", name="output", **_seeded(seed, 5)),
    ], name="lenet5_mnist")
