"""The projection benchmark (bench/planning/projection.py) at a small size: it runs, and its
plain pandas version of the rules agrees with geo.renewal on every scenario (a second,
independent reading of the rules)."""

from __future__ import annotations

import pytest

from bench.planning import projection as bench


def test_small_run_agrees_with_plain_pandas(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--buildings", "150", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("same totals per year and category") == 3
    assert "FAIL" not in out
