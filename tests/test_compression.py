"""The compression test: a drop from the peak picked on other repeats, tested, Holm-corrected.

Known answers: a known drop, a flat curve, ties, too few repeats; the p-value against scipy's
own one-sample t-test; Holm against a hand computation; the command and ``open_run`` giving
the same table. Its error rates are simulated in benchmarks/bench_compression.py.
"""

import csv

import numpy as np
import pytest
from scipy import stats

from infonet.analysis.compression import (
    COMPRESSION_COLUMNS,
    adjusted,
    compression_table,
    drop_test,
    split_repeats,
)
from infonet.analysis.multiple_testing import holm
from infonet.analysis.tables import read_information
from infonet.cli.command import run_cli
from infonet.networks.run import open_run
from infonet.plotting.synthetic import write_synthetic_run
from main_data import main as data_main
from main_plot import main as plot_main

EPOCHS = np.arange(10)


def _curves(repeats, drop, noise=0.0, seed=0):
    """I(X;T) of ``repeats`` repeats over 10 epochs: up to 5 bits at epoch 4, then down by
    ``drop`` bits at the last epoch, each repeat offset, per-epoch noise ``noise``."""
    rng = np.random.default_rng(seed)
    shape = np.r_[np.linspace(3, 5, 5), np.linspace(5, 5 - drop, 6)[1:]]
    return shape + rng.normal(0, 0.5, (repeats, 1)) + rng.normal(0, noise, (repeats, 10))


def test_a_known_drop_is_found_at_its_peak_with_its_size_inside_the_interval():
    result = drop_test(_curves(20, drop=1.0, noise=0.05), EPOCHS)
    assert result["peak_epoch"] == 4 and result["final_epoch"] == 9
    assert result["ci_low"] < 1.0 < result["ci_high"] and result["ci_low"] > 0.5
    assert result["p_value"] < 1e-6


def test_a_flat_curve_has_no_drop_and_p_value_one():
    result = drop_test(np.full((8, 10), 4.0), EPOCHS)
    assert result["drop_bits"] == 0.0 and result["p_value"] == 1.0


def test_a_rising_curve_peaks_at_the_last_epoch_and_does_not_compress():
    result = drop_test(np.tile(np.linspace(1, 5, 10), (8, 1)), EPOCHS)
    assert result["peak_epoch"] == 9 and result["drop_bits"] == 0.0
    assert result["p_value"] == 1.0


def test_tied_peaks_pick_the_earliest_epoch():
    curves = np.tile([1.0, 3.0, 3.0, 3.0, 2.0], (6, 1))
    result = drop_test(curves, np.arange(5))
    assert result["peak_epoch"] == 1 and result["drop_bits"] == 1.0


def test_the_same_drop_in_every_test_repeat_is_certain():
    result = drop_test(np.tile([1.0, 3.0, 2.0], (6, 1)), np.arange(3))
    assert result["p_value"] == 0.0 and result["ci_low"] == result["ci_high"] == 1.0


@pytest.mark.parametrize("repeats", [1, 3])
def test_fewer_than_four_repeats_are_refused(repeats):
    with pytest.raises(ValueError, match="at least 4 repeats"):
        drop_test(_curves(repeats, drop=1.0), EPOCHS)


def test_the_peak_is_picked_on_the_selection_half_only():
    selection, test = split_repeats(10, seed=0)
    curves = np.zeros((10, 5))
    curves[selection, 1] = 1.0  # the selection half peaks at epoch 1
    curves[test, 3] = 5.0  # the test half at epoch 3, where the selection half sees nothing
    assert drop_test(curves, np.arange(5), seed=0)["peak_epoch"] == 1


def test_the_halves_split_every_repeat_once_the_test_half_taking_the_odd_one():
    selection, test = split_repeats(9, seed=3)
    assert len(selection) == 4 and len(test) == 5
    assert sorted([*selection, *test]) == list(range(9))


def test_the_p_value_is_the_one_sided_t_test_of_the_test_halfs_drops():
    curves = _curves(12, drop=0.3, noise=0.3, seed=4)
    result = drop_test(curves, EPOCHS, seed=1)
    _, test = split_repeats(12, seed=1)
    peak = list(EPOCHS).index(result["peak_epoch"])
    drops = curves[test, peak] - curves[test, -1]
    expected = stats.ttest_1samp(drops, 0.0, alternative="greater")
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-12)
    assert result["drop_bits"] == pytest.approx(drops.mean(), rel=1e-12)
    interval = stats.ttest_1samp(drops, 0.0).confidence_interval(0.9)  # one-sided 95% ends
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(
        (interval.low, interval.high), rel=1e-12)


