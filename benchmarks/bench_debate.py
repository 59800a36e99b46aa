"""The estimators of the debate on their ground truths, and their speed beside plain baselines.

Run from the repository root, one BLAS thread, with the machine's OpenBLAS tuning variables
(which can slow NumPy here) removed for this command only:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m benchmarks.bench_debate

Part 1, ground truths (tests/ground_truth.py): for each estimator on each case where its truth
is known, I(X;T) and I(Y;T) estimated, true, the error, and the time of the layer-epoch; on the
noisy layers beside the two KDE bounds of I(X;T+Z), which bracket the truth.
Part 2, the Monte Carlo standard error of mc with 4 draws per row on 4096-row tanh layers
from linear to saturated, beside that of Goldfeld's plain estimator (mean of -ln p, h(Z) in closed
form) on the same draws.
Part 3, speed per layer-epoch on N = 4096 (N = 1024 for renyi), a 10-unit tanh layer, one
core, each beside a plain baseline timed in the same run and computing the same number (both
values are printed): mc with 4 draws per row against scipy's cdist + logsumexp over the same
draws; knn with one draw per row against the full distance matrix and np.partition; adaptive
binning against fixed binning; renyi against numpy's eigvalsh of the three full N x N Gram matrices.
Not here: the correctness assertions (tests/).
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import digamma, gammaln, logsumexp
from threadpoolctl import threadpool_limits

from benchmarks.bench_estimators import median_seconds
from infonet.information import (
    BinningEstimator,
    KDEEstimator,
    MonteCarloEstimator,
    NearestNeighbourEstimator,
    RenyiEstimator,
)
from infonet.information.mc import noisy_log_kernel_sums
from infonet.information.noise import gaussian_entropy, noisy_samples
from tests.ground_truth import (
    TISHBY_LABEL_COUNTS,
    entropy_bits,
    heavy_tailed_layer,
    noisy_cases,
    renyi_entropy_bits,
)


def timed(estimator, T, X, y) -> tuple[tuple[float, float], float]:
    """(the estimate, seconds of one call)."""
    start = time.perf_counter()
    estimate = estimator.mutual_information(T, X, y)
    return estimate, time.perf_counter() - start


def line(case: str, estimator: str, estimate, truth, seconds: float, extra: str = "") -> None:
    errors = [e - t for e, t in zip(estimate, truth, strict=True)]
    print(f"  {case:<34} {estimator:<44} I(X;T) {estimate[0]:7.4f} (true {truth[0]:7.4f}, "
          f"err {errors[0]:+.4f})  I(Y;T) {estimate[1]:7.4f} (true {truth[1]:7.4f}, "
          f"err {errors[1]:+.4f})  {seconds * 1e3:8.1f} ms{extra}")


def ground_truths() -> None:
    print("Ground truths (bits; time = one layer-epoch)")
    print(" noisy layers T + Z, truth by quadrature; [kde-lower, kde-upper] of I(X;T+Z) beside")
    for case in noisy_cases():
        s2 = case.noise_variance
        bounds = [KDEEstimator(noise_variance=s2, bound=b).mutual_information(case.T, case.X,
                                                                              case.y)[0]
                  for b in ("lower", "upper")]
        extra = f"   kde [{bounds[0]:.4f}, {bounds[1]:.4f}]"
        for estimator in (MonteCarloEstimator(s2), MonteCarloEstimator(s2, draws=4),
                          MonteCarloEstimator(s2, draws=64),
                          NearestNeighbourEstimator(noise_variance=s2),
                          NearestNeighbourEstimator(noise_variance=s2, draws=1),
                          NearestNeighbourEstimator(noise_variance=s2, draws=16),
                          KDEEstimator(s2, bound="upper"), KDEEstimator(s2, bound="lower")):
            estimate, seconds = timed(estimator, case.T, case.X, case.y)
            line(case.name, estimator.name, estimate, (case.i_xt, case.i_yt), seconds, extra)

    print(" binned layers, truth by counting")
    heavy = heavy_tailed_layer()
    ids, median_split = np.arange(4096), (heavy[:, 0] > np.median(heavy)).astype(int)
    for estimator in (BinningEstimator(bins=32, edges="equal-mass"),
                      BinningEstimator(bins=32, edges="max-entropy")):
        estimate, seconds = timed(estimator, heavy, ids, median_split)
        line("Cauchy 4096 x 1, median classes", estimator.name, estimate, (5.0, 1.0), seconds)
    patterns = ((np.arange(4096)[:, None] >> np.arange(11, -1, -1)) & 1).astype(float)
    labels = np.repeat([0, 1], TISHBY_LABEL_COUNTS)
    estimate, seconds = timed(BinningEstimator(bins=2, low=0.0, high=1.0), patterns, ids, labels)
    line("identity on 12 bits, Tishby prior", "binning:bins=2,low=0.0,high=1.0", estimate,
         (12.0, entropy_bits(TISHBY_LABEL_COUNTS)), seconds)

    print(" kernel layers, truth from the block spectra")
    renyi = RenyiEstimator(width=1.0)
    prior = renyi_entropy_bits(TISHBY_LABEL_COUNTS, 1.01)
    cases = [
        ("identical rows, N=1024", np.zeros((1024, 3)), (0.0, 0.0), labels[::4]),
        ("rows 100 W apart, N=1024", 100.0 * np.arange(1024.0)[:, None],
         (10.0, renyi_entropy_bits(np.bincount(labels[::4]), 1.01)), labels[::4]),
        ("function of the class, Tishby", np.where(labels[:, None] == 1, 50.0, -50.0),
         (prior, prior), labels),
    ]
    for name, T, truth, y in cases:
        estimate, seconds = timed(renyi, T, np.arange(len(T)), y)
        line(name, renyi.name, estimate, truth, seconds)


def textbook_mc(T, y, noise_variance, samples, seed) -> tuple[float, float]:
    """I(X;T+Z), I(Y;T+Z) for distinct inputs from the full draw-by-row matrix and logsumexp."""
    V, sources = noisy_samples(T, noise_variance, samples, seed)
    exponent = -cdist(V, T, "sqeuclidean") / (2 * noise_variance)
    log_total = logsumexp(exponent, axis=1)
    own = exponent[np.arange(len(V)), sources]
    i_x = np.mean(math.log(len(T)) + own - log_total)
    same = y[sources][:, None] == y[None, :]
    counts = np.bincount(y)[y[sources]]
    log_own_y = logsumexp(np.where(same, exponent, -np.inf), axis=1)
    i_y = np.mean(np.log(len(T) / counts) + log_own_y - log_total)
    return float(i_x / math.log(2)), float(i_y / math.log(2))


def textbook_knn(T, y, k, noise_variance, seed) -> tuple[float, float]:
    """The same knn estimate (one draw per row) from the full distance matrix."""
    V, _ = noisy_samples(T, noise_variance, 1, seed)
    n, d = V.shape
    distances = cdist(V, V)
    kth = np.partition(distances, k, axis=1)[:, k]
    h = (digamma(n) - digamma(k) + 0.5 * d * math.log(math.pi) - gammaln(0.5 * d + 1)
         + d * np.log(kth).mean())
    radius = np.empty(n)
    for label in np.unique(y):
        members = y == label
        block = distances[np.ix_(members, members)]
        radius[members] = np.nextafter(np.partition(block, k, axis=1)[:, k], 0)
    within = (distances <= radius[:, None]).sum(axis=1)
    counts = np.bincount(y)[y]
    ross = digamma(n) + digamma(k) - digamma(counts).mean() - digamma(within).mean()
    return float((h - gaussian_entropy(d, noise_variance)) / math.log(2)), float(
        ross / math.log(2))


def textbook_renyi(T, y, alpha, width) -> tuple[float, float]:
    """I_alpha(X;T), I_alpha(Y;T) for distinct inputs from three full eigendecompositions."""

    def entropy(matrix):
        eigenvalues = np.clip(np.linalg.eigvalsh(matrix / np.trace(matrix)), 0, None)
        return np.log2((eigenvalues**alpha).sum()) / (1 - alpha)

    gram = np.exp(-cdist(T, T, "sqeuclidean") / (2 * width**2))
    labels = (y[:, None] == y[None, :]).astype(float)
    s_t = entropy(gram)
    return float(s_t), float(entropy(labels) + s_t - entropy(gram * labels))


def report(what: str, ours: float, base: float, base_name: str, target: str, values) -> None:
    print(f"  {what:<46} ours {ours * 1e3:8.1f} ms   {base_name} {base * 1e3:8.1f} ms   "
          f"({base / ours:4.1f}x; target {target})")
    print(f"      values: ours {values[0]}, baseline {values[1]}")


def speed() -> None:
    print("Speed per layer-epoch, 10-unit tanh layer, one core")
    rng = np.random.default_rng(0)
    T = np.tanh(rng.normal(size=(4096, 10)) * 2)
    ids, y = np.arange(4096), rng.integers(0, 2, 4096)

    mc = MonteCarloEstimator(draws=4)
    report("mc draws=4 (the default until 2026-12), N=4096", median_seconds(
        lambda: mc.mutual_information(T, ids, y), 3),
        median_seconds(lambda: textbook_mc(T, y, 0.1, mc.draws, mc.seed), 1),
        "cdist+logsumexp", "<= 0.5 s",
        (mc.mutual_information(T, ids, y), textbook_mc(T, y, 0.1, mc.draws, mc.seed)))

    knn = NearestNeighbourEstimator(draws=1)
    report("knn k=3 (1 draw per row), N=4096", median_seconds(
        lambda: knn.mutual_information(T, ids, y), 3),
        median_seconds(lambda: textbook_knn(T, y, 3, 0.1, 0), 1), "cdist+partition",
        "<= 0.3 s", (knn.mutual_information(T, ids, y), textbook_knn(T, y, 3, 0.1, 0)))

    fixed = BinningEstimator()
    for edges in ("equal-mass", "max-entropy"):
        adaptive = BinningEstimator(edges=edges)
        report(f"binning 30 bins, edges={edges}, N=4096", median_seconds(
            lambda a=adaptive: a.mutual_information(T, ids, y), 30),
            median_seconds(lambda: fixed.mutual_information(T, ids, y), 30),
            "fixed 30 bins", "within 2x of fixed",
            (adaptive.mutual_information(T, ids, y), fixed.mutual_information(T, ids, y)))

    small, labels = T[:1024], y[:1024]
    width = 0.5
    renyi = RenyiEstimator(width=width)
    report("renyi alpha=1.01, N=1024", median_seconds(
        lambda: renyi.mutual_information(small, ids[:1024], labels), 3),
        median_seconds(lambda: textbook_renyi(small, labels, 1.01, width), 1),
        "3 full eigvalsh", "<= 1 s",
        (renyi.mutual_information(small, ids[:1024], labels),
         textbook_renyi(small, labels, 1.01, width)))


def standard_errors() -> None:
    print("Monte Carlo standard error of mc (draws=4), N=4096, s^2=0.1, bits")
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 4096)
    for units, scale in ((10, 0.3), (10, 1.0), (10, 3.0), (10, 10.0), (3, 1.0), (3, 10.0)):
        T = np.tanh(scale * rng.normal(size=(4096, units)) + 0.5 * y[:, None])
        estimator = MonteCarloEstimator(draws=4)
        i_x, i_y, error_x, error_y = estimator.estimate(T, np.arange(4096), y)
        V, sources = noisy_samples(T, 0.1, estimator.draws, estimator.seed)
        _, log_total, _, _ = noisy_log_kernel_sums(V, sources, T, y, None, 0.1)
        plain = (np.log(len(T)) - log_total).std(ddof=1) / math.sqrt(len(V)) / math.log(2)
        print(f"  tanh({scale:>4} z), {units:2d} units   I(X;T+Z) {i_x:7.3f} +- {error_x:.4f}   "
              f"I(Y;T+Z) {i_y:6.3f} +- {error_y:.4f}   plain h(T+Z) - h(Z) +- {plain:.4f}")


def main() -> None:
    with threadpool_limits(limits=1):
        ground_truths()
        standard_errors()
        speed()


if __name__ == "__main__":
    main()
