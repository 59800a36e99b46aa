"""Tests of data.tishby (the 12-bit sets) and data.datasets (loading and splitting)."""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from infonet.data import tishby
from infonet.data.datasets import (
    DATASET_NAMES,
    MNIST_IDX_FILES,
    MNIST_NPZ_KEYS,
    Split,
    load_dataset,
    parse_idx,
    read_idx,
    sample_indices,
    split_indices,
)

PUBLISHED_LABELS = {
    # name: (sha256 of y.astype(uint8).tobytes() of the published .npz, number of ones)
    "tishby": ("77732f16f85e91b49d3997196b56163b3bd362d8cf631468a8de3f986e88359f", 2118),
    "tishby-g1": ("f36bf37eea766fcd6aad91f103366f118ec928d85185d49054a20e6fb3b1f8ce", 2063),
    "tishby-g2": ("400b655c2473c2dc99c894c40283d3e756604cc4591cae43fe86a6b8552c714e", 2045),
}


def pattern(*on: int) -> np.ndarray:
    """One 12-bit pattern (1, 12) with the given columns set."""
    x = np.zeros((1, 12), dtype=np.uint8)
    x[0, list(on)] = 1
    return x


def write_idx(path, array: np.ndarray, code: int) -> None:
    """Write ``array`` as an IDX file by hand: magic, big-endian sizes, big-endian values."""
    dtype = {0x08: ">u1", 0x0B: ">i2"}[code]
    header = bytes([0, 0, code, array.ndim]) + b"".join(s.to_bytes(4, "big") for s in array.shape)
    data = header + array.astype(dtype).tobytes()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


# data.tishby


def test_patterns_are_binary_counting_order_with_msb_in_column_0():
    x = tishby.all_patterns()
    assert x.shape == (4096, 12)
    assert x[1].tolist() == [0] * 11 + [1]
    assert x[2048].tolist() == [1] + [0] * 11
    np.testing.assert_array_equal(x.astype(np.int64) @ (2 ** np.arange(11, -1, -1)),
                                  np.arange(4096))


def test_icosahedron_neighbours_are_symmetric_with_five_each():
    for i, neighbours in enumerate(tishby.ICOSAHEDRON_NEIGHBOURS):
        assert len(neighbours) == 5 and i not in neighbours
        assert all(i in tishby.ICOSAHEDRON_NEIGHBOURS[j] for j in neighbours)
    assert len(tishby.ICOSAHEDRON_EDGES) == 30


def test_antipodal_pairs_cover_every_vertex_once_and_share_no_neighbour():
    assert sorted(v for pair in tishby.ANTIPODAL_PAIRS for v in pair) == list(range(12))
    for a, b in tishby.ANTIPODAL_PAIRS:
        near_a = set(tishby.ICOSAHEDRON_NEIGHBOURS[a]) | {a}
        assert not near_a & (set(tishby.ICOSAHEDRON_NEIGHBOURS[b]) | {b})


def test_var_u_labels_all_off_0_and_all_on_1():
    # n = 12, e1 = 30, e3 = 6: 360 - 432 + 240 - 24 = 144 >= 120
    assert tishby.var_u_labels(np.zeros((1, 12))).tolist() == [0]
    assert tishby.var_u_labels(np.ones((1, 12))).tolist() == [1]


def test_var_u_labels_vertex_with_its_neighbours_is_1():
    # n = 6, e1 = 5 spokes + 5 pentagon edges = 10, e3 = 0: 180 - 108 + 80 = 152 >= 120
    assert tishby.var_u_labels(pattern(0, 1, 3, 5, 10, 11)).tolist() == [1]


def test_var_u_labels_three_antipodal_pairs_is_0():
    # {0,9,1,7,2,5}: n = 6, edges 0-1 0-5 1-2 2-9 5-7 7-9 (e1 = 6), e3 = 3: 180-108+48-12 = 108
    assert tishby.var_u_labels(pattern(0, 9, 1, 7, 2, 5)).tolist() == [0]


def test_g1_labels_threshold_6_49_on_column_sums():
    # column sums of bits 5 and 10: 1.95 + 1.65 = 3.6; of all bits: 13.0
    assert tishby.g1_labels(pattern(5, 10)).tolist() == [0]
    assert tishby.g1_labels(np.ones((1, 12))).tolist() == [1]


