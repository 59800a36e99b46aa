"""The run directory is never reused silently, and its config round-trips."""

import pytest

from networks import run_directory


def test_a_new_directory_is_created(tmp_path):
    run_directory.prepare(tmp_path / "run", resume=False, overwrite=False)
    assert (tmp_path / "run").is_dir()


def test_an_existing_run_needs_resume_or_overwrite(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="already exists; pass --resume"):
        run_directory.prepare(tmp_path, resume=False, overwrite=False)
    assert (tmp_path / "config.json").read_text() == "{}"


def test_overwrite_empties_the_directory(tmp_path):
    (tmp_path / "old.csv").write_text("x")
    run_directory.prepare(tmp_path, resume=False, overwrite=True)
    assert list(tmp_path.iterdir()) == []


def test_resume_needs_a_config(tmp_path):
    with pytest.raises(ValueError, match="holds no config.json"):
        run_directory.prepare(tmp_path, resume=True, overwrite=False)


def test_config_round_trips(tmp_path):
    config = {section: {key: 1 for key in keys} if keys else 1
              for section, keys in run_directory.REQUIRED.items()}
    run_directory.write_config(tmp_path, config)
    assert run_directory.read_config(tmp_path) == config
    run_directory.check_config(config, tmp_path)


def test_reading_a_directory_without_config_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a run directory"):
        run_directory.read_config(tmp_path)


def test_default_name_holds_dataset_activation_and_shape():
    name = run_directory.default_run_dir("tishby", "tanh", (10, 7)).name
    assert name.startswith("tishby-tanh-10x7-")


def test_a_config_without_the_run_settings_names_what_is_missing(tmp_path):
    (tmp_path / "config.json").write_text('{"dataset": {"name": "tishby"}, "training": {}}')
    config = run_directory.read_config(tmp_path)
    with pytest.raises(ValueError, match="lacks dataset.data_path.*training.hidden.*repeats"):
        run_directory.check_config(config, tmp_path)
