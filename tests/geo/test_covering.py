"""The maximal-covering suggestion against brute force: random small cities (seeded), every
k and a pinned facility or two; the solver's answer must keep the pins, have k
facilities and cover exactly as much as the best of all combinations."""

from __future__ import annotations

import numpy as np
import pytest

from geo.covering import brute_force, covered_weight, maximal_covering


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_solver_finds_the_best_cover_with_the_pins_kept(seed: int) -> None:
    rng = np.random.default_rng(seed)
    units = rng.uniform(0, 5000, size=(30, 2))
    sites = rng.uniform(0, 5000, size=(7, 2))
    distances = np.hypot(*(units[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    weights = rng.integers(50, 2000, size=30).astype(float)
    for k in range(1, 7):
        for pins in ((), (seed,), (0, 6)):
            if len(pins) > k:
                continue
            best = brute_force(distances, weights, 1500.0, k, pins)
            found = maximal_covering(distances, weights, 1500.0, k, pins)
            assert len(found.chosen) == k
            assert set(pins) <= set(found.chosen)
            assert found.covered == pytest.approx(best.covered)
            assert found.covered == covered_weight(distances, weights, 1500.0, found.chosen)


def test_a_pin_can_cost_coverage() -> None:
    # Two clusters; the pinned facility covers nobody, so with k=1 nothing is covered.
    distances = np.array([[100.0, 5000.0], [200.0, 5000.0]])
    weights = np.array([10.0, 20.0])
    assert maximal_covering(distances, weights, 1000, 1).chosen == (0,)
    pinned = maximal_covering(distances, weights, 1000, 1, [1])
    assert (pinned.chosen, pinned.covered) == ((1,), 0.0)


@pytest.mark.parametrize(("k", "pins"), [(0, ()), (3, ()), (1, (0, 1)), (1, (5,))])
def test_k_out_of_range_is_refused(k: int, pins: tuple[int, ...]) -> None:
    distances = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"k must|pinned"):
        maximal_covering(distances, np.ones(2), 1, k, pins)