def test_g2_labels_all_off_0_and_all_on_1():
    # all off: 3 sigmoid(-2.87) = 0.16; all on (rows sum to 1): 3 sigmoid(4.13) = 2.95
    assert tishby.g2_labels(np.zeros((1, 12))).tolist() == [0]
    assert tishby.g2_labels(np.ones((1, 12))).tolist() == [1]


# load_dataset: the built-in sets


@pytest.mark.parametrize("name", sorted(PUBLISHED_LABELS))
def test_tishby_sets_reproduce_published_labels(name):
    dataset = load_dataset(name)
    checksum, ones = PUBLISHED_LABELS[name]
    assert int(dataset.y.sum()) == ones
    assert hashlib.sha256(dataset.y.astype(np.uint8).tobytes()).hexdigest() == checksum


def test_tishby_is_4096_float32_bit_patterns_with_2_classes():
    dataset = load_dataset("tishby")
    assert dataset.X.shape == (4096, 12) and dataset.X.dtype == np.float32
    assert set(np.unique(dataset.X)) == {0.0, 1.0}
    assert dataset.y.dtype == np.int64 and dataset.n_classes == 2


def test_tishby_label_entropy_is_0_999157_bits():
    p = load_dataset("tishby").y.mean()
    assert -(p * np.log2(p) + (1 - p) * np.log2(1 - p)) == pytest.approx(0.999157, abs=1e-6)


def test_digits_is_1797_by_64_scaled_to_unit_interval_with_10_classes():
    dataset = load_dataset("digits")
    assert dataset.X.shape == (1797, 64) and dataset.X.dtype == np.float32
    assert dataset.X.min() == 0.0 and dataset.X.max() == 1.0
    np.testing.assert_array_equal(dataset.X * 16, np.round(dataset.X * 16))
    assert dataset.n_classes == 10


def test_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ValueError, match="pip install scikit-learn"):
        load_dataset("digits")


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'cifar'") as error:
        load_dataset("cifar")
    assert all(name in str(error.value) for name in DATASET_NAMES)


def test_data_path_with_a_built_in_set_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not read --data-path"):
        load_dataset("tishby", tmp_path)


def test_importing_datasets_does_not_import_tensorflow():
    code = "import sys, infonet.data.datasets; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


# load_dataset: a user's .npz


def save_npz(tmp_path, **arrays) -> str:
    path = tmp_path / "data.npz"
    np.savez(path, **arrays)
    return str(path)


def test_npz_inputs_are_flattened_to_float32_rows(tmp_path):
    X = np.arange(24).reshape(3, 2, 4)
    dataset = load_dataset(save_npz(tmp_path, X=X, y=np.array([0, 1, 0])))
    assert dataset.X.dtype == np.float32
    np.testing.assert_array_equal(dataset.X, X.reshape(3, 8))


def test_npz_labels_are_renumbered_in_sorted_order(tmp_path):
    dataset = load_dataset(save_npz(tmp_path, X=np.zeros((4, 1)), y=np.array([9, 5, 7, 5])))
    assert dataset.y.tolist() == [2, 0, 1, 0] and dataset.n_classes == 3


def test_npz_integer_valued_float_labels_are_accepted(tmp_path):
    dataset = load_dataset(save_npz(tmp_path, X=np.zeros((3, 1)), y=np.array([1.0, 0.0, 1.0])))
    assert dataset.y.tolist() == [1, 0, 1] and dataset.y.dtype == np.int64


def test_npz_dataset_is_named_by_its_path(tmp_path):
    path = save_npz(tmp_path, X=np.zeros((2, 1)), y=np.array([0, 1]))
    assert load_dataset(path).name == path