def test_holm_multiplies_the_ordered_p_values_and_keeps_them_monotone():
    assert holm(np.array([0.01, 0.04, 0.03, 0.005])) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])


def test_holm_leaves_untested_hypotheses_out():
    adjusted_p = holm(np.array([0.01, np.nan, 0.02]))
    assert np.isnan(adjusted_p[1]) and adjusted_p[[0, 2]] == pytest.approx([0.02, 0.02])


def test_a_layer_compresses_when_its_adjusted_p_value_is_at_most_alpha():
    rows = adjusted([{"p_value": 0.02}, {"p_value": 0.03}], alpha=0.05)
    assert [r["p_adjusted"] for r in rows] == pytest.approx([0.04, 0.04])
    assert [r["compresses"] for r in rows] == [True, True]
    assert [r["compresses"] for r in adjusted([{"p_value": 0.03}, {"p_value": 0.2}])] == [
        False, False]


@pytest.fixture(scope="module")
def noisy_run(tmp_path_factory):
    """8 repeats, epochs 0..30, three layers: the deeper two compress, the first does not."""
    return write_synthetic_run(tmp_path_factory.mktemp("run") / "noisy", repeats=8, epochs=30,
                               units=(5, 3, 2), noise=0.05)


def test_deep_layers_of_the_synthetic_run_compress_and_the_first_does_not(noisy_run):
    table = compression_table([("run", m) for m in read_information(
        noisy_run / "information.csv")])
    verdicts = {(row["estimator"].split(":")[0], row["layer"]): row["compresses"]
                for row in table}
    assert verdicts == {(e, layer): layer > 1 for e in ("binning", "kde-upper")
                        for layer in (1, 2, 3)}


def test_the_command_prints_and_writes_the_table_open_run_returns(tmp_path, capsys):
    run = tmp_path / "run"
    assert run_cli(data_main, ["--shape", "4,3", "--epochs", "6", "--repeats", "4", "--jobs",
                               "1", "--no-plot", "--out", str(run)]) == 0
    output = tmp_path / "compression.png"
    assert run_cli(plot_main, [str(run), "--kind", "compression", "-o", str(output)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "compresses" in printed[-6] and output.stat().st_size > 0
    with open(tmp_path / "compression.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        written = list(reader)
    assert tuple(reader.fieldnames) == COMPRESSION_COLUMNS and len(written) == 3
    returned = open_run(run).compression()
    assert [(r["layer"], r["peak_epoch"], r["drop_bits"], r["p_adjusted"], r["compresses"])
            for r in written] == [
        (str(layer), str(peak), repr(drop), repr(p), str(c).lower())
        for layer, peak, drop, p, c in zip(*(returned[k].tolist() for k in (
            "layer", "peak_epoch", "drop_bits", "p_adjusted", "compresses")), strict=True)]


def test_a_run_of_three_repeats_is_one_error_line(tmp_path, capsys):
    run = write_synthetic_run(tmp_path / "three", repeats=3, epochs=5, units=(3, 2))
    status = run_cli(plot_main, [str(run), "--kind", "compression", "-o",
                                 str(tmp_path / "c.png")])
    err = capsys.readouterr().err
    assert status == 2 and len(err.splitlines()) == 1 and "at least 4 repeats" in err
    assert not (tmp_path / "c.png").exists() and not (tmp_path / "c.csv").exists()


def test_alpha_outside_its_range_is_refused(noisy_run, tmp_path, capsys):
    status = run_cli(plot_main, [str(noisy_run), "--kind", "compression", "--alpha", "0.7",
                                 "-o", str(tmp_path / "c.png")])
    assert status == 2 and "alpha must be in (0, 0.5)" in capsys.readouterr().err


def test_a_drop_below_the_smallest_that_counts_is_not_compression():
    curves = _curves(20, drop=1.0, noise=0.05)
    assert drop_test(curves, EPOCHS, min_drop=0.5)["p_value"] < 1e-6
    assert drop_test(curves, EPOCHS, min_drop=1.5)["p_value"] > 0.99


def test_the_smallest_drop_that_counts_is_the_t_tests_null_value():
    curves = _curves(12, drop=0.3, noise=0.3, seed=4)
    result = drop_test(curves, EPOCHS, seed=1, min_drop=0.1)
    _, test = split_repeats(12, seed=1)
    peak = list(EPOCHS).index(result["peak_epoch"])
    drops = curves[test, peak] - curves[test, -1]
    expected = stats.ttest_1samp(drops, 0.1, alternative="greater").pvalue
    assert result["p_value"] == pytest.approx(expected, rel=1e-12)
    assert result["min_drop_bits"] == 0.1
