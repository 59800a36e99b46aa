"""Estimator spec strings: parsing, canonical names, round trips, and the errors users see."""

import csv
import pickle

import numpy as np
import pytest

from infonet.information import (
    BatchingEstimator,
    BinningEstimator,
    KDEEstimator,
    estimator_from_spec,
)

SPECS = [
    "binning",
    "binning:bins=30",
    "binning:bin_size=0.5",
    "binning:bins=100,range=layer",
    "binning:bins=100,range=global",
    "binning:low=0,high=1,bins=7",
    "kde-upper",
    "kde-lower:noise_variance=0.05",
    "kde-upper:noise_variance=0.1,dtype=float32",
    "batching:window=10,binning:bins=30,low=-1.0,high=1.0",
    "batching:window=3,kde-lower",
    "batching:binning:bin_size=0.07",
]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("binning", BinningEstimator(bins=30, low=-1.0, high=1.0)),
        ("binning:bins=30", BinningEstimator()),
        ("binning:bin_size=0.5", BinningEstimator(bin_size=0.5)),
        ("binning:bins=100,range=layer", BinningEstimator(bins=100, range="layer")),
        (" binning : bins = 4 , low = 0 , high = 2 ", BinningEstimator(bins=4, low=0.0, high=2.0)),
        ("kde-upper", KDEEstimator(noise_variance=0.1, bound="upper")),
        ("kde-lower:noise_variance=0.05", KDEEstimator(noise_variance=0.05, bound="lower")),
        ("batching:window=5,kde-upper", BatchingEstimator(KDEEstimator(), window=5)),
    ],
)
def test_short_forms_parse_to_the_estimator_they_name(spec, expected):
    assert estimator_from_spec(spec) == expected


@pytest.mark.parametrize(
    ("estimator", "name"),
    [
        (BinningEstimator(), "binning:bins=30,low=-1.0,high=1.0"),
        (BinningEstimator(bin_size=0.07), "binning:bin_size=0.07"),
        (BinningEstimator(bins=100, range="layer"), "binning:bins=100,range=layer"),
        (BinningEstimator(bins=100, range="global"), "binning:bins=100,range=global"),
        (KDEEstimator(), "kde-upper:noise_variance=0.1"),
        (
            KDEEstimator(bound="lower", dtype=np.float32),
            "kde-lower:noise_variance=0.1,dtype=float32",
        ),
        (
            BatchingEstimator(BinningEstimator(), window=10),
            "batching:window=10,binning:bins=30,low=-1.0,high=1.0",
        ),
    ],
)
def test_names_are_canonical_specs_with_every_parameter(estimator, name):
    assert estimator.name == name


@pytest.mark.parametrize("spec", SPECS)
def test_every_name_parses_back_to_an_equal_estimator(spec):
    estimator = estimator_from_spec(spec)
    again = estimator_from_spec(estimator.name)
    assert again == estimator and hash(again) == hash(estimator) and again.name == estimator.name


@pytest.mark.parametrize("spec", SPECS)
def test_estimators_survive_pickling(spec):
    estimator = estimator_from_spec(spec)
    assert pickle.loads(pickle.dumps(estimator)) == estimator


def test_block_rows_is_not_part_of_the_name_or_equality():
    assert KDEEstimator(block_rows=16) == KDEEstimator()
    assert KDEEstimator(block_rows=16).name == KDEEstimator().name


def test_a_supplied_global_range_keeps_the_name_but_not_equality():
    unresolved = BinningEstimator(bins=100, range="global")
    supplied = unresolved.with_run_range(-2.0, 3.0)
    assert supplied.name == unresolved.name and supplied != unresolved


def test_a_supplied_global_range_is_learned_state_apart_from_the_settings():
    supplied = BinningEstimator(bins=100, range="global").with_run_range(-2.0, 3.0)
    assert supplied.run_range_ == (-2.0, 3.0)
    assert (supplied.low, supplied.high, supplied.range) == (None, None, "global")