@pytest.mark.parametrize("arrays, message", [
    ({"y": np.array([0, 1])}, "has no array 'X'"),
    ({"X": np.zeros((2, 1))}, "has no array 'y'"),
    ({"X": np.zeros((3, 1)), "y": np.array([0, 1])}, "X has 3 samples but y has 2"),
    ({"X": np.zeros((2, 1)), "y": np.array([[0], [1]])}, "y must be 1-D"),
    ({"X": np.zeros((2, 1)), "y": np.array([0.0, np.nan])}, "y has NaN"),
    ({"X": np.zeros((2, 1)), "y": np.array([0.0, 0.5])}, "integer class labels, found 0.5"),
    ({"X": np.zeros((2, 1)), "y": np.array(["a", "b"])}, "integer class labels, got dtype"),
    ({"X": np.zeros((2, 1)), "y": np.array([3, 3])}, "a single class"),
    ({"X": np.zeros((0, 1)), "y": np.zeros(0, dtype=int)}, "no samples"),
    ({"X": np.array([[0.0], [np.inf]]), "y": np.array([0, 1])}, "X has NaN or infinite"),
    ({"X": np.array([["a"], ["b"]]), "y": np.array([0, 1])}, "X must be numeric"),
    ({"X": np.zeros((2, 0)), "y": np.array([0, 1])}, "X has no features"),
])
def test_npz_with_bad_contents_is_refused_with_the_problem_named(tmp_path, arrays, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(save_npz(tmp_path, **arrays))


def test_missing_npz_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_dataset(str(tmp_path / "absent.npz"))


def test_npz_that_is_not_a_zip_archive_is_refused(tmp_path):
    path = tmp_path / "data.npz"
    path.write_text("X,y\n0,1\n")
    with pytest.raises(ValueError, match="not a valid .npz file"):
        load_dataset(str(path))


def test_npz_with_a_corrupt_array_is_refused(tmp_path):
    path = tmp_path / "data.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("X.npy", b"not an array")
        archive.writestr("y.npy", b"not an array")
    with pytest.raises(ValueError, match="not a valid .npz file"):
        load_dataset(str(path))


# IDX files and mnist


def test_parse_idx_reads_dimensions_and_unsigned_bytes():
    sizes = (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    data = bytes([0, 0, 0x08, 2]) + sizes + bytes(range(6))
    np.testing.assert_array_equal(parse_idx(data), np.arange(6).reshape(2, 3))


def test_parse_idx_reads_big_endian_values():
    data = bytes([0, 0, 0x0B, 1]) + (2).to_bytes(4, "big") + bytes([0x01, 0x02, 0xFF, 0xFE])
    assert parse_idx(data).tolist() == [258, -2]


@pytest.mark.parametrize("data, message", [
    (bytes([1, 0, 0x08, 1]) + (1).to_bytes(4, "big") + b"\0", "two zero bytes"),
    (bytes([0, 0, 0x07, 1]) + (1).to_bytes(4, "big") + b"\0", "unknown type code 0x07"),
    (bytes([0, 0, 0x08, 2]) + (1).to_bytes(4, "big"), "header cut short"),
    (bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + b"\0\0", "should be 11 bytes, it is 10"),
    (bytes([0, 0, 0x08, 1]) + (1).to_bytes(4, "big") + b"\0\0", "should be 9 bytes, it is 10"),
])
def test_parse_idx_refuses_malformed_files(data, message):
    with pytest.raises(ValueError, match=message):
        parse_idx(data)


def test_read_idx_decompresses_gz(tmp_path):
    write_idx(tmp_path / "labels.gz", np.array([7, 1, 4]), 0x08)
    assert read_idx(tmp_path / "labels.gz").tolist() == [7, 1, 4]


def fake_mnist() -> dict[str, np.ndarray]:
    """Two 2x2 training images and one test image; labels 0..2."""
    return {"x_train": np.array([[[0, 255], [51, 0]], [[0, 0], [0, 0]]], dtype=np.uint8),
            "y_train": np.array([2, 0], dtype=np.uint8),
            "x_test": np.array([[[255, 255], [255, 255]]], dtype=np.uint8),
            "y_test": np.array([1], dtype=np.uint8)}


def write_mnist_folder(folder, suffix: str = "") -> None:
    arrays = fake_mnist()
    for stem, key in zip(MNIST_IDX_FILES, MNIST_NPZ_KEYS, strict=True):
        write_idx(folder / f"{stem}{suffix}", arrays[key], 0x08)


def assert_is_fake_mnist(dataset) -> None:
    """Train rows then test rows, flattened, pixels / 255."""
    np.testing.assert_allclose(dataset.X, [[0, 1, 0.2, 0], [0, 0, 0, 0], [1, 1, 1, 1]], atol=1e-7)
    assert dataset.y.tolist() == [2, 0, 1] and dataset.name == "mnist"


def test_mnist_from_idx_folder_is_train_then_test_scaled(tmp_path):
    write_mnist_folder(tmp_path)
    assert_is_fake_mnist(load_dataset("mnist", tmp_path))


def test_mnist_from_gzipped_idx_folder(tmp_path):
    write_mnist_folder(tmp_path, ".gz")
    assert_is_fake_mnist(load_dataset("mnist", tmp_path))


def test_mnist_from_keras_npz(tmp_path):
    np.savez(tmp_path / "mnist.npz", **fake_mnist())
    assert_is_fake_mnist(load_dataset("mnist", tmp_path / "mnist.npz"))


def test_mnist_without_a_path_says_nothing_is_downloaded():
    with pytest.raises(ValueError, match="mnist needs --data-path .* nothing is downloaded"):
        load_dataset("mnist")


def test_mnist_with_a_missing_path_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load_dataset("mnist", tmp_path / "absent")


def test_mnist_folder_missing_an_idx_file_names_it(tmp_path):
    write_mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="no t10k-labels-idx1-ubyte"):
        load_dataset("mnist", tmp_path)


def test_mnist_npz_missing_a_key_names_it(tmp_path):
    arrays = fake_mnist()
    del arrays["y_test"]
    np.savez(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(ValueError, match="has no array 'y_test'"):
        load_dataset("mnist", tmp_path / "mnist.npz")


def test_mnist_with_more_images_than_labels_is_refused(tmp_path):
    arrays = fake_mnist()
    arrays["y_train"] = arrays["y_train"][:1]
    np.savez(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(ValueError, match="train images of shape .* do not match"):
        load_dataset("mnist", tmp_path / "mnist.npz")


# split_indices and sample_indices


def test_split_sizes_round_the_train_fraction():
    train, test = split_indices(4096, 0.8, seed=0)
    assert (len(train), len(test)) == (3277, 819)  # 0.8 * 4096 = 3276.8


def test_split_parts_are_sorted_disjoint_and_cover_all_samples():
    train, test = split_indices(100, 0.7, seed=3)
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(100))


def test_split_is_reproducible_from_its_seed():
    np.testing.assert_array_equal(split_indices(100, 0.5, seed=7).train,
                                  split_indices(100, 0.5, seed=7).train)


def test_split_differs_between_seeds():
    assert not np.array_equal(split_indices(100, 0.5, seed=1).train,
                              split_indices(100, 0.5, seed=2).train)


def test_shuffled_split_is_not_file_order():
    assert not np.array_equal(split_indices(100, 0.5, seed=0).train, np.arange(50))


def test_unshuffled_split_trains_on_the_first_samples():
    train, test = split_indices(10, 0.8, seed=0, shuffle=False)
    assert train.tolist() == list(range(8)) and test.tolist() == [8, 9]


def test_train_fraction_1_leaves_an_empty_test_set():
    train, test = split_indices(10, 1.0, seed=0)
    assert train.tolist() == list(range(10)) and len(test) == 0


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5, float("nan")])
def test_train_fraction_outside_0_1_is_refused(fraction):
    with pytest.raises(ValueError, match="train_fraction must be in"):
        split_indices(10, fraction, seed=0)


