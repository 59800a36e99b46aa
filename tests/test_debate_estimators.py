"""mc, knn, renyi and adaptive binning through every entry point: spec strings, main_data
(training run and --from-run), Batching (main_as_if_random), plots and movies."""

import pickle

import pytest

from infonet.cli.command import run_cli
from infonet.information import estimator_from_spec
from infonet.rundir.results import read_rows
from main_as_if_random import main as batching_main
from main_data import main as data_main
from main_movie import main as movie_main
from main_plot import main as plot_main

NEW_SPECS = {
    "mc": "mc:noise_variance=0.1,target_se=0.01,max_draws=256,seed=0",
    "mc:draws=4": "mc:noise_variance=0.1,draws=4,seed=0",
    "mc:draws=1,noise_variance=1e-2,seed=3": "mc:noise_variance=0.01,draws=1,seed=3",
    "knn": "knn:k=3,noise_variance=0.1,points=8192,replicates=4,seed=0",
    "knn:k=5,draws=2": "knn:k=5,noise_variance=0.1,draws=2,seed=0",
    "knn:draws=2,replicates=3": "knn:k=3,noise_variance=0.1,draws=2,replicates=3,seed=0",
    "renyi": "renyi:alpha=1.01",
    "renyi:width=0.5,alpha=2": "renyi:alpha=2.0,width=0.5",
    "binning:edges=equal-mass": "binning:bins=30,edges=equal-mass",
    "binning:bins=10,edges=max-entropy": "binning:bins=10,edges=max-entropy",
}
MEASURED = ["mc:draws=1", "knn", "renyi", "binning:bins=10,edges=equal-mass",
            "binning:bins=10,edges=max-entropy"]


def _run(command, args, capsys):
    status = run_cli(command, [str(a) for a in args])
    return status, capsys.readouterr().err


@pytest.mark.parametrize(("spec", "name"), NEW_SPECS.items())
def test_each_spec_has_a_canonical_name_that_parses_back(spec, name):
    estimator = estimator_from_spec(spec)
    assert estimator.name == name and estimator_from_spec(name) == estimator


@pytest.mark.parametrize("spec", NEW_SPECS)
def test_each_estimator_survives_pickling_for_the_workers(spec):
    estimator = estimator_from_spec(spec)
    assert pickle.loads(pickle.dumps(estimator)) == estimator


@pytest.mark.parametrize(
    ("spec", "pairwise"),
    [("mc", True), ("knn", True), ("renyi", True), ("binning:edges=equal-mass", False),
     ("batching:window=2,renyi", True)],
)
def test_the_costly_estimators_declare_a_task_per_layer_epoch(spec, pairwise):
    assert estimator_from_spec(spec).pairwise is pairwise


@pytest.mark.parametrize(
    ("spec", "message"),
    [("mc:draws=0", "draws must be an integer >= 1"), ("knn:k=x", "k must be an integer"),
     ("renyi:alpha=-1", "alpha must be a number > 0"), ("renyi:sigma=1", "unknown parameter"),
     ("binning:edges=equal-mass,range=layer", "takes only bins")],
)
def test_bad_specs_give_one_line_and_status_2(tmp_path, capsys, spec, message):
    status, err = _run(data_main, ["--estimator", spec, "--out", tmp_path / "r"], capsys)
    assert status == 2 and err.startswith("error:") and message in err
    assert not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "run"
    args = ["--shape", "4,3", "--epochs", "3", "--jobs", "1", "--no-plot", "--no-measure",
            "--out", str(run_dir)]
    assert run_cli(data_main, args) == 0
    return run_dir


def test_a_training_run_measures_with_a_new_estimator(tmp_path, capsys):
    args = ["--shape", "3", "--epochs", "2", "--jobs", "1", "--no-plot", "--samples", "test",
            "--estimator", "mc:draws=1", "--estimator", "binning:edges=max-entropy",
            "--out", tmp_path / "run"]
    assert _run(data_main, args, capsys)[0] == 0
    rows = read_rows(tmp_path / "run" / "information.csv")
    assert {r["estimator"] for r in rows} == {"mc:noise_variance=0.1,draws=1,seed=0",
                                              "binning:bins=30,edges=max-entropy"}
    assert len(rows) == 2 * 3 * 2  # estimators x epochs x layers


@pytest.mark.parametrize("spec", MEASURED)
def test_from_run_measures_every_layer_epoch_within_the_entropies(saved_run, capsys, spec):
    name = estimator_from_spec(spec).name
    status, _ = _run(data_main, ["--from-run", saved_run, "--estimator", spec, "--samples",
                                 "test", "--jobs", "1", "--no-plot"], capsys)
    assert status == 0
    rows = [r for r in read_rows(saved_run / "information.csv") if r["estimator"] == name]
    assert {(r["epoch"], r["layer"]) for r in rows} == {(e, la) for e in range(4)
                                                       for la in (1, 2, 3)}
    if not spec.startswith("knn"):  # knn's bias may leave the entropies' bounds
        assert all(-1e-9 <= r["i_xt"] <= r["h_x"] + 1e-9 and r["i_yt"] <= r["h_y"] + 1e-9
                   for r in rows)


@pytest.mark.parametrize("spec", MEASURED)
def test_batching_windows_measure_with_every_new_estimator(saved_run, capsys, spec):
    spec = "knn:draws=2" if spec == "knn" else spec  # 2 epochs x 2 draws > k noisy points
    status, _ = _run(batching_main, [saved_run, "--window", "2", "--estimator", spec,
                                     "--samples", "test", "--jobs", "1"], capsys)
    assert status == 0
    name = f"batching:window=2,{estimator_from_spec(spec).name}"
    rows = [r for r in read_rows(saved_run / "information.csv") if r["estimator"] == name]
    assert {(r["epoch"], r["epoch_last"]) for r in rows} == {(0, 1), (2, 3)}
    assert len(rows) == 2 * 3


def test_an_adaptive_schedule_can_be_driven_by_a_new_estimator(saved_run, capsys):
    status, _ = _run(data_main, ["--from-run", saved_run, "--estimator", "renyi:alpha=2",
                                 "--schedule", "delta-exact:0.5", "--samples", "test",
                                 "--jobs", "1", "--no-plot"], capsys)
    assert status == 0
    rows = [r for r in read_rows(saved_run / "information.csv")
            if r["estimator"] == "renyi:alpha=2.0"]
    assert {0, 3} <= {r["epoch"] for r in rows}


def test_new_estimators_are_plotted_and_animated(saved_run, tmp_path, capsys):
    assert _run(data_main, ["--from-run", saved_run, "--estimator", "mc:draws=1",
                            "--samples", "test", "--jobs", "1", "--no-plot"], capsys)[0] == 0
    picked = ["--estimator", "mc", "--samples", "test"]
    assert _run(plot_main, [saved_run, *picked, "-o", tmp_path / "plane.png"], capsys)[0] == 0
    assert _run(movie_main, [saved_run, *picked, "-o", tmp_path / "plane.gif"], capsys)[0] == 0
    assert (tmp_path / "plane.png").stat().st_size > 0 and (tmp_path / "plane.gif").exists()
