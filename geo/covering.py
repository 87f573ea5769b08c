"""Maximal covering (MCLP): which k of n facilities cover the most people within a
distance, some of them pinned (kept whatever the answer). spopt builds the model and
HiGHS solves it; both are imported only when a suggestion is asked for (spopt takes
seconds to import). Pure: distances and weights come in as arrays."""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Cover:
    chosen: tuple[int, ...]  # facility columns kept, ascending
    covered: float  # weight within the distance of a kept facility
    total: float


def _check(
    distances: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], k: int, pinned: set[int]
) -> int:
    if distances.ndim != 2 or distances.shape[0] != weights.shape[0]:
        raise ValueError("distances must be units × facilities, one weight a unit")
    n = int(distances.shape[1])
    if any(p < 0 or p >= n for p in pinned):
        raise ValueError("a pinned facility is not among the candidates")
    low = max(1, len(pinned))
    if not low <= k <= n:
        raise ValueError(f"k must be from {low} (at least one, and the pinned) to {n}")
    if (weights < 0).any():
        raise ValueError("weights must not be negative")
    return n


def covered_weight(
    distances: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    radius: float,
    chosen: Collection[int],
) -> float:
    if not chosen:
        return 0.0
    within = (distances[:, sorted(chosen)] <= radius).any(axis=1)
    return float(weights[within].sum())


def maximal_covering(
    distances: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    radius: float,
    k: int,
    pinned: Collection[int] = (),
) -> Cover:
    """The k facility columns (the pinned among them) covering the most weight."""
    import pulp
    from spopt.locate import MCLP

    pins = set(pinned)
    n = _check(distances, weights, k, pins)
    total = float(weights.sum())
    if k == n:
        return Cover(tuple(range(n)), covered_weight(distances, weights, radius, range(n)), total)
    # spopt reads a 0/1 array as long as the candidates as "which are pinned"; a shorter
    # one would be read as indices (pysal/spopt#217), so always pass the full 0/1 array.
    predefined = np.zeros(n, dtype=int)
    predefined[sorted(pins)] = 1
    model = MCLP.from_cost_matrix(
        np.asarray(distances, dtype=float),
        np.asarray(weights, dtype=float),
        service_radius=float(radius),
        p_facilities=k,
        predefined_facilities_arr=predefined if pins else None,
    )
    model.solve(pulp.HiGHS(msg=False), results=False)
    chosen = tuple(
        j for j, var in enumerate(model.fac_vars) if var.value() is not None and var.value() > 0.5
    )
    return Cover(chosen, covered_weight(distances, weights, radius, chosen), total)


def brute_force(
    distances: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    radius: float,
    k: int,
    pinned: Collection[int] = (),
) -> Cover:
    """Every k-set holding the pins, for checking the solver on small cases."""
    pins = set(pinned)
    n = _check(distances, weights, k, pins)
    free = [j for j in range(n) if j not in pins]
    best: Cover | None = None
    for extra in itertools.combinations(free, k - len(pins)):
        chosen = tuple(sorted({*pins, *extra}))
        value = covered_weight(distances, weights, radius, chosen)
        if best is None or value > best.covered:
            best = Cover(chosen, value, float(weights.sum()))
    assert best is not None
    return best