def test_train_fraction_rounding_to_no_sample_is_refused():
    with pytest.raises(ValueError, match="train_fraction=0.01 leaves no training sample"):
        split_indices(10, 0.01, seed=0)


def test_negative_seed_is_refused():
    with pytest.raises(ValueError, match="seed must be a non-negative"):
        split_indices(10, 0.5, seed=-1)


def test_empty_sample_count_is_refused():
    with pytest.raises(ValueError, match="n must be at least 1"):
        split_indices(0, 0.5, seed=0)


def test_sample_indices_all_is_every_sample_in_order():
    split = Split(train=np.array([0, 2, 3]), test=np.array([1, 4]))
    assert sample_indices(split, "all").tolist() == [0, 1, 2, 3, 4]


def test_sample_indices_train_and_test_are_the_split_parts():
    split = Split(train=np.array([0, 2, 3]), test=np.array([1, 4]))
    assert sample_indices(split, "train").tolist() == [0, 2, 3]
    assert sample_indices(split, "test").tolist() == [1, 4]


def test_sample_indices_of_an_empty_test_set_is_refused():
    with pytest.raises(ValueError, match="samples='test' selects nothing"):
        sample_indices(split_indices(10, 1.0, seed=0), "test")


def test_sample_indices_unknown_choice_lists_the_valid_ones():
    with pytest.raises(ValueError, match="samples must be one of all, train, test, got 'val'"):
        sample_indices(split_indices(10, 0.5, seed=0), "val")
