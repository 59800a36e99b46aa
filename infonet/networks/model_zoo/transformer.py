"""A small transformer for the ``transformer-digits`` preset (docs/presets.md).

``digit_transformer``: the 8x8 digits (64 features) read as 8 tokens (the image's rows) of 8
features; each token embedded in 16 dimensions by its own position's weights
(``EinsumDense``, so the embedding carries the token's position: no separate positional
encoding is needed), two attention blocks (multi-head self-attention, 2 heads of 8
dimensions, then a feed-forward layer of 32 ReLU units, each with a residual connection and
layer normalisation after it, as in Vaswani et al. 2017), the tokens averaged, softmax.
Every layer is a built-in Keras layer, so measuring rebuilds it in Keras's safe mode. The
layers named for measuring: ``embedding``, ``block_1``, ``block_2`` (each (N, 8, 16): the
token outputs, measured flattened to 128 units), ``pool`` (16) and ``output``. Kernels are
Glorot-uniform (Keras's default) with seeds derived from ``seed``, biases zero.
"""

from __future__ import annotations

import keras

TOKENS, WIDTH, HEADS, HIDDEN = 8, 16, 2, 32


def _seeded(seed: int, layer: int) -> dict:
    return {"kernel_initializer": keras.initializers.GlorotUniform(seed=seed * 1000 + layer)}


def _block(x: keras.KerasTensor, seed: int, number: int) -> keras.KerasTensor:
    """Self-attention and a feed-forward layer, each added to its input and normalised."""
    attention = keras.layers.MultiHeadAttention(
        HEADS, WIDTH // HEADS, name=f"attention_{number}", **_seeded(seed, 10 * number))(x, x)
    x = keras.layers.LayerNormalization(name=f"attention_norm_{number}")(
        keras.layers.Add(name=f"attention_residual_{number}")([x, attention]))
    hidden = keras.layers.Dense(HIDDEN, activation="relu", name=f"feed_forward_{number}",
                                **_seeded(seed, 10 * number + 1))(x)
    out = keras.layers.Dense(WIDTH, name=f"feed_forward_out_{number}",
                             **_seeded(seed, 10 * number + 2))(hidden)
    return keras.layers.LayerNormalization(name=f"block_{number}")(
        keras.layers.Add(name=f"feed_forward_residual_{number}")([x, out]))


def digit_transformer(input_dim: int, n_classes: int, seed: int) -> keras.Model:
    """Two-block transformer for (N, 64) 8x8 digits as 8 tokens -> (N, n_classes)
    probabilities."""
    inputs = keras.Input((input_dim,))
    tokens = keras.layers.Reshape((TOKENS, input_dim // TOKENS), name="tokens")(inputs)
    x = keras.layers.EinsumDense("btf,tfd->btd", output_shape=(TOKENS, WIDTH),
                                 bias_axes="td", name="embedding", **_seeded(seed, 1))(tokens)
    for number in (1, 2):
        x = _block(x, seed, number)
    pooled = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="output",
                                 **_seeded(seed, 2))(pooled)
    return keras.Model(inputs, outputs, name="digit_transformer")
