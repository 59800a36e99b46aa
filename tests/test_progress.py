"""networks.progress: tqdm's bar on a terminal, a few plain lines when standard error is a log."""

import io
import sys

from infonet.networks.progress import Progress


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_plain_line_every_tenth_of_the_work(capsys):
    with Progress("measuring", "layer-epoch", total=6000) as progress:
        for _ in range(6000):
            progress.advance(1)
    assert capsys.readouterr().err.splitlines() == [
        f"measuring: {600 * k}/6000 layer-epochs ({10 * k}%)" for k in range(1, 11)]


def test_log_lines_are_plain_text_without_carriage_returns(capsys):
    with Progress("rendering", "frame", total=7) as progress:
        list(progress.counted(range(7)))
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err and err.isascii()
    assert err.splitlines()[-1] == "rendering: 7/7 frames (100%)"


def test_a_log_gets_a_line_every_30_seconds_between_tenths(capsys):
    clock = Clock()
    progress = Progress("training repeat 0", "epoch", total=1000, clock=clock)
    progress.advance(1)
    clock.now = 29.0
    progress.advance(1)
    clock.now = 30.5
    progress.advance(1)
    assert capsys.readouterr().err == "training repeat 0: 3/1000 epochs (0%)\n"


def test_work_planned_as_it_goes_is_counted_against_the_growing_total(capsys):
    progress = Progress("measuring", "layer-epoch")
    progress.advance(0, 10)
    progress.advance(10)
    progress.advance(0, 30)
    progress.advance(5)
    assert capsys.readouterr().err.splitlines() == ["measuring: 10/10 layer-epochs (100%)",
                                                    "measuring: 15/40 layer-epochs (37%)"]


def test_a_resumed_run_counts_from_where_it_stopped(capsys):
    with Progress("training repeats 0-4", "epoch", total=2000, initial=1800) as progress:
        progress.advance(200)
    assert capsys.readouterr().err == "training repeats 0-4: 2000/2000 epochs (100%)\n"


def test_noted_values_follow_the_count(capsys):
    with Progress("training repeat 0", "epoch", total=2) as progress:
        progress.note(loss="0.3012", accuracy="0.912")
        progress.advance(2)
    assert capsys.readouterr().err == (
        "training repeat 0: 2/2 epochs (100%), loss 0.3012, accuracy 0.912\n")


def test_work_that_fails_writes_no_last_line(capsys):
    try:
        with Progress("measuring", "layer-epoch", total=100) as progress:
            progress.advance(5)
            raise ValueError("bad table")
    except ValueError:
        pass
    assert capsys.readouterr().err == ""


def test_disabled_progress_writes_nothing(capsys):
    with Progress("training repeat 0", "epoch", total=10, enabled=False) as progress:
        progress.advance(10)
    assert capsys.readouterr().err == ""


def test_a_terminal_gets_tqdms_bar(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with Progress("measuring", "layer-epoch", total=4) as progress:
        progress.advance(4)
    assert "\r" in terminal.getvalue() and "4/4" in terminal.getvalue()
