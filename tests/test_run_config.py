"""config.json's schema: a damaged or foreign config is one short error naming the file; a
resumed run may only train longer or more repeats."""

import json
import os
from pathlib import Path

import pytest

from infonet.rundir import config as run_config

PATH = Path("run/config.json")
GOOD = {"dataset": {"name": "tishby", "data_path": None, "train_fraction": 0.8, "shuffle": True,
                    "n_samples": 4096, "n_features": 12, "n_classes": 2},
        "training": {"hidden": [10, 7], "activation": "tanh", "seed": 0, "epochs": 20,
                     "learning_rate": 4e-4, "a_key_added_later": 1},
        "repeats": 2, "preset": None, "command": "main_data.py", "versions": {},
        "measurements": [{"estimators": ["binning"]}]}


def _with(section, key, value):
    config = json.loads(json.dumps(GOOD))
    (config if section is None else config[section])[key] = value
    return json.dumps(config)


def test_a_config_of_the_schema_parses_with_unknown_keys_kept():
    assert run_config.parse(json.dumps(GOOD), PATH) == GOOD
    run_config.check_complete(GOOD, PATH)


def test_the_grouping_and_adams_epsilon_parse_and_old_configs_lack_them():
    grouped = _with("training", "repeats_together", 50)
    assert run_config.parse(grouped, PATH)["training"]["repeats_together"] == 50
    assert run_config.parse(_with("training", "adam_epsilon", 1e-8), PATH)
    assert "repeats_together" not in run_config.parse(json.dumps(GOOD), PATH)["training"]


@pytest.mark.parametrize(("text", "message"), [
    ("[]", "holds list, not a JSON object"),
    ("null", "holds null, not a JSON object"),
    ("5", "holds int, not a JSON object"),
    ('{"training": 5}', "training must be an object"),
    ('{"dataset": {"name": "tishby"', "is not valid JSON"),
    (_with("training", "hidden", "10,7"), "training.hidden must be a non-empty list"),
    (_with("training", "hidden", [10, -1]), "training.hidden must be"),
    (_with("training", "epochs", "20"), "training.epochs must be an integer >= 1"),
    (_with("training", "seed", 1.5), "training.seed must be an integer >= 0"),
    (_with("training", "adam_epsilon", "1e-8"), "training.adam_epsilon must be a positive"),
    (_with("training", "adam_epsilon", 0), "training.adam_epsilon must be a positive"),
    (_with("training", "repeats_together", 2.5), "training.repeats_together must be an int"),
    (_with("training", "repeats_together", 0), "training.repeats_together must be an int"),
    (_with("dataset", "train_fraction", "0.8"), "dataset.train_fraction must be a number"),
    (_with("dataset", "shuffle", 1), "dataset.shuffle must be true or false"),
    (_with("dataset", "n_samples", True), "dataset.n_samples must be an integer"),
    (_with(None, "repeats", 1000000), "repeats must be an integer in 1..100000"),
    (_with(None, "measurements", {"a": 1}), "measurements must be a list of objects"),
    (_with(None, "run_ranges", {"all": {"0": [-1.0]}}), "run_ranges must be an object of"),
])
def test_a_damaged_config_is_one_error_naming_the_file(text, message):
    with pytest.raises(ValueError, match=message) as error:
        run_config.parse(text, PATH)
    assert str(PATH) in str(error.value) and "\n" not in str(error.value)


def test_many_wrong_values_make_a_short_message():
    config = {"dataset": {key: "?" for key in ("n_samples", "n_features", "n_classes",
                                               "shuffle", "train_fraction")}}
    with pytest.raises(ValueError, match="and 3 more") as error:
        run_config.parse(json.dumps(config), PATH)
    assert len(str(error.value)) < 200


def test_brief_lists_a_few_items_then_a_count():
    assert run_config.brief(list(range(1000000))) == "0, 1, 2 and 999997 more"
    assert run_config.brief(["a", "b"]) == "a, b"


def _typed(values=GOOD):
    return run_config.RunConfig.from_json(json.dumps(values), PATH)