@pytest.mark.parametrize(
    ("make", "named"),
    [(lambda: BinningEstimator(bins=0), "bins"), (lambda: KDEEstimator(noise_variance=0), "noise"),
     (lambda: BatchingEstimator(BinningEstimator(), window=0), "window")],
)
def test_invalid_parameters_are_refused_at_construction(make, named):
    with pytest.raises(ValueError, match=named):
        make()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("kde", "unknown estimator 'kde'.*allowed: binning, kde-upper, kde-lower, batching"),
        ("", "unknown estimator ''"),
        ("binning:size=3", "unknown parameter 'size' for binning; allowed: bins, low, high"),
        ("kde-upper:bins=3", "unknown parameter 'bins' for kde-upper; allowed: noise_variance"),
        ("binning:bins", "'bins' of binning is not of the form key=value"),
        ("binning:bins=3,bins=4", "'bins' given twice"),
        ("binning:bins=0", r"bins must be an integer in 1..2\*\*52"),
        ("binning:bins=4503599627370497", "bins must be an integer in 1"),
        ("binning:low=-1e308,high=1e308", "finite width"),
        ("binning:bins=2.5", "bins must be an integer"),
        ("binning:bin_size=0", "bin_size must be a number > 0"),
        ("binning:bin_size=-1", "bin_size must be a number > 0"),
        ("binning:bin_size=0.1,bins=30", "bin_size cannot be combined with bins"),
        ("binning:bin_size=0.1,range=layer", "bin_size cannot be combined with range"),
        ("binning:low=1,high=1", "low must be < high"),
        ("binning:low=abc", "low must be a finite number"),
        ("binning:high=nan", "high must be a finite number"),
        ("binning:range=batch", "range must be one of fixed, layer, global"),
        ("binning:range=layer,low=0", "low and high can be given only with range=fixed"),
        ("binning:range=global,low=0,high=1", "low and high can be given only with range=fixed"),
        ("kde-upper:noise_variance=0", "noise_variance must be a number > 0"),
        ("kde-lower:noise_variance=-0.1", "noise_variance must be a number > 0"),
        ("kde-upper:dtype=float16", "dtype must be one of float64, float32"),
        ("batching:window=0,binning", "window must be an integer >= 1"),
        ("batching:window=10", "batching needs the estimator it wraps"),
        ("batching:window=2,bins=3", "unknown parameter 'bins' for batching; allowed: window"),
        ("batching:window=2,batching:window=2,binning", "cannot wrap another batching"),
        ("batching:window=2,binning:bins=0", "bins must be an integer in 1"),
    ],
)
def test_invalid_specs_raise_value_errors_naming_the_problem(spec, message):
    with pytest.raises(ValueError, match=message):
        estimator_from_spec(spec)


@pytest.mark.parametrize(
    ("spec", "pairwise"),
    [("binning", False), ("kde-lower", True), ("batching:window=2,kde-upper", True),
     ("batching:window=2,binning", False)],
)
def test_kde_declares_a_pairwise_cost_binning_does_not(spec, pairwise):
    assert estimator_from_spec(spec).pairwise is pairwise


@pytest.mark.parametrize(
    ("spec", "needs"),
    [("binning", False), ("binning:range=global", True), ("binning:range=layer", False),
     ("kde-upper", False), ("batching:window=2,binning:range=global", True)],
)
def test_a_global_range_declares_that_it_needs_the_run_range(spec, needs):
    assert estimator_from_spec(spec).needs_run_range is needs


@pytest.mark.parametrize(("old", "new"), [
    ("mc:noise_variance=0.1,samples=4,seed=0", "mc:noise_variance=0.1,draws=4,seed=0"),
    ("knn:k=3,noise_variance=0.1,samples=2,seed=0", "knn:k=3,noise_variance=0.1,draws=2,seed=0"),
])
def test_the_old_spelling_samples_reads_as_draws(old, new):
    assert estimator_from_spec(old) == estimator_from_spec(new)
    assert estimator_from_spec(old).name == new


def test_rows_of_an_old_table_read_under_todays_names(tmp_path):
    from infonet.rundir.results import COLUMNS, read_rows

    old = "mc:noise_variance=0.1,samples=4,seed=0"
    row = {"repeat": 0, "epoch": 0, "layer": 1, "layer_name": "hidden_1", "units": 3,
           "estimator": old, "i_xt": 1.0, "i_yt": 0.5, "i_xt_se": 0.01, "i_yt_se": 0.01,
           "samples": "all", "h_x": 12.0,
           "h_y": 1.0, "epoch_last": 0}
    with open(tmp_path / "information.csv", "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([COLUMNS, [row[c] for c in COLUMNS]])
    (read,) = read_rows(tmp_path / "information.csv")
    assert read["estimator"] == "mc:noise_variance=0.1,draws=4,seed=0"


def test_the_help_grammar_lists_every_estimator_with_its_defaults():
    from infonet.information.estimators import ESTIMATORS, spec_help

    grammar = spec_help()
    heads = [head for kind in ESTIMATORS for head in kind.heads if kind.pools_epochs is not True]
    assert [part.split("[")[0] for part in grammar.split("; ")] == heads
    assert "binning[:bins=30, low=-1.0, high=1.0," in grammar
    assert "mc[:noise_variance=0.1, draws=DRAWS, target_se=0.01, max_draws=256, seed=0]" in grammar
    assert "batching" not in grammar and "batching[:window=10, SPEC]" in spec_help(pooling=True)
    for part in grammar.split("; "):  # the defaults shown are a spec of the default estimator
        head, _, given = part.partition("[:")
        defaults = [p for p in given.rstrip("]").split(", ") if "|" not in p and "=" in p
                    and not p.split("=")[1].isupper()]
        wrapped = ["binning"] if given.endswith("SPEC]") else []  # a wrapper needs an estimator
        assert estimator_from_spec(":".join([head, ",".join(defaults + wrapped)])) \
            == estimator_from_spec(":".join([head, *wrapped]))


def test_estimators_of_one_class_and_name_are_equal_and_hash_alike():
    for spec in ("binning", "kde-upper", "mc", "knn", "renyi", "exact", "batching:binning"):
        a, b = estimator_from_spec(spec), estimator_from_spec(spec)
        assert a == b and hash(a) == hash(b)
    assert estimator_from_spec("kde-upper") != estimator_from_spec("kde-lower")
