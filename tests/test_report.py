"""``main_plot.py RUN_DIR... --kind report``: one self-contained HTML file, checked as a file
and in a real headless browser (Debian's chromium and chromedriver, which .ci/run installs).

The runs are synthetic (closed-form values, ``plotting.synthetic``); the browser tests open
the file, read the console and the network log, click the epoch slider and take screenshots.
"""

import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from plotly.offline import get_plotlyjs

from infonet.analysis.tables import read_information
from infonet.cli.command import run_cli
from infonet.plotting.plane import plane_points
from infonet.plotting.synthetic import ESTIMATORS, write_synthetic_run
from main_plot import main

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
MB = 1e6


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The report of a synthetic run: 3 repeats, epochs 0..40, 3 layers, 2 estimators."""
    folder = tmp_path_factory.mktemp("report")
    run = write_synthetic_run(folder / "run", repeats=3, epochs=40, units=(4, 3, 2))
    assert run_cli(main, [str(run), "--kind", "report", "-o", str(folder / "report.html")]) == 0
    return run, folder / "report.html"


@pytest.fixture(scope="module")
def browser():
    """Headless chromium through chromedriver, logging the console and the network."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("the report's browser tests need chromium and chromedriver: apt-get "
                    "install chromium chromium-driver (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1400,1100"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def opened(browser, report):
    """The report loaded in the browser, its figures drawn; the logs of the load."""
    browser.get(report[1].as_uri())
    deadline = time.monotonic() + 30
    while browser.execute_script("return document.querySelectorAll('.main-svg').length") < 3:
        assert time.monotonic() < deadline, "the report's figures were not drawn in 30 s"
        time.sleep(0.1)
    return browser, browser.get_log("browser"), browser.get_log("performance")


def _page_without_plotly(path: Path) -> str:
    return path.read_text().replace(get_plotlyjs(), "")


def test_the_report_embeds_plotly_and_names_no_external_address(report):
    page = report[1].read_text()
    assert get_plotlyjs() in page
    assert "://" not in _page_without_plotly(report[1])


def test_the_report_holds_every_section_estimator_and_the_configuration(report):
    run, path = report
    page = _page_without_plotly(path)
    for section in ("Information plane", "Information against epoch", "Training metrics",
                    "Tables", "Configuration"):
        assert f"<h2>{section}</h2>" in page
    assert all(page.count(estimator) >= 3 for estimator in ESTIMATORS)
    assert json.loads((run / "config.json").read_text())["command"] in page


def test_the_tables_show_the_last_epoch_of_each_layer(report):
    run, path = report
    measured = read_information(run / "information.csv")[0]
    i_yt = measured.i_yt[:, -1, 0]
    assert f"{np.mean(i_yt):.3f} ± {np.std(i_yt):.3f}" in path.read_text()


def test_a_50_repeat_300_epoch_6_layer_report_is_well_under_10_mb(tmp_path):
    run = write_synthetic_run(tmp_path / "run", repeats=50, epochs=300)
    assert run_cli(main, [str(run), "--kind", "report"]) == 0
    assert (run / "report.html").stat().st_size < 6 * MB


def test_the_report_loads_with_no_console_error(opened):
    _, console, _ = opened
    assert [entry for entry in console if entry["level"] in ("SEVERE", "WARNING")] == []


def test_the_report_requests_nothing_over_the_network(opened, report):
    _, _, network = opened
    messages = [json.loads(entry["message"])["message"] for entry in network]
    requested = {m["params"]["request"]["url"] for m in messages
                 if m["method"] == "Network.requestWillBeSent"}
    assert requested == {report[1].as_uri()}


def test_a_screenshot_shows_the_plane(opened):
    from selenium.webdriver.common.by import By

    browser, _, _ = opened
    plane = browser.find_element(By.ID, "plane")
    pixels = np.asarray(Image.open(io.BytesIO(plane.screenshot_as_png)).convert("RGB"))
    background = (pixels == (229, 236, 246)).all(axis=-1).mean()  # plotly's plot area
    path = (pixels.max(axis=-1) < 40).sum()  # the slider epoch's black path and markers
    red, green, blue = np.moveaxis(pixels.astype(int), -1, 0)
    epoch_coloured = ((red - blue > 80) & (red > 150)).sum()  # gnuplot's red to yellow
    assert background > 0.2 and path > 500 and epoch_coloured > 500


def test_clicking_the_slider_moves_the_path_to_that_epoch(opened, report):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser, _, _ = opened
    rail = browser.find_element(By.CSS_SELECTOR, "#plane .slider-rail-rect")
    width = rail.rect["width"]
    ActionChains(browser).move_to_element_with_offset(rail, -width / 2 + width * 10 / 40, 0) \
        .click().perform()
    time.sleep(0.5)
    shown = browser.execute_script("var d = document.getElementById('plane').data;"
                                   "return [d[3].x, d[3].y];")
    epochs, i_xt, i_yt = plane_points(read_information(report[0] / "information.csv")[0])
    at = list(epochs).index(10)
    assert np.allclose(shown, [i_xt[at], i_yt[at]], atol=1e-4)


@pytest.mark.parametrize("flags, message", [
    (["-o", "report.png"], "must end in .html"),
    (["--show-repeats"], "--show-repeats would be ignored"),
    (["--xlim", "0,5"], "apply to --kind plane only"),
])
def test_bad_report_flags_are_one_line_and_write_nothing(report, tmp_path, capsys, flags,
                                                         message):
    flags = [str(tmp_path / f) if f.endswith(".png") else f for f in flags]
    status = run_cli(main, [str(report[0]), "--kind", "report", *flags])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert list(tmp_path.iterdir()) == [] and not (report[0] / "report.html").exists()


def test_without_plotly_the_report_is_one_line_naming_the_package(report, tmp_path):
    code = ("import sys; sys.modules['plotly'] = None; import main_plot; "
            "from infonet.cli.command import main_entry; main_entry(main_plot.main)")
    done = subprocess.run([sys.executable, "-c", code, str(report[0]), "--kind", "report",
                           "-o", str(tmp_path / "report.html")],
                          cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (2, "error: --kind report needs plotly: pip "
                                                 "install plotly (the version tested is in "
                                                 "requirements-extras.txt)\n")
    assert list(tmp_path.iterdir()) == []