def test_resume_raises_epochs_and_repeats_when_given_and_never_lowers_them():
    new = json.loads(json.dumps(GOOD))
    new["training"]["epochs"], new["repeats"] = 50, 1
    stored = _typed()
    merged = stored.resumed(_typed(new), {"epochs", "repeats"})
    assert merged.epochs == 50 and merged.repeats == 2
    assert stored.epochs == 20  # the stored config is not changed


def test_resume_keeps_the_stored_settings_of_flags_not_given():
    new = json.loads(json.dumps(GOOD))
    new["training"]["activation"], new["training"]["epochs"] = "relu", 50
    assert _typed().resumed(_typed(new), set()) == _typed()


def test_resume_refuses_a_given_setting_that_differs():
    new = json.loads(json.dumps(GOOD))
    new["training"]["hidden"], new["dataset"]["shuffle"] = [5], False
    with pytest.raises(ValueError, match=r"shuffle=False.*hidden=\[5\]"):
        _typed().resumed(_typed(new), {"shape", "keep_order"})


def test_a_network_too_large_for_memory_is_refused_before_allocating():
    config = json.loads(_with("training", "hidden", [100000000, 100000000]))
    with pytest.raises(ValueError, match="--shape 100000000,100000000: .* needs at least"):
        _typed(config).check_fits_in_memory()


def test_a_small_network_fits_in_memory():
    _typed().check_fits_in_memory()


def test_a_typed_config_writes_back_the_json_it_was_read_from():
    text = json.dumps(GOOD, indent=2, sort_keys=True) + "\n"
    assert run_config.RunConfig.from_json(text, PATH).to_json() == text


def test_a_typed_config_keeps_keys_it_does_not_know():
    values = json.loads(_with("dataset", "origin", "lab"))
    values["a_section_added_later"] = {"x": 1}
    assert _typed(values).to_dict() == values


def test_the_kind_of_run_is_read_from_its_training_section():
    model = json.loads(json.dumps(GOOD))
    model["training"] = {"model": "m.py:f", "layers": ["dense"], "epochs": 3, "seed": 0}
    recorded = json.loads(json.dumps(model))
    recorded["training"]["model"] = None
    assert [_typed(v).kind for v in (GOOD, model, recorded)] == [
        run_config.NETWORK, run_config.MODEL, run_config.RECORDED]


def test_what_a_run_measures_round_trips_and_is_kept_once():
    measure = run_config.Measure(("kde-upper:noise_variance=0.1",), "every:500", "all")
    config = _typed().with_measure(measure).with_measure(measure)
    assert config.measures == (measure,)
    assert run_config.RunConfig.from_json(config.to_json(), PATH).measures == (measure,)


@pytest.mark.parametrize("measure", [
    {"estimators": [], "schedule": "every:1", "samples": "all"},
    {"estimators": ["binning"], "schedule": 3, "samples": "all"},
    {"estimators": ["binning"], "schedule": "every:1"},
])
def test_a_damaged_measure_list_is_one_error_naming_the_file(measure):
    with pytest.raises(ValueError, match="measure must be a list of"):
        run_config.parse(_with(None, "measure", [measure]), PATH)


def test_a_measurement_repeating_the_last_record_is_recorded_once():
    record = {"estimators": ["binning"]}
    assert _typed().with_measurement(record).measurements == ({"estimators": ["binning"]},)



def test_repeats_trained_together_are_refused_when_their_weights_together_do_not_fit(
        monkeypatch):
    """One 8000-wide network needs about 1 GiB for its weights, gradients and Adam moments; 50
    of them in one group do not fit in 23.5 GiB."""
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": int(23.5 * 2**30) // 4096}
    monkeypatch.setattr(os, "sysconf", pages.__getitem__)
    config = json.loads(_with("training", "hidden", [8000, 8000]))
    _typed(config).check_fits_in_memory()
    config["training"]["repeats_together"] = 50
    with pytest.raises(ValueError, match="50 repeats trained together .* need at least"):
        _typed(config).check_fits_in_memory()
