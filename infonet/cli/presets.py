"""Paper presets for ``main_data.py --preset NAME``: named sets of flag values, as plain data.

Lives here: ``PRESETS`` (preset name -> {click parameter name: value}), which of those flags
shape training and which measuring (``TRAINING_FLAGS``, ``MEASURING_FLAGS``), ``preset``
(look one up), ``with_preset`` (merge one into parsed flags, flags given on the command line
winning) and ``preset_arguments`` (the command line that sets the same values without a
preset). Not here:
the command itself (``main_data.py``), or anything that trains or measures. Values have the
types click gives the flags (``estimators`` a tuple of specs, ``shape`` a string). Each preset
fixes every flag that shapes its experiment; ``seed`` and ``repeats`` stay the user's (both
papers averaged 50 networks: add ``--repeats 50``). The full account, with the equivalent
command lines, is in docs/presets.md; what follows is where each preset comes from and every
place we found where the original code, its paper and this project disagree.

``tishby2017`` -- Shwartz-Ziv & Tishby 2017, code github.com/ravidziv/IDNNs. Tishby's set, tanh
10-7-5-4-3, softmax output, Adam 4e-4, batch 512, 8000 epochs, 30 bins on [-1, 1] on all 4096
samples at 300 log-spaced epochs.
  - Optimizer: the paper speaks of SGD; IDNNs trains with Adam (``tf.train.AdamOptimizer``),
    whose default epsilon in TensorFlow 1 is 1e-8 (Keras 3's is 1e-7): the preset sets 1e-8.
  - Split: IDNNs takes the first 80% in file order (``data_shuffle(..., shuffle_data=False)``);
    the preset does too (``keep_order``). Tishby's file is in binary counting order, so the
    test set is patterns 3277..4095 (83.6% label 1 against 43.7% in training); information is
    measured on all samples, so the split changes only what is trained on.
    ``--no-keep-order`` gives a seeded random split.
  - Batches: IDNNs visits the training set in the same order every epoch; here each epoch is
    reshuffled (seeded). Its parser's default batch is 256, its published job folders used
    2544 and 3563; 512 is the thesis code's.
  - Bins: IDNNs's "30 bins" are ``np.linspace(-1, 1, 30)`` edges, 29 intervals plus a bin of
    their own for saturated units at exactly 1.0; here 30 bins are 30 intervals
    (``information.binning``). ``--estimator binning:bins=29`` matches IDNNs inside [-1, 1).
  - Epochs: IDNNs measures ``unique(logspace(0, log2 8000, 400, base 2).astype(int)) - 1``:
    274 epochs from 0 to 7999 (the activity at the start of epoch j, our epoch j), never the
    last; ``log:300`` measures 300 from 0 to 8000.
  - Initialisation: both use truncated normals of standard deviation 1/sqrt(fan-in).

``saxe2018-tanh``, ``saxe2018-relu`` -- Saxe et al. 2018 Fig. 1A and 1B, code
github.com/artemyk/ibsgd (``IBnet_SaveActivations.ipynb``). Same set and network, Adam 4e-4,
batch 256, 10000 epochs, all 4096 samples; tanh: 30 bins on [-1, 1]; ReLU: 100 bins between the
min and max over all units and epochs (``range=global``).
  - Optimizer: Adam, though the settings are named ``SGD_BATCHSIZE``, ``SGD_LEARNINGRATE``;
    the notebook of the paper's time wraps TensorFlow 1's ``tf.train.AdamOptimizer`` (epsilon
    1e-8, the preset's value); a 2020 revision uses ``keras.optimizers.Adam`` (epsilon 1e-7).
  - Split: one random 80/20 split saved to a file; here a seeded random split (not theirs).
  - Initialisation: their hidden layers draw truncated normals of standard deviation
    1/sqrt(the layer's own width) (fan-out), the softmax layer Keras's glorot_uniform; the
    preset keeps ``truncated_normal`` (1/sqrt(fan-in)), the nearest we have.
  - Epochs: they log epochs 0-19, every 5th to 100, every 20th to 2000, every 100th to 10000
    (211 epochs; Keras's epoch e is our e + 1, so the initial network is never measured);
    ``log:300`` is our nearest schedule: denser to epoch 1000 (192 epochs against 81), about
    as dense to 5000, sparser after (about 200 apart near 10000 against their 100).
  - Bins: their ``simplebinmi`` uses IDNNs's ``linspace(-1, 1, 30)`` edges (see above); later
    versions of their notebooks bin with ``bin_size=0.07`` instead.
  - ReLU bins: 100 bins on the run-wide range is the paper's description; the ibsgd notebooks
    we could read bin with fixed sizes. ``range=global`` spans every saved epoch here (all
    are saved), not only the measured ones.

``saxe2018-kde`` -- Saxe et al. 2018 Fig. 8 style: the saxe2018 networks (tanh unless
``--activation relu``) measured with KDE upper and lower bounds, noise variance 0.1, on the
test samples (819 of 4096; H(X) = log2 819 = 9.68 bits).
  - Their Tishby-set notebook (``IBnet_ComputeMI.ipynb``) measures train and test samples
    together (``FULL_MI = True``) with noise variance 1e-3; noise variance 0.1 on test samples
    only is their MNIST setting (``ComputeMI.ipynb``), which this preset follows.
  - Their KDE takes H(T|X) as the noise entropy alone (inputs assumed distinct); here it is
    computed, and equal for distinct inputs.

``mnist-style`` -- Saxe et al. 2018's MNIST network (``MNIST_SaveActivations.ipynb``,
``ComputeMI.ipynb``): tanh 1024-20-20-20, plain SGD 0.001, batch 128, Keras's default
glorot_uniform initialisation, KDE upper bound (noise variance 0.1) and binning with bin size
0.5 on the test samples. Runs on the bundled ``digits`` (1797 8x8 images, 359 test samples);
``--dataset mnist --data-path FILE`` runs on the user's MNIST.
  - Epochs: they trained MNIST for 10000 epochs (469 steps each); digits has 12 steps an epoch
    and passes 98% training accuracy after about 2200 epochs, so the preset trains 5000
    epochs (about two minutes on two cores) and measures ``log:300``.
  - Split: they train on MNIST's 60000 and measure its 10000 test images; the preset's 80%
    random split is for digits. For MNIST's own split add
    ``--train-fraction 0.8571428571428571 --keep-order`` (60000 of 70000, train file first).
  - Binning: their ``bin_size`` estimator returns H(T) as I(X;T) (inputs assumed distinct);
    here H(T|X) is subtracted when inputs repeat.

``cnn-digits`` -- a small LeNet-style convolutional network (``networks/model_zoo/cnn.py``,
``lenet_digits``: conv 3x3 x 8, max pool, conv 3x3 x 16, max pool, dense 32, softmax; ReLU) on
the bundled digits, random 80%, Adam 1e-3, batch 64, 100 epochs; 30 bins over each layer's
own range at that epoch (ReLU layers have no fixed range) on all samples, ``log:30``. Our own
small setting, sized for CI, in the spirit of the convolutional studies (Noshad et al. 2019,
Lorenzen et al. 2022, Wickstrom et al. 2019), not a reproduction of one of them.

``cnn-mnist`` -- LeNet-5's layer sizes (LeCun et al. 1998; ``lenet5_mnist``: conv 5x5 x 6,
max pool, conv 5x5 x 16, max pool, dense 120-84, softmax; ReLU) on the user's MNIST
(``--data-path``), random 80%, Adam 1e-3, batch 128, 30 epochs; KDE upper bound (noise
variance 0.1) and 30 bins over each layer's range on the test samples, ``log:30``. Noshad et
al. 2019 and Lorenzen et al. 2022 measured convolutional networks on MNIST; we could not
check their exact layer sizes from the sources available to us, so the preset uses LeNet-5's
published ones. For MNIST's own 60000/10000 split add ``--train-fraction
0.8571428571428571 --keep-order``.
``transformer-digits`` -- a small transformer (``networks/model_zoo/transformer.py``,
``digit_transformer``: the 8x8 digits as 8 tokens of 8 features, a per-position embedding in
16 dimensions, two attention blocks of 2 heads with a 32-unit feed-forward layer, mean over the
tokens, softmax) on the bundled digits, random 80%, Adam 1e-3, batch 64, 100 epochs; measured
layer by layer (the embedding, each block's (8 tokens x 16) output flattened, the pooled
tokens, the softmax) with 30 bins over each layer's range and the KDE upper bound (noise
variance 0.1) on all samples, ``log:30``. Our own small setting, sized for CI, in the spirit
of the transformer information-plane studies, not a reproduction of one of them.

``lorenzen2022-tanh``, ``lorenzen2022-relu`` -- Lorenzen, Igel & Nielsen 2022, code
github.com/StephanLorenzen/ExactIBAnalysisInQNNs. Tishby's set and network, every layer's
output quantized to 8 bits (``quantize``), Adam 1e-4 (Keras's epsilon 1e-7), batch 256, 8000
epochs, random 80/20 split, glorot_uniform, ``exact`` on all samples every epoch.
  - Ranges: ReLU layers learn theirs (moving average, as TensorFlow Model Optimization's
    default); tanh here on [-1, 1] and the softmax on [0, 1], where their final models
    quantize tanh on each batch's own min and max and the output layer on a learned range.
  - Weights: their ReLU and output layers also quantize the kernel to 8 bits; not here.
  - Initialisation: their ``init='truncated_normal'`` is dropped on the way to the layers,
    which get Keras's glorot_uniform, as the preset.
  - Split: theirs is stratified (seed 1000); here a seeded random split.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

_CNN_FILE = "zoo:cnn.py"
"""The presets' CNNs, in the toolkit's networks/model_zoo/ (a portable spec, not a path; the
transformer's is ``zoo:transformer.py``)."""
_LAYER_BINS = "binning:bins=30,range=layer"

_TISHBY_SET: dict[str, object] = {
    "dataset": "tishby",
    "train_fraction": 0.8,
    "shape": "10,7,5,4,3",
    "activation": "tanh",
    "optimizer": "adam",
    "learning_rate": 4e-4,
    "adam_epsilon": 1e-8,
    "init": "truncated_normal",
    "samples": "all",
    "schedule": "log:300",
}
_SAXE2018 = {**_TISHBY_SET, "keep_order": False, "batch_size": 256, "epochs": 10000}
_LORENZEN2022 = {**_TISHBY_SET, "keep_order": False, "learning_rate": 1e-4, "adam_epsilon": 1e-7,
                 "batch_size": 256, "epochs": 8000, "init": "glorot_uniform", "quantize": 8,
                 "estimators": ("exact",), "schedule": "every:1"}
_TANH_BINS = ("binning:bins=30,low=-1.0,high=1.0",)

PRESETS: dict[str, dict[str, object]] = {
    "tishby2017": {**_TISHBY_SET, "keep_order": True, "batch_size": 512, "epochs": 8000,
                   "estimators": _TANH_BINS},
    "saxe2018-tanh": {**_SAXE2018, "estimators": _TANH_BINS},
    "saxe2018-relu": {**_SAXE2018, "activation": "relu",
                      "estimators": ("binning:bins=100,range=global",)},
    "saxe2018-kde": {**_SAXE2018, "samples": "test",
                     "estimators": ("kde-upper:noise_variance=0.1",
                                    "kde-lower:noise_variance=0.1")},
    "mnist-style": {
        "dataset": "digits",
        "train_fraction": 0.8,
        "keep_order": False,
        "shape": "1024,20,20,20",
        "activation": "tanh",
        "optimizer": "sgd",
        "learning_rate": 0.001,
        "batch_size": 128,
        "epochs": 5000,
        "init": "glorot_uniform",
        "estimators": ("kde-upper:noise_variance=0.1", "binning:bin_size=0.5"),
        "schedule": "log:300",
        "samples": "test",
    },
    "cnn-digits": {
        "dataset": "digits",
        "train_fraction": 0.8,
        "keep_order": False,
        "model": f"{_CNN_FILE}:lenet_digits",
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "batch_size": 64,
        "epochs": 100,
        "estimators": (_LAYER_BINS,),
        "schedule": "log:30",
        "samples": "all",
    },
    "cnn-mnist": {
        "dataset": "mnist",
        "train_fraction": 0.8,
        "keep_order": False,
        "model": f"{_CNN_FILE}:lenet5_mnist",
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "batch_size": 128,
        "epochs": 30,
        "estimators": ("kde-upper:noise_variance=0.1", _LAYER_BINS),
        "schedule": "log:30",
        "samples": "test",
    },
    "transformer-digits": {
        "dataset": "digits",
        "train_fraction": 0.8,
        "keep_order": False,
        "model": "zoo:transformer.py:digit_transformer",
        "layers": "embedding,block_1,block_2,pool,output",
        "optimizer": "adam",
        "learning_rate": 1e-3,
        "batch_size": 64,
        "epochs": 100,
        "estimators": (_LAYER_BINS, "kde-upper:noise_variance=0.1"),
        "schedule": "log:30",
        "samples": "all",
    },
    "lorenzen2022-tanh": _LORENZEN2022,
    "lorenzen2022-relu": {**_LORENZEN2022, "activation": "relu"},
}
"""Preset name -> {click parameter name of a ``main_data.py`` flag: its value}."""

TRAINING_FLAGS = (
    "dataset", "data_path", "train_fraction", "keep_order", "shape", "activation",
    "optimizer", "learning_rate", "batch_size", "init", "seed", "repeats", "epochs",
    "adam_epsilon", "repeats_together", "quantize", "model", "layers", "pool",
)
"""``main_data.py`` flags that shape training: a preset's values of these do not apply to
``--from-run``, which measures a run already trained."""
MEASURING_FLAGS = ("estimators", "bootstrap", "schedule", "samples")
"""``main_data.py`` flags that shape measuring: what a preset contributes to ``--from-run``."""

_FLAG_NAMES = {"estimators": "estimator"}
"""Parameters whose flag is not ``--`` + the name with dashes."""


def preset(name: str) -> dict[str, object]:
    """A copy of preset ``name``'s flag values; ValueError naming the valid presets if unknown."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return dict(PRESETS[name])


def with_preset(flags: Mapping[str, object], name: str | None,
                given: Collection[str]) -> dict[str, object]:
    """``flags`` with preset ``name``'s values in place of every flag not named in ``given``.

    ``flags`` maps click parameter names to parsed values, ``given`` names the ones set on the
    command line (those win). With ``name`` None the flags come back unchanged.
    """
    merged = dict(flags)
    if name is not None:
        merged.update({key: value for key, value in preset(name).items() if key not in given})
    return merged


def preset_arguments(values: Mapping[str, object]) -> list[str]:
    """The ``main_data.py`` arguments that set ``values`` (parameter name -> value).

    A boolean gives ``--flag`` or ``--no-flag``, a tuple repeats its flag once per item.
    """
    arguments: list[str] = []
    for name, value in values.items():
        flag = "--" + _FLAG_NAMES.get(name, name).replace("_", "-")
        if isinstance(value, bool):
            arguments.append(flag if value else "--no-" + flag.removeprefix("--"))
        elif isinstance(value, tuple):
            arguments.extend(part for item in value for part in (flag, str(item)))
        else:
            arguments.extend((flag, str(value)))
    return arguments
