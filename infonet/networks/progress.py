"""Progress of long work on standard error: tqdm's bar on a terminal, a few plain lines in logs.

Every command reports progress through ``Progress`` (training, measuring, rendering a movie).
On a terminal it is tqdm's bar. When standard error is not a terminal (nohup, a cluster's log
file, a pipe) a bar would either be hidden or fill the log with carriage returns, so one plain
line is written instead, ``training repeats 0-4: 400/2000 epochs (20%)``, each time the work
has advanced LINE_STEP of its total or LINE_SECONDS have passed since the last line, whichever
comes first, and a last one when the work ends. The total may grow while work is planned
(adaptive schedules add rounds). Nothing else is written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

LINE_STEP = 0.1
"""The fraction of the total between two progress lines in a log."""
LINE_SECONDS = 30.0
"""The most seconds between two progress lines in a log, while the work advances."""

Item = TypeVar("Item")


class Progress:
    """``advance(done, planned)``: ``done`` more units finished, ``planned`` more scheduled.

    ``total`` units are planned from the start and ``initial`` of them done (a resumed run);
    ``note(**values)`` shows values beside the count (loss, accuracy); ``enabled=False`` shows
    nothing. Used as a context manager, it ends the bar (or writes the last line) on leaving.
    """

    def __init__(self, description: str, unit: str, total: int = 0, initial: int = 0,
                 enabled: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.description, self.unit = description, unit
        self.total, self.done = total, initial
        self._stream = sys.stderr
        self._enabled = enabled and self._stream is not None
        self._clock = clock
        self._values: dict[str, str] = {}
        self._line_done, self._line_time = initial, clock()
        terminal = self._enabled and self._stream.isatty()
        self._bar = tqdm(total=total, initial=initial, desc=description, unit=unit,
                         dynamic_ncols=True, file=self._stream) if terminal else None

    def advance(self, done: int, planned: int = 0) -> None:
        self.total += planned
        self.done += done
        if self._bar is not None:
            if planned:
                self._bar.total = self.total
                self._bar.refresh()
            if done:
                self._bar.update(done)
        elif done and self._due():
            self._write_line()

    def note(self, **values: str) -> None:
        """Show ``values`` beside the count from now on (``loss="0.3012"``)."""
        self._values = values
        if self._bar is not None:
            self._bar.set_postfix(values, refresh=False)

    def counted(self, items: Iterable[Item]) -> Iterator[Item]:
        """Yield ``items``, advancing by one as each is taken up."""
        for item in items:
            yield item
            self.advance(1)

    def line(self) -> str:
        """The progress line: ``measuring: 1200/6000 layer-epochs (20%)``, then any noted
        values (``, loss 0.3012, accuracy 0.912``)."""
        percent = 100 * self.done // self.total if self.total else 100
        values = "".join(f", {name} {value}" for name, value in self._values.items())
        return f"{self.description}: {self.done}/{self.total} {self.unit}s ({percent}%){values}"

    def _due(self) -> bool:
        step = self.total and self.done - self._line_done >= LINE_STEP * self.total
        return self._enabled and (step or self._clock() - self._line_time >= LINE_SECONDS)

    def _write_line(self) -> None:
        print(self.line(), file=self._stream, flush=True)
        self._line_done, self._line_time = self.done, self._clock()

    def close(self, finished: bool = True) -> None:
        """End the bar; in a log, write the last line if the work ``finished`` since it."""
        if self._bar is not None:
            self._bar.close()
        elif self._enabled and finished and self.done > self._line_done:
            self._write_line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(finished=kind is None)
