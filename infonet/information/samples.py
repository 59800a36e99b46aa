"""The samples information is measured on: inputs, labels, and which inputs are equal.

Equal rows of X are the same input; their shared integer id is what the estimators receive,
so that no estimator call has to compare rows again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from infonet.information.entropy import entropy, input_ids


@dataclass(frozen=True)
class Samples:
    """X: (N, ...) inputs; y: (N,) integer labels; name: "all", "train" or "test".

    Computed: ids (N,) integer input ids, equal for equal rows of X; h_x = H(X) and
    h_y = H(Y) in bits (h_x is log2 N when every input is distinct).
    """

    X: np.ndarray
    y: np.ndarray
    name: str
    ids: np.ndarray = field(init=False, repr=False)
    h_x: float = field(init=False)
    h_y: float = field(init=False)

    def __post_init__(self) -> None:
        if len(self.X) == 0:
            raise ValueError(f"samples={self.name!r} selects no samples (is the test set empty?)")
        if len(self.X) != len(self.y):
            raise ValueError(f"X has {len(self.X)} rows but y has {len(self.y)} labels")
        ids = input_ids(self.X)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "h_x", entropy(ids))
        object.__setattr__(self, "h_y", entropy(self.y))
