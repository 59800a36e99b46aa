"""The parallel runner: every scheduled layer-epoch measured once, resumable, backend-independent.

Snapshots are written directly (random weights, no TensorFlow) so these tests stay fast.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from infonet.information import BinningEstimator, KDEEstimator
from infonet.information.contract import ValidityWarning
from infonet.information.estimators import estimator_from_spec
from infonet.information.samples import Samples
from infonet.measuring.plan import EpochPlanner, WindowPlanner
from infonet.measuring.runner import Runner
from infonet.measuring.schedule import schedule_from_spec
from infonet.networks.forward import layer_activations
from infonet.rundir.results import read_rows
from infonet.rundir.snapshots import Layout, SnapshotReader, SnapshotWriter

SIZES = (6, 5, 3, 2)
EPOCHS = 7  # saved epochs 0..6


def _patterns(bits: int) -> np.ndarray:
    return ((np.arange(2**bits)[:, None] >> np.arange(bits - 1, -1, -1)) & 1).astype(np.float32)


def _write_run(directory: Path, epochs: int = EPOCHS, seed: int = 0,
               diverge_from: int | None = None) -> Path:
    layout = Layout(SIZES, "tanh")
    rng = np.random.default_rng(seed)
    row = rng.normal(size=layout.row_length)
    with SnapshotWriter(directory, layout, keep_epochs=0) as writer:
        for epoch in range(epochs):
            row = row + rng.normal(scale=0.3, size=row.shape)
            writer.append(np.full_like(row, np.nan) if diverge_from is not None
                          and epoch >= diverge_from else row)
    return directory


@pytest.fixture
def samples() -> Samples:
    X = _patterns(6)
    return Samples(X, (X.sum(1) > 3).astype(np.int64), "all")


def _runner(tmp_path, samples, estimators, jobs=1, repeats=1, **kw):
    dirs = {r: _write_run(tmp_path / f"repeat-{r}", seed=r, **kw) for r in range(repeats)}
    return Runner(dirs, estimators, samples, jobs)


def _every(spec="every:1"):
    return EpochPlanner(schedule_from_spec(spec))


def test_every_layer_of_every_scheduled_epoch_is_measured_once(tmp_path, samples):
    runner = _runner(tmp_path, samples, [BinningEstimator(), KDEEstimator()])
    runner.measure(tmp_path / "information.csv", _every("every:2"))
    rows = read_rows(tmp_path / "information.csv")
    keys = [(r["epoch"], r["layer"], r["estimator"]) for r in rows]
    assert len(keys) == len(set(keys)) == 4 * 3 * 2  # epochs 0, 2, 4, 6 x 3 layers x 2 estimators


def test_rows_hold_the_estimate_of_that_layer_and_epoch(tmp_path, samples):
    runner = _runner(tmp_path, samples, [BinningEstimator(bins=8)])
    runner.measure(tmp_path / "information.csv", _every())
    row = next(r for r in read_rows(tmp_path / "information.csv")
               if r["epoch"] == 3 and r["layer"] == 2)
    reader = SnapshotReader(tmp_path / "repeat-0")
    T = layer_activations(reader.params(3), samples.X, "tanh")[1]
    assert (row["i_xt"], row["i_yt"]) == BinningEstimator(bins=8).mutual_information(
        T, samples.X, samples.y)
    assert row["units"] == 3 and row["h_x"] == 6.0 and row["epoch_last"] == 3


def test_a_second_run_measures_nothing_again(tmp_path, samples):
    runner = _runner(tmp_path, samples, [BinningEstimator()])
    runner.measure(tmp_path / "information.csv", _every())
    assert runner.measure(tmp_path / "information.csv", _every()).rows_written == 0


def test_a_killed_job_resumes_to_the_same_table(tmp_path, samples):
    table = tmp_path / "information.csv"
    runner = _runner(tmp_path, samples, [BinningEstimator(), KDEEstimator()])
    runner.measure(table, _every())
    complete = table.read_text()
    lines = complete.splitlines()
    table.write_text("\n".join(lines[: len(lines) // 2]) + "\n" + lines[len(lines) // 2][:9])
    written = runner.measure(table, _every()).rows_written
    assert table.read_text() == complete
    assert written == len(lines) - len(lines) // 2


def test_two_jobs_write_the_same_table_as_one(tmp_path, samples):
    estimators = [BinningEstimator(), KDEEstimator(bound="lower")]
    one = _runner(tmp_path / "a", samples, estimators, jobs=1, repeats=2)
    two = _runner(tmp_path / "b", samples, estimators, jobs=2, repeats=2)
    one.measure(tmp_path / "one.csv", _every())
    two.measure(tmp_path / "two.csv", _every())
    assert (tmp_path / "one.csv").read_text() == (tmp_path / "two.csv").read_text()


def test_diverged_epochs_are_recorded_as_nan_and_reported(tmp_path, samples):
    runner = _runner(tmp_path, samples, [BinningEstimator()], diverge_from=5)
    report = runner.measure(tmp_path / "information.csv", _every())
    assert report.non_finite == {(0, 5), (0, 6)}
    nan_epochs = {r["epoch"] for r in read_rows(tmp_path / "information.csv")
                  if np.isnan(r["i_xt"])}
    assert nan_epochs == {5, 6}


def test_global_range_is_the_run_wide_activation_range(tmp_path, samples):
    estimator = BinningEstimator(bins=20, range="global")
    runner = _runner(tmp_path, samples, [estimator])
    runner.measure(tmp_path / "information.csv", _every("every:3"))
    reader = SnapshotReader(tmp_path / "repeat-0")
    activations = [T for e in range(EPOCHS)
                   for T in layer_activations(reader.params(e), samples.X, "tanh")]
    low = min(T.min() for T in activations)
    high = max(T.max() for T in activations)
    row = next(r for r in read_rows(tmp_path / "information.csv") if r["epoch"] == 3)
    T = activations[3 * 3 + row["layer"] - 1]
    expected = estimator.with_run_range(low, high).mutual_information(T, samples.X, samples.y)
    assert (row["i_xt"], row["i_yt"]) == expected
    assert row["estimator"] == "binning:bins=20,range=global"


def test_adaptive_schedules_measure_a_subset_ending_at_the_last_epoch(tmp_path, samples):
    runner = _runner(tmp_path, samples, [BinningEstimator()])
    runner.measure(tmp_path / "information.csv", _every("delta-approx:0.5"))
    epochs = {r["epoch"] for r in read_rows(tmp_path / "information.csv")}
    assert 0 in epochs and EPOCHS - 1 in epochs


def test_batching_windows_record_their_first_and_last_epoch(tmp_path, samples):
    runner = _runner(tmp_path, samples, [BinningEstimator()])
    runner.measure(tmp_path / "information.csv", WindowPlanner([(0, 2), (2, 5)]))
    rows = read_rows(tmp_path / "information.csv")
    assert {(r["epoch"], r["epoch_last"], r["estimator"]) for r in rows} == {
        (0, 2, "batching:window=3,binning:bins=30,low=-1.0,high=1.0"),
        (2, 5, "batching:window=4,binning:bins=30,low=-1.0,high=1.0"),
    }
    assert len(rows) == 2 * 3


def test_measuring_modules_do_not_import_tensorflow():
    code = ("import sys, infonet.measuring.runner, main_as_if_random; "
            "sys.exit('tensorflow' in sys.modules)")
    root = Path(__file__).parents[1]
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


def test_dask_cluster_writes_the_same_table_as_local_processes(tmp_path, samples):
    distributed = pytest.importorskip("distributed")
    from infonet.measuring.backend import execution

    estimators = [BinningEstimator(), KDEEstimator()]
    local = _runner(tmp_path / "a", samples, estimators, jobs=2)
    local.measure(tmp_path / "local.csv", _every())
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        with execution("dask", cluster.scheduler_address):
            remote = _runner(tmp_path / "b", samples, estimators, jobs=-1)
            remote.measure(tmp_path / "dask.csv", _every())
    assert (tmp_path / "dask.csv").read_text() == (tmp_path / "local.csv").read_text()


def test_a_new_estimator_is_added_only_on_the_epochs_its_schedule_picks(tmp_path, samples):
    table = tmp_path / "information.csv"
    _runner(tmp_path, samples, [BinningEstimator()]).measure(table, _every())  # every epoch, binned
    dirs = {0: tmp_path / "repeat-0"}
    Runner(dirs, [BinningEstimator(), KDEEstimator()], samples, 1).measure(table,
                                                                          _every("every:3"))
    kde = {r["epoch"] for r in read_rows(table) if r["estimator"].startswith("kde")}
    assert kde == {0, 3, 6}


def test_a_job_reads_information_csv_once(tmp_path, samples, monkeypatch):

    from infonet import rundir
    table = tmp_path / "information.csv"
    runner = _runner(tmp_path, samples, [BinningEstimator(), KDEEstimator()])
    runner.measure(table, _every("every:3"))
    reads = []
    real = rundir.results.read_rows
    monkeypatch.setattr(rundir.results, "read_rows", lambda p: reads.append(p) or real(p))
    runner.measure(table, _every("delta-exact:0.1"))
    assert reads == [table]


ADAPTIVE_EPOCHS = 20  # enough epochs for a speculated frontier to be refuted


def _adaptive_table(tmp_path, samples, jobs):
    """information.csv of one 2-repeat run measured with delta-exact by ``jobs`` processes."""
    runner = _runner(tmp_path / f"jobs-{jobs}", samples, [BinningEstimator(bins=8)], jobs=jobs,
                     repeats=2, epochs=ADAPTIVE_EPOCHS)
    table = tmp_path / f"jobs-{jobs}.csv"
    runner.measure(table, _every("delta-exact:0.2"))
    return table


def test_delta_exact_writes_the_same_table_whatever_the_number_of_jobs(tmp_path, samples):
    tables = [_adaptive_table(tmp_path, samples, jobs).read_bytes() for jobs in (1, 2, 4)]
    assert tables[0] == tables[1] == tables[2]


def test_delta_exact_on_a_dask_cluster_writes_the_same_table_as_one_local_job(tmp_path,
                                                                              samples):
    distributed = pytest.importorskip("distributed")
    from infonet.measuring.backend import execution

    local = _adaptive_table(tmp_path / "local", samples, jobs=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        with execution("dask", cluster.scheduler_address):
            remote = _adaptive_table(tmp_path / "dask", samples, jobs=-1)
    assert remote.read_bytes() == local.read_bytes()


def test_every_repeat_of_an_adaptive_schedule_is_measured_on_the_same_epochs(tmp_path, samples):
    rows = read_rows(_adaptive_table(tmp_path, samples, jobs=1))
    epochs = [{r["epoch"] for r in rows if r["repeat"] == repeat} for repeat in (0, 1)]
    assert epochs[0] == epochs[1]
    assert len(epochs[0]) < ADAPTIVE_EPOCHS  # the schedule did skip epochs


def _global_runner(tmp_path, samples):
    return _runner(tmp_path, samples, [BinningEstimator(bins=20, range="global")])


def test_rows_on_a_changed_run_range_are_all_measured_again(tmp_path, samples):
    table, fresh = tmp_path / "information.csv", tmp_path / "fresh.csv"
    runner = _global_runner(tmp_path, samples)
    runner.measure(table, _every(), ranges={0: (-1.0, 1.0)})
    runner.measure(table, _every("every:3"), ranges={0: (-2.0, 2.0)}, replace={0})
    runner.measure(fresh, _every(), ranges={0: (-2.0, 2.0)})
    assert table.read_bytes() == fresh.read_bytes()  # epochs every:3 skips replaced as well


def test_a_killed_replacement_leaves_the_stale_rows_and_resumes_to_the_same_table(
        tmp_path, samples, monkeypatch):

    from infonet import measuring
    table, fresh = tmp_path / "information.csv", tmp_path / "fresh.csv"
    runner = _global_runner(tmp_path, samples)
    runner.measure(table, _every(), ranges={0: (-1.0, 1.0)})
    stale = table.read_bytes()
    real = measuring.runner.write_sorted
    monkeypatch.setattr(measuring.runner, "write_sorted", lambda *a: 1 / 0)  # killed there
    with pytest.raises(ZeroDivisionError):
        runner.measure(table, _every(), ranges={0: (-2.0, 2.0)}, replace={0})
    assert table.read_bytes() == stale
    monkeypatch.setattr(measuring.runner, "write_sorted", real)
    runner.measure(table, _every(), ranges={0: (-2.0, 2.0)}, replace={0})
    runner.measure(fresh, _every(), ranges={0: (-2.0, 2.0)})
    assert table.read_bytes() == fresh.read_bytes()


@pytest.mark.parametrize("spec", ["binning", "binning:bins=8,edges=equal-mass", "kde-upper",
                                  "kde-lower", "renyi", "mc:draws=2", "knn:points=256,replicates=2",
                                  "bootstrap:resamples=3,binning"])
def test_every_row_holds_the_estimators_standard_errors(tmp_path, samples, spec):
    estimator = estimator_from_spec(spec)
    runner = _runner(tmp_path, samples, [estimator])
    runner.measure(tmp_path / "information.csv", _every("every:3"))
    rows = read_rows(tmp_path / "information.csv")
    source = SnapshotReader(tmp_path / "repeat-0")
    for row in rows:
        T = layer_activations(source.params(row["epoch"]), samples.X, "tanh")[row["layer"] - 1]
        expected = estimator.estimate(T, samples.ids, samples.y)
        assert (row["i_xt"], row["i_yt"], row["i_xt_se"], row["i_yt_se"]) == expected
    errors = {(row["i_xt_se"], row["i_yt_se"]) != (0.0, 0.0) for row in rows}
    assert errors == {estimator.monte_carlo or spec.startswith("bootstrap")}


def test_a_layer_outside_an_estimators_trusted_range_is_warned_about_once(tmp_path, samples):
    estimator = estimator_from_spec("knn:points=256,replicates=2")  # untrusted below 96 rows
    runner = _runner(tmp_path, samples, [estimator])
    with pytest.warns(ValidityWarning) as caught:
        runner.measure(tmp_path / "information.csv", _every("every:2"))
    named = sorted(str(w.message).split(" on layer ")[1].split()[0] for w in caught
                   if w.category is ValidityWarning)
    assert named == ["hidden_1", "hidden_2", "output"]  # once each, over 4 epochs
    assert all(str(w.message).startswith(estimator.name) for w in caught)
    assert len(read_rows(tmp_path / "information.csv")) == 3 * 4  # measured all the same


def test_a_layer_whose_reason_changes_between_epochs_is_warned_about_once(tmp_path, samples):
    estimator = estimator_from_spec("binning:bins=200")  # distinct codes vary by epoch
    runner = _runner(tmp_path, samples, [estimator])
    with pytest.warns(ValidityWarning) as caught:
        runner.measure(tmp_path / "information.csv", _every())
    named = [str(w.message).split(" on layer ")[1].split()[0] for w in caught
             if w.category is ValidityWarning]
    assert len(named) == len(set(named)) > 0
