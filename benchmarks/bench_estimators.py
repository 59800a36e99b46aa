"""Speed and memory of the estimators, each figure beside a plain baseline measured in this run.

Run from the repository root, one BLAS thread, with the machine's OpenBLAS tuning variables
(which can slow NumPy here) removed for this command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.bench_estimators

Measures: Binning (N=4096, d=10, both I terms, inputs as ids; target <= 2 ms) against the
textbook np.unique(codes, axis=0, return_counts=True); KDE (N=4096, d=10, one bound, both terms,
float64, one core; target <= 100 ms) against scipy's cdist + logsumexp over the full matrix;
the peak resident memory of KDE at N=70,000 in a child process against the 2 GB limit; and a
batching window (N=4096, b=100, layers of 10, 7, 5, 4, 3, 2 units, 30 bins) against the
textbook counts over the same pooled rows. Each line also shows both results, which must agree.
Then wide layers (`bench_wide`): seconds per layer-epoch and the peak memory of the call of
binning, kde-upper, mc (one draw per row), knn (one draw per row, one replicate) and renyi at
N=4096, d in {10, 128, 1024, 16384} (float32 activations, as networks give them), each beside
one float32 matrix product (N, d) @ (d, N), the floor of any pairwise computation at that
size, and its N x N result's 64 MiB. An estimator whose time predicted from its previous d
(linear in d) passes WIDE_BUDGET_SECONDS is not run at that d; the line says so and gives the
prediction. Not here: correctness tests (tests/).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import logsumexp
from threadpoolctl import threadpool_limits

from infonet.information import (
    BatchingEstimator,
    BinningEstimator,
    KDEEstimator,
    estimator_from_spec,
)

MEMORY_LIMIT_BYTES = 2 * 1024**3
MEMORY_CHILD_FLAG = "--kde-memory-child"
WIDE_UNITS = (10, 128, 1024, 16384)
WIDE_SPECS = ("binning", "kde-upper", "mc:draws=1", "mc", "knn:draws=1", "knn", "renyi")
WIDE_BUDGET_SECONDS = 40.0


def median_seconds(function: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls, after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def textbook_entropy(rows: np.ndarray) -> float:
    """Plug-in entropy in bits of the rows of an integer matrix, via np.unique(axis=0)."""
    p = np.unique(rows, axis=0, return_counts=True)[1] / len(rows)
    return float(-(p * np.log2(p)).sum())


def textbook_binning(T: np.ndarray, ids: np.ndarray, y: np.ndarray,
                     bin_size: float | None = None) -> tuple[float, float]:
    """Baseline I(X;T), I(Y;T): 30 bins on [-1, 1] (or floor(T / bin_size)), every entropy by
    np.unique(axis=0)."""
    if bin_size is None:
        codes = np.clip(np.floor((T + 1.0) / 2.0 * 30), 0, 29).astype(np.int64)
    else:
        codes = np.floor(T / bin_size).astype(np.int64)
    h_t = textbook_entropy(codes)
    h_t_x = textbook_entropy(np.column_stack([codes, ids])) - textbook_entropy(ids[:, None])
    h_t_y = textbook_entropy(np.column_stack([codes, y])) - textbook_entropy(y[:, None])
    return h_t - h_t_x, h_t - h_t_y


def textbook_kde(T: np.ndarray, y: np.ndarray, noise_variance: float) -> tuple[float, float]:
    """Baseline upper-bound I(X;T), I(Y;T) for distinct inputs: full cdist, then logsumexp."""

    def s(rows: np.ndarray) -> float:
        exponent = -cdist(rows, rows, "sqeuclidean") / (2 * noise_variance)
        return float(np.log(len(rows)) - logsumexp(exponent, axis=1).mean())

    s_all = s(T)
    s_y = sum(np.mean(y == c) * s(T[y == c]) for c in np.unique(y))
    return float(s_all / np.log(2)), float((s_all - s_y) / np.log(2))


def report(what: str, ours: float, base: float, base_name: str, target: str) -> None:
    print(
        f"{what:<44} ours {ours * 1e3:8.2f} ms   {base_name} {base * 1e3:8.2f} ms   "
        f"({base / ours:4.1f}x; target {target})"
    )


def bench_binning(rng: np.random.Generator, width: int, bin_size: float | None,
                  target: str) -> None:
    T = np.tanh(rng.normal(size=(4096, width)))
    ids, y = np.arange(4096), rng.integers(0, 2, 4096)
    estimator = BinningEstimator() if bin_size is None else BinningEstimator(bin_size=bin_size)
    ours = median_seconds(lambda: estimator.mutual_information(T, ids, y), 200 // width + 5)
    base = median_seconds(lambda: textbook_binning(T, ids, y, bin_size), 50 // width + 3)
    report(f"binning N=4096 d={width}, both terms, ids", ours, base, "np.unique(axis=0)", target)
    print(f"    values: ours {estimator.mutual_information(T, ids, y)}, "
          f"textbook {textbook_binning(T, ids, y, bin_size)}")


def bench_kde(rng: np.random.Generator) -> None:
    T = np.tanh(rng.normal(size=(4096, 10)))
    ids, y = np.arange(4096), rng.integers(0, 2, 4096)
    estimator = KDEEstimator(noise_variance=0.1, bound="upper")
    ours = median_seconds(lambda: estimator.mutual_information(T, ids, y), 7)
    base = median_seconds(lambda: textbook_kde(T, y, 0.1), 3)
    report("kde-upper N=4096 d=10, both terms, 1 core", ours, base, "cdist+logsumexp", "<= 100 ms")
    print(f"    values: ours {estimator.mutual_information(T, ids, y)}, "
          f"textbook {textbook_kde(T, y, 0.1)}")


def bench_kde_memory() -> None:
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_estimators", MEMORY_CHILD_FLAG],
        check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    peak = int(child.stdout.split()[-1]) * 1024
    full_matrix = 70_000**2 * 8
    print(
        f"{'kde-upper N=70000 d=10 peak resident memory':<44} ours {peak / 2**20:8.0f} MiB   "
        f"limit {MEMORY_LIMIT_BYTES / 2**20:.0f} MiB   (one full float64 distance matrix, as "
        f"cdist builds it: {full_matrix / 2**20:.0f} MiB; took {time.perf_counter() - start:.1f} s)"
    )


def kde_memory_child() -> None:
    """Child process: one KDE measurement at MNIST size; prints its peak resident KiB.

    The peak is VmHWM from /proc (Linux), the high-water mark of this process alone:
    getrusage's ru_maxrss would also count the parent's memory copied at fork.
    """
    rng = np.random.default_rng(0)
    T = np.tanh(rng.normal(size=(70_000, 10)))
    with threadpool_limits(limits=1):
        KDEEstimator().mutual_information(T, np.arange(70_000), rng.integers(0, 10, 70_000))
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(line for line in status if line.startswith("VmHWM:")).split()[1])


def bench_batching(rng: np.random.Generator) -> None:
    n, window, widths = 4096, 100, (10, 7, 5, 4, 3, 2)
    layers = [np.tanh(rng.normal(size=(window, n, d)) * 3) for d in widths]
    ids, y = np.arange(n), rng.integers(0, 2, n)
    estimator = BatchingEstimator(BinningEstimator(bins=30, low=-1.0, high=1.0), window=window)

    def ours() -> list[tuple[float, float]]:
        return [estimator.mutual_information(T, ids, y) for T in layers]

    def base() -> list[tuple[float, float]]:
        pooled_ids, pooled_y = np.tile(ids, window), np.tile(y, window)
        return [textbook_binning(T.reshape(-1, T.shape[2]), pooled_ids, pooled_y) for T in layers]

    start = time.perf_counter()
    textbook = base()  # one call: the baseline takes seconds
    base_seconds = time.perf_counter() - start
    report("batching b=100 N=4096, 6 layers (one window)", median_seconds(ours, 3),
           base_seconds, "np.unique(axis=0)", "a few seconds")
    print(f"    values, last layer: ours {ours()[-1]}, textbook {textbook[-1]}")


def seconds_and_peak(function: Callable[[], object]) -> tuple[float, int]:
    """Wall time of one call and the peak bytes it allocated beyond what was held before
    (tracemalloc, which NumPy reports its arrays to)."""
    tracemalloc.start()
    start = time.perf_counter()
    function()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


def bench_wide(rng: np.random.Generator) -> None:
    n = 4096
    y = rng.integers(0, 10, n)
    last: dict[str, tuple[int, float]] = {}
    for d in WIDE_UNITS:
        T = np.tanh(rng.normal(size=(n, d))).astype(np.float32)
        U = np.ascontiguousarray(T.T)  # a general product, not NumPy's symmetric T @ T.T
        product = median_seconds(lambda T=T, U=U: T @ U, 3 if d <= 1024 else 1)
        print(f"N={n} d={d}: one float32 product (N, d) @ (d, N) {product:8.3f} s, "
              f"its result {n * n * 4 / 2**20:.0f} MiB")
        for spec in WIDE_SPECS:
            estimator = estimator_from_spec(spec)
            if spec in last and last[spec][1] * d / last[spec][0] > WIDE_BUDGET_SECONDS:
                predicted = last[spec][1] * d / last[spec][0]
                print(f"    {spec:<12} not run: about {predicted:.0f} s predicted from d="
                      f"{last[spec][0]} (> {WIDE_BUDGET_SECONDS:.0f} s budget)")
                continue

            def call(T=T, estimator=estimator) -> object:
                return estimator.mutual_information(T, np.arange(n), y)

            seconds, peak = seconds_and_peak(call)
            if seconds < 1:  # the first call was the warm-up: the median of three more
                seconds = median_seconds(call, 3)
            last[spec] = (d, seconds)
            print(f"    {spec:<12} {seconds:8.3f} s ({seconds / product:6.1f}x the product), "
                  f"peak {peak / 2**20:6.0f} MiB   [{estimator.name}]", flush=True)


def main() -> None:
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        bench_binning(rng, 10, None, "<= 2 ms")
        bench_binning(rng, 1024, 0.5, "exact, fast")
        bench_kde(rng)
        bench_batching(rng)
    bench_kde_memory()
    with threadpool_limits(limits=1):
        bench_wide(rng)


if __name__ == "__main__":
    if MEMORY_CHILD_FLAG in sys.argv:
        kde_memory_child()
    else:
        main()
