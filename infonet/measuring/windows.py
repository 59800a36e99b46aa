"""Epoch windows for the Batching estimator: which consecutive epochs are pooled together.

A window is an inclusive epoch range ``(first, last)``: ``3-7`` pools epochs 3, 4, 5, 6 and 7
(five epochs). Windows may share epochs: ``1-5,5-10`` is two windows that both hold epoch 5.
"""

from __future__ import annotations

Window = tuple[int, int]


def sliding_windows(size: int, step: int, first: int, last: int) -> list[Window]:
    """Windows of ``size`` epochs starting at first, first+step, ... that end by ``last``."""
    if size < 1:
        raise ValueError(f"window must be at least 1 epoch, got {size}")
    if step < 1:
        raise ValueError(f"step must be at least 1 epoch, got {step}")
    if first > last:
        raise ValueError(f"the epoch range {first}-{last} is empty")
    if last - first + 1 < size:
        raise ValueError(
            f"a window of {size} epochs does not fit in epochs {first}-{last}"
        )
    return [(start, start + size - 1) for start in range(first, last - size + 2, step)]


def parse_ranges(text: str) -> list[Window]:
    """``"1-5,5-10,20"`` -> [(1, 5), (5, 10), (20, 20)]; each range inclusive of both ends."""
    windows = []
    for part in text.split(","):
        bounds = part.strip().split("-")
        try:
            if len(bounds) == 1:
                first = last = int(bounds[0])
            elif len(bounds) == 2:
                first, last = int(bounds[0]), int(bounds[1])
            else:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"--ranges must be comma-separated inclusive epoch ranges like 1-5,5-10; "
                f"cannot read {part.strip()!r}"
            ) from None
        if first < 0 or last < first:
            raise ValueError(f"epoch range {part.strip()!r} must satisfy 0 <= first <= last")
        windows.append((first, last))
    return windows


def check_windows(windows: list[Window], last_epoch: int) -> None:
    """Every window must lie within the saved epochs 0..last_epoch."""
    outside = [f"{a}-{b}" for a, b in windows if b > last_epoch]
    if outside:
        raise ValueError(
            f"windows {', '.join(outside)} reach past the last saved epoch {last_epoch}"
        )
