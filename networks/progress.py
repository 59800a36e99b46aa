"""A progress bar whose total can grow while work is planned (adaptive schedules add rounds).

Quiet when standard error is not a terminal (tqdm's ``disable=None``).
"""

from __future__ import annotations

from tqdm.auto import tqdm


class Progress:
    """``advance(done, planned)``: ``done`` units finished, ``planned`` more units scheduled."""

    def __init__(self, description: str, unit: str) -> None:
        self._bar = tqdm(total=0, desc=description, unit=unit, disable=None, dynamic_ncols=True)

    def advance(self, done: int, planned: int) -> None:
        if planned:
            self._bar.total += planned
            self._bar.refresh()
        if done:
            self._bar.update(done)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.close()
